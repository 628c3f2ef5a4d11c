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
from leads.models import Opportunity, StageChange, Touchpoint

KEY_COLUMNS = {AttributionGroup.CHANNEL: "channel_id", AttributionGroup.CAMPAIGN: "campaign_id",
               AttributionGroup.KIND: "kind"}  # fmt: skip


def _table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def days_between(later: str, earlier: str) -> str:
    """Fractional days from `earlier` to `later` (SQL expression)."""
    if connection.vendor == "postgresql":
        return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0)"
    return f"(julianday({later}) - julianday({earlier}))"


@dataclass(frozen=True)
class Population:
    filters: AnalyticsFilters
    group_by: str
    lookback_days: int
    # The model the touches are for: only W-shaped needs each touch's distance to the lead's creation and to
    # the opportunity's (and so the opportunity lookup), only time decay the touch's age.
    model: str = ""

    @property
    def anchored(self) -> bool:
        return self.model == AttributionModel.W_SHAPED

    def conversions_cte(self) -> tuple[str, list[Any]]:
        """`conv(lead_id, conv_at, lead_created_at, revenue[, opp_at])`: leads that became customers in the
        period (first entry in it), R = won amount of the latest won opportunity closed at or before it.
        The lead's creation comes from the join the lead filters already make (no second pass over leads)."""
        f = self.filters
        firsts = (
            StageChange.objects.filter(f.lead_q("lead__"), to_stage=Stage.CUSTOMER, at__gte=f.start, at__lt=f.end)
            .values("lead_id").annotate(conv_at=Min("at"), lead_created_at=Min("lead__created_at")).order_by()
        )  # fmt: skip
        inner, params = firsts.query.sql_with_params()
        won = (f"FROM {_table(Opportunity)} o WHERE o.lead_id = c.lead_id AND o.status = %s "
               f"AND o.closed_at <= c.conv_at ORDER BY o.closed_at DESC, o.id DESC LIMIT 1")  # fmt: skip
        opp_at, opp_params = "", []
        if self.anchored:
            opp_at, opp_params = f", (SELECT o.opened_at {won}) AS opp_at", [OpportunityStatus.WON.value]
        sql = (
            f"conv AS (SELECT c.lead_id, c.conv_at, c.lead_created_at, "
            f"COALESCE((SELECT o.won_amount {won}), 0) AS revenue{opp_at} FROM ({inner}) c)"
        )
        return sql, [OpportunityStatus.WON.value, *opp_params, *params]

    def eligible(self, touch: str = "tp") -> tuple[str, list[Any]]:
        """The touch is at or before the conversion and inside the lookback. On PostgreSQL the lookback is
        also stated as a bound on `occurred_at` (whole seconds, so exactly the same touches) so the
        (lead, occurred_at) index range holds only the eligible touches."""
        age = days_between("conv.conv_at", f"{touch}.occurred_at")
        sql = f"{touch}.occurred_at <= conv.conv_at AND {age} <= %s"
        if connection.vendor != "postgresql":
            return sql, [self.lookback_days]
        bound = f"{touch}.occurred_at >= conv.conv_at - INTERVAL '1 second' * %s"
        return f"{sql} AND {bound}", [self.lookback_days, self.lookback_days * 86400]

    def touches_cte(self) -> tuple[str, list[Any]]:
        """`t`: each conversion's eligible touchpoints with position `pos` (1 = first) and count `n`; for time
        decay their age in days `age`, when anchored their distances to lead and opportunity creation."""
        key = f"tp.{KEY_COLUMNS[AttributionGroup(self.group_by)]}"
        order = "PARTITION BY conv.lead_id ORDER BY tp.occurred_at, tp.id"
        extra = ""
        if self.model == AttributionModel.TIME_DECAY:
            # Binary floating point: PostgreSQL's numeric POWER is ~100 times slower, and no more exact for
            # an irrational weight; the credits are rounded to 4 places before the cents (allocation).
            extra = f"CAST({days_between('conv.conv_at', 'tp.occurred_at')} AS DOUBLE PRECISION) AS age, "
        if self.anchored:
            opened = "COALESCE(conv.opp_at, conv.conv_at)"
            extra = (f"ABS({days_between('tp.occurred_at', 'conv.lead_created_at')}) AS d_created, "
                     f"ABS({days_between('tp.occurred_at', opened)}) AS d_opp, ")  # fmt: skip
        eligible, params = self.eligible()
        sql = (
            f"t AS (SELECT conv.lead_id, conv.revenue, tp.id AS tid, tp.occurred_at, {key} AS k, {extra}"
            f"ROW_NUMBER() OVER ({order}) AS pos, COUNT(*) OVER (PARTITION BY conv.lead_id) AS n "
            f"FROM conv JOIN {_table(Touchpoint)} tp ON tp.lead_id = conv.lead_id WHERE {eligible})"
        )
        return sql, params

    def base(self) -> tuple[str, list[Any]]:
        conv, conv_params = self.conversions_cte()
        touches, touch_params = self.touches_cte()
        return f"WITH {conv}, {touches}", [*conv_params, *touch_params]


def weight_cte(model: str, *, half_life_days: float) -> tuple[str, list[Any]]:
    """`w(lead_id, revenue, k, nw)`: normalised weight of each touch (sums to 1 per conversion). Linear and
    U-shaped weights are normalised as written; the others are divided by their sum per conversion."""
    if model == AttributionModel.LINEAR:
        return "w AS (SELECT lead_id, revenue, k, 1.0 / (n * 1.0) AS nw FROM t)", []
    if model == AttributionModel.U_SHAPED:
        return ("w AS (SELECT lead_id, revenue, k, CASE WHEN n = 1 THEN 1.0 WHEN n = 2 THEN 0.5 "
                "WHEN pos = 1 OR pos = n THEN 0.4 ELSE 0.2 / (n - 2) END AS nw FROM t)"), []  # fmt: skip
    raw, params, source = _raw_weight(model, half_life_days=half_life_days)
    sql = (f"rw AS (SELECT lead_id, revenue, k, {raw} AS w FROM {source}), "
           f"w AS (SELECT lead_id, revenue, k, w / SUM(w) OVER (PARTITION BY lead_id) AS nw FROM rw)")  # fmt: skip
    return sql, params


def _raw_weight(model: str, *, half_life_days: float) -> tuple[str, list[Any], str]:
    if model == AttributionModel.TIME_DECAY:
        return "POWER(CAST(2 AS DOUBLE PRECISION), -age / %s)", [float(half_life_days)], "t"
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
    if model in (AttributionModel.FIRST_TOUCH, AttributionModel.LAST_TOUCH):
        return _single_touch_credits_sql(population, last=model == AttributionModel.LAST_TOUCH)
    base, params = population.base()
    weights, weight_params = weight_cte(model, half_life_days=half_life_days)
    sql = (
        f"{base}, {weights} "
        "SELECT k, SUM(revenue * nw), SUM(nw), 0 FROM w GROUP BY k "
        "UNION ALL SELECT NULL, SUM(revenue), COUNT(*), 1 FROM t WHERE pos = 1 "
        "UNION ALL SELECT NULL, SUM(revenue), COUNT(*), 2 FROM conv"
    )
    return sql, [*params, *weight_params]


def _single_touch_credits_sql(population: Population, *, last: bool) -> tuple[str, list[Any]]:
    """First or last touch: the whole R goes to one touch per conversion, found by an ordered LIMIT 1 on
    the (lead, occurred_at) index instead of numbering every touch. Same rows as `credits_sql`."""
    conv, params = population.conversions_cte()
    eligible, eligible_params = population.eligible("e")
    direction = "DESC" if last else "ASC"
    key = f"tp.{KEY_COLUMNS[AttributionGroup(population.group_by)]}"
    touchpoints = _table(Touchpoint)
    sql = (
        f"WITH {conv}, one AS (SELECT conv.revenue, (SELECT e.id FROM {touchpoints} e "
        f"WHERE e.lead_id = conv.lead_id AND {eligible} ORDER BY e.occurred_at {direction}, e.id {direction} "
        "LIMIT 1) AS tid FROM conv) "
        f"SELECT {key}, SUM(one.revenue), COUNT(*), 0 FROM one JOIN {touchpoints} tp ON tp.id = one.tid "
        f"GROUP BY {key} "
        "UNION ALL SELECT NULL, SUM(revenue), COUNT(*), 1 FROM one WHERE tid IS NOT NULL "
        "UNION ALL SELECT NULL, SUM(revenue), COUNT(*), 2 FROM conv"
    )
    return sql, [*params, *eligible_params]


def markov_transitions_sql(population: Population) -> tuple[str, list[Any]]:
    """Transition counts of the channel (campaign, kind) paths: rows (step, from_k, to_k, count, revenue)
    where step is 'start' (start -> to_k), 'move' (from_k -> to_k), 'conv' or 'null' (from_k -> absorbing
    state); then the totals in the same statement (conversions are found once): step 'touched' (count and R
    of the conversions with an eligible touch) and 'all' (of every conversion of the period).

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
    # One pass over the paths counts each (first?, converted, k, next k, moves on?) cell; the transitions
    # are read off those few rows.
    sql = (
        f"{base}, paths AS (SELECT lead_id, 1 AS converted, tid, occurred_at, k FROM t UNION ALL "
        f"SELECT o.lead_id, 0, o.id, o.occurred_at, o.{column} FROM ({other_sql}) o), "
        f"seq AS (SELECT converted, k, ROW_NUMBER() OVER ({order}) AS pos, "
        f"LEAD(k) OVER ({order}) AS next_k, LEAD(tid) OVER ({order}) AS next_tid FROM paths), "
        "g AS (SELECT CASE WHEN pos = 1 THEN 1 ELSE 0 END AS first, converted, k, next_k, "
        "CASE WHEN next_tid IS NULL THEN 0 ELSE 1 END AS moves, COUNT(*) AS c FROM seq GROUP BY 1, 2, 3, 4, 5) "
        "SELECT 'move', k, next_k, SUM(c), CAST(NULL AS NUMERIC) FROM g WHERE moves = 1 GROUP BY k, next_k "
        "UNION ALL SELECT 'start', NULL, k, SUM(c), NULL FROM g WHERE first = 1 GROUP BY k "
        "UNION ALL SELECT CASE WHEN converted = 1 THEN 'conv' ELSE 'null' END, k, NULL, SUM(c), NULL FROM g "
        "WHERE moves = 0 GROUP BY converted, k "
        "UNION ALL SELECT 'touched', NULL, NULL, COUNT(*), SUM(revenue) FROM t WHERE pos = 1 "
        "UNION ALL SELECT 'all', NULL, NULL, COUNT(*), SUM(revenue) FROM conv"
    )
    return sql, [*params, *other_params]


def fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run raw SQL; choices enums become their values (the ORM's compiled params may still hold them)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, [param.value if isinstance(param, Enum) else param for param in params])
        return list(cursor.fetchall())
