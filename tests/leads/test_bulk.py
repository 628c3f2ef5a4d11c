"""POST /api/v1/leads/bulk/: per-row results, atomic batches, in-batch duplicates, set-based writes, the change
feed and webhook outbox, and concurrent bulks creating the same people."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.choices import CustomerStatus
from leadflow.roles import Role
from leads.choices import IdentityKind, LeadEventKind, Stage
from leads.models import (
    ChangeKind,
    ChangeLog,
    Channel,
    Identity,
    Lead,
    LeadEvent,
    StageChange,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from leads.services.bulk import MAX_LEAD_RECORDS, leads_bulk_upsert
from leads.services.upsert import lead_upsert
from tests.factories import AccountFactory, LeadFactory, UserFactory, token_client, user_with_role

pytestmark = pytest.mark.django_db
URL = "/api/v1/leads/bulk/"
PROBLEM = "application/problem+json"


def _client(role: Role | None = Role.MARKETER) -> APIClient:
    user = user_with_role(role) if role else UserFactory()
    return token_client(user)


def _post(client: APIClient, records: list[Any], **extra: Any) -> Any:
    return client.post(URL, {"records": records, **extra}, format="json")


def test_partial_failure_reports_per_row_errors_and_saves_the_valid_rows() -> None:
    records = [
        {"email": "ok1@acme.cn", "first_name": "一"},
        {"email": "not-an-email"},
        {"first_name": "no identity"},
        {"phone": "13800138000", "employee_count": -1},
        {"phone": "13800138001", "source_channel": "baidu-sem"},
    ]

    response = _post(_client(), records)

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["updated"], body["failed"]) == (2, 0, 3)
    assert [row["status"] for row in body["results"]] == ["created", "failed", "failed", "failed", "created"]
    assert "email" in body["results"][1]["errors"]
    assert set(body["results"][2]["errors"]) == {"email", "phone", "external_id"}
    assert "employee_count" in body["results"][3]["errors"]
    assert set(Lead.objects.values_list("email", flat=True)) == {"ok1@acme.cn", ""}
    saved = Lead.objects.get(pk=body["results"][4]["id"])
    assert saved.phone == "+8613800138001"
    assert saved.source_channel is not None and saved.source_channel.slug == "baidu-sem"


def test_new_leads_get_identities_creation_history_and_account() -> None:
    response = _post(_client(), [{"email": "Wang@Acme.cn", "company": "Acme", "phone": "138 0013 8000"}])

    lead = Lead.objects.get(pk=response.json()["results"][0]["id"])
    assert lead.email == "wang@acme.cn"
    assert set(lead.identities.values_list("kind", "value")) == {
        (IdentityKind.EMAIL, "wang@acme.cn"), (IdentityKind.PHONE, "+8613800138000"),
    }  # fmt: skip
    assert list(StageChange.objects.filter(lead=lead).values_list("from_stage", "to_stage")) == [("", Stage.LEAD)]
    assert not LeadEvent.objects.filter(lead=lead).exists()  # the first StageChange is the creation record
    assert lead.account is not None and lead.account.domain == "acme.cn"


def _subscription(events: list[str]) -> WebhookSubscription:
    return WebhookSubscription.objects.create(url="https://crm.example.cn/hook", events=events, secret="s")


def test_bulk_feeds_the_change_feed_and_the_webhook_outbox_like_single_writes() -> None:
    existing = LeadFactory(email="old@acme.cn", title="")
    Identity.objects.create(lead=existing, kind=IdentityKind.EMAIL, value=existing.email)
    subscription = _subscription([WebhookEvent.LEAD_CREATED])
    records = [{"email": f"new{i}@acme.cn"} for i in range(3)] + [{"email": "old@acme.cn", "title": "CTO"}]

    body = _post(_client(), records).json()

    new_ids = {row["id"] for row in body["results"][:3]}
    feed = list(ChangeLog.objects.values_list("lead_id", "kind", "data"))
    assert sorted((lead_id, kind) for lead_id, kind, _data in feed if kind == ChangeKind.CREATED) == sorted(
        (lead_id, ChangeKind.CREATED) for lead_id in new_ids
    )
    assert [(lead_id, data) for lead_id, kind, data in feed if kind == ChangeKind.UPDATED] == [
        (existing.pk, {"fields": ["account", "title"]})
    ]
    assert len(feed) == 4
    outbox = list(WebhookDelivery.objects.values_list("subscription_id", "event", "payload"))
    assert len(outbox) == 3
    assert {payload["lead_id"] for _sub, _event, payload in outbox} == new_ids
    assert {(sub, event) for sub, event, _payload in outbox} == {(subscription.pk, WebhookEvent.LEAD_CREATED)}
    cursors = set(ChangeLog.objects.filter(kind=ChangeKind.CREATED).values_list("pk", flat=True))
    assert {payload["change_id"] for _sub, _event, payload in outbox} == cursors


def test_bulk_customer_check_records_the_flag_and_the_assignment_like_the_single_service() -> None:
    owner = user_with_role(Role.SALES)
    AccountFactory(domain="bigco.cn", customer_status=CustomerStatus.CUSTOMER, owner_sales=owner)
    _subscription([WebhookEvent.LEAD_CREATED, WebhookEvent.LEAD_ASSIGNED])

    lead_id = _post(_client(), [{"email": "new@bigco.cn"}]).json()["results"][0]["id"]

    feed = list(ChangeLog.objects.filter(lead_id=lead_id).values_list("kind", "data"))
    assert feed == [
        (ChangeKind.CREATED, {"stage": Stage.LEAD, "owner_sdr": None, "owner_sales": None}),
        (ChangeKind.UPDATED, {"fields": ["customer_check"]}),
        (ChangeKind.OWNER_CHANGED, {"side": "sales", "from": None, "to": owner.pk}),
    ]
    assert sorted(WebhookDelivery.objects.values_list("event", flat=True)) == [
        WebhookEvent.LEAD_ASSIGNED, WebhookEvent.LEAD_CREATED,
    ]  # fmt: skip
    assert LeadEvent.objects.filter(lead_id=lead_id, kind=LeadEventKind.OWNER_CHANGED).count() == 1


def test_an_unchanged_existing_lead_records_no_feed_entry() -> None:
    client = _client()
    _post(client, [{"email": "same@acme.cn", "title": "CTO"}])
    before = ChangeLog.objects.count()

    _post(client, [{"email": "same@acme.cn", "title": "CTO"}])

    assert ChangeLog.objects.count() == before


def test_atomic_batch_with_one_bad_row_returns_400_and_saves_nothing() -> None:
    response = _post(_client(), [{"email": "good@acme.cn"}, {"email": "bad"}], atomic=True)

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"]["records"]["1"]["email"]
    assert Lead.objects.count() == 0


def test_in_batch_duplicates_collapse_onto_one_lead() -> None:
    records = [
        {"email": "dup@acme.cn", "first_name": "A"},
        {"email": "DUP@acme.cn ", "title": "CTO"},
        {"phone": "13800138000", "email": "dup@acme.cn"},
    ]

    body = _post(_client(), records).json()

    ids = {row["id"] for row in body["results"]}
    assert len(ids) == 1
    assert Lead.objects.count() == 1
    lead = Lead.objects.get()
    assert (lead.first_name, lead.title, lead.phone) == ("A", "CTO", "+8613800138000")
    assert body["created"] == 1 and body["updated"] == 2
    assert StageChange.objects.count() == 1


def test_twenty_percent_existing_rows_update_in_place() -> None:
    existing = [LeadFactory(email=f"old{i}@acme.cn", title="") for i in range(2)]
    for lead in existing:
        Identity.objects.create(lead=lead, kind=IdentityKind.EMAIL, value=lead.email)
    records = [{"email": f"old{i}@acme.cn", "title": "VP", "bant": {"budget": True}} for i in range(2)]
    records += [{"email": f"new{i}@acme.cn"} for i in range(8)]

    body = _post(_client(), records).json()

    assert (body["created"], body["updated"], body["failed"]) == (8, 2, 0)
    assert [row["id"] for row in body["results"][:2]] == [lead.pk for lead in existing]
    for lead in existing:
        lead.refresh_from_db()
        assert (lead.title, lead.bant_budget) == ("VP", True)
        assert LeadEvent.objects.filter(lead=lead, kind=LeadEventKind.BANT_CHANGED).count() == 1
    assert Lead.objects.count() == 10


def test_same_batch_twice_creates_nothing_the_second_time() -> None:
    client = _client()
    records = [{"email": f"p{i}@acme.cn", "first_name": "x"} for i in range(5)]
    _post(client, records)

    body = _post(client, records).json()

    assert (body["created"], body["updated"]) == (0, 5)
    assert Lead.objects.count() == 5
    assert StageChange.objects.count() == 5


def test_row_matching_two_leads_takes_the_merge_path() -> None:
    by_email = LeadFactory(email="m@acme.cn")
    by_phone = LeadFactory(email="", phone="+8613800138000")
    Identity.objects.create(lead=by_email, kind=IdentityKind.EMAIL, value="m@acme.cn")
    Identity.objects.create(lead=by_phone, kind=IdentityKind.PHONE, value="+8613800138000")

    body = _post(_client(), [{"email": "m@acme.cn", "phone": "13800138000"}, {"email": "x@acme.cn"}]).json()

    assert [row["status"] for row in body["results"]] == ["updated", "created"]
    merged = {by_email.pk, by_phone.pk} - {body["results"][0]["id"]}
    assert Lead.objects.get(pk=merged.pop()).merged_into_id == body["results"][0]["id"]


def test_new_lead_of_a_customer_account_is_flagged_and_routed_to_its_owner() -> None:
    owner = user_with_role(Role.SALES)
    AccountFactory(domain="bigco.cn", customer_status=CustomerStatus.CUSTOMER, owner_sales=owner)

    body = _post(_client(), [{"email": "new@bigco.cn"}]).json()

    lead = Lead.objects.get(pk=body["results"][0]["id"])
    assert lead.customer_check is True
    assert lead.owner_sales == owner
    assert LeadEvent.objects.filter(lead=lead, kind=LeadEventKind.CUSTOMER_CHECK).count() == 1


def test_unknown_source_channel_is_created_once_and_flagged_for_review() -> None:
    records = [{"email": f"c{i}@acme.cn", "source_channel": "new-fair-2025"} for i in range(3)]

    _post(_client(), records)

    channel = Channel.objects.get(slug="new-fair-2025")
    assert channel.needs_review is True
    assert Lead.objects.filter(source_channel=channel).count() == 3


def test_more_than_the_limit_gets_413_naming_the_limit() -> None:
    records = [{"email": "x@acme.cn"}] * (MAX_LEAD_RECORDS + 1)

    response = _post(_client(), records)

    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM
    assert "10000" in response.json()["detail"]
    assert Lead.objects.count() == 0


def test_a_user_without_a_role_gets_403_and_anonymous_401() -> None:
    assert _post(_client(None), [{"email": "a@acme.cn"}]).status_code == 403
    assert APIClient().post(URL, {"records": []}, format="json").status_code == 401


def _count_queries(size: int, django_assert_max_num_queries: Any) -> None:
    existing = [LeadFactory(email=f"e{size}-{i}@acme.cn") for i in range(size // 5)]
    Identity.objects.bulk_create(Identity(lead=lead, kind=IdentityKind.EMAIL, value=lead.email) for lead in existing)
    records = [{"email": f"e{size}-{i}@acme.cn", "title": "t", "company_domain": f"co{i % 7}.cn",
                "source_channel": f"ch-{i % 3}"} for i in range(size)]  # fmt: skip
    client = _client()
    with django_assert_max_num_queries(40):
        assert _post(client, records).json()["failed"] == 0


@pytest.mark.postgres  # SQLite caps the parameters of one statement, so bulk_create splits there
def test_query_count_of_a_1000_row_bulk_is_bounded_and_independent_of_rows(
    django_assert_max_num_queries: Any,
) -> None:
    _count_queries(1000, django_assert_max_num_queries)
    counts = []
    for size in (50, 1000):
        existing = [LeadFactory(email=f"q{size}-{i}@acme.cn") for i in range(size // 5)]
        Identity.objects.bulk_create(Identity(lead=lead, kind=IdentityKind.EMAIL, value=lead.email)
                                     for lead in existing)  # fmt: skip
        records = [{"email": f"q{size}-{i}@acme.cn", "title": "t", "company_domain": f"d{size}-{i % 7}.cn"}
                   for i in range(size)]  # fmt: skip
        client = _client()
        with CaptureQueriesContext(connection) as captured:
            _post(client, records)
        counts.append(len(captured))

    assert counts[0] == counts[1]


# --- concurrency: two bulk requests creating the same new people at once (threads on PostgreSQL) ---


def _race_bulks(batches: list[list[dict[str, Any]]]) -> list[Any]:
    barrier = threading.Barrier(len(batches))
    results: list[Any] = [None] * len(batches)

    def worker(index: int, records: list[dict[str, Any]]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = leads_bulk_upsert(records=records)
        except Exception as error:  # reported by the assertions below
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, batch)) for i, batch in enumerate(batches)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rounds", range(3))
def test_two_concurrent_bulks_creating_the_same_emails_make_one_lead_per_email(rounds: int) -> None:
    emails = [f"race{rounds}-{i}@acme.cn" for i in range(200)]
    first = [{"email": email, "title": "A"} for email in emails]
    second = [{"email": email, "title": "B"} for email in reversed(emails)] + [{"email": "only-b@acme.cn"}]

    results = _race_bulks([first, second])

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Lead.objects.filter(email__in=emails).count() == len(emails)
    assert Identity.objects.filter(kind="email", value__in=emails).count() == len(emails)
    lead_of = dict(Identity.objects.filter(kind="email").values_list("value", "lead_id"))
    a_rows, b_rows = results[0].rows, results[1].rows
    assert [row.id for row in a_rows] == [lead_of[email] for email in emails]
    assert [row.id for row in b_rows[:-1]] == [lead_of[email] for email in reversed(emails)]
    statuses = {row.status for row in a_rows}, {row.status for row in b_rows[:-1]}
    assert sorted(statuses, key=sorted) == sorted([{"created"}, {"updated"}], key=sorted)
    assert b_rows[-1].status == "created"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rounds", range(3))
def test_single_upserts_racing_a_bulk_with_the_same_emails_make_one_lead_per_email(rounds: int) -> None:
    # given: a bulk batch and, at the same moment, single upserts of some of its people
    emails = [f"mix{rounds}-{i}@acme.cn" for i in range(100)]
    singles = emails[::10]
    barrier = threading.Barrier(2)
    outcome: dict[str, Any] = {}

    def bulk() -> None:
        try:
            barrier.wait(timeout=10)
            outcome["bulk"] = leads_bulk_upsert(records=[{"email": email, "title": "bulk"} for email in emails])
        except Exception as error:
            outcome["bulk"] = error
        finally:
            connection.close()

    def single() -> None:
        try:
            barrier.wait(timeout=10)
            outcome["single"] = [lead_upsert(data={"email": email, "company": "single"}).lead.pk for email in singles]
        except Exception as error:
            outcome["single"] = error
        finally:
            connection.close()

    # when: both run at once
    threads = [threading.Thread(target=bulk), threading.Thread(target=single)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then: neither fails and each email is one lead with one identity
    assert not isinstance(outcome["bulk"], Exception), outcome["bulk"]
    assert not isinstance(outcome["single"], Exception), outcome["single"]
    assert Lead.objects.filter(email__in=emails).count() == len(emails)
    assert Identity.objects.filter(kind="email", value__in=emails).count() == len(emails)
    lead_of = dict(Identity.objects.filter(kind="email", value__in=singles).values_list("value", "lead_id"))
    assert outcome["single"] == [lead_of[email] for email in singles]


def test_a_nul_character_is_a_field_error_and_the_other_rows_are_saved() -> None:
    # given: rows with a NUL in a text field and in the attributes, beside a good row
    records = [
        {"email": "nul@acme.cn", "company": "Ac\u0000me"},
        {"email": "nul2@acme.cn", "attributes": {"note": ["ok", "bad\u0000"]}},
        {"email": "fine@acme.cn"},
    ]

    # when
    response = _post(_client(), records)

    # then: the NUL rows fail naming their field; the good row is saved
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["status"] for row in rows] == ["failed", "failed", "created"]
    assert set(rows[0]["errors"]) == {"company"}
    assert set(rows[1]["errors"]) == {"attributes"}
    assert Lead.objects.filter(email="fine@acme.cn").exists()
