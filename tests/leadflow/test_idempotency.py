"""Idempotency-Key on API writes: one effect per key and body for 24 h, whatever the client retries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from leadflow.errors import ApplicationError
from leadflow.idempotency import (
    IdempotencyInFlight,
    IdempotencyKeyReused,
    idempotency_claim,
    idempotency_complete,
    idempotency_records_purge,
    request_fingerprint,
)
from leadflow.roles import Role
from leads.models import IdempotencyRecord, Lead
from tests.factories import token_client, user_with_role

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
NOW = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


def _client(user: Any = None) -> tuple[APIClient, Any]:
    user = user or user_with_role(Role.MARKETER)
    client = token_client(user)
    return client, user


def _post(client: APIClient, body: dict[str, Any], key: str) -> Any:
    return client.post("/api/v1/leads/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_replay_returns_the_first_response_and_creates_one_lead() -> None:
    client, _ = _client()

    first = _post(client, {"email": "li@acme.cn"}, "k-1")
    again = _post(client, {"email": "li@acme.cn"}, "k-1")

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Lead.objects.count() == 1


def test_a_replay_changes_nothing_even_when_the_lead_changed_since() -> None:
    client, _ = _client()
    first = _post(client, {"email": "li@acme.cn", "company": "Acme"}, "k-2")
    Lead.objects.filter(pk=first.json()["id"]).update(company="Renamed")

    again = _post(client, {"email": "li@acme.cn", "company": "Acme"}, "k-2")

    assert again.json()["company"] == "Acme"
    assert Lead.objects.get().company == "Renamed"


def test_same_key_with_a_different_body_is_422() -> None:
    client, _ = _client()
    _post(client, {"email": "li@acme.cn"}, "k-3")

    response = _post(client, {"email": "wang@acme.cn"}, "k-3")

    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"].endswith("/idempotency-key-reused")
    assert Lead.objects.count() == 1


def test_keys_are_per_user() -> None:
    first, _ = _client()
    second, _ = _client(user_with_role(Role.MARKETER, username="other"))

    a = _post(first, {"email": "a@acme.cn"}, "shared")
    b = _post(second, {"email": "b@acme.cn"}, "shared")

    assert (a.status_code, b.status_code) == (201, 201)
    assert Lead.objects.count() == 2


def test_a_validation_error_is_replayed_too() -> None:
    client, _ = _client()

    first = _post(client, {"first_name": "x"}, "k-4")
    again = _post(client, {"first_name": "x"}, "k-4")

    assert first.status_code == again.status_code == 400
    assert again["Idempotent-Replayed"] == "true"
    assert again["Content-Type"] == PROBLEM


def test_without_a_key_every_request_runs() -> None:
    client, _ = _client()

    client.post("/api/v1/leads/", {"email": "li@acme.cn"}, format="json")
    response = client.post("/api/v1/leads/", {"email": "li@acme.cn"}, format="json")

    assert response.status_code == 200  # the upsert found the lead
    assert not IdempotencyRecord.objects.exists()


def test_anonymous_write_with_a_key_is_still_401() -> None:
    response = APIClient().post("/api/v1/leads/", {"email": "a@b.cn"}, format="json", HTTP_IDEMPOTENCY_KEY="x")

    assert response.status_code == 401
    assert not IdempotencyRecord.objects.exists()


def test_a_request_in_flight_under_the_key_is_409() -> None:
    _, user = _client()
    fingerprint = request_fingerprint(method="POST", path="/api/v1/leads/", body=b"{}")
    idempotency_claim(user=user, key="busy", fingerprint=fingerprint, now=NOW)

    with pytest.raises(IdempotencyInFlight) as refusal:
        idempotency_claim(user=user, key="busy", fingerprint=fingerprint, now=NOW + dt.timedelta(seconds=1))

    assert refusal.value.status_code == 409


def test_an_in_flight_key_answers_409_over_http() -> None:
    client, user = _client()
    body = b'{"email":"li@acme.cn"}'
    IdempotencyRecord.objects.create(
        user=user, key="busy", created_at=timezone.now(),
        fingerprint=request_fingerprint(method="POST", path="/api/v1/leads/", body=body),
    )  # fmt: skip

    response = client.post("/api/v1/leads/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="busy")

    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert response["Retry-After"]
    assert not Lead.objects.exists()


def test_the_record_expires_after_24_hours() -> None:
    _, user = _client()
    fingerprint = request_fingerprint(method="POST", path="/api/v1/leads/", body=b"{}")
    claim = idempotency_claim(user=user, key="k", fingerprint=fingerprint, now=NOW)
    idempotency_complete(record=claim.record, status_code=201, content_type="application/json", body=b"{}", now=NOW)
    other = request_fingerprint(method="POST", path="/api/v1/leads/", body=b'{"x":1}')

    within = idempotency_claim(user=user, key="k", fingerprint=fingerprint, now=NOW + dt.timedelta(hours=23))
    with pytest.raises(IdempotencyKeyReused):
        idempotency_claim(user=user, key="k", fingerprint=other, now=NOW + dt.timedelta(hours=23))
    after = idempotency_claim(user=user, key="k", fingerprint=other, now=NOW + dt.timedelta(hours=24, seconds=1))

    assert within.replay is True
    assert after.replay is False
    assert after.record.fingerprint == other


def test_purge_deletes_only_expired_records() -> None:
    _, user = _client()
    IdempotencyRecord.objects.create(user=user, key="old", fingerprint="x", created_at=NOW - dt.timedelta(hours=25))
    IdempotencyRecord.objects.create(user=user, key="new", fingerprint="x", created_at=NOW - dt.timedelta(hours=1))

    assert idempotency_records_purge(now=NOW) == 1
    assert idempotency_records_purge(now=NOW) == 0
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_an_abandoned_claim_is_taken_over_after_its_lease() -> None:
    _, user = _client()
    fingerprint = request_fingerprint(method="POST", path="/api/v1/leads/", body=b"{}")
    idempotency_claim(user=user, key="dead", fingerprint=fingerprint, now=NOW)

    claim = idempotency_claim(user=user, key="dead", fingerprint=fingerprint, now=NOW + dt.timedelta(minutes=10))

    assert claim.replay is False


def test_a_server_error_releases_the_key_so_a_retry_runs() -> None:
    _, user = _client()
    claim = idempotency_claim(user=user, key="k", fingerprint="f", now=NOW)

    stored = idempotency_complete(record=claim.record, status_code=503, content_type="", body=b"", now=NOW)

    assert stored is False
    assert idempotency_claim(user=user, key="k", fingerprint="f", now=NOW).replay is False


def test_refusals_are_application_errors_for_the_problem_handler() -> None:
    assert issubclass(IdempotencyKeyReused, ApplicationError)
    assert IdempotencyKeyReused("x").status_code == 422
