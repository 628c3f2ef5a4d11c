"""Reads of the revenue ledger (RevenueEvent): ARR by account at a date, ARPU, churn, renewal rate, NRR.

ARR of an account at a date = new + expansion - contraction - churn of its events dated before it
(renewals confirm ARR, they do not add to it). An account is active when its ARR is above 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection

from accounts.models import Account
from analytics.queries.base import AnalyticsFilters
from leads.models import RevenueEvent


@dataclass(frozen=True)
class LedgerFigures:
    active_at_start: int
    arr_at_start: Decimal
    active_at_end: int
    arr_at_end: Decimal
    churned: int
    renewed: int
    retained_arr: Decimal  # ARR at the end of the accounts active at the start

    @property
    def arpu(self) -> Decimal | None:
        """Annual revenue per active customer at the end of the period."""
        return self.arr_at_end / self.active_at_end if self.active_at_end else None

    def annual_churn(self, period_days: int) -> Decimal | None:
        """Customers churned in the period / customers active at its start, scaled to a year (exactly the
        spec's ratio for a 365-day period), capped at 1."""
        if not self.active_at_start:
            return None
        return min(Decimal(1), Decimal(self.churned) / self.active_at_start * Decimal(365) / Decimal(period_days))

    @property
    def renewal_rate(self) -> Decimal | None:
        return Decimal(self.renewed) / self.active_at_start if self.active_at_start else None

    @property
    def nrr(self) -> Decimal | None:
        return self.retained_arr / self.arr_at_start if self.arr_at_start else None


def ledger_figures(filters: AnalyticsFilters) -> LedgerFigures:
    """Every ledger figure of the period in one SQL statement (GROUP BY ... HAVING per account)."""
    start, after = filters.date_from, filters.date_to + dt.timedelta(days=1)
    adapt = connection.ops.adapt_datefield_value
    table = connection.ops.quote_name(RevenueEvent._meta.db_table)
    accounts = connection.ops.quote_name(Account._meta.db_table)
    tier_join, tier_params = ("", [])
    if filters.account_tier:
        tier_join, tier_params = f"JOIN {accounts} a ON a.id = e.account_id AND a.tier = %s", [filters.account_tier]
    sql = (
        "WITH ev AS (SELECT e.account_id, e.kind, e.date, CASE WHEN e.kind IN ('new', 'expansion') THEN e.amount "
        "WHEN e.kind IN ('contraction', 'churn') THEN -e.amount ELSE 0 END AS signed "
        f"FROM {table} e {tier_join}), "
        "s AS (SELECT account_id, SUM(signed) AS arr FROM ev WHERE date < %s GROUP BY account_id "
        "HAVING SUM(signed) > 0), "
        "en AS (SELECT account_id, SUM(signed) AS arr FROM ev WHERE date < %s GROUP BY account_id "
        "HAVING SUM(signed) > 0), "
        "m AS (SELECT ev.* FROM ev JOIN s ON s.account_id = ev.account_id WHERE ev.date >= %s AND ev.date < %s) "
        "SELECT (SELECT COUNT(*) FROM s), (SELECT SUM(arr) FROM s), (SELECT COUNT(*) FROM en), "
        "(SELECT SUM(arr) FROM en), (SELECT COUNT(DISTINCT account_id) FROM m WHERE kind = 'churn'), "
        "(SELECT COUNT(DISTINCT account_id) FROM m WHERE kind = 'renewal'), (SELECT SUM(signed) FROM m)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*tier_params, adapt(start), adapt(after), adapt(start), adapt(after)])
        n_start, arr_start, n_end, arr_end, churned, renewed, delta = cursor.fetchone()
    arr_start = _decimal(arr_start)
    return LedgerFigures(
        active_at_start=int(n_start or 0), arr_at_start=arr_start, active_at_end=int(n_end or 0),
        arr_at_end=_decimal(arr_end), churned=int(churned or 0), renewed=int(renewed or 0),
        retained_arr=arr_start + _decimal(delta),
    )  # fmt: skip


def _decimal(value: object) -> Decimal:
    """SQL sums as cents-exact Decimals (SQLite answers floats)."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def churn_for_period(*, ledger: LedgerFigures, filters: AnalyticsFilters,
                     override: Decimal | None = None) -> tuple[Decimal, str]:  # fmt: skip
    """The annual churn a panel uses and where it came from: the caller's `override`, else the ledger's when
    it has customers at the start and saw at least one churn (too little data otherwise: a zero churn would
    make every lifetime endless), else the LEADFLOW_DEFAULT_ANNUAL_CHURN setting."""
    if override is not None:
        return override, "override"
    measured = ledger.annual_churn((filters.date_to - filters.date_from).days + 1)
    if measured:
        return measured, "data"
    return Decimal(str(settings.LEADFLOW.get("DEFAULT_ANNUAL_CHURN", 0.2))), "default"
