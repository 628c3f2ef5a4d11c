"""Dry run of a sequence: who would enter now, and what each would receive over the next 30 days.

Read-only. The plan walks the steps with a simulated clock: waits move it, emails respect quiet hours and
the frequency cap (counting the messages the lead already got), branches are judged on the lead as it is
now (a dry run cannot know future behaviour), splits use the winner or the same weighted pick the engine
would make, and gotos respect their visit limits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from leads.models import Lead
from leads.segments.selectors import segment_leads
from leads.selectors import leads_visible_to
from nurturing.models.messages import Message
from nurturing.models.sequences import EmailTemplate, Enrollment, Sequence, Step, StepKind, TriggerKind
from nurturing.services.engine import lead_matches
from nurturing.services.enrollments import stages_past_target
from nurturing.services.messages import email_content, lead_language, marketing_block_reason
from nurturing.services.pacing import CAP_WINDOW, COUNTED, frequency_cap, quiet_hours_end
from nurturing.services.steps import branch_rule, variant_pick, wait_until
from nurturing.services.triggers import trigger_audience

HORIZON_DAYS = 30
MAX_PLAN_STEPS = 200
# Event triggers have no "now": the dry run shows the leads the event picked in this recent past.
RECENT = dt.timedelta(days=7)


@dataclass
class PlannedItem:
    at: dt.datetime
    kind: str
    summary: str
    step: str = ""


@dataclass
class LeadPlan:
    lead: Lead
    items: list[PlannedItem] = field(default_factory=list)

    @property
    def emails(self) -> int:
        return sum(1 for item in self.items if item.kind == StepKind.SEND_EMAIL)


@dataclass
class DryRun:
    sequence: Sequence
    now: dt.datetime
    count: int
    plans: list[LeadPlan]
    note: str = ""


def dry_run_audience(*, sequence: Sequence, user: Any, now: dt.datetime, rule: Any = None) -> QuerySet[Lead]:
    """The visible leads that would enter now: the trigger's selection (or the given rule tree), minus
    leads past the target stage or held by an equal or higher sequence on the track."""
    visible = leads_visible_to(user=user).filter(erased_at__isnull=True)
    if rule is not None:
        leads = segment_leads(user=user, rule=rule, now=now)
    else:
        leads = trigger_audience(sequence=sequence, now=now, leads=visible)
        if sequence.trigger_kind == TriggerKind.LEAD_CREATED:
            leads = leads.filter(created_at__gte=now - RECENT)
        elif sequence.trigger_kind == TriggerKind.STAGE_CHANGED and sequence.trigger_config.get("to"):
            leads = leads.filter(stage__in=sequence.trigger_config["to"], stage_changed_at__gte=now - RECENT)
        elif sequence.trigger_kind == TriggerKind.TEMPERATURE_CHANGED and sequence.trigger_config.get("to"):
            leads = leads.filter(temperature__in=sequence.trigger_config["to"])
        elif sequence.trigger_kind == TriggerKind.MANUAL:
            leads = leads.none()
    held = Enrollment.objects.filter(lead_id=OuterRef("pk"), track=sequence.track, status="active",
                                     sequence__priority__gte=sequence.priority)  # fmt: skip
    return leads.exclude(stage__in=stages_past_target(sequence.target_stage)).exclude(Exists(held))


def sequence_dry_run(*, sequence: Sequence, user: Any, now: dt.datetime, sample: int = 25, rule: Any = None,
                     days: int = HORIZON_DAYS) -> DryRun:  # fmt: skip
    audience = dry_run_audience(sequence=sequence, user=user, now=now, rule=rule)
    leads = list(audience.select_related("owner_sdr", "owner_sales").order_by("-created_at", "-id")[:sample])
    count = audience.count() if len(leads) == sample else len(leads)
    steps = list(sequence.steps.order_by("position"))
    plans = [lead_plan(lead=lead, steps=steps, sequence=sequence, now=now, days=days) for lead in leads]
    note = _("This sequence enrols by hand only: choose a segment to see who it would reach.") if (
        sequence.trigger_kind == TriggerKind.MANUAL and rule is None) else ""
    return DryRun(sequence=sequence, now=now, count=count, plans=plans, note=note)


def lead_plan(*, lead: Lead, steps: list[Step], sequence: Sequence, now: dt.datetime,
              days: int = HORIZON_DAYS) -> LeadPlan:  # fmt: skip
    """What this lead would get from the sequence if it entered at `now`, until `now + days`."""
    plan, end = LeadPlan(lead=lead), now + dt.timedelta(days=days)
    by_key = {step.key: step for step in steps}
    sent = list(Message.objects.filter(lead_id=lead.pk, is_marketing=True, status__in=COUNTED,
                                       created_at__gt=now - CAP_WINDOW).values_list("created_at", flat=True))
    visits: dict[str, int] = {}
    at, index, walked = now, 0, 0
    while index < len(steps) and at <= end and walked < MAX_PLAN_STEPS:
        step, walked = steps[index], walked + 1
        visits[step.key] = visits.get(step.key, 0) + 1
        at, goto = _plan_step(plan, step, sequence, lead, at=at, now=now, sent=sent, visits=visits)
        if at > end:
            break
        index = steps.index(by_key[goto]) if goto else index + 1
    plan.items = [item for item in plan.items if item.at <= end]
    return plan


def _plan_step(plan: LeadPlan, step: Step, sequence: Sequence, lead: Lead, *, at: dt.datetime, now: dt.datetime,
               sent: list[dt.datetime], visits: dict[str, int]) -> tuple[dt.datetime, str | None]:  # fmt: skip
    config, label = step.config, step.name or step.get_kind_display()
    if step.kind == StepKind.WAIT:
        return wait_until(config=config, start=at), None
    if step.kind == StepKind.SEND_EMAIL:
        return _plan_email(plan, step, sequence, lead, at=at, now=now, sent=sent), None
    if step.kind == StepKind.BRANCH:
        matched = lead_matches(lead=lead, rule=branch_rule(config["condition"]), now=now)
        plan.items.append(PlannedItem(at, step.kind, _("%(step)s: %(way)s") % {
            "step": label, "way": _("yes") if matched else _("no")}, step.key))  # fmt: skip
        return at, config.get("then" if matched else "else") or None
    if step.kind == StepKind.AB_SPLIT:
        variant = next((v for v in config["variants"] if v["key"] == step.winner), None) or variant_pick(
            variants=config["variants"], seed=f"dry:{lead.pk}:{step.key}")
        plan.items.append(PlannedItem(at, step.kind, _("Variant %(key)s") % {"key": variant["key"]}, step.key))
        return at, variant["goto"]
    if step.kind == StepKind.GOTO:
        limit = config.get("max_visits")
        return at, (None if limit is not None and visits[step.key] > limit else config["to"])
    summaries: dict[str, Any] = {
        StepKind.CREATE_TASK: lambda: _("SDR task: %(title)s") % {"title": config.get("title", "")},
        StepKind.NOTIFY: lambda: _("Notify %(to)s") % {"to": config.get("channel") or _("the owner")},
        StepKind.SET_FIELD: lambda: f"{config.get('field')} = {config.get('value')}",
        StepKind.ADD_TAG: lambda: _("Tag “%(tag)s”") % {"tag": config.get("tag", "")},
        StepKind.CHANGE_TEMPERATURE: lambda: _("Temperature → %(value)s") % {"value": config.get("temperature")},
    }
    plan.items.append(PlannedItem(at, step.kind, str(summaries[step.kind]()), step.key))
    return at, None


def _plan_email(plan: LeadPlan, step: Step, sequence: Sequence, lead: Lead, *, at: dt.datetime, now: dt.datetime,
                sent: list[dt.datetime]) -> dt.datetime:  # fmt: skip
    slug = step.config.get("template")
    for rule in step.config.get("by_rule", []):
        if lead_matches(lead=lead, rule=rule["when"], now=now):
            slug = rule["template"]
            break
    template = EmailTemplate.objects.filter(slug=slug).first()
    subject = email_content(template=template, lead=lead, language=lead_language(lead))[0] if template else slug
    blocked = marketing_block_reason(lead=lead) if sequence.is_marketing else ""
    if blocked:
        plan.items.append(PlannedItem(at, "suppressed", _("Not sent (%(why)s): %(subject)s") % {
            "why": blocked, "subject": subject}, step.key))  # fmt: skip
        return at
    if sequence.is_marketing:
        at = _paced(at, sent)
        sent.append(at)
    plan.items.append(PlannedItem(at, step.kind, str(subject), step.key))
    return at


def _paced(at: dt.datetime, sent: list[dt.datetime]) -> dt.datetime:
    """The first moment from `at` outside quiet hours with room under the frequency cap."""
    cap = frequency_cap()
    for _round in range(20):
        at = quiet_hours_end(now=at) or at
        window = sorted(moment for moment in sent if at - CAP_WINDOW < moment <= at)
        if len(window) < cap:
            return at
        at = window[-cap] + CAP_WINDOW + dt.timedelta(seconds=1)
    return at
