"""Costs and revenue reads shared by the money panels (attribution ROI, unit economics, campaign ROI)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce

from analytics.choices import AttributionGroup
from analytics.queries.base import AnalyticsFilters
from leads.choices import CostCategory
from leads.models import Campaign, Channel, Cost

# "Paid" CAC counts campaign spend only; fully loaded adds salaries and tools (spec/analytics.md, Money).
PAID_CATEGORIES = (CostCategory.MEDIA, CostCategory.CONTENT, CostCategory.EVENTS)
ALL_CATEGORIES = tuple(CostCategory.values)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def period_costs(filters: AnalyticsFilters, *, categories: Iterable[str] = ALL_CATEGORIES) -> Q:
    """Costs of the months the period touches (a month counts when its first day is in
    [first of date_from's month, date_to]) and of the filtered channels / campaigns."""
    q = Q(month__gte=month_start(filters.date_from), month__lte=filters.date_to, category__in=list(categories))
    if filters.channel_ids:
        q &= Q(channel_id__in=filters.channel_ids) | Q(campaign__channel_id__in=filters.channel_ids)
    if filters.campaign_ids:
        q &= Q(campaign_id__in=filters.campaign_ids)
    return q


def costs_by(filters: AnalyticsFilters, group_by: str, *,
             categories: Iterable[str] = ALL_CATEGORIES) -> dict[int, Decimal]:  # fmt: skip
    """Cost per channel id (a campaign's cost counts for its channel) or per campaign id (campaign costs
    only). One GROUP BY query."""
    costs = Cost.objects.filter(period_costs(filters, categories=categories))
    if group_by == AttributionGroup.CAMPAIGN:
        costs = costs.filter(campaign__isnull=False).annotate(group=F("campaign_id"))
    else:
        costs = costs.annotate(group=Coalesce("channel_id", "campaign__channel_id"))
    rows = costs.values("group").annotate(total=Sum("amount")).order_by().values_list("group", "total")
    return {group: total for group, total in rows if group is not None}


def channel_costs_split(filters: AnalyticsFilters) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """(fully loaded, paid) cost per channel id in one GROUP BY (paid: PAID_CATEGORIES only)."""
    found = (Cost.objects.filter(period_costs(filters)).annotate(group=Coalesce("channel_id", "campaign__channel_id"))
            .values("group").annotate(total=Sum("amount"), paid=Sum("amount", filter=Q(category__in=PAID_CATEGORIES)))
            .order_by().values_list("group", "total", "paid"))  # fmt: skip
    rows = [row for row in found if row[0] is not None]
    return ({group: total for group, total, _paid in rows},
            {group: paid or Decimal("0") for group, _total, paid in rows})  # fmt: skip


def costs_total(filters: AnalyticsFilters, *, categories: Iterable[str] = ALL_CATEGORIES) -> Decimal:
    total = Cost.objects.filter(period_costs(filters, categories=categories)).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0")


def group_names(group_by: str, ids: Iterable[object]) -> dict[object, tuple[str, str]]:
    """(API key, label) per raw group key: channel/campaign slug and name, touchpoint kind and its label."""
    from leads.choices import TouchpointKind

    raw = [key for key in ids if key is not None]
    if group_by == AttributionGroup.KIND:
        return {key: (str(key), str(TouchpointKind(str(key)).label) if key in TouchpointKind.values else str(key))
                for key in raw}  # fmt: skip
    model = Campaign if group_by == AttributionGroup.CAMPAIGN else Channel
    found = model.objects.filter(pk__in=[int(str(key)) for key in raw]).values_list("pk", "slug", "name")
    names = {pk: (slug, name) for pk, slug, name in found}
    return {key: names.get(int(str(key)), (str(key), str(key))) for key in raw}
