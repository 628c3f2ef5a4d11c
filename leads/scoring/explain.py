"""Why a lead has its scores: every rule, touchpoint and blend term, whose points add up to each score.

Computed in Python with the formulas of leads.scoring.rules (the same the set-based SQL compiles), at an
explicit `now`: explained at the lead's `scored_at`, the lines add up to the stored scores exactly. Rounding
to a whole score and the 0..100 clamp are lines of their own, so nothing is hidden.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from leads.choices import TouchpointKind
from leads.models import Lead
from leads.scoring.models import ChannelConversion
from leads.scoring.rules import (
    CUSTOMER_TYPE_LABELS,
    FitRule,
    RuleSetConfig,
    age_days,
    clamp,
    condition_holds,
    customer_type,
    decay_factor,
    grade,
    round_half_up,
    source_observed,
    touchpoint_points,
)
from leads.scoring.services import live_config, ruleset_live

TOUCHPOINT_LINES = 30  # the largest contributions get a line each; the rest one line together
EPSILON = 1e-9


@dataclass(frozen=True)
class Contribution:
    score: str  # "fit", "engagement" or "source"
    kind: str  # rule, touchpoint, negative, prior, observed, rest, rounding, clamp
    points: float
    label: str
    at: dt.datetime | None = None
    touchpoint_id: int | None = None


@dataclass
class ScoreExplanation:
    now: dt.datetime
    ruleset_version: int | None
    customer_type: str
    fit: int = 0
    engagement: int = 0
    source: int = 0
    grade: str = ""
    contributions: list[Contribution] = field(default_factory=list)

    def of(self, score: str) -> list[Contribution]:
        return [c for c in self.contributions if c.score == score]

    @property
    def customer_type_label(self) -> str:
        return str(CUSTOMER_TYPE_LABELS[self.customer_type])


def _fit_value(lead: Lead, name: str) -> Any:
    account = lead.account
    if name.startswith("attributes."):
        value = (lead.attributes or {}).get(name.removeprefix("attributes."))
        if isinstance(value, dict | list):
            return None
        return str(value).lower() if isinstance(value, bool) else (None if value is None else str(value))
    if name.startswith("account_"):
        return getattr(account, name.removeprefix("account_"), None) if account is not None else None
    return getattr(lead, name)


def _closing_lines(score: str, raw: float, total: int) -> list[Contribution]:
    """Rounding and clamping, each as a line when it changes anything."""
    lines = []
    rounded = round_half_up(raw)
    if abs(rounded - raw) > EPSILON:
        lines.append(Contribution(score, "rounding", rounded - raw, _("rounded to a whole score")))
    if total != rounded:
        label = _("capped at 100") if rounded > 100 else _("floored at 0")
        lines.append(Contribution(score, "clamp", total - rounded, label))
    return lines


def _fit_lines(lead: Lead, rules: tuple[FitRule, ...]) -> tuple[int, list[Contribution]]:
    lines = [Contribution("fit", "rule", rule.points, rule.label) for rule in rules
             if rule.points and condition_holds(rule.condition, _fit_value(lead, rule.condition.field))]  # fmt: skip
    raw = float(sum(line.points for line in lines))
    total = clamp(round_half_up(raw))
    return total, lines + _closing_lines("fit", raw, total)


def lead_fit_score(lead: Lead, config: RuleSetConfig, memo: dict[Any, Any] | None = None) -> int:
    """The fit score of a lead in memory (saved or not): its customer type's rules, as the SQL pass counts
    and `_fit_lines` explains them. Each rule tests one field, so the score is a sum over fields of the
    points that field's value earns; with `memo` each (customer type, field, value) is scored once for a
    whole batch (name cards from one trade show repeat industries, regions and titles)."""
    ctype = customer_type(lead.account.tier if lead.account is not None else None)
    memo = {} if memo is None else memo
    groups = memo.get(ctype)  # the memo also keeps each customer type's rules grouped by field
    if groups is None:
        groups = memo[ctype] = _rules_by_field(config.fit_rules[ctype])
    raw = 0
    for name, rules in groups:
        value = _fit_value(lead, name)
        try:
            key = (ctype, name, value)
            points = memo.get(key)
        except TypeError:  # an unhashable value: scored without the memo
            key, points = None, None
        if points is None:
            points = sum(rule.points for rule in rules if condition_holds(rule.condition, value))
            if key is not None:
                memo[key] = points
        raw += points
    return clamp(round_half_up(float(raw)))


def _rules_by_field(rules: tuple[FitRule, ...]) -> tuple[tuple[str, tuple[FitRule, ...]], ...]:
    """The rules that give points, grouped by the field they test, in first-seen order."""
    by_field: dict[str, list[FitRule]] = {}
    for rule in rules:
        if rule.points:
            by_field.setdefault(rule.condition.field, []).append(rule)
    return tuple((name, tuple(group)) for name, group in by_field.items())


def _engagement_lines(lead: Lead, config: RuleSetConfig, now: dt.datetime) -> tuple[int, list[Contribution]]:
    lines = []
    rows = lead.touchpoints.filter(occurred_at__lte=now).values_list("id", "kind", "properties", "occurred_at")
    for touchpoint_id, kind, properties, at in rows:
        points, negative = touchpoint_points(config, kind=kind, properties=properties or {})
        if not points:
            continue
        decayed = points * decay_factor(age_days=age_days(now=now, at=at), half_life_days=config.half_life_days)
        what = negative or (str(TouchpointKind(kind).label) if kind in TouchpointKind.values else kind)
        label = _("%(what)s, %(when)s ago") % {"what": what, "when": timesince(at, now, depth=1)}
        lines.append(Contribution("engagement", "negative" if negative else "touchpoint", decayed, label, at,
                                  touchpoint_id))  # fmt: skip
    raw = sum(line.points for line in lines)
    lines.sort(key=lambda line: (-abs(line.points), line.touchpoint_id or 0))
    shown, rest = lines[:TOUCHPOINT_LINES], lines[TOUCHPOINT_LINES:]
    if rest:
        label = _("%(count)s other touchpoints") % {"count": len(rest)}
        shown.append(Contribution("engagement", "rest", sum(line.points for line in rest), label))
    total = clamp(round_half_up(raw))
    return total, shown + _closing_lines("engagement", raw, total)


def _source_lines(lead: Lead, config: RuleSetConfig) -> tuple[int, list[Contribution]]:
    channel = lead.source_channel
    if channel is None:
        line = Contribution("source", "prior", config.no_channel_score, _("no source channel"))
        return config.no_channel_score, [line]
    count = ChannelConversion.objects.filter(channel_id=channel.pk).first()
    n = count.leads if count else 0
    observed = source_observed(leads=n, mql=count.mql if count else 0, customers=count.customers if count else 0,
                               config=config)  # fmt: skip
    k = config.source_pseudo_count
    lines = [Contribution("source", "prior", k * channel.prior_score / (n + k) if n + k else channel.prior_score,
                          _("%(channel)s: expert prior %(prior)s, weighted as %(k)s leads")
                          % {"channel": channel.name, "prior": channel.prior_score, "k": k})]  # fmt: skip
    if n:
        lines.append(Contribution("source", "observed", n * observed / (n + k),
                                  _("observed conversion %(observed).0f over %(n)s leads (%(mql)s MQL, %(customers)s "
                                    "customers)") % {"observed": observed, "n": n, "mql": count.mql if count else 0,
                                                     "customers": count.customers if count else 0}))  # fmt: skip
    raw = sum(line.points for line in lines)
    total = clamp(round_half_up(raw))
    return total, lines + _closing_lines("source", raw, total)


def lead_score_explain(*, lead: Lead, now: dt.datetime | None = None,
                       config: RuleSetConfig | None = None) -> ScoreExplanation:  # fmt: skip
    """The scores of `lead` as of `now` (default: when it was last scored) with the live rules, line by line.
    Reads only: the lead's touchpoints, its channel's counts and the live version (a few queries)."""
    now = now or lead.scored_at or timezone.now()
    live = None if config is not None else ruleset_live()
    config = config or (live.config() if live is not None else live_config())
    ctype = customer_type(lead.account.tier if lead.account is not None else None)
    result = ScoreExplanation(now=now, ruleset_version=live.version if live else None, customer_type=ctype)
    result.fit, fit_lines = _fit_lines(lead, config.fit_rules[ctype])
    result.engagement, engagement_lines = _engagement_lines(lead, config, now)
    result.source, source_lines = _source_lines(lead, config)
    result.grade = grade(fit=result.fit, engagement=result.engagement, config=config)
    result.contributions = fit_lines + engagement_lines + source_lines
    return result
