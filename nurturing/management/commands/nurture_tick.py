"""`python manage.py nurture_tick [--now ISO-8601]`: do everything due at `now`, print what was done."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from nurturing.services.tick import DEFAULT_BATCH_SIZE, SWEEPS, nurture_tick, nurture_tick_scans, sweeps_override


def _parse_now(value: str | None) -> dt.datetime:
    if not value:
        return timezone.now()
    parsed = parse_datetime(value)
    if parsed is None:
        raise CommandError(f"--now: not an ISO-8601 date and time: {value!r} (e.g. 2026-10-08T09:30:00+08:00)")
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


class Command(BaseCommand):
    help = "Run the nurturing tick (SLA breaches, overdue tasks, due sequence steps) for a moment in time."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="ISO-8601 time to run the tick for (default: now; naive = local time).")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
        parser.add_argument("--scan-only", action="store_true",
                            help="Only time each sweep's scan (claim queries, rolled back); print JSON (benchmark 5).")
        parser.add_argument("--repeat", type=int, default=3, help="With --scan-only: timed runs per scan.")
        parser.add_argument("--sweep", action="append", default=[], metavar="NAME",
                            help="Run only this sweep (repeatable), e.g. --sweep inactivity_triggers.")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scan_only"]:
            timings = nurture_tick_scans(now=_parse_now(options["now"]), limit=options["batch_size"],
                                         repeat=max(1, options["repeat"]))  # fmt: skip
            self.stdout.write(json.dumps(timings))
            return
        names = {name for name, _sweep in SWEEPS}
        unknown = sorted(set(options["sweep"]) - names)
        if unknown:
            raise CommandError(f"--sweep: no sweep named {', '.join(unknown)} (known: {', '.join(sorted(names))})")
        chosen = [(name, sweep) for name, sweep in SWEEPS if name in options["sweep"] or not options["sweep"]]
        with sweeps_override(chosen):
            report = nurture_tick(now=_parse_now(options["now"]), batch_size=options["batch_size"])
        for line in report.lines():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError("one or more sweeps failed (see the log)")
