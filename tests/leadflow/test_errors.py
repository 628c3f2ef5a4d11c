"""Every error under /api/ is application/problem+json (RFC 9457), whatever raised it; never an HTML page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from leadflow.errors import PayloadTooLarge, handler404, handler500, problem_exception_handler
from leadflow.roles import Role
from leads.api.views import LeadViewSet
from tests.factories import UserFactory, make_journey, token_client, user_with_role

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def _client(role: Role | None = Role.MARKETER) -> APIClient:
    user = user_with_role(role) if role else UserFactory()
    return token_client(user)


def _assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= set(body)
    return body


def test_400_names_the_invalid_fields() -> None:
    body = _assert_problem(_client().post("/api/v1/leads/", {"first_name": "x"}, format="json"), 400)

    assert set(body["errors"]) >= {"email", "phone", "external_id"}


def test_401_for_anonymous_callers() -> None:
    _assert_problem(APIClient().get("/api/v1/leads/"), 401)


def test_403_for_a_user_without_a_role() -> None:
    _assert_problem(_client(None).get("/api/v1/leads/"), 403)


def test_404_for_a_missing_object() -> None:
    _assert_problem(_client().get("/api/v1/leads/999999/"), 404)


def test_404_for_an_unknown_url_under_api_is_problem_json_not_html() -> None:
    _assert_problem(_client().get("/api/v1/no-such-thing/"), 404)
    _assert_problem(Client().get("/api/nowhere"), 404)


def test_404_outside_api_stays_a_page() -> None:
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    assert "json" not in response["Content-Type"]


def test_405_for_a_method_the_endpoint_does_not_allow() -> None:
    body = _assert_problem(_client().put("/api/v1/me/", {}, format="json"), 405)

    assert body["type"].endswith("method-not-allowed")


def test_409_for_an_illegal_stage_change() -> None:
    lead = make_journey(["lead"])

    _assert_problem(_client().post(f"/api/v1/leads/{lead.pk}/transition/", {"to": "customer"}, format="json"), 409)


def test_413_for_a_body_over_the_configured_limit(settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100

    response = _client().post("/api/v1/leads/", {"email": "a@b.cn", "company": "x" * 200}, format="json")

    body = _assert_problem(response, 413)
    assert body["type"].endswith("payload-too-large")


def test_payload_too_large_maps_to_413() -> None:
    response = problem_exception_handler(PayloadTooLarge("10 001 records; the limit is 10 000."), {})

    assert response is not None
    assert response.status_code == 413
    assert response.data["detail"] == "10 001 records; the limit is 10 000."


def test_429_with_retry_after_when_throttled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "2/minute", "anon": "2/minute"})
    client = _client()
    cache.clear()
    try:
        for _ in range(2):
            assert client.get("/api/v1/me/").status_code == 200
        response = client.get("/api/v1/me/")
    finally:
        cache.clear()

    _assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0


def test_500_from_an_api_view_is_a_logged_problem_not_a_debug_page(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(self: Any, request: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(LeadViewSet, "list", broken)

    body = _assert_problem(_client().get("/api/v1/leads/"), 500)

    assert "boom" not in body["detail"]
    assert any("Unhandled exception" in record.message and record.exc_info for record in caplog.records)


def test_handlers_answer_problem_json_under_api_and_pages_elsewhere() -> None:
    api = RequestFactory().get("/api/v1/whatever/")
    page = RequestFactory().get("/leads/whatever/")

    assert handler404(api, None)["Content-Type"] == PROBLEM
    assert handler500(api)["Content-Type"] == PROBLEM
    assert handler500(api).status_code == 500
    assert "json" not in handler404(page, None)["Content-Type"]


def test_schema_documents_errors_as_problems_and_writes_take_an_idempotency_key() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    create = schema["paths"]["/api/v1/leads/"]["post"]

    assert {"400", "401", "403", "409", "413", "422", "429"} <= set(create["responses"])
    assert set(create["responses"]["400"]["content"]) == {PROBLEM}
    assert "Idempotency-Key" in [parameter["name"] for parameter in create["parameters"]]
    assert schema["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status", "detail"]
