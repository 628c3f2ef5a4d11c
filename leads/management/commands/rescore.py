"""`manage.py rescore [--now ISO] [--chunk-size N]`: score every lead with the live rules now, in this
process (the same chunked run the Celery task executes); prints a JSON line with the wall time."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from leads.scoring.services import RESCORE_CHUNK, rescore_run_create, rescore_run_execute, ruleset_live


class Command(BaseCommand):
    help = "Rescore every lead with the live scoring rules (chunked, set-based), in this process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="ISO time to score as of (default: now).")
        parser.add_argument("--chunk-size", type=int, default=RESCORE_CHUNK)

    def handle(self, *args: Any, **options: Any) -> None:
        now = parse_datetime(options["now"]) if options["now"] else timezone.now()
        live = ruleset_live()
        if now is None or live is None:
            raise CommandError("Needs a valid --now and a live rule set.")
        began = time.perf_counter()
        run = rescore_run_create(ruleset=live, reason="command", now=now)
        run = rescore_run_execute(run_id=run.pk, chunk_size=options["chunk_size"])
        elapsed = time.perf_counter() - began
        self.stdout.write(json.dumps({"run": run.pk, "status": run.status, "leads": run.done,
                                      "ms": round(elapsed * 1000, 1)}))  # fmt: skip
