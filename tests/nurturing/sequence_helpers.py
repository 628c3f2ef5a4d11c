"""Helpers for the sequence engine tests: build a sequence from step tuples, run the tick's sequence sweeps."""

from __future__ import annotations

import datetime as dt
from typing import Any

from nurturing.models.sequences import EmailTemplate, Sequence, SequenceStatus, Step
from nurturing.services.ab_tests import ab_winners_choose
from nurturing.services.engine import enrollments_run_due
from nurturing.services.messages import messages_deliver_due
from nurturing.services.triggers import (
    enrollments_exit_engaged,
    sequences_enroll_inactive,
    sequences_enroll_segment_entries,
)

SEQUENCE_SWEEPS = [
    ("enrollment_exits", enrollments_exit_engaged),
    ("inactivity_triggers", sequences_enroll_inactive),
    ("segment_entry_triggers", sequences_enroll_segment_entries),
    ("enrollment_steps", enrollments_run_due),
    ("messages_deliver", messages_deliver_due),
    ("ab_winners", ab_winners_choose),
]


def pause_builtins() -> None:
    """The migration ships the five SOPs switched on; tests of one sequence switch the others off."""
    Sequence.objects.filter(is_builtin=True).update(status=SequenceStatus.PAUSED)


def template(slug: str = "hello", subject: str = "Hello {{ first_name }}", body: str = "Body for {{ company }}",
             zh_subject: str = "您好 {{ first_name }}") -> EmailTemplate:  # fmt: skip
    return EmailTemplate.objects.get_or_create(slug=slug, defaults={"name": slug, "translations": {
        "en": {"subject": subject, "body": body + "\nUnsubscribe: {{ unsubscribe_url }}"},
        "zh-hans": {"subject": zh_subject, "body": body + "\n退订：{{ unsubscribe_url }}"}}})[0]


def make_sequence(steps: list[tuple[str, str, dict[str, Any]]], *, slug: str = "test-seq",
                  status: str = SequenceStatus.ACTIVE, **fields: Any) -> Sequence:  # fmt: skip
    """A sequence with steps given as (key, kind, config), in order."""
    sequence = Sequence.objects.create(slug=slug, name=fields.pop("name", slug), status=status, **fields)
    Step.objects.bulk_create([Step(sequence=sequence, key=key, kind=kind, config=config, position=index)
                              for index, (key, kind, config) in enumerate(steps, start=1)])
    return sequence


def run(now: dt.datetime) -> int:
    """One pass of the tick's sequence sweeps at `now` (as nurture_tick runs them)."""
    total = 0
    for _name, sweep in SEQUENCE_SWEEPS:
        total += sweep(now=now, limit=500)
    return total
