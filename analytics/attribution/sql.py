"""The SQL of attribution: conversions, their eligible touchpoints with positions (window functions), each
model's weight, and the transition counts of the Markov chain. Runs on PostgreSQL and SQLite.

The lead population comes from the ORM (AnalyticsFilters.lead_q) so every panel filters the same way; the
window work is hand-written SQL wrapped around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.db import connection
from django.db.models import Exists, Min, OuterRef

from analytics.choices import AttributionGroup, AttributionModel
from analytics.queries.base import AnalyticsFilters
from leads.choices import OpportunityStatus, Stage
from leads.models import Lead, Opportunity, StageChange, Touchpoint

KEY_COLUMNS = {AttributionGroup.CHANNEL: "channel_id", AttributionGroup.CAMPAIGN: "campaign_id",
               AttributionGroup.KIND: "kind"}  # fmt: skip


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def days_between(later: str, earlier: str) -> str:
    """Fractional days from `earlier` to `later` (SQL expression)."""
    if connection.vendor == "postgresql":
        return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0)"
    return f"(julianday({later}) - julianday({earlier}))"


def as_text(expression: str) -> str:
    return f"CAST({expression} AS TEXT)"


@dataclass(frozen=True)
class Population:
    filters: AnalyticsFilters
    group_by: str
    lookback_days: int

    def conversions_cte(self) -> tuple[str, list[Any]]:
        """`conv(lead_id, conv_at, lead_created_at, revenue, opp_at)`: leads that became customers in the
        period (first entry in it), R = won amount of the latest won opportunity closed at or before it."""
        f = self.filters
        firsts = (
            StageChange.objects.filter(f.lead_q("lead__"), to_stage=Stage.CUSTOMER, at__gte=f.start, at__lt=f.end)
            .values("lead_id").annotate(conv_at=Min("at")).order_by()
        )  # fmt: skip
        inner, params = firsts.query.sql_with_params()
        won = (f"FROM {_table(Opportunity)} o WHERE o.lead_id = c.lead_id AND o.status = %s "
               f"AND o.closed_at <= c.conv_at ORDER BY o.closed_at DESC, o.id DESC LIMIT 1")  # fmt: skip
        sql = (
            f"conv AS (SELECT c.lead_id, c.conv_at, l.created_at AS lead_created_at, "
            f"COALESCE((SELECT o.won_amount {won}), 0) AS revenue, (SELECT o.opened_at {won}) AS opp_at "
            f"FROM ({inner}) c JOIN {_table(Lead)} l ON l.id = c.lead_id)"
        )
        return sql, [OpportunityStatus.WON.value, OpportunityStatus.WON.value, *params]

    def touches_cte(self) -> tuple[str, list[Any]]:
        """`t`: each conversion's touchpoints at or before it and inside the lookback, with position `pos`
        (1 = first), count `n`, age in days `age`, distances to lead creation and opportunity creation."""
        key = as_text(f"tp.{KEY_COLUMNS[AttributionGroup(self.group_by)]}")
        age = days_between("conv.conv_at", "tp.occurred_at")
        order = "PARTITION BY conv.lead_id ORDER BY tp.occurred_at, tp.id"
        sql = (
            f"t AS (SELECT conv.lead_id, conv.revenue, tp.id AS tid, tp.occurred_at, {key} AS k, {age} AS age, "
            f"ABS({days_between('tp.occurred_at', 'conv.lead_created_at')}) AS d_created, "
            f"ABS({days_between('tp.occurred_at', 'COALESCE(conv.opp_at, conv.conv_at)')}) AS d_opp, "
            f"ROW_NUMBER() OVER ({order}) AS pos, COUNT(*) OVER (PARTITION BY conv.lead_id) AS n "
            f"FROM conv JOIN {_table(Touchpoint)} tp ON tp.lead_id = conv.lead_id "
            f"WHERE tp.occurred_at <= conv.conv_at AND {age} <= %s)"
        )
        return sql, [self.lookback_days]

    def base(self) -> tuple[str, list[Any]]:
        conv, conv_params = self.conversions_cte()
        touches, touch_params = self.touches_cte()
        return f"WITH {conv}, {touches}", [*conv_params, *touch_params]


def weight_cte(model: str, *, half_life_days: float) -> tuple[str, list[Any]]:
    """`w(lead_id, revenue, k, nw)`: normalised weight of each touch (sums to 1 per conversion)."""
    raw, params, source = _raw_weight(model, half_life_days=half_life_days)
    sql = (f"rw AS (SELECT lead_id, revenue, k, {raw} AS w FROM {source}), "
           f"w AS (SELECT lead_id, revenue, k, w / SUM(w) OVER (PARTITION BY lead_id) AS nw FROM rw)")  # fmt: skip
    return sql, params


def _raw_weight(model: str, *, half_life_days: float) -> tuple[str, list[Any], str]:
    if model == AttributionModel.FIRST_TOUCH:
        return "CASE WHEN pos = 1 THEN 1.0 ELSE 0.0 END", [], "t"
    if model == AttributionModel.LAST_TOUCH:
        return "CASE WHEN pos = n THEN 1.0 ELSE 0.0 END", [], "t"
    if model == AttributionModel.LINEAR:
        return "1.0", [], "t"
    if model == AttributionModel.TIME_DECAY:
        return "POWER(2.0, -age / %s)", [float(half_life_days)], "t"
    if model == AttributionModel.U_SHAPED:
        return ("CASE WHEN n <= 2 THEN 1.0 WHEN pos = 1 OR pos = n THEN 0.4 "
                "ELSE 0.2 / (n - 2) END"), [], "t"  # fmt: skip
    if model == AttributionModel.W_SHAPED:
        return _w_shaped(), [], _W_ANCHORS
    raise ValueError(model)


# W-shaped anchors: the first touch, the touch nearest the lead's creation (`cpos`) and the touch nearest the
# opportunity's creation (`opos`; without an opportunity, the conversion). Ties go to the earlier touch.
_W_ANCHORS = (
    "(SELECT a.*, MAX(CASE WHEN rc = 1 THEN pos END) OVER (PARTITION BY lead_id) AS cpos, "
    "MAX(CASE WHEN ro = 1 THEN pos END) OVER (PARTITION BY lead_id) AS opos FROM "
    "(SELECT t.*, ROW_NUMBER() OVER (PARTITION BY lead_id ORDER BY d_created, pos) AS rc, "
    "ROW_NUMBER() OVER (PARTITION BY lead_id ORDER BY d_opp, pos) AS ro FROM t) a) b"
)


def _w_shaped() -> str:
    """30 % per anchor role (roles held by one touch stack), 10 % shared by the other touches; with no other
    touch the 10 % is not given and normalising spreads it over the anchors in proportion."""
    distinct = "(1 + CASE WHEN cpos <> 1 THEN 1 ELSE 0 END + CASE WHEN opos <> 1 AND opos <> cpos THEN 1 ELSE 0 END)"
    return (
        "(CASE WHEN pos = 1 THEN 0.3 ELSE 0.0 END + CASE WHEN pos = cpos THEN 0.3 ELSE 0.0 END "
        "+ CASE WHEN pos = opos THEN 0.3 ELSE 0.0 END "
        f"+ CASE WHEN pos <> 1 AND pos <> cpos AND pos <> opos THEN 0.1 / (n - {distinct}) ELSE 0.0 END)"
    )


def credits_sql(population: Population, model: str, *, half_life_days: float) -> tuple[str, list[Any]]:
    """Rows (k, credited revenue, credited conversions, kind): kind 0 per group, kind 1 the revenue and count
    of the conversions with at least one eligible touch (what the groups add up to), kind 2 of every
    conversion of the period."""
    base, params = population.base()
    weights, weight_params = weight_cte(model, half_life_days=half_life_days)
    sql = (
        f"{base}, {weights} "
        "SELECT k, SUM(revenue * nw), SUM(nw), 0 FROM w GROUP BY k "
        "UNION ALL SELECT NULL, SUM(revenue), COUNT(*), 1 FROM t WHERE pos = 1 "
        "UNION ALL SELECT NULL, SUM(revenue), COUNT(*), 2 FROM conv"
    )
    return sql, [*params, *weight_params]


def markov_transitions_sql(population: Population) -> tuple[str, list[Any]]:
    """Transition counts of the channel (campaign, kind) paths: rows (step, from_k, to_k, count) where step
    is 'start' (start -> to_k), 'move' (from_k -> to_k), 'conv' or 'null' (from_k -> absorbing state).

    Converting paths: the conversion's eligible touches (as for every model). Non-converting paths: the
    period's touchpoints of filtered leads that were not customers by the end of the period.
    """
    base, params = population.base()
    f = population.filters
    customers = StageChange.objects.filter(lead_id=OuterRef("lead_id"), to_stage=Stage.CUSTOMER, at__lt=f.end)
    column = KEY_COLUMNS[AttributionGroup(population.group_by)]
    others = (
        Touchpoint.objects.filter(f.lead_q("lead__"), lead__isnull=False, occurred_at__gte=f.start,
                                  occurred_at__lt=f.end)
        .exclude(Exists(customers)).values("lead_id", "id", "occurred_at", column).order_by()
    )  # fmt: skip
    other_sql, other_params = others.query.sql_with_params()
    order = "PARTITION BY lead_id ORDER BY occurred_at, tid"
    sql = (
        f"{base}, paths AS (SELECT lead_id, 1 AS converted, tid, occurred_at, k FROM t UNION ALL "
        f"SELECT o.lead_id, 0, o.id, o.occurred_at, {as_text('o.' + column)} FROM ({other_sql}) o), "
        f"seq AS (SELECT lead_id, converted, k, ROW_NUMBER() OVER ({order}) AS pos, "
        f"LEAD(k) OVER ({order}) AS next_k, LEAD(tid) OVER ({order}) AS next_tid FROM paths) "
        "SELECT 'start', NULL, k, COUNT(*) FROM seq WHERE pos = 1 GROUP BY k "
        "UNION ALL SELECT 'move', k, next_k, COUNT(*) FROM seq WHERE next_tid IS NOT NULL GROUP BY k, next_k "
        "UNION ALL SELECT CASE WHEN converted = 1 THEN 'conv' ELSE 'null' END, k, NULL, COUNT(*) FROM seq "
        "WHERE next_tid IS NULL GROUP BY converted, k"
    )
    return sql, [*params, *other_params]


def fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run raw SQL; choices enums become their values (the ORM's compiled params may still hold them)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, [param.value if isinstance(param, Enum) else param for param in params])
        return list(cursor.fetchall())


def touched_totals_sql(population: Population) -> tuple[str, list[Any]]:
    """(count, revenue) of the conversions with at least one eligible touch (what the rows add up to), then
    (count, revenue) of every conversion of the period."""
    base, params = population.base()
    return (f"{base} SELECT (SELECT COUNT(*) FROM t WHERE pos = 1), (SELECT SUM(revenue) FROM t WHERE pos = 1), "
            "(SELECT COUNT(*) FROM conv), (SELECT SUM(revenue) FROM conv)"), params
