"""Signed webhook delivery to a real HTTP server on 127.0.0.1: retry after a 500, verify the signature.

No Redis or gunicorn needed: the delivery service is called with an explicit `now`, as the task and the
sweep call it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from leads.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookSubscription
from leads.services.leads import lead_create
from leads.services.webhooks import webhook_deliveries_sweep, webhook_delivery_attempt, webhook_subscription_create

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
SECRET = "integration-secret-0123456789"


@pytest.fixture(autouse=True)
def _local_receivers_allowed(settings: Any) -> None:
    """The receiver listens on 127.0.0.1, which production refuses (see WEBHOOK_ALLOW_PRIVATE_URLS)."""
    settings.LEADFLOW = {**settings.LEADFLOW, "WEBHOOK_ALLOW_PRIVATE_URLS": True}


class Receiver(ThreadingHTTPServer):
    """Answers the queued status codes in order (then 200) and checks each signature as a client would."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers: list[int] = []
        self.received: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        timestamp = self.headers["X-LeadFlow-Timestamp"]
        expected = "sha256=" + hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        self.server.received.append({
            "event": self.headers["X-LeadFlow-Event"], "delivery": self.headers["X-LeadFlow-Delivery"],
            "timestamp": timestamp, "verified": hmac.compare_digest(expected, self.headers["X-LeadFlow-Signature"]),
            "body": json.loads(body),
        })  # fmt: skip
        code = self.server.answers.pop(0) if self.server.answers else 200
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_first_attempt_fails_with_500_then_the_retry_is_delivered_and_verified(receiver: Receiver) -> None:
    webhook_subscription_create(url=receiver.url, events=["lead.created"], secret=SECRET)
    lead = lead_create(data={"email": "li@acme.cn"}, now=NOW)
    delivery = WebhookDelivery.objects.get()
    receiver.answers.append(500)

    first = webhook_delivery_attempt(delivery_id=delivery.pk, now=NOW)
    delivery.refresh_from_db()
    retry_at = delivery.next_attempt_at
    second = webhook_delivery_attempt(delivery_id=delivery.pk, now=retry_at)
    delivery.refresh_from_db()

    assert first is not None and (first.status_code, first.succeeded) == (500, False)
    assert retry_at is not None and retry_at > NOW
    assert second is not None and (second.status_code, second.succeeded) == (200, True)
    assert second.duration_ms >= 0
    assert delivery.status == DeliveryStatus.DELIVERED
    assert [r["verified"] for r in receiver.received] == [True, True]
    assert {r["delivery"] for r in receiver.received} == {str(delivery.delivery_id)}
    assert receiver.received[1]["timestamp"] == str(int(retry_at.timestamp()))
    assert receiver.received[1]["event"] == "lead.created"
    assert receiver.received[1]["body"]["data"]["lead_id"] == lead.pk


def test_a_wrong_secret_fails_verification(receiver: Receiver) -> None:
    webhook_subscription_create(url=receiver.url, events=["lead.created"], secret="another-secret-0123456789")
    lead_create(data={"email": "li@acme.cn"}, now=NOW)

    webhook_deliveries_sweep(now=NOW)

    assert [r["verified"] for r in receiver.received] == [False]


def test_subscription_pauses_after_repeated_failures(receiver: Receiver, settings: Any) -> None:
    settings.LEADFLOW = {**settings.LEADFLOW, "WEBHOOK_PAUSE_AFTER_FAILURES": 2, "WEBHOOK_BACKOFF_SECONDS": 1}
    subscription = webhook_subscription_create(url=receiver.url, events=["lead.created"], secret=SECRET)
    lead_create(data={"email": "li@acme.cn"}, now=NOW)
    receiver.answers.extend([503, 503, 503])

    webhook_deliveries_sweep(now=NOW)
    webhook_deliveries_sweep(now=NOW + dt.timedelta(minutes=1))
    webhook_deliveries_sweep(now=NOW + dt.timedelta(minutes=2))

    subscription.refresh_from_db()
    assert subscription.paused_at == NOW + dt.timedelta(minutes=1)
    assert len(receiver.received) == 2
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING  # kept for when it is resumed


def test_an_event_not_subscribed_is_not_sent(receiver: Receiver) -> None:
    webhook_subscription_create(url=receiver.url, events=["lead.merged"], secret=SECRET)
    lead_create(data={"email": "li@acme.cn"}, now=NOW)

    webhook_deliveries_sweep(now=NOW)

    assert receiver.received == []
    assert not WebhookAttempt.objects.exists()


def test_an_unreachable_receiver_is_recorded_as_a_network_error() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    webhook_subscription_create(url=f"http://127.0.0.1:{port}/x", events=["lead.created"], secret=SECRET)
    lead_create(data={"email": "li@acme.cn"}, now=NOW)

    webhook_deliveries_sweep(now=NOW)

    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "Connection" in attempt.error or "refused" in attempt.error.lower()
    assert WebhookSubscription.objects.get().failure_count == 1


def test_a_connection_to_an_internal_address_is_refused_without_sending(receiver: Receiver, settings: Any) -> None:
    # given: a subscription saved while internal addresses were allowed (or whose name now resolves inside)
    webhook_subscription_create(url=receiver.url, events=["lead.created"], secret=SECRET)
    lead_create(data={"email": "li@acme.cn"}, now=NOW)
    settings.LEADFLOW = {**settings.LEADFLOW, "WEBHOOK_ALLOW_PRIVATE_URLS": False}

    # when: the delivery is attempted
    webhook_deliveries_sweep(now=NOW)

    # then: the connection is checked and dropped before any request; the attempt says why
    assert receiver.received == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "non-public address 127.0.0.1" in attempt.error
