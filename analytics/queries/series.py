"""Leads and MQLs by channel over time: a monthly series per source channel (months in the business zone)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.queries.base import AnalyticsFilters, AnalyticsQuery
from analytics.queries.common import records
from leads.choices import Stage
from leads.models import Channel, Lead, StageChange


def _months(date_from: dt.date, date_to: dt.date) -> list[str]:
    months, index = [], date_from.year * 12 + date_from.month - 1
    while index <= date_to.year * 12 + date_to.month - 1:
        months.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
        index += 1
    return months


def _month_key(value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value:%Y-%m}"


@dataclass(frozen=True)
class ChannelSeriesQuery(AnalyticsQuery):
    """Per month and source channel: leads created and leads that first became MQLs (a returned MQL that
    qualifies again is not counted twice in a month). Every month of the period appears, with zeros."""

    filters: AnalyticsFilters
    name: ClassVar[str] = "channel-series"
    columns: ClassVar[dict[str, Any]] = {
        "month": gettext_lazy("Month"), "channel": gettext_lazy("Channel key"), "label": gettext_lazy("Channel"),
        "leads": gettext_lazy("Leads"), "mqls": gettext_lazy("MQLs"),
    }  # fmt: skip

    def compute(self) -> tuple[pd.DataFrame, dict[str, Any], dict[str, pd.DataFrame]]:
        f = self.filters
        zone = timezone.get_default_timezone()
        leads = (Lead.objects.filter(f.lead_q(), created_at__gte=f.start, created_at__lt=f.end)
                 .annotate(m=TruncMonth("created_at", tzinfo=zone)).values("m", "source_channel_id")
                 .annotate(n=Count("id")).values_list("m", "source_channel_id", "n"))  # fmt: skip
        mqls = (StageChange.objects.filter(f.lead_q("lead__"), to_stage=Stage.MQL, at__gte=f.start, at__lt=f.end)
                .annotate(m=TruncMonth("at", tzinfo=zone)).values("m", "lead__source_channel_id")
                .annotate(n=Count("lead_id", distinct=True)).values_list("m", "lead__source_channel_id", "n"))
        counts: dict[tuple[str, int | None], dict[str, int]] = {}
        for month, channel, n in leads:
            counts.setdefault((_month_key(month), channel), {})["leads"] = n
        for month, channel, n in mqls:
            counts.setdefault((_month_key(month), channel), {})["mqls"] = n
        channels = Channel.objects.in_bulk([c for _m, c in counts if c is not None])
        used = sorted({c for _m, c in counts}, key=lambda c: (c is None, channels[c].name if c in channels else ""))
        rows = [
            {"month": month, "channel": channels[c].slug if c in channels else None,
             "label": channels[c].name if c in channels else _("(none)"),
             "leads": counts.get((month, c), {}).get("leads", 0), "mqls": counts.get((month, c), {}).get("mqls", 0)}
            for month in _months(f.date_from, f.date_to) for c in used
        ]  # fmt: skip
        frame = pd.DataFrame(rows, columns=list(self.columns))
        data = {"from": f.date_from.isoformat(), "to": f.date_to.isoformat(),
                "months": _months(f.date_from, f.date_to), "rows": records(frame)}  # fmt: skip
        return frame, data, {}
