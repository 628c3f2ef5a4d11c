"""A scoring rule set as plain data, validated, and the scoring formulas in pure Python (no ORM).

Formulas (every score is an integer clamped to 0..100; "round" is half up: floor(x + 0.5)):

- **Fit**: the lead's customer type picks one list of fit rules (`customer_type`); every rule whose condition
  holds adds its points (negative points subtract); fit = clamp(round(sum)).
- **Engagement**: for each touchpoint with occurred_at <= now, points = the first negative rule it matches,
  else `touchpoint_points[kind]` (0 when absent); decayed = points * 0.5 ** (age_days / half_life_days);
  engagement = clamp(round(sum of decayed)). Negative behaviour decays like the rest: an unsubscribe of a
  year ago weighs less than one of yesterday.
- **Source** (per channel, `source_score`): n = the channel's leads, mql_rate = share of them that reached
  MQL or beyond, customer_rate = share that became customers;
  observed = 100 * min(1, (mql_rate / reference_mql_rate + customer_rate / reference_customer_rate) / 4)
  (a channel converting exactly at both reference rates observes 50, at twice both rates 100);
  source = round((n * observed + k * prior) / (n + k)), k = `source_pseudo_count`, prior = Channel.prior_score.
  With few leads the score stays near the prior; with many it moves to the observed rate. A lead without a
  channel gets `no_channel_score`.
- **Grade**: fit letter A–D (the first of A, B, C whose threshold fit reaches, else D) and engagement digit
  1–4 (the first of 1, 2, 3 whose threshold engagement reaches, else 4): `A1` is best.

A condition is (field, op, value) with the segment operators `eq ne in not_in contains gt gte lt lte between
is_null`; a missing value (no account, NULL) never matches except `is_null`. `contains` ignores case.
Text comparisons are exact otherwise. Fields: see FIELDS.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from leads.choices import TouchpointKind

KEY_ACCOUNT, STANDARD, LONG_TAIL = "key_account", "standard", "long_tail"
CUSTOMER_TYPES = (KEY_ACCOUNT, STANDARD, LONG_TAIL)
CUSTOMER_TYPE_LABELS = {KEY_ACCOUNT: _("Key account"), STANDARD: _("Standard"), LONG_TAIL: _("Long-tail")}
KEY_TIERS, STANDARD_TIERS = ("S", "A"), ("B",)
FIT_LETTERS, ENGAGEMENT_DIGITS = ("A", "B", "C"), ("1", "2", "3")

TEXT, NUMBER, BOOLEAN = "text", "number", "boolean"
# Field name -> type. `attributes.<key>` (a custom attribute, compared as text) is accepted too.
FIELDS: dict[str, str] = {
    "industry": TEXT, "region": TEXT, "title": TEXT, "company": TEXT, "company_domain": TEXT,
    "employee_count": NUMBER, "account_tier": TEXT, "account_industry": TEXT, "account_is_target": BOOLEAN,
}  # fmt: skip
OPS_BY_TYPE = {
    TEXT: {"eq", "ne", "in", "not_in", "contains", "is_null"},
    NUMBER: {"eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "between", "is_null"},
    BOOLEAN: {"eq", "ne", "is_null"},
}
NEGATIVE_PROPERTY_OPS = {"eq", "contains"}


def field_type(field: str) -> str | None:
    if field.startswith("attributes.") and len(field) > len("attributes."):
        return TEXT
    return FIELDS.get(field)


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class FitRule:
    label: str
    condition: Condition
    points: int


@dataclass(frozen=True)
class NegativeRule:
    """A touchpoint that counts against the lead: `kind` (or any kind when empty) and a property test."""

    label: str
    kind: str
    property: str
    op: str
    value: str
    points: int


@dataclass(frozen=True)
class RuleSetConfig:
    half_life_days: float
    touchpoint_points: Mapping[str, int]
    negative_rules: tuple[NegativeRule, ...]
    fit_rules: Mapping[str, tuple[FitRule, ...]]
    fit_thresholds: Mapping[str, int]
    engagement_thresholds: Mapping[str, int]
    mql_grades: tuple[str, ...]
    source_pseudo_count: int
    reference_mql_rate: float
    reference_customer_rate: float
    no_channel_score: int


def round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def clamp(value: int) -> int:
    return max(0, min(100, value))


def customer_type(account_tier: str | None) -> str:
    if account_tier in KEY_TIERS:
        return KEY_ACCOUNT
    if account_tier in STANDARD_TIERS:
        return STANDARD
    return LONG_TAIL


def condition_holds(condition: Condition, actual: Any) -> bool:
    """SQL semantics: a missing value (None) matches only `is_null`; '' counts as missing for is_null."""
    op, value = condition.op, condition.value
    if op == "is_null":
        return (actual is None or actual == "") == bool(value)
    if actual is None:
        return False
    if op == "eq":
        return bool(actual == value)
    if op == "ne":
        return bool(actual != value)
    if op == "in":
        return actual in value
    if op == "not_in":
        return actual not in value
    if op == "contains":
        return str(value).lower() in str(actual).lower()
    if op == "between":
        return bool(value[0] <= actual <= value[1])
    return bool({"gt": actual > value, "gte": actual >= value, "lt": actual < value, "lte": actual <= value}[op])


def decay_factor(*, age_days: float, half_life_days: float) -> float:
    return float(0.5 ** (age_days / half_life_days))


def age_days(*, now: dt.datetime, at: dt.datetime) -> float:
    return (now - at).total_seconds() / 86400.0


def negative_rule_matches(rule: NegativeRule, *, kind: str, properties: Mapping[str, Any]) -> bool:
    if rule.kind and rule.kind != kind:
        return False
    actual = properties.get(rule.property) if isinstance(properties, Mapping) else None
    if actual is None or isinstance(actual, dict | list):
        return False
    text = str(actual).lower() if isinstance(actual, bool) else str(actual)
    if rule.op == "eq":
        return text == rule.value
    return rule.value.lower() in text.lower()


def touchpoint_points(config: RuleSetConfig, *, kind: str, properties: Mapping[str, Any]) -> tuple[int, str]:
    """Points of one touchpoint before decay, and the negative rule's label when one applies."""
    for rule in config.negative_rules:
        if negative_rule_matches(rule, kind=kind, properties=properties):
            return rule.points, rule.label
    return int(config.touchpoint_points.get(kind, 0)), ""


def source_observed(*, leads: int, mql: int, customers: int, config: RuleSetConfig) -> float:
    if leads <= 0:
        return 0.0
    ratio = (mql / leads / config.reference_mql_rate + customers / leads / config.reference_customer_rate) / 4
    return 100.0 * min(1.0, ratio)


def source_score(*, prior: int, leads: int, mql: int, customers: int, config: RuleSetConfig) -> int:
    observed = source_observed(leads=leads, mql=mql, customers=customers, config=config)
    k = config.source_pseudo_count
    if leads + k <= 0:
        return clamp(prior)
    return clamp(round_half_up((leads * observed + k * prior) / (leads + k)))


def grade(*, fit: int, engagement: int, config: RuleSetConfig) -> str:
    letter = next((x for x in FIT_LETTERS if fit >= config.fit_thresholds[x]), "D")
    digit = next((x for x in ENGAGEMENT_DIGITS if engagement >= config.engagement_thresholds[x]), "4")
    return letter + digit


# --- validation: a rule set's JSON -> RuleSetConfig, every error named by its path ---------------------------


def _int(value: Any, path: str, errors: dict[str, str], *, low: int = -1000, high: int = 1000) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors[path] = str(_("Expected a whole number from %(low)s to %(high)s.") % {"low": low, "high": high})
        return 0
    return value


def _condition(raw: Any, path: str, errors: dict[str, str]) -> Condition | None:
    kind = field_type(str(raw.get("field", "")))
    op, value = raw.get("op"), raw.get("value")
    if kind is None:
        errors[f"{path}.field"] = str(_("Unknown field “%(field)s”.") % {"field": raw.get("field")})
        return None
    if op not in OPS_BY_TYPE[kind]:
        errors[f"{path}.op"] = str(_("Operator “%(op)s” does not apply to this field.") % {"op": op})
        return None
    scalar = {TEXT: (str,), NUMBER: (int, float), BOOLEAN: (bool,)}[kind]
    if op in ("in", "not_in"):
        ok = isinstance(value, list) and bool(value) and all(isinstance(v, scalar) for v in value)
    elif op == "between":
        ok = isinstance(value, list) and len(value) == 2 and all(isinstance(v, scalar) for v in value)
    elif op == "is_null":
        ok = isinstance(value, bool)
    else:
        ok = isinstance(value, scalar) and (kind == BOOLEAN or not isinstance(value, bool))
    if not ok:
        errors[f"{path}.value"] = str(_("This value does not suit the operator."))
        return None
    return Condition(field=str(raw["field"]), op=str(op), value=tuple(value) if isinstance(value, list) else value)


def _fit_rules(raw: Any, errors: dict[str, str]) -> dict[str, tuple[FitRule, ...]]:
    if not isinstance(raw, dict):
        errors["fit_rules"] = str(_("Expected an object with one list per customer type."))
        return {ctype: () for ctype in CUSTOMER_TYPES}
    rules: dict[str, tuple[FitRule, ...]] = {}
    for ctype in CUSTOMER_TYPES:
        items = raw.get(ctype, [])
        kept = []
        for index, item in enumerate(items if isinstance(items, list) else []):
            path = f"fit_rules.{ctype}[{index}]"
            if not isinstance(item, dict):
                errors[path] = str(_("Expected an object."))
                continue
            condition = _condition(item, path, errors)
            points = _int(item.get("points"), f"{path}.points", errors, low=-100, high=100)
            if condition is not None:
                kept.append(FitRule(label=str(item.get("label") or condition.field), condition=condition,
                                    points=points))  # fmt: skip
        rules[ctype] = tuple(kept)
    return rules


def _negative_rules(raw: Any, errors: dict[str, str]) -> tuple[NegativeRule, ...]:
    kept = []
    for index, item in enumerate(raw if isinstance(raw, list) else []):
        path = f"negative_rules[{index}]"
        ok = isinstance(item, dict) and item.get("op") in NEGATIVE_PROPERTY_OPS and item.get("property")
        if not ok or (item.get("kind") and item["kind"] not in TouchpointKind.values):
            errors[path] = str(_("Expected kind (optional), property, op (eq or contains) and value."))
            continue
        points = _int(item.get("points"), f"{path}.points", errors, low=-100, high=0)
        kept.append(NegativeRule(label=str(item.get("label") or item["property"]), kind=str(item.get("kind") or ""),
                                 property=str(item["property"]), op=str(item["op"]), value=str(item.get("value", "")),
                                 points=points))  # fmt: skip
    return tuple(kept)


def _thresholds(raw: Any, keys: Sequence[str], name: str, errors: dict[str, str]) -> dict[str, int]:
    raw = raw if isinstance(raw, dict) else {}
    values = {key: _int(raw.get(key), f"{name}.{key}", errors, low=0, high=100) for key in keys}
    if any(values[a] < values[b] for a, b in pairwise(keys)):
        errors[name] = str(_("Thresholds must not rise from the best grade to the worst."))
    return values


def config_build(data: Mapping[str, Any]) -> RuleSetConfig:
    """The validated config of a rule set's fields; ValidationError names every bad entry by its path."""
    errors: dict[str, str] = {}
    raw_points = data.get("touchpoint_points") or {}
    points = {kind: _int(value, f"touchpoint_points.{kind}", errors, low=-100, high=100)
              for kind, value in (raw_points.items() if isinstance(raw_points, dict) else [])}  # fmt: skip
    errors.update({f"touchpoint_points.{kind}": str(_("Unknown touchpoint kind."))
                   for kind in points if kind not in TouchpointKind.values})  # fmt: skip
    mql_grades = data.get("mql_grades") or []
    if not isinstance(mql_grades, list) or not all(
        isinstance(g, str) and len(g) == 2 and g[0] in "ABCD" and g[1] in "1234" for g in mql_grades
    ):
        errors["mql_grades"] = str(_("Expected a list of grades such as A1."))
        mql_grades = []
    half_life = data.get("half_life_days")
    if not isinstance(half_life, int | float) or isinstance(half_life, bool) or half_life <= 0:
        errors["half_life_days"] = str(_("Expected a positive number of days."))
        half_life = 30
    config = RuleSetConfig(
        half_life_days=float(half_life), touchpoint_points=points,
        negative_rules=_negative_rules(data.get("negative_rules"), errors),
        fit_rules=_fit_rules(data.get("fit_rules"), errors),
        fit_thresholds=_thresholds(data.get("fit_thresholds"), FIT_LETTERS, "fit_thresholds", errors),
        engagement_thresholds=_thresholds(data.get("engagement_thresholds"), ENGAGEMENT_DIGITS,
                                          "engagement_thresholds", errors),
        mql_grades=tuple(mql_grades),
        source_pseudo_count=_int(data.get("source_pseudo_count"), "source_pseudo_count", errors, low=0, high=100000),
        reference_mql_rate=float(data.get("reference_mql_rate") or 0),
        reference_customer_rate=float(data.get("reference_customer_rate") or 0),
        no_channel_score=_int(data.get("no_channel_score"), "no_channel_score", errors, low=0, high=100),
    )  # fmt: skip
    for name in ("reference_mql_rate", "reference_customer_rate"):
        if not 0 < getattr(config, name) <= 1:
            errors[name] = str(_("Expected a rate above 0 and at most 1."))
    if errors:
        raise ValidationError(errors)
    return config
