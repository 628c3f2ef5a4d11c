"""POST /api/v1/collect/: site write keys, origins and CORS, rate limit, touchpoints and leads."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from leads.api.collect import CollectThrottle, name_split
from leads.models import ChangeLog, Lead, SiteKey, Touchpoint

pytestmark = pytest.mark.django_db
ORIGIN = "https://www.acme-site.cn"
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _fresh_throttle() -> None:
    cache.clear()


@pytest.fixture
def site() -> SiteKey:
    return SiteKey.objects.create(name="www", allowed_origins=[ORIGIN])


def _post(body: dict[str, Any], *, key: str | None, origin: str | None = ORIGIN, **extra: Any) -> Any:
    headers: dict[str, str] = {}
    if key is not None:
        headers["HTTP_X_LEADFLOW_WRITE_KEY"] = key
    if origin is not None:
        headers["HTTP_ORIGIN"] = origin
    return APIClient().post("/api/v1/collect/", body, format="json", **headers, **extra)


def test_an_anonymous_page_view_is_accepted_with_cors_headers(site: SiteKey) -> None:
    response = _post({"kind": "page_view", "anonymous_id": "cookie-1",
                      "properties": {"utm_source": "baidu", "path": "/pricing"}}, key=site.key)  # fmt: skip

    assert response.status_code == 202
    assert response.json() == {"accepted": True}
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in response["Vary"]
    touch = Touchpoint.objects.get()
    assert (touch.anonymous_id, touch.lead_id, touch.utm_source) == ("cookie-1", None, "baidu")


def test_a_form_submit_creates_the_lead_and_attaches_the_visitors_earlier_touchpoints(site: SiteKey) -> None:
    _post({"kind": "page_view", "anonymous_id": "cookie-2"}, key=site.key)

    response = _post({"kind": "form_submit", "anonymous_id": "cookie-2", "email": "Li.Lei@Acme.cn",
                      "name": "李雷", "company": "Acme", "channel": "baidu-sem",
                      "event_id": "form-1"}, key=site.key)  # fmt: skip

    assert response.status_code == 202
    lead = Lead.objects.get()
    assert (lead.email, lead.last_name, lead.first_name, lead.source_channel.slug) == ("li.lei@acme.cn", "李", "雷",
                                                                                      "baidu-sem")  # fmt: skip
    assert Touchpoint.objects.filter(lead=lead).count() == 2
    assert ChangeLog.objects.filter(lead=lead, kind="created").exists()


def test_a_repeated_event_id_is_accepted_and_stored_once(site: SiteKey) -> None:
    body = {"kind": "form_submit", "email": "a@acme.cn", "event_id": "evt-1"}

    responses = [_post(body, key=site.key) for _ in range(2)]

    assert [r.status_code for r in responses] == [202, 202]
    assert Touchpoint.objects.count() == 1 and Lead.objects.count() == 1


def test_the_key_may_come_in_the_body_and_without_an_origin(site: SiteKey) -> None:
    response = _post({"kind": "page_view", "anonymous_id": "c", "write_key": site.key}, key=None, origin=None)

    assert response.status_code == 202


def test_text_plain_json_from_send_beacon_is_accepted(site: SiteKey) -> None:
    body = json.dumps({"kind": "page_view", "anonymous_id": "beacon", "write_key": site.key})

    response = APIClient().post("/api/v1/collect/", body, content_type="text/plain", HTTP_ORIGIN=ORIGIN)

    assert response.status_code == 202
    assert Touchpoint.objects.filter(anonymous_id="beacon").exists()


@pytest.mark.parametrize("key", [None, "wk_nope"])
def test_a_missing_or_unknown_key_is_403(site: SiteKey, key: str | None) -> None:
    response = _post({"kind": "page_view", "anonymous_id": "c"}, key=key)

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert not Touchpoint.objects.exists()


def test_an_inactive_key_is_403(site: SiteKey) -> None:
    SiteKey.objects.filter(pk=site.pk).update(active=False)

    assert _post({"kind": "page_view", "anonymous_id": "c"}, key=site.key).status_code == 403


def test_a_foreign_origin_is_403_without_cors_headers(site: SiteKey) -> None:
    response = _post({"kind": "page_view", "anonymous_id": "c"}, key=site.key, origin="https://evil.example")

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert "Access-Control-Allow-Origin" not in response
    assert not Touchpoint.objects.exists()


def test_preflight_answers_an_allowed_origin_and_refuses_others(site: SiteKey) -> None:
    client = APIClient()

    allowed = client.options("/api/v1/collect/", HTTP_ORIGIN=ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    refused = client.options("/api/v1/collect/", HTTP_ORIGIN="https://evil.example")

    assert allowed.status_code == 200
    assert allowed["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-LeadFlow-Write-Key" in allowed["Access-Control-Allow-Headers"]
    assert "POST" in allowed["Access-Control-Allow-Methods"]
    assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused


@pytest.mark.parametrize("body,field", [
    ({"anonymous_id": "c"}, "kind"),
    ({"kind": "teleport", "anonymous_id": "c"}, "kind"),
    ({"kind": "page_view"}, "anonymous_id"),
    ({"kind": "form_submit", "email": "not-an-email"}, "email"),
    ({"kind": "page_view", "anonymous_id": "c", "occurred_at": "yesterday"}, "occurred_at"),
])  # fmt: skip
def test_bad_input_is_400_naming_the_field_with_cors_headers(site: SiteKey, body: dict[str, Any],
                                                             field: str) -> None:  # fmt: skip
    response = _post(body, key=site.key)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert response["Access-Control-Allow-Origin"] == ORIGIN


def test_over_the_rate_is_429_with_retry_after(site: SiteKey, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CollectThrottle, "THROTTLE_RATES", {"collect": "2/min"})
    other = SiteKey.objects.create(name="other", allowed_origins=[ORIGIN])

    codes = [_post({"kind": "page_view", "anonymous_id": "c"}, key=site.key).status_code for _ in range(3)]
    other_key = _post({"kind": "page_view", "anonymous_id": "c"}, key=other.key)

    assert codes == [202, 202, 429]
    assert other_key.status_code == 202  # limited per key (and IP), not globally


def test_the_throttle_response_carries_retry_after(site: SiteKey, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CollectThrottle, "THROTTLE_RATES", {"collect": "1/min"})
    _post({"kind": "page_view", "anonymous_id": "c"}, key=site.key)

    response = _post({"kind": "page_view", "anonymous_id": "c"}, key=site.key)

    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_keys_are_generated_and_unique() -> None:
    first, second = SiteKey.objects.create(name="a"), SiteKey.objects.create(name="b")

    assert first.key.startswith("wk_") and len(first.key) > 20 and first.key != second.key


@pytest.mark.parametrize("name,expected", [("Alice Smith", ("Alice", "Smith")), ("王小明", ("小明", "王")),
                                           ("Cher", ("Cher", ""))])  # fmt: skip
def test_name_split(name: str, expected: tuple[str, str]) -> None:
    assert name_split(name) == expected
