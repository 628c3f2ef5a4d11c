"""The built-in SOPs at work on the demo company (`manage.py seed_demo` runs this through `leads.hooks`).

The demo's leads are written in bulk without signals, so the SOPs' recent past is replayed here with the
engine itself, as the minute tick would have run it: each day of the last DAYS days, the leads created that
day enter the lead-created sequences (golden 48 hours), and the sequence sweeps run at 10:00
(silent leads enter reactivation, segment entries start demand mining and trial drips, steps run, A/B
splits are judged). The replayed past's emails are recorded as sent without leaving the machine (a dummy
mail backend), so seeding never floods the console or a real mailbox; from then on `serve` runs the real
tick every minute and the SOPs carry on by themselves.

Idempotent: nothing is replayed when demo leads are already enrolled.
"""

from __future__ import annotations

import datetime as dt

from django.test.utils import override_settings
from django.utils import timezone

from leads.models import Lead
from nurturing.models.sequences import Enrollment
from nurturing.services.ab_tests import ab_winners_choose
from nurturing.services.engine import enrollments_run_due
from nurturing.services.messages import messages_deliver_due
from nurturing.services.triggers import (
    enrollments_exit_engaged,
    sequences_enroll_inactive,
    sequences_enroll_segment_entries,
    sequences_on_leads_created,
)

DAYS = 7
RUN_HOURS = (10,)
SWEEPS = (enrollments_exit_engaged, sequences_enroll_inactive, sequences_enroll_segment_entries,
          enrollments_run_due, messages_deliver_due, ab_winners_choose)  # fmt: skip


def demo_sequences_seed(*, now: dt.datetime) -> int:
    """Replay the last DAYS days of the SOPs on the demo leads; returns the enrollments written."""
    demo = Lead.objects.filter(attributes__demo=True)
    if not demo.exists() or Enrollment.objects.filter(lead__in=demo.values("pk")).exists():
        return 0
    today = timezone.localtime(now).date()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        for offset in range(DAYS, -1, -1):
            day = today - dt.timedelta(days=offset)
            start = timezone.make_aware(dt.datetime.combine(day, dt.time(0)))
            created = list(demo.filter(created_at__gte=start, created_at__lt=start + dt.timedelta(days=1),
                                       created_at__lte=now).values_list("pk", flat=True))  # fmt: skip
            if created:
                sequences_on_leads_created(lead_ids=created, at=min(start + dt.timedelta(hours=9), now))
            for hour in RUN_HOURS:
                moment = start + dt.timedelta(hours=hour)
                if moment <= now:
                    _sweep(moment)
    return Enrollment.objects.filter(lead__in=demo.values("pk")).count()


def _sweep(now: dt.datetime) -> None:
    for sweep in SWEEPS:
        while sweep(now=now, limit=500) >= 500:
            pass
