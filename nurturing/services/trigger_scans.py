"""The tick's trigger and exit scans, incremental: after one complete scan they look only at the leads whose
answer may have changed since, found on indexes, so a tick costs what is due rather than the lead table
(spec/benchmarks.md, workload 5).

A trigger sequence (inactivity or segment entry) asks the same question as ever: is the lead live, in the
audience (rule, sources, silent for N days), not enrolled in this sequence (since it went silent), and free
to enter (not past the target stage, no equal or higher sequence on its track)? It asks it of these
candidates only, from the sequence's `ScanCursor` marks:

* inactivity: leads whose silence crossed N days since the last scan (`lead_silent_since` in
  (now_mark - N days, now - N days]);
* segment entry: leads touched (or created) since the last scan, as touches feed event rules;
* leads edited since (`updated_at`, wall-clock, index `lead_updated`): stage, BANT, fields, tags, new leads;
* leads whose enrollment on the sequence's track ended since: the track is free again (`enrollment_ended`);
* a rolling re-check of RECHECK_BATCH leads by id per tick, which in (leads / RECHECK_BATCH) ticks has asked
  every lead again: what no mark sees (a rescored lead, an event window running out, a touch ingested late,
  a blocking sequence paused) is found within that cycle instead of the next minute.

Every mark is widened by MARGIN (a transaction that committed late, a touch ingested a little late). Without
a cursor, or when the sequence's settings changed since (fingerprint), the scan is a complete one, as it
always was, until one comes back short; then the cursor starts at that scan.

Exits: active enrollments of leads touched since the last scan (and of the re-check slice) whose lead
replied or engaged after the enrollment started.

Candidates are ids; a sweep loads its rows afterwards, as its work. The queries are compiled once
(`compiled_rows`); the marks move forward only after a scan that came back short, by compare-and-set.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan, LessThanOrEqual

from leads.choices import TouchpointKind
from leads.models import Lead, Touchpoint
from leads.segments.models import Segment
from nurturing.models.cursors import ScanCursor
from nurturing.models.sequences import Enrollment, EnrollmentStatus, Sequence, SequenceStatus, TriggerKind
from nurturing.services.audience import free_to_enter, inactivity_days, not_enrolled_since, trigger_audience
from nurturing.services.claims import compiled_rows
from nurturing.services.engine import ENGAGEMENT_KINDS

MARGIN = dt.timedelta(minutes=5)
RECHECK_BATCH = 500
EXITS = "enrollment_exits"
_END = 2**62  # no upper bound for the re-check slice (fewer than a batch of leads left)
_SEQUENCE_FIELDS = ("pk", "trigger_kind", "trigger_config", "target_stage", "track", "priority",
                    "scan_cursor__config", "scan_cursor__now_mark", "scan_cursor__changed_mark",
                    "scan_cursor__recheck_after")  # fmt: skip


@dataclass(frozen=True)
class Marks:
    now_mark: dt.datetime
    changed_mark: dt.datetime
    recheck_after: int


@dataclass(frozen=True)
class TriggerScan:
    """One active trigger sequence (an unsaved stand-in holding its trigger settings) and its marks."""

    sequence: Sequence
    fingerprint: str
    marks: Marks | None  # None: no complete scan yet for these settings

    @property
    def cursor_name(self) -> str:
        return f"sequence:{self.sequence.pk}"

    @property
    def cacheable(self) -> bool:
        # A named segment's rule lives in its own row and may change under the same settings.
        return not (self.sequence.trigger_config or {}).get("segment")


# --- candidate queries ----------------------------------------------------------------------------------


def _silent_after(after: dt.datetime, until: dt.datetime | None = None) -> QuerySet[Any]:
    """Live leads silent since a moment after `after` (and up to `until`): touched or created since. The
    expression is the one `lead_silent_since` indexes."""
    silent_since = Coalesce("last_touch_at", "created_at")
    leads = Lead.objects.filter(GreaterThan(silent_since, after), merged_into__isnull=True, erased_at__isnull=True)
    return (leads.filter(LessThanOrEqual(silent_since, until)) if until is not None else leads).order_by().values("pk")


def _recheck(after: int) -> QuerySet[Any]:
    """The next RECHECK_BATCH leads by id after `after`."""
    return (
        Lead.objects.filter(
            pk__gt=after, pk__lte=Coalesce(Subquery(_nth_after(after)), Value(_END), output_field=BigIntegerField())
        )
        .order_by()
        .values("pk")
    )


def _nth_after(after: int) -> QuerySet[Any]:
    return Lead.objects.filter(pk__gt=after).order_by("pk").values("pk")[RECHECK_BATCH - 1 : RECHECK_BATCH]


def _trigger_candidates(sequence: Sequence, *, now: dt.datetime, marks: Marks) -> QuerySet[Any]:
    if sequence.trigger_kind == TriggerKind.INACTIVITY:
        days = inactivity_days(sequence)
        moved = _silent_after(marks.now_mark - MARGIN - days, now - days)
    else:
        moved = _silent_after(marks.now_mark - MARGIN)
    changed = Lead.objects.filter(updated_at__gte=marks.changed_mark - MARGIN).order_by().values("pk")
    freed = (
        Enrollment.objects.filter(ended_at__gte=marks.now_mark - MARGIN, track=sequence.track)
        .order_by()
        .values("lead_id")
    )
    return moved.union(changed, freed, _recheck(marks.recheck_after), all=True)


def trigger_query(sequence: Sequence, *, now: dt.datetime, limit: int, marks: Marks | None) -> QuerySet[Lead, int]:
    """Ids of the leads the trigger enrols at `now`, in id order (all leads without marks)."""
    leads = Lead.objects.all()
    if marks is not None:
        leads = leads.filter(pk__in=_trigger_candidates(sequence, now=now, marks=marks))
    since_touch = sequence.trigger_kind == TriggerKind.INACTIVITY
    audience = trigger_audience(sequence=sequence, now=now, leads=leads).filter(
        not_enrolled_since(sequence, since_touch=since_touch)
    )
    return free_to_enter(audience, sequence=sequence).order_by("pk").values_list("pk", flat=True)[:limit]


def exits_query(*, limit: int, marks: Marks | None) -> QuerySet[Enrollment, int]:
    """Ids of active enrollments whose lead replied (exit_on_reply) or engaged (exit_on_engagement) since
    it entered, in id order (of every active enrollment without marks)."""
    # One look at the lead's touchpoints since entry, for either reason (a reply is also an engagement).
    reply = Q(kind=TouchpointKind.EMAIL_REPLY) & Q(_flag("sequence__exit_on_reply"))
    engagement = Q(kind__in=ENGAGEMENT_KINDS) & Q(_flag("sequence__exit_on_engagement"))
    since = Touchpoint.objects.filter(reply | engagement, lead_id=OuterRef("lead_id"),
                                      occurred_at__gt=OuterRef("started_at"))  # fmt: skip
    active = Enrollment.objects.filter(Q(sequence__exit_on_reply=True) | Q(sequence__exit_on_engagement=True),
                                       status=EnrollmentStatus.ACTIVE)  # fmt: skip
    if marks is not None:
        touched = _silent_after(marks.now_mark - MARGIN).union(_recheck(marks.recheck_after), all=True)
        active = active.filter(lead_id__in=touched)
    return active.filter(Exists(since)).order_by("pk").values_list("pk", flat=True)[:limit]


def _flag(name: str) -> ExpressionWrapper:
    """A boolean column of the outer query, as a condition of a subquery."""
    return ExpressionWrapper(OuterRef(name), output_field=BooleanField())


# --- loading the scans ----------------------------------------------------------------------------------


def trigger_scans_load(*, kind: str) -> list[TriggerScan]:
    """The active sequences with this trigger, highest priority first, and their marks (one query; one more
    for the rules of the segments they name, which are part of their settings)."""
    rows = compiled_rows(("trigger_sequences", kind), lambda: _sequences_query(kind))
    configs = [json.loads(row[2]) if isinstance(row[2], str) else (row[2] or {}) for row in rows]
    named = {int(config["segment"]) for config in configs if config.get("segment")}
    rules = dict(Segment.objects.filter(pk__in=named).values_list("pk", "rule")) if named else {}
    return [
        _scan(row, config, rules.get(int(config.get("segment") or 0)))
        for row, config in zip(rows, configs, strict=True)
    ]


def _sequences_query(kind: str) -> QuerySet[Sequence, Any]:
    return (
        Sequence.objects.filter(status=SequenceStatus.ACTIVE, trigger_kind=kind)
        .order_by("-priority", "pk")
        .values_list(*_SEQUENCE_FIELDS)
    )


def _scan(row: tuple[Any, ...], config: dict[str, Any], segment_rule: Any) -> TriggerScan:
    pk, kind, _config, target_stage, track, priority, cursor_config, now_mark, changed_mark, after = row
    sequence = Sequence(pk=pk, trigger_kind=kind, trigger_config=config, target_stage=target_stage, track=track,
                        priority=priority)  # fmt: skip
    fingerprint = _fingerprint([kind, config, target_stage, track, priority, segment_rule])
    fresh = cursor_config == fingerprint and now_mark is not None
    return TriggerScan(sequence=sequence, fingerprint=fingerprint,
                       marks=Marks(now_mark, changed_mark, after) if fresh else None)  # fmt: skip


def _fingerprint(settings: Any) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:40]


EXITS_FINGERPRINT = _fingerprint(["exits", ENGAGEMENT_KINDS])


def exits_marks() -> Marks | None:
    rows = compiled_rows(("exit_cursor",), lambda: ScanCursor.objects.filter(name=EXITS).values_list(
        "config", "now_mark", "changed_mark", "recheck_after"))  # fmt: skip
    if not rows or rows[0][0] != EXITS_FINGERPRINT:
        return None
    return Marks(*rows[0][1:])


# --- running them ---------------------------------------------------------------------------------------


def trigger_candidates(scan: TriggerScan, *, now: dt.datetime, limit: int) -> list[int]:
    """The leads this trigger sequence enrols at `now` (at most `limit`)."""
    sequence, marks = scan.sequence, scan.marks
    if marks is None:
        whole: Hashable | None = ("trigger_all", sequence.pk, scan.fingerprint, limit) if scan.cacheable else None
        return compiled_rows(whole, lambda now: trigger_query(sequence, now=now, limit=limit, marks=None), now=now)

    def build(*, now: dt.datetime, now_mark: dt.datetime, changed_mark: dt.datetime, after: int) -> QuerySet[Any]:
        return trigger_query(sequence, now=now, limit=limit, marks=Marks(now_mark, changed_mark, after))

    key = ("trigger", sequence.pk, scan.fingerprint, limit, MARGIN, RECHECK_BATCH) if scan.cacheable else None
    return compiled_rows(key, build, now=now, now_mark=marks.now_mark, changed_mark=marks.changed_mark,
                         after=marks.recheck_after)  # fmt: skip


def exit_candidates(*, marks: Marks | None, limit: int) -> list[int]:
    if marks is None:
        return compiled_rows(("exits_all", limit), lambda: exits_query(limit=limit, marks=None))

    def build(*, now_mark: dt.datetime, changed_mark: dt.datetime, after: int) -> QuerySet[Any]:
        return exits_query(limit=limit, marks=Marks(now_mark, changed_mark, after))

    return compiled_rows(("exits", limit, MARGIN, RECHECK_BATCH), build, now_mark=marks.now_mark,
                         changed_mark=marks.changed_mark, after=marks.recheck_after)  # fmt: skip


def kind_scan(kind: str) -> Callable[..., list[int]]:
    """The scan of one trigger kind for benchmark 5: what its sweep reads before any work."""

    def scan(*, now: dt.datetime, limit: int) -> list[int]:
        ids: list[int] = []
        for item in trigger_scans_load(kind=kind):
            if len(ids) >= limit:
                break
            ids += trigger_candidates(item, now=now, limit=limit)[: limit - len(ids)]
        return ids

    return scan


inactivity_scan = kind_scan(TriggerKind.INACTIVITY)
segment_entry_scan = kind_scan(TriggerKind.SEGMENT_ENTRY)


def exits_scan(*, now: dt.datetime, limit: int) -> list[int]:
    """The exit sweep's scan for benchmark 5 (`now` is not one of its inputs: a touch after entry is)."""
    return exit_candidates(marks=exits_marks(), limit=limit)


def scan_cursor_advance(*, name: str, fingerprint: str, marks: Marks | None, now: dt.datetime, wall: dt.datetime,
                        sequence_id: int | None = None) -> None:  # fmt: skip
    """After a scan that came back short: the marks move to it (never back). A complete scan (no marks)
    starts the cursor; otherwise a compare-and-set: a worker that moved it meanwhile wins."""
    if marks is None:
        ScanCursor.objects.update_or_create(name=name, defaults={
            "sequence_id": sequence_id, "config": fingerprint, "now_mark": now, "changed_mark": wall,
            "recheck_after": 0})  # fmt: skip
        return
    after = Coalesce(Subquery(_nth_after(marks.recheck_after)), Value(0), output_field=BigIntegerField())
    ScanCursor.objects.filter(name=name, config=fingerprint, now_mark=marks.now_mark,
                              recheck_after=marks.recheck_after).update(
        now_mark=max(now, marks.now_mark), changed_mark=max(wall, marks.changed_mark), recheck_after=after)  # fmt: skip
