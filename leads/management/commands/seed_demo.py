"""`manage.py seed_demo [--seed N] [--today YYYY-MM-DD] [--leads N] [--password P] [--reset]`.

Builds the demo company (leads.demo) and prints what it wrote, the stage distribution and the logins.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from leads.demo import DEFAULT_LEADS, DEMO_PASSWORD, DEMO_TZ, DemoReport, Login, demo_seed
from leads.demo.catalog import SALES_REPS
from leads.demo.inbox import demo_fresh_mqls
from leads.hooks import demo_seed_extras


class Command(BaseCommand):
    help = (
        "Create a deterministic demo company: a year of channels, campaigns, costs, accounts, leads with their "
        "full history, anonymous website visitors, and one login per role. Does nothing when demo data exists, "
        "unless --reset."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=42, help=_("Random seed (default 42)."))
        parser.add_argument(
            "--today", type=_date, default=None,
            help=_("The day the demo year ends, YYYY-MM-DD (default: today in Asia/Shanghai)."),
        )  # fmt: skip
        parser.add_argument("--leads", type=int, default=DEFAULT_LEADS, help=_("Number of leads."))
        parser.add_argument(
            "--password", default=DEMO_PASSWORD,
            help=_("Password of every demo login (default %(default)s)."),
        )  # fmt: skip
        parser.add_argument("--reset", action="store_true", help=_("Delete the demo data first."))

    def handle(self, *args: Any, **options: Any) -> None:
        today: dt.date = options["today"] or dt.datetime.now(DEMO_TZ).date()
        if options["leads"] < 1:
            raise CommandError(_("--leads must be at least 1."))
        if today > dt.datetime.now(DEMO_TZ).date():
            raise CommandError(_("--today cannot be after today: the demo never writes the future."))
        started = time.monotonic()
        report = demo_seed(
            seed=options["seed"], today=today, leads=options["leads"], password=options["password"],
            reset=options["reset"],
        )  # fmt: skip
        # Other apps' demo rows (SLA clocks, tasks, enrollments), registered through leads.hooks.
        end_of_today = dt.datetime.combine(report.today, dt.time(23, 59), tzinfo=DEMO_TZ)
        now = min(timezone.now(), end_of_today)
        extras = demo_seed_extras(now=now)
        report.counts.update({name: count for name, count in extras.items() if count})
        if report.created:  # after the clocks' seeder: these hand-offs start their clocks as live ones do
            reps = {user.username: user for user in User.objects.filter(username__in=SALES_REPS)}
            report.counts["fresh_mqls"] = demo_fresh_mqls(users=reps, now=now)
        self._summary(report)
        self._logins(report.logins)
        self.stdout.write(_("Elapsed: %(seconds).1f s") % {"seconds": time.monotonic() - started})

    def _summary(self, report: DemoReport) -> None:
        facts = {"seed": report.seed, "today": report.today.isoformat()}
        if not report.created:
            self.stdout.write(
                _("Demo data for seed %(seed)s (today %(today)s) already exists; nothing was changed. "
                  "Run with --reset to recreate it.") % facts
            )  # fmt: skip
        else:
            message = _("Created the demo company (seed %(seed)s, today %(today)s).") % facts
            self.stdout.write(self.style.SUCCESS(message))
            for name, count in report.counts.items():
                self.stdout.write(f"  {name:<15} {count:>7}")
        self.stdout.write(_("Leads by stage:"))
        for stage, count in report.stages.items():
            self.stdout.write(f"  {stage:<15} {count:>7}")

    def _logins(self, logins: list[Login]) -> None:
        headings = (_("Username / 用户名"), _("Role / 角色"), _("Name / 姓名"), _("Password / 密码"))
        changed = _("(changed)")
        rows = [headings, *[(login.username, login.role, login.name, login.password or changed) for login in logins]]
        widths = [max(_width(row[i]) for row in rows) for i in range(len(headings))]
        self.stdout.write(_("Demo logins:"))
        for row in rows:
            cells = (_pad(cell, width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write(("  " + "  ".join(cells)).rstrip())


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("--today must be a date like 2026-07-01, not “%(value)s”.") % {"value": value}) from None


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if "\u2e80" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
