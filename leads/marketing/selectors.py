"""Reads for the marketing pages: campaigns with their spend, and the monthly cost grid."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from leads.choices import CostCategory
from leads.models import Campaign, Channel, Cost

ZERO = Decimal("0.00")
CATEGORY_ORDER = {value: index for index, value in enumerate(CostCategory.values)}


class CampaignStatus:
    UPCOMING = "upcoming"
    RUNNING = "running"
    ENDED = "ended"


def campaigns_with_spend(
    *, today: dt.date, channel: Channel | None = None, q: str = "", status: str = "", needs_review: bool = False,
) -> QuerySet[Campaign]:  # fmt: skip
    """Campaigns with `spend` (their costs in the campaign's own currency, summed in SQL) and `budget_used`
    (spend / budget, None without a budget)."""
    spend = (
        Cost.objects.filter(campaign=OuterRef("pk"), currency=OuterRef("currency"))
        .values("campaign").annotate(total=Sum("amount")).values("total")
    )  # fmt: skip
    money: DecimalField[Decimal, Decimal] = DecimalField(max_digits=18, decimal_places=2)
    campaigns = Campaign.objects.select_related("channel").annotate(
        spend=Coalesce(Subquery(spend, output_field=money), Value(ZERO), output_field=money)
    )
    if channel is not None:
        campaigns = campaigns.filter(channel=channel)
    if q:
        campaigns = campaigns.filter(Q(name__icontains=q) | Q(slug__icontains=q))
    if needs_review:
        campaigns = campaigns.filter(needs_review=True)
    if status == CampaignStatus.UPCOMING:
        campaigns = campaigns.filter(starts_on__gt=today)
    elif status == CampaignStatus.RUNNING:
        started, not_ended = Q(starts_on__lte=today) | Q(starts_on=None), Q(ends_on__gte=today) | Q(ends_on=None)
        campaigns = campaigns.filter(started, not_ended)
    elif status == CampaignStatus.ENDED:
        campaigns = campaigns.filter(ends_on__lt=today)
    return campaigns.order_by(F("starts_on").desc(nulls_last=True), "name")


@dataclass
class GridRow:
    key: str  # "channel-3" or "campaign-5": the cost target
    category: str
    channel: Channel | None
    campaign: Campaign | None
    year: int
    cells: list[Decimal | None] = field(default_factory=lambda: [None] * 12)

    @property
    def month_cells(self) -> list[tuple[dt.date, Decimal | None]]:
        return list(zip(grid_months(self.year), self.cells, strict=True))

    @property
    def category_label(self) -> str:
        return str(CostCategory(self.category).label)

    @property
    def total(self) -> Decimal:
        return sum((cell for cell in self.cells if cell is not None), ZERO)

    @property
    def dom_id(self) -> str:
        return f"{self.key}-{self.category}"

    @property
    def label(self) -> str:
        return self.campaign.name if self.campaign else (self.channel.name if self.channel else "")


@dataclass
class CostGrid:
    year: int
    currency: str
    months: list[dt.date]
    rows: list[GridRow]

    @property
    def column_totals(self) -> list[Decimal]:
        return [sum((row.cells[index] or ZERO for row in self.rows), ZERO) for index in range(12)]

    @property
    def month_totals(self) -> list[tuple[dt.date, Decimal]]:
        return list(zip(self.months, self.column_totals, strict=True))

    @property
    def total(self) -> Decimal:
        return sum((row.total for row in self.rows), ZERO)


def grid_months(year: int) -> list[dt.date]:
    return [dt.date(year, month, 1) for month in range(1, 13)]


def cost_grid_scope(*, year: int, currency: str, channel: Channel | None = None) -> QuerySet[Cost]:
    """The costs one grid shows: a calendar year in one currency, optionally one channel with its campaigns."""
    costs = Cost.objects.filter(month__year=year, currency=currency)
    if channel is not None:
        costs = costs.filter(Q(channel=channel, campaign=None) | Q(campaign__channel=channel))
    return costs


def cost_grid(*, year: int, currency: str, channel: Channel | None = None) -> CostGrid:
    """One row per (channel or campaign, category) that has a cost in the year, twelve month cells each.

    Ordered by channel, the channel's own rows before its campaigns', then by category as CostCategory lists
    them. At most one cost row exists per cell (the unique constraints), so no summing is needed here.
    """
    costs = cost_grid_scope(year=year, currency=currency, channel=channel).select_related(
        "channel", "campaign", "campaign__channel"
    )
    rows: dict[tuple[str, str], GridRow] = {}
    for cost in costs:
        key = f"campaign-{cost.campaign_id}" if cost.campaign_id else f"channel-{cost.channel_id}"
        row = rows.get((key, cost.category))
        if row is None:
            owner = cost.campaign.channel if cost.campaign else cost.channel
            row = rows[(key, cost.category)] = GridRow(key, cost.category, owner, cost.campaign, year)
        row.cells[cost.month.month - 1] = cost.amount
    return CostGrid(year=year, currency=currency, months=grid_months(year), rows=sorted(rows.values(), key=_row_order))


def _row_order(row: GridRow) -> tuple[str, int, str, int]:
    channel_name = row.channel.name if row.channel else "~"
    campaign_name = row.campaign.name if row.campaign else ""
    return (channel_name, 1 if row.campaign else 0, campaign_name, CATEGORY_ORDER.get(row.category, 99))


def cost_grid_totals(
    *, year: int, currency: str, channel: Channel | None, row_key: str, category: str, month: dt.date
) -> tuple[Decimal, Decimal, Decimal]:
    """After one cell changed: its row's total, its month's total and the grid's total, summed in SQL."""
    scope = cost_grid_scope(year=year, currency=currency, channel=channel)
    kind, _sep, pk = row_key.partition("-")
    row_filter = Q(campaign_id=int(pk)) if kind == "campaign" else Q(channel_id=int(pk), campaign=None)
    sums = scope.aggregate(
        row=Sum("amount", filter=row_filter & Q(category=category)),
        month=Sum("amount", filter=Q(month=month)),
        grid=Sum("amount"),
    )  # fmt: skip
    return (sums["row"] or ZERO, sums["month"] or ZERO, sums["grid"] or ZERO)


def cost_currencies(*, default: str) -> list[str]:
    """The currencies costs are recorded in, the default first."""
    used = set(Cost.objects.values_list("currency", flat=True).distinct())
    return [default, *sorted(used - {default})]


def cost_years(*, today: dt.date) -> list[int]:
    """Years that have costs, plus this year and the next (to plan ahead), newest first."""
    years = {day.year for day in Cost.objects.dates("month", "year")} | {today.year, today.year + 1}
    return sorted(years, reverse=True)
