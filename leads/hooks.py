"""Extension points: how other apps add to what `leads` shows, while `leads` never imports them.

`leads` owns the lead API and timeline; `nurturing` owns SLA clocks, enrollments and messages. Instead of
`leads` importing `nurturing`, `nurturing` fills these registries in its `AppConfig.ready()`:

1. **Lead fields** (`lead_field_register`): the value of a field of the lead's API representation that
   another app computes (`sla`, `enrollments` in spec/api.md). A provider is batched::

       def provider(*, lead_ids: list[int]) -> dict[int, Any]: ...

   and is called once per page of leads (a list of 50 costs one query per field, not 50). A lead missing
   from the returned dict gets the field's default (`[]`). Register with
   ``lead_field_register("enrollments", enrollments_for_leads)``.

2. **Timeline entries** (`lead_timeline_register`): more items for `GET /api/v1/leads/{id}/timeline/` and the
   lead page. A provider returns items newest first, at most `limit`, all older than `before` when given::

       def provider(*, lead: Lead, limit: int, before: datetime | None) -> list[TimelineItem]: ...

   (`leads.selectors.TimelineItem(at, type, data)`; `type` names the entry, e.g. `sla_breached`,
   `message_sent`.) Register with ``lead_timeline_register("messages", message_timeline_items)``.

3. **Demo data** (`demo_seed_register`): `manage.py seed_demo` writes the leads in bulk (no signals), then calls
   each registered seeder so other apps add their own rows for the demo leads::

       def seeder(*, now: datetime) -> int: ...   # idempotent; returns how many rows it wrote

   Register with ``demo_seed_register("sla_clocks", demo_clocks_seed)``.

Registering a name twice replaces the first (ready() may run twice in tests). Field and timeline providers
must be read-only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leads.models import Lead
    from leads.selectors import TimelineItem

LeadFieldProvider = Callable[..., dict[int, Any]]
TimelineProvider = Callable[..., list["TimelineItem"]]

_FIELDS: dict[str, LeadFieldProvider] = {}
_TIMELINES: dict[str, TimelineProvider] = {}
_DEMO_SEEDERS: dict[str, Callable[..., int]] = {}


def lead_field_register(name: str, provider: LeadFieldProvider) -> None:
    _FIELDS[name] = provider


def lead_timeline_register(name: str, provider: TimelineProvider) -> None:
    _TIMELINES[name] = provider


def demo_seed_register(name: str, seeder: Callable[..., int]) -> None:
    _DEMO_SEEDERS[name] = seeder


def demo_seed_extras(*, now: dt.datetime) -> dict[str, int]:
    """Run every registered demo seeder; returns rows written per seeder."""
    return {name: seeder(now=now) for name, seeder in _DEMO_SEEDERS.items()}


def lead_field_values(*, name: str, lead: Lead, siblings: Iterable[Lead] | None, cache: dict[str, Any],
                      default: Any = None) -> Any:  # fmt: skip
    """The value of field `name` for `lead`, computed for `lead` and its `siblings` (the page being
    serialised) on first use and kept in `cache` (the serializer context) for the rest of the page."""
    provider = _FIELDS.get(name)
    if provider is None:
        return [] if default is None else default
    values = cache.get(name)
    if values is None or lead.pk not in values:
        ids = {lead.pk, *(item.pk for item in siblings or () if getattr(item, "pk", None) is not None)}
        values = {**(values or {}), **provider(lead_ids=sorted(ids))}
        cache[name] = values
    return values.get(lead.pk, [] if default is None else default)


def lead_timeline_extra(*, lead: Lead, limit: int, before: dt.datetime | None) -> list[TimelineItem]:
    """Every registered provider's items for the lead (each newest first, at most `limit`)."""
    items: list[TimelineItem] = []
    for provider in _TIMELINES.values():
        items.extend(provider(lead=lead, limit=limit, before=before))
    return items


# 3. **Lead annotations** (`lead_annotation_register`): a column another app computes in SQL for lists that
#    sort by it, e.g. the SDR queue's "SLA due" (the earliest open clock's due time). The factory returns an
#    expression over `Lead` (typically a Subquery with OuterRef("pk")); unregistered names read as NULL.
#
# 4. **Nurture tracks** (`nurture_tracks_register`): where an SDR can send a lead that is not ready: a callable
#    listing (slug, name) pairs and one that enrols a lead, `enrol(*, lead, slug, actor, now) -> None`
#    (raising an ApplicationError naming the field when it cannot).

_ANNOTATIONS: dict[str, Callable[[], Any]] = {}
_TRACKS: dict[str, Callable[..., Any]] = {}


def lead_annotation_register(name: str, factory: Callable[[], Any]) -> None:
    _ANNOTATIONS[name] = factory


def lead_annotation(name: str, *, output_field: Any) -> Any:
    """The registered expression for `name`, or NULL of `output_field`'s type."""
    from django.db.models import Value

    factory = _ANNOTATIONS.get(name)
    return factory() if factory is not None else Value(None, output_field=output_field)


def nurture_tracks_register(*, choices: Callable[[], list[tuple[str, str]]], enrol: Callable[..., None]) -> None:
    _TRACKS["choices"], _TRACKS["enrol"] = choices, enrol


def nurture_track_choices() -> list[tuple[str, str]]:
    provider = _TRACKS.get("choices")
    return list(provider()) if provider is not None else []


def nurture_track_enrol(*, lead: Lead, slug: str, actor: Any, now: dt.datetime) -> None:
    enrol = _TRACKS.get("enrol")
    if enrol is None:
        from leadflow.errors import ValidationFailed

        raise ValidationFailed("No nurture tracks are installed.", errors={"track": ["No nurture tracks."]})
    enrol(lead=lead, slug=slug, actor=actor, now=now)


# 5. **Lead page panels** (`lead_panel_register`): a card another app adds to the side column of the lead page,
#    e.g. nurturing's SLA clocks or enrollments. `provider(*, request, lead) -> str` returns rendered HTML
#    (`render_to_string`, a SafeString: the page does not escape it again) or "" to show nothing; it must only
#    read.

_PANELS: dict[str, Callable[..., str]] = {}


def lead_panel_register(name: str, provider: Callable[..., str]) -> None:
    _PANELS[name] = provider


def lead_panels(*, request: Any, lead: Lead) -> list[str]:
    """The registered panels' HTML for this lead (SafeStrings from render_to_string), empty ones left out."""
    rendered = (provider(request=request, lead=lead) for provider in _PANELS.values())
    return [html for html in rendered if html]
