"""Builders shared by the scoring tests: small hand-checkable rule sets and a mixed population."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from accounts.choices import Tier
from leads.choices import Stage, TouchpointKind
from leads.models import Lead, StageChange, Touchpoint
from leads.scoring.defaults import DEFAULT_RULESET
from leads.scoring.models import RuleSetStatus, ScoringRuleSet
from tests.factories import AccountFactory, ChannelFactory, LeadFactory

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)

SIMPLE: dict[str, Any] = {
    "half_life_days": 30,
    "touchpoint_points": {"webinar_attend": 10, "meeting": 40, "email_click": 20, "demo_request": 60},
    "negative_rules": [{"label": "unsubscribed", "kind": "", "property": "event", "op": "eq",
                        "value": "unsubscribe", "points": -30}],
    "fit_rules": {
        "key_account": [
            {"label": "industry in target list", "field": "industry", "op": "in", "value": ["software"], "points": 30},
            {"label": "director", "field": "title", "op": "contains", "value": "总监", "points": 20},
        ],
        "standard": [
            {"label": "industry in target list", "field": "industry", "op": "in", "value": ["software"], "points": 20},
            {"label": "director", "field": "title", "op": "contains", "value": "总监", "points": 10},
        ],
        "long_tail": [
            {"label": "industry in target list", "field": "industry", "op": "in", "value": ["software"], "points": 10},
            {"label": "director", "field": "title", "op": "contains", "value": "总监", "points": 5},
        ],
    },
    "fit_thresholds": {"A": 75, "B": 50, "C": 25},
    "engagement_thresholds": {"1": 60, "2": 30, "3": 10},
    "mql_grades": ["A1", "A2", "B1"],
    "source_pseudo_count": 50,
    "reference_mql_rate": 0.3,
    "reference_customer_rate": 0.02,
    "no_channel_score": 30,
}  # fmt: skip


def live_ruleset(**overrides: Any) -> ScoringRuleSet:
    """Retire the live version and make a new one live with SIMPLE's rules (plus overrides)."""
    ScoringRuleSet.objects.filter(status=RuleSetStatus.LIVE).update(status=RuleSetStatus.RETIRED)
    version = (ScoringRuleSet.objects.order_by("-version").values_list("version", flat=True).first() or 0) + 1
    return ScoringRuleSet.objects.create(version=version, status=RuleSetStatus.LIVE, **{**SIMPLE, **overrides})


def default_live_ruleset() -> ScoringRuleSet:
    return live_ruleset(**DEFAULT_RULESET)


def touch(lead: Lead, kind: str, days_ago: float, now: dt.datetime = NOW, **properties: Any) -> Touchpoint:
    return Touchpoint.objects.create(lead=lead, kind=kind, occurred_at=now - dt.timedelta(days=days_ago),
                                     properties=properties)  # fmt: skip


INDUSTRIES = ["software", "manufacturing", "retail", "", "education"]
TITLES = ["销售总监", "CEO", "Marketing Manager", "", "工程师", "VP Sales", "总经理"]
REGIONS = ["华东", "北京", "西北", ""]


def population(count: int, *, seed: int = 7, now: dt.datetime = NOW) -> list[Lead]:
    """Leads of every customer type with profiles, stage histories and touchpoints (some negative)."""
    rng = random.Random(seed)
    channels = [ChannelFactory(prior_score=p) for p in (20, 60, 90)]
    accounts = [AccountFactory(tier=tier, is_target=tier in (Tier.S, Tier.A)) for tier in Tier.values] + [None]
    kinds = list(TouchpointKind.values)
    leads = []
    for n in range(count):
        lead = LeadFactory(
            industry=rng.choice(INDUSTRIES), title=rng.choice(TITLES), region=rng.choice(REGIONS),
            employee_count=rng.choice([None, 30, 250, 1200, 8000]), account=rng.choice(accounts),
            source_channel=rng.choice([*channels, None]), created_at=now - dt.timedelta(days=rng.randint(1, 200)),
            attributes=rng.choice([{}, {"decision_role": "decision_maker"}, {"decision_role": "user"}]),
            stage=rng.choice([Stage.LEAD, Stage.MQL, Stage.CUSTOMER]),
        )  # fmt: skip
        if lead.stage != Stage.LEAD:
            StageChange.objects.create(lead=lead, from_stage=Stage.LEAD, to_stage=lead.stage, at=lead.created_at)
        for _ in range(rng.randint(0, 12 if n % 5 else 40)):
            properties = rng.choice([{}, {}, {"event": "unsubscribe"}, {"url": "/careers/1"}, {"event": True}])
            Touchpoint.objects.create(lead=lead, kind=rng.choice(kinds), properties=properties,
                                      occurred_at=now - dt.timedelta(days=rng.uniform(-5, 300)))  # fmt: skip
        leads.append(lead)
    return leads
