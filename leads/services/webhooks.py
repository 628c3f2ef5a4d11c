"""Webhooks out: subscriptions, the outbox written with each change, and signed delivery with retries.

An event becomes one `WebhookDelivery` row per subscription that wants it, in the transaction of the change
(the outbox). After commit a task delivers it; a periodic sweep delivers whatever is due and was not
delivered (lost task, retry time reached), so no event depends on a task surviving. Every HTTP attempt is
recorded; failures retry with exponential backoff up to a cap of attempts; a subscription that keeps
failing is paused. Everything here is a function of an explicit `now`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from leadflow.errors import ValidationFailed
from leads.models import (
    ChangeKind,
    ChangeLog,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

logger = logging.getLogger(__name__)

EVENT_FOR_CHANGE = {
    ChangeKind.CREATED: WebhookEvent.LEAD_CREATED,
    ChangeKind.STAGE_CHANGED: WebhookEvent.LEAD_STAGE_CHANGED,
    ChangeKind.OWNER_CHANGED: WebhookEvent.LEAD_ASSIGNED,
    ChangeKind.MERGED: WebhookEvent.LEAD_MERGED,
}
USER_AGENT = "LeadFlow-Webhooks/1"


# --- subscriptions ------------------------------------------------------------------------------------


def _private_allowed() -> bool:
    return bool(settings.LEADFLOW["WEBHOOK_ALLOW_PRIVATE_URLS"])


def address_is_public(address: str) -> bool:
    """A globally routable unicast address (an IPv4-mapped IPv6 address is judged by its IPv4 part)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def webhook_url_problem(url: str) -> str | None:
    """Why `url` cannot receive webhooks, or None. An http(s) URL whose host is a public address, or a name
    that does not resolve to a private one (a name that does not resolve yet is accepted: every connection is
    checked again when it is made, see `_GuardedConnection`)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("Use an http or https URL.")
    if _private_allowed():
        return None
    host = parts.hostname
    refused = _("Webhook URLs must reach a public address; %(host)s is loopback, private or reserved.") % {
        "host": host
    }
    if host == "localhost" or host.endswith(".localhost"):
        return refused
    try:
        return None if address_is_public(host) else refused
    except ValueError:  # a name, not an address
        pass
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError):
        return None
    return None if all(address_is_public(address) for address in addresses) else refused


def _url_check(url: str) -> None:
    problem = webhook_url_problem(url)
    if problem is not None:
        raise ValidationFailed(problem, errors={"url": [problem]})


def webhook_subscription_create(
    *, url: str, events: Sequence[str], secret: str = "", active: bool = True, description: str = "",
    actor: Any = None,
) -> WebhookSubscription:  # fmt: skip
    """Create a subscription; a secret is generated when none is given (the caller shows it once)."""
    _url_check(url)
    return WebhookSubscription.objects.create(
        url=url, events=_events(events), secret=secret or secrets.token_urlsafe(32), active=active,
        description=description, created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )  # fmt: skip


def webhook_subscription_update(*, subscription: WebhookSubscription, data: Mapping[str, Any]) -> WebhookSubscription:
    """Change url, events, secret, description or active. Setting active=true resumes a paused subscription
    (its failure count starts again at 0, and its pending deliveries go out with the next sweep)."""
    if data.get("url"):
        _url_check(data["url"])
    for field in ("url", "secret", "description"):
        if data.get(field):
            setattr(subscription, field, data[field])
    if "events" in data:
        subscription.events = _events(data["events"])
    if "active" in data:
        subscription.active = bool(data["active"])
        if subscription.active:
            subscription.paused_at, subscription.failure_count = None, 0
    subscription.save()
    return subscription


def _events(events: Iterable[str]) -> list[str]:
    return sorted({str(WebhookEvent(event)) for event in events})


# --- the outbox ---------------------------------------------------------------------------------------


def webhook_events_for_changes(*, changes: Sequence[ChangeLog], now: dt.datetime) -> list[WebhookDelivery]:
    """Queue the webhook events that these feed rows stand for (called by leads.services.changes)."""
    events = []
    for change in changes:
        event = EVENT_FOR_CHANGE.get(ChangeKind(change.kind))
        if event is None:
            continue
        if event == WebhookEvent.LEAD_MERGED and change.data.get("survivor") != change.lead_id:
            continue  # a merge is one event, told from the survivor's side
        events.append((event, {"lead_id": change.lead_id, "change_id": change.pk, "kind": change.kind,
                               "changes": change.data, "at": change.at}))  # fmt: skip
    return webhook_events_enqueue(events=events, now=now)


def webhook_event_emit(
    *, event: WebhookEvent | str, lead_id: int, data: Mapping[str, Any], now: dt.datetime | None = None
) -> list[WebhookDelivery]:
    """Queue one event that is not a lead change (e.g. `sla.breached` from nurturing), in the caller's
    transaction."""
    now = now or timezone.now()
    return webhook_events_enqueue(events=[(WebhookEvent(event), {"lead_id": lead_id, **data, "at": now})], now=now)


def webhook_events_enqueue(
    *, events: Sequence[tuple[WebhookEvent, Mapping[str, Any]]], now: dt.datetime
) -> list[WebhookDelivery]:
    """One outbox row per (event, subscription that wants it), delivered after commit. Set-based: one read
    of the subscriptions, one INSERT. Paused and inactive subscriptions get nothing."""
    if not events:
        return []
    subscriptions = list(WebhookSubscription.objects.filter(active=True, paused_at__isnull=True).only("id", "events"))
    rows = [
        WebhookDelivery(subscription_id=sub.pk, event=event, payload=dict(payload), next_attempt_at=now, created_at=now)
        for event, payload in events
        for sub in subscriptions
        if event in sub.events
    ]
    if not rows:
        return []
    deliveries = WebhookDelivery.objects.bulk_create(rows)
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: _queue_delivery(ids))
    return deliveries


def _queue_delivery(ids: list[int]) -> None:
    from leads.tasks import webhook_deliver_task  # tasks import this module

    try:
        webhook_deliver_task.delay(ids)
    except Exception:  # a broker outage must not fail the request that already committed; the sweep delivers
        logger.exception("webhooks: could not queue deliveries %s; the sweep will send them", ids)


# --- delivery -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpResult:
    status_code: int | None
    error: str
    duration_ms: int


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`: what a receiver recomputes to trust a delivery."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def webhook_body(delivery: WebhookDelivery) -> bytes:
    """The exact bytes sent; the same on every attempt of a delivery."""
    document = {"id": str(delivery.delivery_id), "event": delivery.event, "created_at": delivery.created_at,
                "data": delivery.payload}  # fmt: skip
    return json.dumps(document, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()  # fmt: skip


def _lease() -> dt.timedelta:
    """How long a claimed delivery is hidden from other workers while its request runs."""
    return dt.timedelta(seconds=settings.LEADFLOW["WEBHOOK_TIMEOUT_SECONDS"] + 60)


def _deliverable(now: dt.datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now, subscription__active=True,
             subscription__paused_at__isnull=True)  # fmt: skip


def webhook_delivery_attempt(*, delivery_id: int, now: dt.datetime) -> WebhookAttempt | None:
    """Make one attempt of a due delivery and record it; None when it is not due, done, paused or claimed
    by another worker. The claim is a compare-and-set lease, so the HTTP request runs outside any
    transaction and two workers never send the same attempt."""
    claimed = WebhookDelivery.objects.filter(_deliverable(now), pk=delivery_id).update(next_attempt_at=now + _lease())
    return _attempt_claimed(delivery_id, now=now) if claimed else None


def webhook_deliveries_sweep(*, now: dt.datetime, batch_size: int = 100, max_batches: int = 50) -> int:
    """Deliver every due delivery, a batch at a time, until none is left. Safe on several workers at once:
    a batch is claimed (leased) under SELECT ... FOR UPDATE SKIP LOCKED. Returns the attempts made."""
    attempts = 0
    for _batch in range(max_batches):
        with transaction.atomic():
            ids = list(
                WebhookDelivery.objects.filter(_deliverable(now)).order_by("next_attempt_at", "id")
                .select_for_update(skip_locked=True, of=("self",)).values_list("id", flat=True)[:batch_size]
            )  # fmt: skip
            WebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now + _lease())
        if not ids:
            break
        for delivery_id in ids:
            _attempt_claimed(delivery_id, now=now)
            attempts += 1
    return attempts


def _attempt_claimed(delivery_id: int, *, now: dt.datetime) -> WebhookAttempt:
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    return _record(delivery, _post(delivery, now=now), now=now)


def _post(delivery: WebhookDelivery, *, now: dt.datetime) -> HttpResult:
    body = webhook_body(delivery)
    timestamp = str(int(now.timestamp()))
    request = urllib.request.Request(
        delivery.subscription.url, data=body, method="POST",
        headers={
            "Content-Type": "application/json", "User-Agent": USER_AGENT,
            "X-LeadFlow-Event": delivery.event, "X-LeadFlow-Delivery": str(delivery.delivery_id),
            "X-LeadFlow-Timestamp": timestamp,
            "X-LeadFlow-Signature": webhook_signature(secret=delivery.subscription.secret, timestamp=timestamp,
                                                      body=body),
        },
    )  # fmt: skip
    started = time.monotonic()
    try:
        with _OPENER.open(request, timeout=settings.LEADFLOW["WEBHOOK_TIMEOUT_SECONDS"]) as response:
            status_code, error = response.status, ""
    except urllib.error.HTTPError as refusal:
        status_code, error = refusal.code, f"HTTP {refusal.code}"
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as failure:
        status_code, error = None, f"{type(failure).__name__}: {failure}"[:1000]
    return HttpResult(status_code=status_code, error=error, duration_ms=int((time.monotonic() - started) * 1000))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a delivery: urllib would resend a POST as a GET."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class PrivateAddressRefused(OSError):
    """The receiver's address is not public (see WEBHOOK_ALLOW_PRIVATE_URLS); nothing was sent."""


def _peer_check(sock: socket.socket) -> None:
    """Checked on the connected socket, so a name that resolves differently since the subscription was saved
    (DNS rebinding) still cannot reach an internal address."""
    address = sock.getpeername()[0]
    if not _private_allowed() and not address_is_public(address):
        sock.close()
        raise PrivateAddressRefused(f"refused to deliver to non-public address {address}")


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _peer_check(self.sock)


class _GuardedHTTPSConnection(http.client.HTTPSConnection, _GuardedHTTPConnection):
    """HTTPS whose TCP connection is checked before the TLS handshake: HTTPSConnection.connect's super()
    is _GuardedHTTPConnection.connect in this class's method order."""


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTPConnection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]


_OPENER = urllib.request.build_opener(_NoRedirects, _GuardedHTTPHandler, _GuardedHTTPSHandler)


@transaction.atomic
def _record(delivery: WebhookDelivery, result: HttpResult, *, now: dt.datetime) -> WebhookAttempt:
    succeeded = result.status_code is not None and 200 <= result.status_code < 300
    attempt = WebhookAttempt.objects.create(
        delivery=delivery, attempted_at=now, status_code=result.status_code, error=result.error,
        duration_ms=result.duration_ms, succeeded=succeeded,
    )  # fmt: skip
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = result.status_code, result.error
    subscriptions = WebhookSubscription.objects.filter(pk=delivery.subscription_id)
    if succeeded:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
        subscriptions.update(failure_count=0)
    else:
        if delivery.attempts >= settings.LEADFLOW["WEBHOOK_MAX_ATTEMPTS"]:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            delivery.next_attempt_at = now + webhook_backoff(delivery.attempts)
        subscriptions.update(failure_count=F("failure_count") + 1)
        subscriptions.filter(
            failure_count__gte=settings.LEADFLOW["WEBHOOK_PAUSE_AFTER_FAILURES"], paused_at__isnull=True
        ).update(paused_at=now)
    delivery.save(update_fields=["attempts", "status", "delivered_at", "next_attempt_at", "last_status_code",
                                 "last_error"])  # fmt: skip
    return attempt


def webhook_backoff(attempts: int) -> dt.timedelta:
    """Delay before the next attempt after `attempts` failures: base, 2x, 4x, ... capped."""
    base = settings.LEADFLOW["WEBHOOK_BACKOFF_SECONDS"]
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), settings.LEADFLOW["WEBHOOK_BACKOFF_MAX_SECONDS"]))
