"""Settings come from the environment: safe development defaults, and production refuses to start unsafe.

Each case loads the settings in a fresh interpreter with a minimal environment; a developer's `.env` is
ignored there, so these tests say what the code defaults to, not what one machine is configured with.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Mapping

import pytest

from tests.integration.processes import REPO

IGNORE_DOTENV = "import environ; environ.Env.read_env = staticmethod(lambda *args, **kwargs: None)"


def run_python(code: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "leadflow.settings"}
    return subprocess.run(
        [sys.executable, "-c", f"{IGNORE_DOTENV}\n{code}"],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_in_subprocess(env: Mapping[str, str], *names: str) -> dict:
    code = (
        "import django, json\ndjango.setup()\nfrom django.conf import settings\n"
        f"print(json.dumps({{name: getattr(settings, name) for name in {list(names)!r}}}, default=str))"
    )
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = run_python("import django\ndjango.setup()", {})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_debug_runs_without_a_secret_key() -> None:
    values = settings_in_subprocess({"DJANGO_DEBUG": "1"}, "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")

    assert values["DEBUG"] is True
    assert values["SECRET_KEY"]
    assert values["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]


def test_sqlite_in_the_project_folder_is_the_default_database() -> None:
    database = settings_in_subprocess({"DJANGO_DEBUG": "1"}, "DATABASES")["DATABASES"]["default"]

    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(REPO / "leadflow.sqlite3")


def test_database_url_selects_postgresql() -> None:
    env = {"DJANGO_DEBUG": "1", "DATABASE_URL": "postgres://lf:pw@db.internal:5433/leadflow"}
    database = settings_in_subprocess(env, "DATABASES")["DATABASES"]["default"]

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("db.internal", 5433, "leadflow")


@pytest.mark.parametrize(
    ("broker", "eager"),
    [(None, True), ("redis://127.0.0.1:6379/0", False)],
    ids=["no-broker-runs-tasks-in-process", "broker-queues-tasks"],
)
def test_tasks_are_eager_exactly_when_no_broker_is_configured(broker: str | None, eager: bool) -> None:
    env = {"DJANGO_DEBUG": "1"} | ({"CELERY_BROKER_URL": broker} if broker else {})
    code = (
        "import django, json\ndjango.setup()\nfrom leadflow.celery import app\n"
        "print(json.dumps(app.conf.task_always_eager))"
    )
    result = run_python(code, env)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) is eager


def test_production_settings_pass_check_deploy() -> None:
    env = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "leadflow.example.com",
    }
    code = (
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
    )
    result = run_python(code, env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_has_no_allowed_hosts_unless_configured() -> None:
    values = settings_in_subprocess(
        {"DJANGO_SECRET_KEY": secrets.token_urlsafe(64)}, "DEBUG", "ALLOWED_HOSTS"
    )

    assert values == {"DEBUG": False, "ALLOWED_HOSTS": []}
