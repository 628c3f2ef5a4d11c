"""plotly.js served from the app's own static files: the copy shipped inside the installed `plotly` package.

The dashboard's figures are built by plotly (Python) and drawn by plotly.js; taking the browser library from
the same package keeps the two versions matched, and no CDN is needed. This finder exposes exactly one file,
`vendor/plotly/plotly.min.js` (MIT licence, its header says so), to runserver/whitenoise in development and
to `collectstatic` in the Docker image.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage

PREFIX = "vendor/plotly"
FILENAME = "plotly.min.js"


def plotly_package_data() -> Path:
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data"


class PlotlyJsFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=plotly_package_data())
        self.storage.prefix = PREFIX  # type: ignore[attr-defined]  # read by collectstatic and whitenoise

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        if not (plotly_package_data() / FILENAME).is_file():
            return [Error(f"plotly.js is missing from the plotly package ({plotly_package_data() / FILENAME}).",
                          id="analytics.E001")]  # fmt: skip
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        find_all = find_all or bool(kwargs.get("all"))
        if path.replace("\\", "/") == f"{PREFIX}/{FILENAME}":
            match = str(plotly_package_data() / FILENAME)
            return [match] if find_all else match
        return []  # as Django's finders answer "not here", whatever find_all says

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        yield FILENAME, self.storage
