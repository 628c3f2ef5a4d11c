"""Reads for the version history: what one rule-set version changes against another, in plain rows.

Settings, points and thresholds are compared by name; rules (fit rules per customer type, negative rules) as
multisets, so an edited rule shows as the old one removed and the new one added. Read-only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from leads.scoring.models import ScoringRuleSet
from leads.scoring.rules import CUSTOMER_TYPES

_RULE_LISTS = ("negative_rules", *(f"fit_rules.{ctype}" for ctype in CUSTOMER_TYPES))


@dataclass(frozen=True)
class RuleSetChange:
    path: str
    before: str  # "" when added
    after: str  # "" when removed


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return "" if value is None else str(value)


def _rule_text(rule: dict[str, Any]) -> str:
    target = rule.get("field") or f"{rule.get('kind') or '*'}.{rule.get('property', '')}"
    return f"{rule.get('label', '')}: {target} {rule.get('op', '')} {_text(rule.get('value'))} → {rule.get('points')}"


def _flat(data: dict[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    values: dict[str, str] = {}
    for name in ("half_life_days", "source_pseudo_count", "reference_mql_rate", "reference_customer_rate",
                 "no_channel_score", "mql_grades"):  # fmt: skip
        values[name] = _text(data.get(name))
    for group in ("touchpoint_points", "fit_thresholds", "engagement_thresholds"):
        for key, value in (data.get(group) or {}).items():
            values[f"{group}.{key}"] = _text(value)
    fit = data.get("fit_rules") or {}
    rules = {"negative_rules": [_rule_text(r) for r in data.get("negative_rules") or []]}
    rules.update({f"fit_rules.{ctype}": [_rule_text(r) for r in fit.get(ctype, [])] for ctype in CUSTOMER_TYPES})
    return values, rules


def ruleset_changes(*, ruleset: ScoringRuleSet, against: ScoringRuleSet) -> list[RuleSetChange]:
    """What `ruleset` changes against `against`, settings first, then rules removed and added."""
    new_values, new_rules = _flat(ruleset.config_data())
    old_values, old_rules = _flat(against.config_data())
    changes = [RuleSetChange(path, old_values.get(path, ""), new_values.get(path, ""))
               for path in sorted(set(new_values) | set(old_values))
               if old_values.get(path, "") != new_values.get(path, "")]  # fmt: skip
    for path in _RULE_LISTS:
        old, new = Counter(old_rules[path]), Counter(new_rules[path])
        changes += [RuleSetChange(path, text, "") for text in (old - new).elements()]
        changes += [RuleSetChange(path, "", text) for text in (new - old).elements()]
    return changes


def ruleset_compared_with(*, ruleset: ScoringRuleSet) -> ScoringRuleSet | None:
    """The version a page compares with: the live one, or for the live one the version before it."""
    if ruleset.status != "live":
        return ScoringRuleSet.objects.filter(status="live").exclude(pk=ruleset.pk).first()
    return ScoringRuleSet.objects.filter(version__lt=ruleset.version).order_by("-version").first()
