"""The import pages through the test client: who may import, the upload -> map -> preview -> run flow, the
progress fragment, the error report, and that nobody sees someone else's import."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from leadflow.roles import Role
from leads.choices import ImportStatus
from leads.models import Lead, LeadImport
from leads.services.imports import lead_import_create
from tests.factories import ChannelFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

UPLOAD_URL = reverse("leads:import")
CSV = (
    "姓名,邮箱,手机,公司名称\n"
    "陈静,chen.jing@hd-precision.cn,13800138000,华东精密\n"
    "刘洋,liu.yang@hengxin.cn,,苏州恒新电子\n"
    "孙悦,,13900139000,杭州云策软件\n"
    "赵敏,zhao.min@,,宁波港联\n"
)


def english_client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def upload(client: Client, content: str = CSV, name: str = "expo.csv", **data: Any) -> Any:
    file = SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")
    return client.post(UPLOAD_URL, {"file": file, **data})


def an_import(user: Any) -> LeadImport:
    return lead_import_create(actor=user, filename="expo.csv", content=CSV.encode(), language="en",
                              now=user.date_joined)  # fmt: skip


def step_urls(lead_import: LeadImport) -> list[str]:
    return [reverse(name, args=[lead_import.pk]) for name in
            ("leads:import-detail", "leads:import-map", "leads:import-preview", "leads:import-errors")]  # fmt: skip


# --- who may import ---------------------------------------------------------------------------------------


def test_import_pages_need_login(client: Client):
    response = client.get(UPLOAD_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", [Role.SALES, Role.SDR])
def test_sales_reps_and_sdrs_may_not_import(role: Role):
    client = english_client(user_with_role(role))

    assert client.get(UPLOAD_URL).status_code == 403
    assert upload(client).status_code == 403
    assert LeadImport.objects.count() == 0


@pytest.mark.parametrize("role", [Role.MARKETER, Role.SALES_MANAGER, Role.ADMIN])
def test_marketers_sales_managers_and_admins_see_the_upload_page(role: Role):
    response = english_client(user_with_role(role)).get(UPLOAD_URL)

    assert response.status_code == 200
    assert 'type="file"' in response.content.decode()


def test_import_entry_shows_in_navigation_and_lead_list_only_for_users_who_may_import():
    marketer_page = english_client(user_with_role(Role.MARKETER)).get(reverse("leads:list")).content.decode()
    rep_page = english_client(user_with_role(Role.SALES)).get(reverse("leads:list")).content.decode()

    assert f'href="{UPLOAD_URL}"' in marketer_page
    assert 'id="lead-import-link"' in marketer_page
    assert f'href="{UPLOAD_URL}"' not in rep_page


def test_another_user_cannot_see_someone_elses_import_but_an_admin_can():
    lead_import = an_import(user_with_role(Role.MARKETER))
    colleague = english_client(user_with_role(Role.MARKETER))
    admin = english_client(user_with_role(Role.ADMIN))

    assert [colleague.get(url).status_code for url in step_urls(lead_import)] == [404, 404, 404, 404]
    assert colleague.post(reverse("leads:import-start", args=[lead_import.pk])).status_code == 404
    assert "expo.csv" not in colleague.get(UPLOAD_URL).content.decode()
    assert admin.get(reverse("leads:import-map", args=[lead_import.pk])).status_code == 200
    assert "expo.csv" in admin.get(UPLOAD_URL).content.decode()


# --- the flow ---------------------------------------------------------------------------------------------


def test_upload_map_preview_and_run_import_the_good_rows_and_report_the_bad_one(
    django_capture_on_commit_callbacks: Any,
):
    marketer = user_with_role(Role.MARKETER)
    client = english_client(marketer)
    channel = ChannelFactory(slug="cmf-expo", name="工博会")

    # Given an uploaded file with three good rows and one bad email
    uploaded = upload(client, source_channel=channel.slug)
    lead_import = LeadImport.objects.get()
    assert uploaded.status_code == 302
    assert uploaded["Location"] == reverse("leads:import-map", args=[lead_import.pk])

    # When the mapping page opens, the Chinese headers are preset to their fields, with sample values
    mapping_page = client.get(uploaded["Location"])
    html = mapping_page.content.decode()
    assert mapping_page.context["form"]["column_1"].value() == "email"
    assert mapping_page.context["form"]["column_0"].value() == "full_name"
    assert "chen.jing@hd-precision.cn" in html

    # And the mapping is confirmed
    mapped = client.post(uploaded["Location"], {"column_0": "full_name", "column_1": "email", "column_2": "phone",
                                                "column_3": "company", "source_channel": channel.slug})  # fmt: skip
    assert mapped["Location"] == reverse("leads:import-preview", args=[lead_import.pk])

    # Then the preview counts the rows and names the bad row and its field
    preview = client.get(mapped["Location"])
    assert (preview.context["preview"].valid, preview.context["preview"].invalid) == (3, 1)
    html = preview.content.decode()
    assert 'data-row="5"' in html
    assert "<strong>邮箱 (Email)</strong>: Enter a valid email address." in html

    # When the import starts (tasks run in-process here, on commit)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("leads:import-start", args=[lead_import.pk]))

    # Then the progress page shows it finished with 3 created and 1 failed
    assert started["Location"] == reverse("leads:import-detail", args=[lead_import.pk])
    done = client.get(started["Location"])
    lead_import.refresh_from_db()
    assert (lead_import.status, lead_import.created_count, lead_import.failed_count) == (ImportStatus.DONE, 3, 1)
    html = done.content.decode()
    assert 'data-count="created">3<' in html and 'data-count="failed">1<' in html
    assert 'hx-trigger="every 1s"' not in html
    assert Lead.objects.filter(source_channel=channel).count() == 3

    # And the error report holds the bad row with its error
    report = client.get(reverse("leads:import-errors", args=[lead_import.pk]))
    text = b"".join(report.streaming_content).decode("utf-8")
    assert report["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in report["Content-Disposition"] and "expo-errors.csv" in report["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1][:5] == ["5", "赵敏", "zhao.min@", "", "宁波港联"]
    assert "Enter a valid email address." in rows[1][5]

    # And the imported leads are one click away in the lead list
    listed = client.get(reverse("leads:list"), {"lead_import": lead_import.pk})
    assert {lead.email for lead in listed.context["page"].object_list} == {
        "chen.jing@hd-precision.cn", "liu.yang@hengxin.cn", "",
    }  # fmt: skip


def test_an_empty_upload_is_refused_with_the_error_under_the_file_field():
    response = upload(english_client(user_with_role(Role.MARKETER)), content="")

    assert response.status_code == 422
    assert response.context["form"].errors["file"]
    assert LeadImport.objects.count() == 0


def test_an_unsupported_file_is_refused_naming_the_file():
    response = upload(english_client(user_with_role(Role.MARKETER)), content="%PDF", name="cards.pdf")

    assert response.status_code == 422
    assert "Unsupported file type" in response.context["form"].errors["file"][0]


def test_a_mapping_without_an_identity_column_is_refused_above_the_table():
    marketer = user_with_role(Role.MARKETER)
    lead_import = an_import(marketer)

    response = english_client(marketer).post(
        reverse("leads:import-map", args=[lead_import.pk]), {"column_0": "full_name", "column_3": "company"}
    )

    assert response.status_code == 422
    assert "Email, Phone or External ID" in response.context["form"].non_field_errors()[0]
    assert LeadImport.objects.get(pk=lead_import.pk).status == ImportStatus.UPLOADED


def test_a_field_mapped_twice_is_refused_next_to_the_column_naming_both_columns():
    marketer = user_with_role(Role.MARKETER)
    lead_import = an_import(marketer)

    response = english_client(marketer).post(
        reverse("leads:import-map", args=[lead_import.pk]), {"column_1": "email", "column_2": "email"}
    )

    assert response.status_code == 422
    assert response.context["form"].errors["column_2"] == [
        "“手机” and “邮箱” both fill Email; choose another field for one of them."
    ]


def test_steps_that_no_longer_apply_redirect_to_where_the_import_is():
    marketer = user_with_role(Role.MARKETER)
    lead_import = an_import(marketer)
    client = english_client(marketer)

    assert client.get(reverse("leads:import-preview", args=[lead_import.pk]))["Location"].endswith("/map/")
    assert client.get(reverse("leads:import-detail", args=[lead_import.pk]))["Location"].endswith("/map/")
    LeadImport.objects.filter(pk=lead_import.pk).update(status=ImportStatus.RUNNING)
    assert client.get(reverse("leads:import-map", args=[lead_import.pk]))["Location"] == reverse(
        "leads:import-detail", args=[lead_import.pk]
    )


def test_progress_fragment_polls_while_running_and_stops_polling_when_done():
    marketer = user_with_role(Role.MARKETER)
    lead_import = an_import(marketer)
    LeadImport.objects.filter(pk=lead_import.pk).update(status=ImportStatus.RUNNING, processed_rows=2)
    client = english_client(marketer)
    url = reverse("leads:import-detail", args=[lead_import.pk])

    running = client.get(url, HTTP_HX_REQUEST="true")
    LeadImport.objects.filter(pk=lead_import.pk).update(status=ImportStatus.DONE, processed_rows=4)
    finished = client.get(url, HTTP_HX_REQUEST="true")

    assert running.templates[0].name == "leads/imports/_progress.html"
    assert 'hx-trigger="every 1s"' in running.content.decode()
    assert 'value="50"' in running.content.decode()
    assert 'hx-trigger="every 1s"' not in finished.content.decode()
    assert 'value="100"' in finished.content.decode()


def test_a_stopped_import_can_be_resumed_from_its_page(django_capture_on_commit_callbacks: Any):
    marketer = user_with_role(Role.MARKETER)
    lead_import = an_import(marketer)
    LeadImport.objects.filter(pk=lead_import.pk).update(
        status=ImportStatus.FAILED, mapping=["full_name", "email", "phone", "company"], error="Worker lost."
    )
    client = english_client(marketer)
    assert "Worker lost." in client.get(reverse("leads:import-detail", args=[lead_import.pk])).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("leads:import-resume", args=[lead_import.pk]))

    assert LeadImport.objects.get(pk=lead_import.pk).status == ImportStatus.DONE


def test_history_lists_the_users_recent_imports():
    marketer = user_with_role(Role.MARKETER)
    an_import(marketer)
    an_import(UserFactory(roles=[Role.MARKETER]))

    response = english_client(marketer).get(UPLOAD_URL)

    assert len(response.context["history"]) == 1


@pytest.mark.parametrize("value", ["abc", "1.5", "-2"])
def test_a_malformed_import_filter_on_the_lead_list_is_ignored_with_a_warning(value: str):
    response = english_client(user_with_role(Role.MARKETER)).get(reverse("leads:list"), {"lead_import": value})

    assert response.status_code == 200
    assert "lead_import" in response.context["filter"].errors


def test_the_lead_list_filtered_by_an_import_shows_only_its_leads_and_nothing_of_someone_elses_import(
    django_capture_on_commit_callbacks: Any,
):
    marketer, colleague = user_with_role(Role.MARKETER), user_with_role(Role.MARKETER)
    lead_import = an_import(marketer)
    client = english_client(marketer)
    client.post(reverse("leads:import-map", args=[lead_import.pk]), {"column_1": "email", "column_2": "phone"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("leads:import-start", args=[lead_import.pk]))
    Lead.objects.create(email="not-imported@acme.cn")

    mine = client.get(reverse("leads:list"), {"lead_import": lead_import.pk})
    theirs = english_client(colleague).get(reverse("leads:list"), {"lead_import": lead_import.pk})

    assert mine.context["page"].paginator.count == 3
    assert "Created or updated by import #" in mine.content.decode()
    assert theirs.context["page"].paginator.count == 0


def test_admin_lists_imports_read_only_without_their_cells():
    lead_import = an_import(user_with_role(Role.MARKETER))
    client = english_client(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get(reverse("admin:leads_leadimport_changelist"))
    detail = client.get(reverse("admin:leads_leadimport_change", args=[lead_import.pk]))

    assert listing.status_code == detail.status_code == 200
    assert "expo.csv" in listing.content.decode()
    assert "chen.jing@hd-precision.cn" not in detail.content.decode()
