"""`manage.py serve`: the web app plus, without a broker, the beat schedule fired in-process.

This is how the embedded default runs (`make demo`): one process, SQLite, eager tasks, and timers that
still fire. With CELERY_BROKER_URL set it only serves; Celery worker and beat run as their own processes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from django.core.management.commands.runserver import Command as RunserverCommand

from leadflow.scheduler import InProcessScheduler


class Command(RunserverCommand):
    help = (
        "Serve LeadFlow (static files through WhiteNoise) and, when CELERY_BROKER_URL is unset, "
        "fire the Celery beat schedule in-process."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--addr", default="127.0.0.1:8000", help="ipaddr:port or port (default %(default)s)"
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Do not fire the beat schedule in this process, even without a broker.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
            self.stderr.write(
                "Static files are not collected; run `python manage.py collectstatic` "
                "(or set DJANGO_DEBUG=1) so pages can load their CSS and scripts."
            )
        scheduler = None
        if settings.CELERY_BROKER_URL:
            self.stdout.write(
                "CELERY_BROKER_URL is set: serving only. Run `celery -A leadflow worker` and "
                "`celery -A leadflow beat` as separate processes for tasks and timers."
            )
        elif not options["no_scheduler"]:
            scheduler = InProcessScheduler()
            scheduler.start()
            self.stdout.write(
                "No broker: tasks run in-process and the beat schedule fires here ("
                + ", ".join(entry.name for entry in scheduler.entries)
                + ")."
            )
        runserver_options = {
            **options,
            "addrport": options["addr"],
            "use_ipv6": False,
            "use_threading": True,
            "use_reloader": False,  # the reloader forks a child, which would run a second scheduler
        }
        try:
            super().handle(*args, **runserver_options)
        finally:
            if scheduler is not None:
                scheduler.stop()
