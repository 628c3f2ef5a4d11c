"""docker-compose.yml, Dockerfile and gunicorn.conf.py describe a stack that can actually start.

Docker does not run in CI; the integration smoke test runs these same commands natively, and these
tests pin the parts of the files that it cannot see (health checks, start order, image, user).
"""

from __future__ import annotations

import re
import runpy

import pytest

from tests.integration.compose import APP_SERVICES, command, compose, service
from tests.integration.processes import REPO

SETTINGS_VARIABLES = set(
    re.findall(r'env\.\w+\(\s*"([A-Z0-9_]+)"', (REPO / "leadflow" / "settings.py").read_text())
)


def test_the_stack_has_its_five_services_each_with_a_health_check() -> None:
    services = compose()["services"]

    for name in ("web", "worker", "beat", "postgres", "redis"):
        assert name in services
        assert services[name]["healthcheck"]["test"], f"{name} has no health check"
    assert service("postgres")["image"] == "postgres:16"
    assert "pg_isready" in " ".join(service("postgres")["healthcheck"]["test"])
    assert service("redis")["image"] == "redis:7"
    assert service("redis")["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]


def test_app_commands_are_the_ones_the_smoke_test_runs() -> None:
    assert command("web") == ["gunicorn", "-c", "gunicorn.conf.py", "leadflow.wsgi:application"]
    assert command("worker") == ["celery", "-A", "leadflow", "worker", "-l", "info"]
    beat = command("beat")
    assert beat[:6] == ["celery", "-A", "leadflow", "beat", "-l", "info"]
    schedule = beat[beat.index("--schedule") + 1]
    mounts = [volume.split(":")[1] for volume in service("beat")["volumes"]]
    assert any(schedule.startswith(f"{mount}/") for mount in mounts), (
        "beat's schedule file must be on a volume"
    )


def test_migrations_run_once_before_the_app_starts() -> None:
    assert command("migrate") == ["python", "manage.py", "migrate", "--noinput"]
    assert service("migrate")["restart"] == "no"
    for name in APP_SERVICES:
        assert service(name)["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


@pytest.mark.parametrize("name", [*APP_SERVICES, "migrate"])
def test_app_services_wait_for_healthy_backends(name: str) -> None:
    depends_on = service(name)["depends_on"]

    assert depends_on["postgres"] == {"condition": "service_healthy"}
    assert depends_on["redis"] == {"condition": "service_healthy"}


@pytest.mark.parametrize("name", [*APP_SERVICES, "migrate"])
def test_app_services_share_a_production_environment(name: str) -> None:
    env = service(name)["environment"]

    assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
    assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
    assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?"), (
        "the secret must be required, never defaulted"
    )
    assert "DJANGO_DEBUG" not in env
    assert env["DJANGO_ALLOWED_HOSTS"]


def test_compose_sets_only_variables_that_something_reads() -> None:
    read_elsewhere = {"GUNICORN_BIND", "GUNICORN_WORKERS"}  # gunicorn.conf.py

    for name in APP_SERVICES:
        unknown = set(service(name)["environment"]) - SETTINGS_VARIABLES - read_elsewhere
        assert not unknown, f"{name} sets variables nothing reads: {sorted(unknown)}"


def test_env_example_documents_every_variable_the_settings_read() -> None:
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (REPO / ".env.example").read_text(), re.MULTILINE)
    )

    assert {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SECRET_KEY", "DJANGO_DEBUG"} <= SETTINGS_VARIABLES
    assert sorted(SETTINGS_VARIABLES - documented) == []


def test_web_health_check_probes_healthz() -> None:
    assert service("web")["healthcheck"]["test"] == ["CMD", "python", "-m", "leadflow.health", "http"]
    assert service("beat")["healthcheck"]["test"] == ["CMD", "python", "-m", "leadflow.health", "heartbeat"]


def test_image_is_slim_python_collects_static_and_runs_unprivileged() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()

    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.MULTILINE)
    assert "pip install ." in dockerfile
    assert "collectstatic --noinput" in dockerfile
    user = re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE)
    assert user and user[-1] not in ("root", "0")
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".env"} <= set(ignored)


def test_gunicorn_reads_bind_and_workers_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    monkeypatch.delenv("GUNICORN_WORKERS", raising=False)
    defaults = runpy.run_path(str(REPO / "gunicorn.conf.py"))
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:9123")
    monkeypatch.setenv("GUNICORN_WORKERS", "2")
    configured = runpy.run_path(str(REPO / "gunicorn.conf.py"))

    assert defaults["bind"] == "0.0.0.0:8000"
    assert 1 <= defaults["workers"] <= 8
    assert (configured["bind"], configured["workers"]) == ("127.0.0.1:9123", 2)
