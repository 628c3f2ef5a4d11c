"""Identity normalisation, resolution by any identity, and create-or-update."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from leadflow.errors import ValidationFailed
from leads.choices import IdentityKind
from leads.models import Identity, Lead
from leads.services.identity import email_normalise, leads_resolve, phone_normalise
from leads.services.upsert import lead_upsert
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [("  Alice.Wang@Acme.CN ", "alice.wang@acme.cn"), ("bob+webinar@acme.cn", "bob+webinar@acme.cn"), ("", "")],
)
def test_email_is_trimmed_and_lower_cased_with_plus_tags_kept(raw: str, normalised: str) -> None:
    assert email_normalise(raw) == normalised


@pytest.mark.parametrize("raw", ["not-an-email", "a@b", "two words@acme.cn"])
def test_a_bad_email_is_an_error_naming_the_field(raw: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        email_normalise(raw)
    assert "email" in error.value.errors


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13800138000", "+8613800138000"),
        ("138 0013 8000", "+8613800138000"),
        ("138-0013-8000", "+8613800138000"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("0086 13800138000", "+8613800138000"),
        ("010-6552 9988", "+861065529988"),
        ("+1 415 555 2671", "+14155552671"),
    ],
)
def test_phones_become_e164_and_chinese_mobiles_without_86_are_recognised(raw: str, e164: str) -> None:
    assert phone_normalise(raw) == e164


@pytest.mark.parametrize("raw", ["12345", "abc", "+86 999"])
def test_a_bad_phone_is_an_error_naming_the_field(raw: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        phone_normalise(raw)
    assert "phone" in error.value.errors


def test_upsert_creates_a_lead_with_its_identities_and_creation_history() -> None:
    result = lead_upsert(data={"email": "Li.Lei@Acme.cn", "phone": "13900001111", "external_id": "00Q1",
                               "source_system": "Salesforce"})  # fmt: skip

    assert result.created
    kinds = dict(result.lead.identities.values_list("kind", "value"))
    assert kinds == {"email": "li.lei@acme.cn", "phone": "+8613900001111", "external_id": "salesforce:00Q1"}
    assert list(result.lead.stage_changes.values_list("from_stage", "to_stage")) == [("", "lead")]


def test_the_same_payload_twice_creates_one_lead() -> None:
    first = lead_upsert(data={"email": "li@acme.cn", "first_name": "雷"})
    second = lead_upsert(data={"email": "LI@acme.cn", "first_name": "雷"})

    assert (first.created, second.created) == (True, False)
    assert second.lead.pk == first.lead.pk
    assert Lead.objects.count() == 1


@pytest.mark.parametrize("key", [{"phone": "+86 139 0000 1111"}, {"external_id": "00Q1", "source_system": "salesforce"},
                                 {"email": "li@acme.cn"}])  # fmt: skip
def test_a_lead_is_resolved_by_any_of_its_identities(key: dict[str, str]) -> None:
    lead = lead_upsert(data={"email": "li@acme.cn", "phone": "13900001111", "external_id": "00Q1",
                             "source_system": "salesforce"}).lead  # fmt: skip

    result = lead_upsert(data={**key, "title": "采购经理"})

    assert (result.created, result.lead.pk, result.lead.title) == (False, lead.pk, "采购经理")


def test_resolution_order_is_external_id_then_email_then_phone() -> None:
    by_phone = lead_upsert(data={"phone": "13900001111"}).lead
    by_email = lead_upsert(data={"email": "li@acme.cn"}).lead
    by_external = lead_upsert(data={"external_id": "X9", "source_system": "hubspot"}).lead

    found = leads_resolve(identities=[(IdentityKind.EXTERNAL_ID, "hubspot:X9"), (IdentityKind.EMAIL, "li@acme.cn"),
                                      (IdentityKind.PHONE, "+8613900001111")])  # fmt: skip

    assert [lead.pk for lead in found] == [by_external.pk, by_email.pk, by_phone.pk]


def test_a_payload_matching_two_leads_merges_them_into_one() -> None:
    by_email = lead_upsert(data={"email": "li@acme.cn"}).lead
    by_phone = lead_upsert(data={"phone": "13900001111"}).lead

    result = lead_upsert(data={"email": "li@acme.cn", "phone": "13900001111"})

    assert not result.created
    assert Lead.objects.filter(merged_into__isnull=True).count() == 1
    other = by_phone if result.lead.pk == by_email.pk else by_email
    other.refresh_from_db()
    assert other.merged_into_id == result.lead.pk
    assert set(Identity.objects.filter(lead=result.lead).values_list("kind", flat=True)) == {"email", "phone"}


def test_an_update_never_blanks_a_stored_field() -> None:
    lead = lead_upsert(data={"email": "li@acme.cn", "title": "IT经理", "company": "Acme"}).lead

    lead_upsert(data={"email": "li@acme.cn", "title": "", "region": "华东"})

    lead.refresh_from_db()
    assert (lead.title, lead.company, lead.region) == ("IT经理", "Acme", "华东")


def test_a_back_dated_import_records_creation_and_owners_at_its_created_at() -> None:
    sdr = user_with_role("sdr")
    created = timezone.now() - dt.timedelta(days=90)

    lead = lead_upsert(data={"email": "old@acme.cn", "created_at": created, "owner_sdr": sdr}).lead

    assert lead.stage_changes.get(from_stage="").at == created
    owner_event = lead.events.get(kind="owner_changed")
    assert (owner_event.at, owner_event.data) == (created, {"side": "sdr", "from": None, "to": sdr.pk})
    assert lead.stage_changes.get().at == created
