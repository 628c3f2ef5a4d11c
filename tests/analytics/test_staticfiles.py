"""plotly.js is served from the app's own static files: found in development, collected for production."""

from __future__ import annotations

from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import override_settings

from analytics.staticfiles import plotly_package_data


def test_finder_serves_the_plotly_js_of_the_installed_plotly_package() -> None:
    found = finders.find("vendor/plotly/plotly.min.js")
    assert found == str(plotly_package_data() / "plotly.min.js")
    assert "Licensed under the MIT license" in Path(found).read_text(encoding="utf-8")[:400]
    assert finders.find("vendor/plotly/datasets/iris.csv.gz") is None  # nothing else of the package is exposed


def test_collectstatic_with_the_production_storage_collects_plotly_js(tmp_path: Path) -> None:
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "vendor" / "plotly" / "plotly.min.js").is_file()
    manifest = (tmp_path / "staticfiles.json").read_text(encoding="utf-8")
    assert '"vendor/plotly/plotly.min.js"' in manifest
    assert '"js/analytics.js"' in manifest
