"""Health: the `/healthz/` view and the container health checks of docker-compose.yml.

`python -m leadflow.health http` probes `/healthz/` with a Host header Django accepts (the first of
DJANGO_ALLOWED_HOSTS) and X-Forwarded-Proto https, so neither ALLOWED_HOSTS nor the HTTPS redirect of
production settings turns the probe into a 400 or a redirect.
`python -m leadflow.health heartbeat` passes while the "beat" heartbeat is fresh: beat scheduled it, the
broker carried it, a worker ran it and the database stored it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence

from django.db import connection
from django.db.utils import Error as DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

DEFAULT_HEARTBEAT_SECONDS = 60.0


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not. Anonymous and cheap: one `SELECT 1`."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "error"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def heartbeat_is_fresh(*, name: str, max_age: dt.timedelta, now: dt.datetime) -> bool:
    """Whether the periodic job `name` ran within `max_age` before `now`."""
    from leadflow.models import Heartbeat

    return Heartbeat.objects.filter(name=name, last_run_at__gte=now - max_age).exists()


def probe_host(allowed_hosts: str) -> str:
    """A Host header that the comma-separated DJANGO_ALLOWED_HOSTS value accepts."""
    hosts = [host.strip() for host in allowed_hosts.split(",") if host.strip()]
    host = hosts[0] if hosts else "localhost"
    if host == "*":
        return "localhost"
    return host.lstrip(".")  # ".example.com" allows example.com itself


def probe_http(url: str | None = None, timeout: float = 5.0) -> int:
    """Exit status for the web health check: 0 when `/healthz/` answers 200."""
    import urllib.error
    import urllib.request

    if url is None:
        port = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rpartition(":")[2]
        url = f"http://127.0.0.1:{port}/healthz/"
    headers = {"Host": probe_host(os.environ.get("DJANGO_ALLOWED_HOSTS", "")), "X-Forwarded-Proto": "https"}
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=headers), timeout=timeout
        ) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as error:
        print(f"health check failed: {url}: {error}", file=sys.stderr)
        return 1


def probe_heartbeat(name: str, max_age_seconds: float | None) -> int:
    """Exit status for the beat health check: 0 while the heartbeat is younger than `max_age_seconds`."""
    import django

    django.setup()
    from django.utils import timezone

    if max_age_seconds is None:
        interval = float(os.environ.get("LEADFLOW_HEARTBEAT_SECONDS", DEFAULT_HEARTBEAT_SECONDS))
        max_age_seconds = 3 * interval + 30  # a missed beat or a slow worker is not yet an outage
    if heartbeat_is_fresh(name=name, max_age=dt.timedelta(seconds=max_age_seconds), now=timezone.now()):
        return 0
    print(f"health check failed: heartbeat {name!r} older than {max_age_seconds:.0f} s", file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m leadflow.health", description="LeadFlow health checks")
    checks = parser.add_subparsers(dest="check", required=True)
    http = checks.add_parser("http", help="GET /healthz/ on this host")
    http.add_argument("--url", help="default: http://127.0.0.1:<port of GUNICORN_BIND>/healthz/")
    heartbeat = checks.add_parser("heartbeat", help="the beat heartbeat ran recently")
    heartbeat.add_argument("--name", default="beat")
    heartbeat.add_argument(
        "--max-age", type=float, help="seconds (default 3 x LEADFLOW_HEARTBEAT_SECONDS + 30)"
    )
    args = parser.parse_args(argv)
    if args.check == "http":
        return probe_http(args.url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadflow.settings")
    return probe_heartbeat(args.name, args.max_age)


if __name__ == "__main__":
    sys.exit(main())
