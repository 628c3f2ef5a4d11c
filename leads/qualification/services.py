"""Run qualification rules (`leads_qualify`, `leads_qualify_later`, `qualification_rules_apply_all`) and keep them
(`qualification_rule_save`, `qualification_rule_delete`, `qualification_rule_move`).

A firing goes through the same services as a person's action: `lead_transition` (the rule is the actor, and
its name stands in for the BANT gate, as spec/lifecycle.md allows) and `lead_set_temperature`. So history,
the change feed, webhooks, routing of the new MQL to sales and the SLA clocks follow as for anyone else.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from leadflow.errors import ApplicationError, ValidationFailed
from leads.choices import Stage, Temperature
from leads.models import Lead, Tag
from leads.qualification.models import QualificationAction, QualificationRule
from leads.segments.compiler import segment_q
from leads.segments.selectors import segment_rule_errors
from leads.services.leads import lead_set_temperature
from leads.services.stages import lead_transition

logger = logging.getLogger(__name__)
CHUNK = 5000


@dataclass(frozen=True)
class Firing:
    rule_id: int
    lead_id: int
    action: str


def qualification_candidates(*, rule: QualificationRule, now: dt.datetime) -> Any:
    """Live leads the rule would act on now: in its segment, and not already where the action puts them.
    A segment that no longer compiles (a channel it names was deleted) matches nobody."""
    node, errors = segment_rule_errors(rule=rule.segment.rule)
    if node is None:
        logger.warning("qualification rule %s: segment %s is invalid: %s", rule.pk, rule.segment_id, errors)
        return Lead.objects.none()
    leads = Lead.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
    if rule.action == QualificationAction.MQL:
        leads = leads.filter(stage=Stage.LEAD)
    else:
        leads = leads.exclude(temperature=Temperature.HOT).exclude(stage__in=(Stage.CUSTOMER, Stage.LOST))
    return leads.filter(segment_q(node, now=now))


def leads_qualify(*, lead_ids: Iterable[int], now: dt.datetime) -> list[Firing]:
    """Apply every active rule, in order, to these leads as of `now`. Idempotent: a second run fires nothing,
    because an MQL rule acts only on leads still at `lead` and a hot rule only on leads not yet hot."""
    ids = sorted({int(i) for i in lead_ids})
    firings: list[Firing] = []
    if not ids:
        return firings
    for rule in QualificationRule.objects.filter(active=True).select_related("segment").order_by("order", "id"):
        for start in range(0, len(ids), CHUNK):
            matched = qualification_candidates(rule=rule, now=now).filter(pk__in=ids[start : start + CHUNK])
            firings += [Firing(rule.pk, lead.pk, rule.action) for lead in matched.order_by("id") if
                        _fire(rule, lead, now)]  # fmt: skip
    _count(firings, now)
    return firings


def qualification_rules_apply_all(*, now: dt.datetime, rule: QualificationRule | None = None) -> list[Firing]:
    """Every live lead the active rules (or one rule) match now: after a rule is created or changed, and after
    a full rescore."""
    if rule is not None:
        matched = qualification_candidates(rule=rule, now=now).order_by("id")
        firings = [Firing(rule.pk, lead.pk, rule.action) for lead in matched if _fire(rule, lead, now)]
        _count(firings, now)
        return firings
    ids: set[int] = set()
    for item in QualificationRule.objects.filter(active=True).select_related("segment"):
        ids.update(qualification_candidates(rule=item, now=now).values_list("pk", flat=True))
    return leads_qualify(lead_ids=ids, now=now)


def _fire(rule: QualificationRule, lead: Lead, now: dt.datetime) -> bool:
    """One rule on one lead, in its own transaction: a lead someone else just changed is left for next time."""
    try:
        with transaction.atomic():
            if rule.action == QualificationAction.MQL:
                lead_transition(lead=lead, to=Stage.MQL, rule=rule.name, at=now, now=now)
                return True
            return lead_set_temperature(lead=lead, temperature=Temperature.HOT, actor_label=rule.history_label,
                                        reason=rule.name, at=now)  # fmt: skip
    except ApplicationError as refusal:
        logger.info("qualification rule %s left lead %s: %s", rule.pk, lead.pk, refusal.message)
        return False


def _count(firings: list[Firing], now: dt.datetime) -> None:
    per_rule: dict[int, int] = {}
    for firing in firings:
        per_rule[firing.rule_id] = per_rule.get(firing.rule_id, 0) + 1
    for rule_id, fired in per_rule.items():
        QualificationRule.objects.filter(pk=rule_id).update(fired=F("fired") + fired, last_fired_at=now)


def leads_qualify_later(*, lead_ids: Iterable[int]) -> None:
    """`leads_qualify` and the rule-tag sync of these leads by a task queued when the transaction commits."""
    ids = sorted({int(i) for i in lead_ids})
    if ids and (QualificationRule.objects.filter(active=True).exists() or
                Tag.objects.filter(segment__isnull=False).exists()):  # fmt: skip
        transaction.on_commit(lambda: _send(ids))


def _send(ids: list[int]) -> None:
    from leads.tasks import leads_qualify_task

    try:
        leads_qualify_task.delay(ids)
    except Exception:  # a broker outage: the nightly pass (qualification_rules_apply_all) catches up
        logger.exception("qualification: could not queue %s leads", len(ids))


@transaction.atomic
def qualification_rule_save(
    *, rule: QualificationRule | None, data: dict[str, Any], actor: Any = None
) -> QualificationRule:
    """Create or change a rule. Its segment must compile; a new rule goes last."""
    segment = data.get("segment")
    if segment is None:
        raise ValidationFailed(_("Choose a segment."), errors={"segment": [_("Choose a segment.")]})
    if segment_rule_errors(rule=segment.rule)[0] is None:
        message = _("This segment's rule is not valid; fix it in the segment builder first.")
        raise ValidationFailed(message, errors={"segment": [message]})
    name = str(data.get("name", "")).strip()
    if not name:
        raise ValidationFailed(_("Give the rule a name."), errors={"name": [_("This field is required.")]})
    clash = QualificationRule.objects.filter(name=name).exclude(pk=rule.pk if rule else 0)
    if clash.exists():
        message = _("Another rule already has this name.")
        raise ValidationFailed(message, errors={"name": [message]})
    if rule is None:
        last = QualificationRule.objects.order_by("-order").values_list("order", flat=True).first() or 0
        rule = QualificationRule(order=last + 10, created_by=actor if getattr(actor, "pk", None) else None)
    rule.name, rule.segment, rule.action = name, segment, QualificationAction(data["action"])
    rule.active = bool(data.get("active", True))
    rule.description = str(data.get("description", ""))[:300]
    rule.save()
    return rule


def qualification_rule_delete(*, rule: QualificationRule) -> None:
    """Delete a rule; the history it wrote keeps its name in the actor label."""
    rule.delete()


@transaction.atomic
def qualification_rule_move(*, rule: QualificationRule, up: bool) -> None:
    """Swap the rule with its neighbour (renumbered 10, 20, ... so orders stay distinct)."""
    rules = list(QualificationRule.objects.select_for_update().order_by("order", "id"))
    index = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], rules[index]
    for position, item in enumerate(rules, start=1):
        if item.order != position * 10:
            QualificationRule.objects.filter(pk=item.pk).update(order=position * 10)
