"""A fresh benchmark database: migrate, load the dataset with COPY, a user with a token, a gunicorn server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def server_url(database_url: str, name: str) -> str:
    """`database_url` with the database name replaced."""
    parts = urllib.parse.urlsplit(database_url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def database_recreate(database_url: str) -> None:
    name = urllib.parse.urlsplit(database_url).path.lstrip("/")
    admin = psycopg2.connect(server_url(database_url, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def broker_url() -> str:
    """The broker of the bench's worker (BENCH_CELERY_BROKER_URL, else CELERY_BROKER_URL); empty: none, and
    tasks run in the request at commit, as in the embedded default."""
    return os.environ.get("BENCH_CELERY_BROKER_URL", os.environ.get("CELERY_BROKER_URL", ""))


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "0",
           "DJANGO_SECRET_KEY": "bench-not-secret-" * 3,
           "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SECURE_SSL_REDIRECT": "0",
           "LEADFLOW_API_THROTTLE_USER": "1000000/minute", "CELERY_BROKER_URL": broker_url(), **extra}  # fmt: skip
    return env


def manage(database_url: str, *args: str) -> str:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=app_env(database_url), check=True,
                            capture_output=True, text=True)  # fmt: skip
    return result.stdout.strip()


def database_prepare(database_url: str, *, leads: int, touchpoints: int, seed: int) -> str:
    """Fresh database with the dataset; returns an API token of a bench user holding every role."""
    database_recreate(database_url)
    manage(database_url, "migrate", "--noinput", "-v0")
    manage(database_url, "generate_dataset", "--leads", str(leads), "--touchpoints", str(touchpoints),
           "--seed", str(seed))  # fmt: skip
    manage(database_url, "shell", "-c",
           "from django.contrib.auth.models import User; "
           "User.objects.filter(username='bench').exists() or "
           "User.objects.create_superuser('bench', 'bench@leadflow.test', 'bench-pass-123')")  # fmt: skip
    return manage(database_url, "issue_token", "bench").splitlines()[-1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(database_url: str, *, workers: int = 2) -> Iterator[str]:
    """A real gunicorn on gunicorn.conf.py against the bench database, and with a broker a Celery worker
    (one process) for what the requests queue, as in production; yields host:port."""
    bind = f"127.0.0.1:{free_port()}"
    env = app_env(database_url, GUNICORN_BIND=bind, GUNICORN_WORKERS=str(workers), GUNICORN_TIMEOUT="300",
                  GUNICORN_LOG_LEVEL="warning")  # fmt: skip
    log = open(ROOT / "bench" / "results" / "gunicorn.log", "w")  # noqa: SIM115
    process = subprocess.Popen([PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", "leadflow.wsgi:application"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    worker = None
    if broker_url():
        celery = [PYTHON, "-m", "celery", "-A", "leadflow"]
        subprocess.run([*celery, "purge", "-f"], cwd=ROOT, env=env, check=True, capture_output=True)
        worker = subprocess.Popen([*celery, "worker", "--concurrency", "1", "--without-gossip", "--without-mingle",
                                   "--hostname", f"bench-{bind.rsplit(':', 1)[1]}@%h", "--loglevel", "warning"],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", int(bind.rsplit(":", 1)[1])), 1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start; see {log.name}") from None
                time.sleep(0.2)
        yield bind
    finally:
        for child in (process, worker):
            if child is not None:
                child.terminate()
                child.wait(timeout=30)
        log.close()
