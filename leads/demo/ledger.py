"""The demo's revenue ledger beyond the wins: customers from before the demo year, renewals, expansion,
contraction and churn, so ARPU, churn, renewal rate, NRR and LTV come from data.

- Every won deal with an account gets its `new` row at the win, as `revenue_event_for_win` writes it; the
  writer derives those from the deals, this module plans everything else.
- Customers from before the demo year (`legacy`, accounts without leads: their buying happened before the
  history the demo shows) signed an annual contract one to three years before its anniversary inside the
  demo year (after its first month). At the anniversary 13-18 % of them churn (the spec's annual churn:
  churned / active at the start); the others renew, some expanding or contracting at the renewal.
- Customers won inside the year: about a quarter expand, a few contract, and a handful churn early (at least
  90 days after their last win).

Amounts are annual recurring revenue in CNY, sized like the demo's deals (the tier's median, log-normal),
rounded to 1,000. A pure function of the rng: the same seed and day give the same rows.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from decimal import Decimal

from leads.demo.catalog import DEAL_MEDIAN, DEMO_TZ
from leads.demo.plans import AccountPlan, LeadPlan, Revenue, Rng, Window
from leads.demo.timeline import weighted_choice
from leads.models import RevenueKind

LEGACY_PER_LEAD = 0.009  # ~45 customers before the demo year for the default 5,000 leads (~90 won in it)
MAX_LEGACY = 45
LEGACY_CHURN = (0.13, 0.18)  # share of the customers active at the start who leave at their anniversary
LEGACY_YEARS = ((1, 5), (2, 3), (3, 2))  # years a legacy customer had been one at its anniversary
SIGNED_RENEWAL_CHANGE = ((RevenueKind.EXPANSION, 0.5, (0.15, 0.6)), (RevenueKind.CONTRACTION, 0.10, (0.1, 0.25)))
WON_CHANGE = ((RevenueKind.EXPANSION, 0.25, (0.15, 0.5)), (RevenueKind.CONTRACTION, 0.08, (0.1, 0.3)))
WON_CHURN = 0.05  # of the customers won in the year whose last win is 90+ days old
NOTES = {
    RevenueKind.NEW: "年度订阅合同", RevenueKind.RENEWAL: "合同到期续约一年",
    RevenueKind.EXPANSION: "增购席位与模块", RevenueKind.CONTRACTION: "缩减席位",
    RevenueKind.CHURN: "合同到期未续约",
}  # fmt: skip
SIGN = {RevenueKind.NEW: 1, RevenueKind.EXPANSION: 1, RevenueKind.CONTRACTION: -1, RevenueKind.CHURN: -1}


def legacy_count(leads: int) -> int:
    """How many customers the company had before the demo year: in proportion to the demo's size."""
    return min(MAX_LEGACY, max(3, round(leads * LEGACY_PER_LEAD)))


def ledger_plan(rng: Rng, window: Window, leads: list[LeadPlan], legacy: list[AccountPlan]) -> list[Revenue]:
    """The ledger rows other than the wins' `new` rows, every one dated before `window.today`."""
    return [*_legacy_rows(rng, window, legacy), *_after_win_rows(rng, window, _wins(leads))]


def ledger_arr(rows: list[Revenue]) -> dict[int, Decimal]:
    """ARR per account index after `rows`, as the analytics ledger adds it up (renewals confirm, not add)."""
    arr: dict[int, Decimal] = defaultdict(Decimal)
    for row in rows:
        arr[row.account] += SIGN.get(RevenueKind(row.kind), 0) * row.amount
    return dict(arr)


def _legacy_rows(rng: Rng, window: Window, legacy: list[AccountPlan]) -> list[Revenue]:
    churners = set(rng.sample(range(len(legacy)), round(len(legacy) * rng.uniform(*LEGACY_CHURN))))
    # Anniversaries after the demo's first month: inside the 12 months the dashboards show by default, so
    # their churns and renewals are the period's and the customers are active at its start.
    days = [day for day in window.days if day >= window.months[min(1, len(window.months) - 1)]] or window.days
    rows: list[Revenue] = []
    for n, account in enumerate(legacy):
        anniversary = rng.choice(days)
        years = weighted_choice(rng, LEGACY_YEARS)
        arr = _contract_value(rng, account.tier)
        rows.append(_row(account.index, RevenueKind.NEW, _years_before(anniversary, years), arr))
        rows += [_row(account.index, RevenueKind.RENEWAL, _years_before(anniversary, k), arr)
                 for k in range(years - 1, 0, -1)]  # fmt: skip
        if n in churners:
            rows.append(_row(account.index, RevenueKind.CHURN, anniversary, arr))
            continue
        change = _change(rng, SIGNED_RENEWAL_CHANGE, account.index, anniversary, arr)
        if change is not None:
            rows.append(change)
            arr += SIGN[RevenueKind(change.kind)] * change.amount
        rows.append(_row(account.index, RevenueKind.RENEWAL, anniversary, arr))
    return rows


def _after_win_rows(rng: Rng, window: Window, wins: dict[int, list[tuple[dt.date, Decimal]]]) -> list[Revenue]:
    """At most one change per account won in the year: expansion, contraction or (90+ days after its last win)
    churn, on a working day before today."""
    rows: list[Revenue] = []
    last_day = window.days[-1]
    for index, deals in sorted(wins.items()):
        first, last = deals[0][0], deals[-1][0]
        if (last_day - first).days >= 60:
            day = _working_day(rng, window, first + dt.timedelta(days=60), last_day)
            change = _change(rng, WON_CHANGE, index, day, sum((a for d, a in deals if d <= day), Decimal(0)))
            if change is not None:
                rows.append(change)
                continue
        if (last_day - last).days >= 90 and rng.random() < WON_CHURN:
            day = _working_day(rng, window, last + dt.timedelta(days=90), last_day)
            rows.append(_row(index, RevenueKind.CHURN, day, sum((a for _d, a in deals), Decimal(0))))
    return rows


def _change(
    rng: Rng, options: tuple[tuple[RevenueKind, float, tuple[float, float]], ...], index: int, day: dt.date,
    arr: Decimal,
) -> Revenue | None:  # fmt: skip
    """One draw: an expansion or contraction by a share of `arr` (at least 1,000, a contraction below `arr`),
    or None."""
    draw = rng.random()
    for kind, chance, (lo, hi) in options:
        if draw < chance:
            amount = max(Decimal(1000), Decimal(int(round(float(arr) * rng.uniform(lo, hi), -3))))
            if kind == RevenueKind.CONTRACTION and amount >= arr:
                return None
            return _row(index, kind, day, amount)
        draw -= chance
    return None


def _wins(leads: list[LeadPlan]) -> dict[int, list[tuple[dt.date, Decimal]]]:
    """(local day, won amount) of each account's won deals, oldest first."""
    wins: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for lead in leads:
        for deal in lead.deals:
            if lead.account is not None and deal.won_amount is not None and deal.closed_at is not None:
                wins[lead.account.index].append((deal.closed_at.astimezone(DEMO_TZ).date(), deal.won_amount))
    return {index: sorted(deals) for index, deals in wins.items()}


def _contract_value(rng: Rng, tier: str) -> Decimal:
    """A yearly contract like the demo's deals: the tier's median, log-normal, 50k-800k, to the thousand."""
    value = min(800_000, max(50_000, DEAL_MEDIAN[tier] * math.exp(rng.gauss(0, 0.45))))
    return Decimal(int(round(value, -3)))


def _working_day(rng: Rng, window: Window, lo: dt.date, hi: dt.date) -> dt.date:
    days = [day for day in window.days if lo <= day <= hi and day in window.business_days]
    return rng.choice(days) if days else hi


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _row(index: int, kind: RevenueKind, day: dt.date, amount: Decimal) -> Revenue:
    return Revenue(index, kind.value, day, amount, NOTES[kind])
