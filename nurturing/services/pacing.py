"""When a marketing message may go out: quiet hours and the 7-day frequency cap. Reads only.

A step that may not send now is deferred (its enrollment's `next_run_at` moves to the answer of
`marketing_send_deferral`), never skipped: the lead still gets the message, later.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import timezone

from nurturing.models.messages import Message, MessageStatus

CAP_WINDOW = dt.timedelta(days=7)
COUNTED = (MessageStatus.QUEUED, MessageStatus.SENDING, MessageStatus.SENT)


def quiet_hours() -> tuple[dt.time, dt.time] | None:
    """The configured quiet hours (start, end) in local time, or None."""
    text = str(settings.LEADFLOW.get("NURTURE_QUIET_HOURS", "")).strip()
    if not text:
        return None
    start, end = (dt.time.fromisoformat(part.strip()) for part in text.split("-", 1))
    return (start, end) if start != end else None


def quiet_hours_end(*, now: dt.datetime, hours: tuple[dt.time, dt.time] | None = None) -> dt.datetime | None:
    """The end of the quiet hours `now` falls in (local time), or None when sending is allowed now."""
    hours = hours if hours is not None else quiet_hours()
    if hours is None:
        return None
    start, end = hours
    local = timezone.localtime(now, timezone=zoneinfo.ZoneInfo(settings.TIME_ZONE))  # the business's hours
    at = local.time()
    wraps = start > end  # e.g. 21:00-08:00
    inside = (at >= start or at < end) if wraps else (start <= at < end)
    if not inside:
        return None
    day = local.date() + dt.timedelta(days=1) if wraps and at >= start else local.date()
    return timezone.make_aware(dt.datetime.combine(day, end), timezone=local.tzinfo)


def frequency_cap() -> int:
    return int(settings.LEADFLOW.get("NURTURE_FREQUENCY_CAP", 3))


def frequency_cap_free_at(*, lead_id: int, now: dt.datetime, cap: int | None = None) -> dt.datetime | None:
    """None when the lead may get another marketing message now; else when the oldest of the messages
    that fill its 7-day window leaves it."""
    cap = frequency_cap() if cap is None else cap
    recent = list(
        Message.objects.filter(lead_id=lead_id, is_marketing=True, status__in=COUNTED,
                               created_at__gt=now - CAP_WINDOW, created_at__lte=now)
        .order_by("-created_at").values_list("created_at", flat=True)[:cap]
    )  # fmt: skip
    if len(recent) < cap:
        return None
    return recent[-1] + CAP_WINDOW + dt.timedelta(seconds=1)


def marketing_send_deferral(*, lead_id: int, now: dt.datetime) -> dt.datetime | None:
    """When a marketing message to this lead may go out if not now (quiet hours, then the cap)."""
    later = quiet_hours_end(now=now)
    if later is not None:
        return later
    free_at = frequency_cap_free_at(lead_id=lead_id, now=now)
    if free_at is None:
        return None
    # The cap frees at `free_at`; that moment may itself be inside quiet hours.
    return quiet_hours_end(now=free_at) or free_at
