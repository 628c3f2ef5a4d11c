"""Open and click tracking of nurture emails: a pixel and a redirect whose signed tokens name the message.

An open or click becomes a touchpoint of the lead (`email_open` / `email_click`, through the leads' ingest,
so engagement scores and exits follow it); its `event_id` makes the first open, and the first click of each
link, count once however often the mail client reloads. A click token signs the target URL with the message,
so the redirect can never be used to send people elsewhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import logging
import re
from typing import Any

from django.core import signing
from django.urls import reverse

from leads.services.touchpoints import touchpoints_ingest
from nurturing.models.messages import Message

logger = logging.getLogger(__name__)
SALT = "nurturing.track"
URL = re.compile(r"https?://[^\s<>\"'）)]+")


def tracking_token(*, message_id: int, url: str = "") -> str:
    return signing.Signer(salt=SALT).sign_object({"m": message_id, "u": url}, compress=True)


def tracking_read(token: str) -> dict[str, Any] | None:
    try:
        data = signing.Signer(salt=SALT).unsign_object(token)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("m"), int) else None


def email_html(*, message: Message, site_url: str, keep: tuple[str, ...] = ()) -> str:
    """The HTML alternative of a plain-text email: its links go through the click redirect (except `keep`,
    e.g. the unsubscribe link, which must work on its own) and an open pixel closes it."""
    parts, last = [], 0
    for match in URL.finditer(message.body):
        url = match.group(0)
        target = url if url in keep else site_url + reverse(
            "nurturing:track-click", args=[tracking_token(message_id=message.pk, url=url)])
        parts += [html.escape(message.body[last:match.start()]),
                  f'<a href="{html.escape(target)}">{html.escape(url)}</a>']  # fmt: skip
        last = match.end()
    parts.append(html.escape(message.body[last:]))
    pixel = site_url + reverse("nurturing:track-open", args=[tracking_token(message_id=message.pk)])
    body = "".join(parts).replace("\n", "<br>\n")
    return f'<div>{body}</div><img src="{html.escape(pixel)}" width="1" height="1" alt="">'


def message_engagement_record(*, token: str, now: dt.datetime) -> str | None:
    """Record the open or click a token stands for; returns the click's target URL (None for an open or a
    bad token). Idempotent per message (opens) and per message and link (clicks)."""
    data = tracking_read(token)
    if data is None:
        return None
    message = Message.objects.filter(pk=data["m"]).select_related("enrollment__sequence", "step").first()
    if message is None or message.lead_id is None:
        return data["u"] or None
    url = str(data["u"])
    kind = "email_click" if url else "email_open"
    link = hashlib.sha256(url.encode()).hexdigest()[:16] if url else ""
    result = touchpoints_ingest(records=[{
        "lead": message.lead_id, "kind": kind, "occurred_at": now.isoformat(),
        "event_id": f"nurture-{kind}:{message.pk}:{link}",
        "properties": {"message": message.pk, "url": url[:500],
                       "sequence": message.enrollment.sequence.slug if message.enrollment else "",
                       "step": message.step.key if message.step else ""},
    }], now=now)  # fmt: skip
    for row in result.rows:
        if row.errors:
            logger.warning("nurture: could not record %s of message %s: %s", kind, message.pk, row.errors)
    return url or None
