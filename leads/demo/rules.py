"""The demo's qualification rules and tags, so the rules page, the SDR queue and segments show real data:
three saved segments, three rules (A-grade with BANT -> MQL, meeting booked -> MQL, trial sign-up -> hot),
rule tags that follow two of the segments, and manual tags by category. Rules are created after the demo's
history is written, so they act on what happens next, as a new rule would. Idempotent: found by name."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User

from leads.models import Segment, Tag
from leads.qualification.models import QualificationAction, QualificationRule
from leads.services.tags import tags_rules_sync

SEGMENTS: dict[str, dict[str, Any]] = {
    "A 级 + BANT≥2": {"all": [{"field": "grade", "op": "in", "value": ["A1", "A2", "B1"]},
                             {"field": "bant_count", "op": "gte", "value": 2}]},
    "近 7 天约到会议": {"event": {"kind": "call", "outcome": "meeting_booked", "within_days": 7}},
    "近 30 天试用": {"event": {"kind": "trial_signup", "within_days": 30}},
    "近 30 天高互动": {"event": {"kind": ["webinar_attend", "demo_request", "email_click"], "within_days": 30,
                                "count_gte": 3}},
}  # fmt: skip
RULES = [
    ("A 级且 BANT 满两项 → MQL", QualificationAction.MQL, "A 级 + BANT≥2"),
    ("约到会议 → MQL", QualificationAction.MQL, "近 7 天约到会议"),
    ("开通试用 → 热线索", QualificationAction.HOT, "近 30 天试用"),
]
RULE_TAGS = [("高互动", "行为", "近 30 天高互动"), ("试用中", "行为", "近 30 天试用")]
MANUAL_TAGS = [("展会名片", "来源"), ("老客户推荐", "来源"), ("预算已批", "商机")]


def demo_rules_ensure(*, owner: User | None, now: dt.datetime) -> int:
    """Create what is missing and sync the rule tags; returns the number of rows written."""
    written = 0
    segments = {}
    for name, rule in SEGMENTS.items():
        segments[name], created = Segment.objects.get_or_create(name=name, defaults={"rule": rule, "owner": owner})
        written += created
    for order, (name, action, segment) in enumerate(RULES, start=1):
        _rule, created = QualificationRule.objects.get_or_create(name=name, defaults={
            "action": action, "segment": segments[segment], "order": order * 10, "created_by": owner})
        written += created
    for name, category, segment in RULE_TAGS:
        written += Tag.objects.get_or_create(name=name, defaults={"category": category,
                                                                  "segment": segments[segment]})[1]
    for name, category in MANUAL_TAGS:
        written += Tag.objects.get_or_create(name=name, defaults={"category": category})[1]
    written += sum(result.added for result in tags_rules_sync(now=now))
    return written
