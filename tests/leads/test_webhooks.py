"""Webhooks out: subscriptions over the API, the outbox written with each change, retries and pausing.

HTTP is replaced here by a fake `_post`; tests/integration/test_webhook_delivery.py sends for real.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from leadflow.roles import Role
from leads.choices import OwnerSide, Stage
from leads.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookSubscription
from leads.services import webhooks
from leads.services.leads import lead_assign_owner, lead_create
from leads.services.merge import lead_merge
from leads.services.stages import lead_transition
from leads.services.webhooks import (
    HttpResult,
    webhook_backoff,
    webhook_deliveries_sweep,
    webhook_delivery_attempt,
    webhook_event_emit,
    webhook_signature,
    webhook_subscription_create,
)
from tests.factories import LeadFactory, token_client, user_with_role

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
ALL_EVENTS = ["lead.created", "lead.stage_changed", "lead.assigned", "sla.breached", "lead.merged"]


def _client(role: Role) -> APIClient:
    return token_client(user_with_role(role))


def _subscription(events: list[str] | None = None) -> WebhookSubscription:
    return webhook_subscription_create(url="https://crm.example.com/hook", events=events or ALL_EVENTS)


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """Status codes the fake receiver answers, in order (None: connection refused); then 200."""
    queue: list[int | None] = []

    def fake_post(delivery: WebhookDelivery, *, now: dt.datetime) -> HttpResult:
        code = queue.pop(0) if queue else 200
        return HttpResult(status_code=code, error="" if code else "ConnectionRefusedError", duration_ms=3)

    monkeypatch.setattr(webhooks, "_post", fake_post)
    return queue


# --- subscriptions over the API -----------------------------------------------------------------------


def test_marketer_creates_a_subscription_and_sees_the_generated_secret_once() -> None:
    client = _client(Role.MARKETER)

    created = client.post("/api/v1/webhooks/", {"url": "https://crm.example.com/hook",
                                                 "events": ["lead.created", "lead.merged"]}, format="json")  # fmt: skip
    listed = client.get("/api/v1/webhooks/")

    assert created.status_code == 201
    assert len(created.json()["secret"]) >= 32
    assert created.json()["events"] == ["lead.created", "lead.merged"]
    assert "secret" not in listed.json()[0]
    assert listed.json()[0]["failure_count"] == 0
    assert WebhookSubscription.objects.get().secret == created.json()["secret"]


def test_a_given_secret_is_kept_and_never_shown_after_create() -> None:
    client = _client(Role.ADMIN)
    secret = "s" * 32

    created = client.post("/api/v1/webhooks/", {"url": "https://crm.example.com/h", "events": ["lead.created"],
                                                "secret": secret}, format="json")  # fmt: skip
    detail = client.get(f"/api/v1/webhooks/{created.json()['id']}/")

    assert WebhookSubscription.objects.get().secret == secret
    assert "secret" not in detail.json()


def test_unknown_events_and_non_http_urls_are_400() -> None:
    response = _client(Role.MARKETER).post("/api/v1/webhooks/", {"url": "ftp://x.cn/", "events": ["lead.nope"]},
                                           format="json")  # fmt: skip

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"url", "events"}


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/hook", "http://localhost/hook", "http://api.localhost/hook", "http://10.1.2.3/hook",
     "http://192.168.1.10/hook", "http://169.254.169.254/latest/meta-data", "http://[::1]/hook",
     "http://[::ffff:10.0.0.1]/hook", "http://0.0.0.0/hook"],
)  # fmt: skip
def test_webhook_urls_on_internal_addresses_are_400_naming_url(url: str) -> None:
    response = _client(Role.MARKETER).post("/api/v1/webhooks/", {"url": url, "events": ["lead.created"]},
                                           format="json", HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip

    assert response.status_code == 400
    assert "public address" in response.json()["errors"]["url"][0]
    assert not WebhookSubscription.objects.exists()


def test_a_public_address_is_accepted_and_a_patch_to_an_internal_one_is_refused() -> None:
    client = _client(Role.MARKETER)
    created = client.post("/api/v1/webhooks/", {"url": "https://93.184.215.14/hook", "events": ["lead.created"]},
                          format="json")  # fmt: skip
    assert created.status_code == 201

    patched = client.patch(f"/api/v1/webhooks/{created.json()['id']}/", {"url": "http://10.0.0.5/"}, format="json")

    assert patched.status_code == 400
    assert set(patched.json()["errors"]) == {"url"}
    assert WebhookSubscription.objects.get().url == "https://93.184.215.14/hook"


def test_internal_addresses_are_accepted_when_the_setting_allows_them(settings: Any) -> None:
    settings.LEADFLOW = {**settings.LEADFLOW, "WEBHOOK_ALLOW_PRIVATE_URLS": True}

    subscription = webhook_subscription_create(url="http://10.0.0.5:8080/hook", events=["lead.created"])

    assert subscription.url == "http://10.0.0.5:8080/hook"


@pytest.mark.parametrize("role", [Role.SDR, Role.SALES, Role.SALES_MANAGER])
def test_other_roles_may_not_manage_webhooks(role: Role) -> None:
    assert _client(role).get("/api/v1/webhooks/").status_code == 403


def test_patch_active_resumes_a_paused_subscription() -> None:
    subscription = _subscription()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(paused_at=NOW, failure_count=20)

    response = _client(Role.MARKETER).patch(f"/api/v1/webhooks/{subscription.pk}/", {"active": True}, format="json")

    assert response.status_code == 200
    assert response.json()["paused_at"] is None
    assert response.json()["failure_count"] == 0


def test_deliveries_endpoint_lists_attempts(answers: list[int | None]) -> None:
    subscription = _subscription()
    lead_create(data={"email": "li@acme.cn"}, now=NOW)
    answers.append(500)
    webhook_deliveries_sweep(now=NOW)

    body = _client(Role.MARKETER).get(f"/api/v1/webhooks/{subscription.pk}/deliveries/").json()

    assert body[0]["event"] == "lead.created"
    assert body[0]["attempt_log"][0]["status_code"] == 500


# --- the outbox ---------------------------------------------------------------------------------------


def test_changes_put_subscribed_events_in_the_outbox() -> None:
    _subscription()
    rep = user_with_role(Role.SALES)
    lead = lead_create(data={"email": "li@acme.cn"})
    lead = lead_transition(lead=lead, to=Stage.MQL, bant={"budget": True, "need": True})
    lead_assign_owner(lead=lead, side=OwnerSide.SALES, user=rep)
    lead_merge(survivor=lead, other=LeadFactory())
    webhook_event_emit(event="sla.breached", lead_id=lead.pk, data={"policy": "mql_accept"})

    events = list(WebhookDelivery.objects.order_by("id").values_list("event", flat=True))

    assert events == ["lead.created", "lead.stage_changed", "lead.assigned", "lead.merged", "sla.breached"]
    assert WebhookDelivery.objects.get(event="lead.stage_changed").payload["changes"]["to"] == "mql"


def test_an_event_not_subscribed_is_not_queued() -> None:
    _subscription(["lead.stage_changed"])

    lead_create(data={"email": "li@acme.cn"})

    assert not WebhookDelivery.objects.exists()


def test_paused_and_inactive_subscriptions_get_nothing() -> None:
    WebhookSubscription.objects.filter(pk=_subscription().pk).update(paused_at=NOW)
    WebhookSubscription.objects.filter(pk=_subscription().pk).update(active=False)

    lead_create(data={"email": "li@acme.cn"})

    assert not WebhookDelivery.objects.exists()


# --- delivery -----------------------------------------------------------------------------------------


def test_failures_retry_with_exponential_backoff_then_deliver(answers: list[int | None]) -> None:
    _subscription()
    lead_create(data={"email": "li@acme.cn"}, now=NOW)
    delivery = WebhookDelivery.objects.get()
    answers.extend([500, None])

    webhook_delivery_attempt(delivery_id=delivery.pk, now=NOW)
    delivery.refresh_from_db()
    first_retry = delivery.next_attempt_at
    not_yet = webhook_delivery_attempt(delivery_id=delivery.pk, now=NOW + dt.timedelta(seconds=29))
    webhook_delivery_attempt(delivery_id=delivery.pk, now=NOW + dt.timedelta(seconds=30))
    delivery.refresh_from_db()
    second_retry = delivery.next_attempt_at
    webhook_delivery_attempt(delivery_id=delivery.pk, now=NOW + dt.timedelta(seconds=90))
    delivery.refresh_from_db()

    assert first_retry == NOW + dt.timedelta(seconds=30)
    assert not_yet is None
    assert second_retry == NOW + dt.timedelta(seconds=90)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 3
    codes = list(WebhookAttempt.objects.order_by("id").values_list("status_code", "succeeded"))
    assert codes == [(500, False), (None, False), (200, True)]
    assert WebhookSubscription.objects.get().failure_count == 0


def test_a_delivery_gives_up_after_the_attempt_cap(answers: list[int | None], settings: Any) -> None:
    settings.LEADFLOW = {**settings.LEADFLOW, "WEBHOOK_MAX_ATTEMPTS": 2}
    _subscription()
    lead_create(data={"email": "li@acme.cn"}, now=NOW)
    answers.extend([500, 500, 500])

    webhook_deliveries_sweep(now=NOW)
    webhook_deliveries_sweep(now=NOW + dt.timedelta(hours=1))
    webhook_deliveries_sweep(now=NOW + dt.timedelta(hours=2))

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.FAILED, 2, None)


def test_subscription_pauses_after_consecutive_failures(answers: list[int | None], settings: Any) -> None:
    settings.LEADFLOW = {**settings.LEADFLOW, "WEBHOOK_PAUSE_AFTER_FAILURES": 3}
    subscription = _subscription(["lead.created"])
    for i in range(4):
        lead_create(data={"email": f"p{i}@acme.cn"}, now=NOW)
    answers.extend([500] * 10)

    attempts = webhook_deliveries_sweep(now=NOW, batch_size=1)

    subscription.refresh_from_db()
    assert subscription.paused_at == NOW
    assert attempts == 3  # the fourth was not sent: its subscription was paused
    assert WebhookAttempt.objects.count() == 3


def test_sweep_skips_what_is_not_due_and_a_second_sweep_sends_nothing(answers: list[int | None]) -> None:
    _subscription()
    lead_create(data={"email": "li@acme.cn"}, now=NOW)

    assert webhook_deliveries_sweep(now=NOW - dt.timedelta(seconds=1)) == 0
    assert webhook_deliveries_sweep(now=NOW) == 1
    assert webhook_deliveries_sweep(now=NOW) == 0


def test_backoff_doubles_and_is_capped() -> None:
    assert [webhook_backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert webhook_backoff(30).total_seconds() == 6 * 3600


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(b"key", b"1700000000.{}", hashlib.sha256).hexdigest()

    assert webhook_signature(secret="key", timestamp="1700000000", body=b"{}") == f"sha256={expected}"


def test_beat_sweeps_the_outbox_and_purges_idempotency_records_with_registered_tasks(
    answers: list[int | None], settings: Any
) -> None:
    from leadflow.celery import app

    app.loader.import_default_modules()
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    _subscription()
    lead_create(data={"email": "li@acme.cn"})

    app.tasks["leads.tasks.webhook_deliveries_sweep_task"].apply(throw=True)

    assert {"leads.tasks.webhook_deliveries_sweep_task", "leads.tasks.idempotency_records_purge_task"} <= tasks
    assert tasks <= set(app.tasks)
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED
