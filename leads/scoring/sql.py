"""The scoring formulas of leads.scoring.rules compiled to SQL for PostgreSQL and SQLite.

Strings always travel as parameters; numbers validated by `config_build` (ints, the half-life float) are
written inline so the statement stays readable in a query log. `Sql` fragments keep text and parameters in
order. Aliases: `l` the lead, `a` its account (LEFT JOIN), `t` a touchpoint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from leads.choices import Stage
from leads.scoring.rules import (
    BOOLEAN,
    CUSTOMER_TYPES,
    ENGAGEMENT_DIGITS,
    FIT_LETTERS,
    KEY_ACCOUNT,
    KEY_TIERS,
    STANDARD,
    STANDARD_TIERS,
    TEXT,
    Condition,
    NegativeRule,
    RuleSetConfig,
    field_type,
)

# Stages that mean "reached MQL" (a later stage passed through it) and "became a customer".
MQL_OR_BEYOND = (Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER)
LEAD_COLUMNS = {
    "industry": "l.industry", "region": "l.region", "title": "l.title", "company": "l.company",
    "company_domain": "l.company_domain", "employee_count": "l.employee_count",
    "account_tier": "a.tier", "account_industry": "a.industry", "account_is_target": "a.is_target",
}  # fmt: skip


@dataclass
class Sql:
    text: str = ""
    params: list[Any] = field(default_factory=list)

    def add(self, text: str, *params: Any) -> Sql:
        self.text += text
        self.params.extend(params)
        return self

    def join(self, other: Sql) -> Sql:
        return self.add(other.text, *other.params)


@dataclass(frozen=True)
class Clock:
    """`now` of the scoring: one instant (`at`) or per lead (`created_plus_days`: the lead's creation plus N
    days, never after `at`)."""

    vendor: str
    at: dt.datetime
    created_plus_days: int | None = None

    def _at_param(self) -> Any:
        return db_datetime(self.at)

    def now(self) -> Sql:
        """PostgreSQL: a timestamptz. SQLite: a julian day number."""
        if self.vendor == "postgresql":
            if self.created_plus_days is None:
                return Sql("%s::timestamptz", [self._at_param()])
            return Sql(f"LEAST(l.created_at + interval '{int(self.created_plus_days)} days', %s::timestamptz)",
                       [self._at_param()])  # fmt: skip
        if self.created_plus_days is None:
            return Sql("julianday(%s)", [self._at_param()])
        return Sql(f"MIN(julianday(l.created_at) + {int(self.created_plus_days)}, julianday(%s))", [self._at_param()])

    def age_days(self, column: str) -> Sql:
        if self.vendor == "postgresql":
            return Sql("(EXTRACT(EPOCH FROM (").join(self.now()).add(f" - {column})) / 86400.0)")
        return Sql("(").join(self.now()).add(f" - julianday({column}))")

    def not_after(self, column: str) -> Sql:
        if self.vendor == "postgresql":
            return Sql(f"{column} <= ").join(self.now())
        return Sql(f"julianday({column}) <= ").join(self.now())


def db_datetime(value: dt.datetime) -> Any:
    """A datetime as the backend stores it (SQLite: naive UTC text, which compares and sorts right)."""
    return connection.ops.adapt_datetimefield_value(value)


def json_text(vendor: str, column: str, key: str) -> Sql:
    """A JSON object's key as text (true/false for booleans), NULL when missing, an object or an array."""
    if vendor == "postgresql":
        return Sql(f"(CASE WHEN jsonb_typeof({column} -> %s) IN ('string', 'number', 'boolean') "
                   f"THEN {column} ->> %s END)", [key, key])  # fmt: skip
    path = '$."' + key.replace('"', '""') + '"'
    return Sql(f"(CASE json_type({column}, %s) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' "
               f"WHEN 'object' THEN NULL WHEN 'array' THEN NULL ELSE CAST(json_extract({column}, %s) AS TEXT) END)",
               [path, path])  # fmt: skip


def contains(vendor: str, value: Sql, needle: str) -> Sql:
    function = "strpos" if vendor == "postgresql" else "instr"
    return Sql(f"{function}(lower(").join(value).add("), lower(%s)) > 0", needle)


def clamp_round(vendor: str, value: Sql) -> Sql:
    if vendor == "postgresql":
        return Sql("GREATEST(0, LEAST(100, FLOOR(").join(value).add(" + 0.5)))::integer")
    return Sql("MAX(0, MIN(100, CAST(FLOOR(").join(value).add(" + 0.5) AS INTEGER)))")


def condition_sql(vendor: str, condition: Condition) -> Sql:
    kind = field_type(condition.field)
    if condition.field.startswith("attributes."):
        column = json_text(vendor, "l.attributes", condition.field.removeprefix("attributes."))
    else:
        column = Sql(LEAD_COLUMNS[condition.field])
    op, value = condition.op, condition.value
    if op == "is_null":
        empty = Sql("(").join(column).add(" IS NULL")
        if kind == TEXT:
            empty.add(" OR ").join(column).add(" = ''")
        empty.add(")")
        return empty if value else Sql("NOT ").join(empty)
    if op == "contains":
        return contains(vendor, column, str(value))
    if op in ("in", "not_in"):
        marks = ", ".join(["%s"] * len(value))
        return Sql("(").join(column).add(f" {'IN' if op == 'in' else 'NOT IN'} ({marks}))", *value)
    if op == "between":
        return Sql("(").join(column).add(" BETWEEN %s AND %s)", value[0], value[1])
    symbol = {"eq": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
    if kind == BOOLEAN:
        value = bool(value)
    return Sql("(").join(column).add(f" {symbol} %s)", value)


def customer_type_sql() -> Sql:
    key = ", ".join(["%s"] * len(KEY_TIERS))
    standard = ", ".join(["%s"] * len(STANDARD_TIERS))
    return Sql(f"CASE WHEN a.tier IN ({key}) THEN '{KEY_ACCOUNT}' WHEN a.tier IN ({standard}) THEN '{STANDARD}' "
               "ELSE 'long_tail' END", [*KEY_TIERS, *STANDARD_TIERS])  # fmt: skip


def fit_sql(vendor: str, config: RuleSetConfig) -> Sql:
    """The clamped fit score: the customer type's rules, each `CASE WHEN condition THEN points ELSE 0`."""
    total = Sql("(CASE ").join(customer_type_sql()).add(" ")
    for ctype in CUSTOMER_TYPES:
        total.add(f"WHEN '{ctype}' THEN (0")
        for rule in config.fit_rules[ctype]:
            total.add(" + CASE WHEN ").join(condition_sql(vendor, rule.condition))
            total.add(f" THEN {int(rule.points)} ELSE 0 END")
        total.add(") ")
    total.add("END)")
    return clamp_round(vendor, total)


def negative_sql(vendor: str, rule: NegativeRule) -> Sql:
    test = Sql("(")
    if rule.kind:
        test.add("t.kind = %s AND ", rule.kind)
    value = json_text(vendor, "t.properties", rule.property)
    if rule.op == "contains":
        test.join(contains(vendor, value, rule.value))
    else:
        test.join(value).add(" = %s", rule.value)
    return test.add(")")


def touchpoint_points_sql(vendor: str, config: RuleSetConfig) -> Sql:
    points = Sql("(CASE")
    for rule in config.negative_rules:
        points.add(" WHEN ").join(negative_sql(vendor, rule)).add(f" THEN {int(rule.points)}")
    for kind, value in sorted(config.touchpoint_points.items()):
        if value:
            points.add(" WHEN t.kind = %s", kind).add(f" THEN {int(value)}")
    return points.add(" ELSE 0 END)")


def scored_kinds(config: RuleSetConfig) -> list[str] | None:
    """Touchpoint kinds that can score; None when a negative rule applies to any kind."""
    if any(not rule.kind for rule in config.negative_rules):
        return None
    return sorted({k for k, v in config.touchpoint_points.items() if v} | {r.kind for r in config.negative_rules})


def engagement_sql(vendor: str, config: RuleSetConfig, clock: Clock, lead_scope: Sql) -> Sql:
    """One row per scored lead with a touchpoint: (lead_id, engagement). `lead_scope` filters t.lead_id;
    with a per-lead clock the lead row `l` is joined in for its created_at."""
    decayed = Sql("SUM(").join(touchpoint_points_sql(vendor, config)).add(" * POWER(0.5, ")
    decayed.join(clock.age_days("t.occurred_at")).add(f" / {float(config.half_life_days)!r}))")
    query = Sql("SELECT t.lead_id AS lead_id, ").join(clamp_round(vendor, decayed)).add(" AS engagement ")
    query.add("FROM leads_touchpoint t ")
    if clock.created_plus_days is not None:
        query.add("JOIN leads_lead l ON l.id = t.lead_id ")
    query.add("WHERE ").join(lead_scope).add(" AND ").join(clock.not_after("t.occurred_at"))
    kinds = scored_kinds(config)
    if kinds is not None:
        query.add(f" AND t.kind IN ({', '.join(['%s'] * len(kinds))})" if kinds else " AND 1 = 0", *kinds)
    return query.add(" GROUP BY t.lead_id")


def grade_sql(config: RuleSetConfig, fit: str, engagement: str) -> str:
    letter = " ".join(f"WHEN {fit} >= {int(config.fit_thresholds[x])} THEN '{x}'" for x in FIT_LETTERS)
    digit = " ".join(f"WHEN {engagement} >= {int(config.engagement_thresholds[x])} THEN '{x}'"
                     for x in ENGAGEMENT_DIGITS)  # fmt: skip
    return f"(CASE {letter} ELSE 'D' END || CASE {digit} ELSE '4' END)"


UNKNOWN_SOURCE = 50  # the source score of a channel created since the scores were counted


def source_sql(scores: Mapping[int, int], no_channel_score: int, column: str = "l.source_channel_id") -> str:
    whens = " ".join(f"WHEN {int(channel)} THEN {int(score)}" for channel, score in sorted(scores.items()))
    inner = f"CASE {column} {whens} ELSE {UNKNOWN_SOURCE} END" if whens else str(UNKNOWN_SOURCE)
    return f"(CASE WHEN {column} IS NULL THEN {int(no_channel_score)} ELSE {inner} END)"


def scores_select_sql(vendor: str, config: RuleSetConfig, clock: Clock, scope: Sql, tp_scope: Sql,
                      source_scores: Mapping[int, int] | None) -> Sql:
    """SELECT id, fit, engagement, source, grade for the leads in `scope` (a condition on `l`); without
    source scores, source is 0 (the back-test does not need it)."""
    source = source_sql(source_scores, config.no_channel_score) if source_scores is not None else "0"
    inner = Sql("SELECT l.id AS id, ").join(fit_sql(vendor, config)).add(" AS fit, COALESCE(e.engagement, 0) AS eng, ")
    inner.add(f"{source} AS src FROM leads_lead l LEFT JOIN accounts_account a ON a.id = l.account_id LEFT JOIN (")
    inner.join(engagement_sql(vendor, config, clock, tp_scope)).add(") e ON e.lead_id = l.id WHERE ").join(scope)
    outer = Sql(f"SELECT x.id, x.fit, x.eng, x.src, {grade_sql(config, 'x.fit', 'x.eng')} AS grade FROM (")
    return outer.join(inner).add(") x")


def scores_update_sql(vendor: str, config: RuleSetConfig, clock: Clock, scope: Sql, tp_scope: Sql,
                      source_scores: Mapping[int, int]) -> Sql:
    """One UPDATE ... FROM (aggregate) writing every score, the grade and scored_at for the leads in scope."""
    select = scores_select_sql(vendor, config, clock, scope, tp_scope, source_scores)
    update = Sql("UPDATE leads_lead SET fit_score = s.fit, engagement_score = s.eng, source_score = s.src, "
                 "grade = s.grade, scored_at = %s FROM (", [db_datetime(clock.at)])  # fmt: skip
    return update.join(select).add(") s WHERE leads_lead.id = s.id")


def reached_sql(stages: tuple[str, ...]) -> Sql:
    marks = ", ".join(["%s"] * len(stages))
    return Sql(f"(l.stage IN ({marks}) OR EXISTS (SELECT 1 FROM leads_stagechange sc WHERE sc.lead_id = l.id "
               f"AND sc.to_stage IN ({marks})))", [*stages, *stages])  # fmt: skip


def channel_counts_sql() -> Sql:
    """Per channel: its live leads, those that reached MQL or beyond, those that became customers."""
    query = Sql("SELECT l.source_channel_id, COUNT(*), SUM(CASE WHEN ").join(reached_sql(tuple(MQL_OR_BEYOND)))
    query.add(" THEN 1 ELSE 0 END), SUM(CASE WHEN ").join(reached_sql((Stage.CUSTOMER,)))
    return query.add(" THEN 1 ELSE 0 END) FROM leads_lead l WHERE l.source_channel_id IS NOT NULL "
                     "AND l.merged_into_id IS NULL GROUP BY l.source_channel_id")
