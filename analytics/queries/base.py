"""The analytics query interface: one frozen dataclass per panel, validated, cached by its parameters.

How to use it (dashboards, API views, exports, the Celery refresh):

    from analytics.queries.base import AnalyticsFilters, filters_from_params
    from analytics.queries.funnel import FunnelQuery

    filters = filters_from_params(request.GET, today=timezone.localdate())  # ValidationFailed naming the field
    result = FunnelQuery(filters=filters).run()          # validate() first, then the cache, then SQL
    result.frame            # pandas DataFrame: the table beside the chart and the CSV export (stable columns)
    result.columns          # {column key: translated heading} for the table header and the CSV header row
    result.data             # JSON-able dict: exactly what the API answers
    result.extra            # further named frames some panels carry (e.g. the funnel's "benchmarks")
    result.extra_columns    # {extra frame name: {column key: translated heading}}
    result.cache_key        # identifies the figures (parameters + data version)
    result.frame_csv()      # the CSV export of `frame` with translated headings

Every query is a frozen dataclass `<Name>Query(filters=AnalyticsFilters(...), <own params>)` in
`analytics/queries/<name>.py`; `validate()` raises `leadflow.errors.ValidationFailed` whose `errors` name the
bad parameter by its API name (`{"to": [...]}`, `{"model": [...]}`), so the HTML form can show it beside the
field and the API answers it as problem+json. `run()` never touches the request.

Filters (all optional except the period) restrict the population of *leads* a figure counts:

- `date_from`, `date_to`: inclusive dates in the business time zone (settings.TIME_ZONE); `start`/`end` are
  the aware datetimes [start of date_from, start of the day after date_to).
- `channel_ids` / `campaign_ids`: the lead's source channel / campaign. Money panels also restrict costs to
  them, and top-of-funnel visits to touchpoints of them.
- `segment_id`: a saved segment (leads.segments); its event windows are anchored at the end of the period,
  so the figures of a past period do not move with the clock.
- `owner_id`: leads whose SDR or sales owner is this user. `account_tier`: the lead's account tier (S/A/B/C).

Caching: results are cached (Django cache) under the query's parameters and a data version
(`analytics.versioning.data_version`) that changes whenever stage changes, touchpoints, costs, opportunities,
revenue events or leads change; a stale figure therefore never outlives the data it was computed from.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd
from django import forms
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from accounts.choices import Tier
from leadflow.errors import ValidationFailed

CACHE_TIMEOUT_SECONDS = 24 * 3600
MAX_PERIOD_DAYS = 3 * 366


@dataclass(frozen=True)
class AnalyticsFilters:
    """The period and the common filters of every panel. Ids are tuples so the dataclass stays hashable."""

    date_from: dt.date
    date_to: dt.date
    channel_ids: tuple[int, ...] = ()
    campaign_ids: tuple[int, ...] = ()
    segment_id: int | None = None
    owner_id: int | None = None
    account_tier: str = ""

    def validate(self) -> None:
        """ValidationFailed naming `from`/`to`/`account_tier`/`segment` when they make no sense."""
        errors: dict[str, list[str]] = {}
        if self.date_from > self.date_to:
            errors.setdefault("to", []).append(_("The end of the period is before its start."))
        elif (self.date_to - self.date_from).days > MAX_PERIOD_DAYS:
            errors.setdefault("from", []).append(_("The period may be at most three years long."))
        if self.account_tier and self.account_tier not in Tier.values:
            errors.setdefault("account_tier", []).append(_("Unknown account tier."))
        if self.segment_id is not None and self._segment_rule() is None:
            errors.setdefault("segment", []).append(_("Unknown segment."))
        if errors:
            raise ValidationFailed(_("The analytics filters are not valid."), errors=errors)

    @property
    def start(self) -> dt.datetime:
        """Start of `date_from` in the business time zone (aware)."""
        return _local_midnight(self.date_from)

    @property
    def end(self) -> dt.datetime:
        """Start of the day after `date_to` (exclusive end, aware)."""
        return _local_midnight(self.date_to + dt.timedelta(days=1))

    def lead_q(self, prefix: str = "") -> Q:
        """The lead population of the filters, as a Q on Lead (or on a model reaching Lead by `prefix`,
        e.g. "lead__"). Merged-away leads are never counted: their history lives on the survivor."""
        p = prefix
        q = Q(**{f"{p}merged_into__isnull": True})
        if self.channel_ids:
            q &= Q(**{f"{p}source_channel_id__in": self.channel_ids})
        if self.campaign_ids:
            q &= Q(**{f"{p}campaign_id__in": self.campaign_ids})
        if self.owner_id is not None:
            q &= Q(**{f"{p}owner_sdr_id": self.owner_id}) | Q(**{f"{p}owner_sales_id": self.owner_id})
        if self.account_tier:
            q &= Q(**{f"{p}account__tier": self.account_tier})
        if self.segment_id is not None:
            q &= self._segment_lead_q(prefix)
        return q

    @property
    def has_lead_filters(self) -> bool:
        """True when any filter other than the period narrows the leads."""
        return bool(self.channel_ids or self.campaign_ids or self.segment_id is not None
                    or self.owner_id is not None or self.account_tier)  # fmt: skip

    def key_params(self) -> dict[str, Any]:
        return {
            "from": self.date_from.isoformat(), "to": self.date_to.isoformat(),
            "channel_ids": sorted(self.channel_ids), "campaign_ids": sorted(self.campaign_ids),
            "segment_id": self.segment_id, "owner_id": self.owner_id, "account_tier": self.account_tier,
        }  # fmt: skip

    def _segment_rule(self) -> Any:
        from leads.segments.models import Segment

        if self.segment_id is None:
            return None
        return Segment.objects.filter(pk=self.segment_id).values_list("rule", flat=True).first()

    def _segment_lead_q(self, prefix: str) -> Q:
        from leads.models import Lead
        from leads.segments.compiler import segment_q
        from leads.segments.selectors import segment_rule_checked

        node = segment_rule_checked(rule=self._segment_rule(), root="segment")
        members = Lead.objects.filter(segment_q(node, now=self.end)).values("pk")
        return Q(**{f"{prefix}pk__in": members})


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


@dataclass(frozen=True)
class QueryResult:
    """What a query answers. `frame` is small (a row per stage, channel, month...): shaping only."""

    frame: pd.DataFrame
    data: dict[str, Any]
    cache_key: str
    columns: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    extra_columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def frame_csv(self, name: str = "") -> str:
        """CSV of `frame` (or of `extra[name]`) with translated headings; keys without a heading keep theirs."""
        frame = self.extra[name] if name else self.frame
        labels = self.extra_columns.get(name, {}) if name else self.columns
        headed = frame.rename(columns={key: str(label) for key, label in labels.items()})
        buffer = io.StringIO()
        headed.to_csv(buffer, index=False)
        return buffer.getvalue()


class AnalyticsQuery:
    """Mixin of every query dataclass: subclasses are `@dataclass(frozen=True)` with a `filters` field,
    set `name` and `columns`, and implement `validate_params()` and `compute()`."""

    name: ClassVar[str] = ""
    columns: ClassVar[Mapping[str, Any]] = {}
    # Headings of the extra frames, by frame name (e.g. {"benchmarks": {...}}).
    extra_frame_columns: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    filters: AnalyticsFilters

    def validate(self) -> None:
        """Every problem of the filters and of the query's own parameters, in one ValidationFailed."""
        errors: dict[str, list[str]] = {}
        try:
            self.filters.validate()
        except ValidationFailed as exc:
            errors.update(exc.errors)
        for key, messages in self.param_errors().items():
            errors.setdefault(key, []).extend(messages)
        if errors:
            raise ValidationFailed(_("Some analytics parameters are not valid."), errors=errors)

    def param_errors(self) -> dict[str, list[str]]:
        """Errors of the query's own parameters, by API name. None by default."""
        return {}

    def compute(self) -> tuple[pd.DataFrame, dict[str, Any], dict[str, pd.DataFrame]]:
        """(frame, data, extra frames) straight from the database: no cache."""
        raise NotImplementedError

    def cache_key(self, *, version: str | None = None) -> str:
        from analytics.versioning import data_version

        params = {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:32]
        # Labels in the frame and data are translated: one cached result per language.
        return f"analytics:{self.name}:{version or data_version()}:{get_language() or 'en'}:{digest}"

    def run(self, *, use_cache: bool = True) -> QueryResult:
        """Validate, then answer from the cache or compute and cache. Idempotent; reads only."""
        self.validate()
        key = self.cache_key()
        cached = cache.get(key) if use_cache else None
        if cached is None:
            cached = self.compute()
            cache.set(key, cached, CACHE_TIMEOUT_SECONDS)
        frame, data, extra = cached
        extra_labels = {name: {key: str(label) for key, label in labels.items()}
                        for name, labels in self.extra_frame_columns.items()}  # fmt: skip
        return QueryResult(frame=frame, data=data, cache_key=key, columns=self.column_labels(), extra=extra,
                           extra_columns=extra_labels)  # fmt: skip

    @classmethod
    def column_labels(cls) -> dict[str, str]:
        return {key: str(label) for key, label in cls.columns.items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, AnalyticsFilters):
        return value.key_params()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, tuple | list):
        return [_jsonable(item) for item in value]
    return value


# --- parsing request parameters (shared by the API and the HTML views) ------------------------------------


class AnalyticsFilterForm(forms.Form):
    """The common analytics parameters as the API and the dashboard take them:

    `from`, `to` (YYYY-MM-DD, default: the 12 months up to today), `channel` and `campaign` (ids or slugs,
    repeated or comma-separated), `segment` (id), `owner` (user id), `account_tier` (S/A/B/C).
    """

    def __init__(self, data: Any = None, *, today: dt.date, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.today = today
        self.fields["from"] = forms.DateField(label=gettext_lazy("From"), required=False)
        self.fields["to"] = forms.DateField(label=gettext_lazy("To"), required=False)
        self.fields["channel"] = forms.CharField(label=gettext_lazy("Channel"), required=False)
        self.fields["campaign"] = forms.CharField(label=gettext_lazy("Campaign"), required=False)
        self.fields["segment"] = forms.IntegerField(label=gettext_lazy("Segment"), required=False, min_value=1)
        self.fields["owner"] = forms.IntegerField(label=gettext_lazy("Owner"), required=False, min_value=1)
        self.fields["account_tier"] = forms.ChoiceField(
            label=gettext_lazy("Account tier"), required=False, choices=[("", "—"), *Tier.choices]
        )
        self._many = {name: _getlist(data, name) for name in ("channel", "campaign")}

    def clean_channel(self) -> tuple[int, ...]:
        from leads.models import Channel

        return _resolve(Channel, self._many["channel"], _("Unknown channel “%(name)s”."))

    def clean_campaign(self) -> tuple[int, ...]:
        from leads.models import Campaign

        return _resolve(Campaign, self._many["campaign"], _("Unknown campaign “%(name)s”."))

    def filters(self) -> AnalyticsFilters:
        """The validated filters; call after `is_valid()` returned True."""
        data = self.cleaned_data
        date_to = data.get("to") or self.today
        date_from = data.get("from") or default_period_start(date_to)
        return AnalyticsFilters(
            date_from=date_from, date_to=date_to, channel_ids=data.get("channel") or (),
            campaign_ids=data.get("campaign") or (), segment_id=data.get("segment"), owner_id=data.get("owner"),
            account_tier=data.get("account_tier") or "",
        )  # fmt: skip


def default_period_start(date_to: dt.date) -> dt.date:
    """The first day of the month eleven months before `date_to`'s: a 12-month window."""
    month_index = date_to.year * 12 + date_to.month - 1 - 11
    return dt.date(month_index // 12, month_index % 12 + 1, 1)


def filters_from_params(params: Any, *, today: dt.date) -> AnalyticsFilters:
    """AnalyticsFilters from request parameters (QueryDict or dict); ValidationFailed naming each bad field.

    Also runs `AnalyticsFilters.validate()` so `from` after `to` is reported here too.
    """
    form = AnalyticsFilterForm(params, today=today)
    if not form.is_valid():
        raise ValidationFailed(_("The analytics filters are not valid."), errors=_form_errors(form))
    built = form.filters()
    built.validate()
    return built


def _form_errors(form: forms.Form) -> dict[str, list[str]]:
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


def _getlist(data: Any, name: str) -> list[str]:
    if data is None:
        return []
    raw: Iterable[Any] = data.getlist(name) if hasattr(data, "getlist") else _as_list(data.get(name))
    return [part.strip() for item in raw for part in str(item).split(",") if part.strip()]


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _resolve(model: Any, values: list[str], message: str) -> tuple[int, ...]:
    """Ids for a list of ids or slugs; a forms.ValidationError naming every unknown one."""
    ids = {int(value) for value in values if value.isdigit()}
    slugs = {value for value in values if not value.isdigit()}
    found = dict(model.objects.filter(Q(pk__in=ids) | Q(slug__in=slugs)).values_list("pk", "slug"))
    missing = [str(i) for i in ids if i not in found] + sorted(slugs - set(found.values()))
    if missing:
        raise forms.ValidationError([message % {"name": name[:100]} for name in missing])
    return tuple(sorted(found))
