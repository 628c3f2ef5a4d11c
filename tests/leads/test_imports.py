"""leads.services.imports: reading CSV and Excel files, suggesting and checking the column mapping, the preview,
the chunked run through the bulk upsert, and the error report."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone, translation

from leadflow.errors import Conflict, ValidationFailed
from leadflow.roles import Role
from leads.choices import ImportRowStatus, ImportStatus
from leads.models import Identity, Lead, LeadImport, LeadImportRow
from leads.services import bulk
from leads.services.imports import (
    files,
    import_columns,
    import_file_parse,
    lead_import_cancel,
    lead_import_create,
    lead_import_error_report,
    lead_import_map,
    lead_import_preview,
    lead_import_resume,
    lead_import_run,
    lead_import_start,
    mapping_errors,
    mapping_suggest,
)
from leads.services.imports import run as import_run
from leads.services.imports.mapping import RecordBuilder, header_key, name_split
from tests.factories import CampaignFactory, ChannelFactory, LeadFactory, user_with_role

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
GOOD_AND_BAD = (
    "Name,Email,Phone,Company\n"
    "陈静,chen.jing@hd-precision.cn,13800138000,华东精密\n"
    "Kevin Wu,kevin@pacific-foods.com,,Pacific Foods\n"
    "王磊,wang.lei@lanhai-chem.cn,13900139000,蓝海化工\n"
    "赵敏,not-an-email,,宁波港联\n"
)


def parse(text: str, *, name: str = "leads.csv", encoding: str = "utf-8") -> files.ParsedFile:
    return import_file_parse(name=name, content=text.encode(encoding))


def refusal(name: str, content: bytes) -> str:
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        import_file_parse(name=name, content=content)
    assert list(caught.value.errors) == ["file"]
    return caught.value.errors["file"][0]


def xlsx(rows: list[list[Any]], *, text_digits_column: int | None = None) -> bytes:
    """A workbook as Excel saves it; the column given is formatted "0", as people do to stop 1.38E+10."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if text_digits_column is not None:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=text_digits_column, max_col=text_digits_column):
            cell.number_format = "0"
    workbook.create_sheet("Second sheet").append(["ignored"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_import(content: str | bytes, *, name: str = "leads.csv", user: Any = None, **kwargs: Any) -> LeadImport:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return lead_import_create(actor=user or user_with_role(Role.MARKETER), filename=name, content=data,
                              language="en", now=NOW, **kwargs)  # fmt: skip


def mapped(content: str | bytes, **kwargs: Any) -> LeadImport:
    lead_import = make_import(content, **kwargs)
    return lead_import_map(lead_import=lead_import, mapping=lead_import.mapping, defaults=lead_import.defaults)


def run_to_end(lead_import: LeadImport, **kwargs: Any) -> LeadImport:
    lead_import_start(lead_import=lead_import)
    lead_import_run(import_id=lead_import.pk, now=NOW, **kwargs)
    return LeadImport.objects.get(pk=lead_import.pk)


# --- reading files ----------------------------------------------------------------------------------------


def test_csv_with_utf8_bom_reads_chinese_headers_without_the_bom():
    parsed = import_file_parse(name="名片.csv", content="\ufeff姓名,邮箱\n李雷,li@acme.cn\n".encode())

    assert (parsed.file_type, parsed.encoding) == ("csv", "utf-8")
    assert parsed.headers == ["姓名", "邮箱"]
    assert parsed.rows == [(2, ["李雷", "li@acme.cn"])]


def test_csv_saved_by_chinese_excel_in_gbk_is_decoded():
    parsed = parse("姓名,手机,公司名称\n欧阳娜娜,13800138000,苏州恒新电子\n", encoding="gbk")

    assert parsed.encoding == "gb18030"
    assert parsed.headers == ["姓名", "手机", "公司名称"]
    assert parsed.rows[0][1] == ["欧阳娜娜", "13800138000", "苏州恒新电子"]


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_csv_delimiter_is_the_one_that_splits_the_header_most(delimiter: str):
    text = delimiter.join(["Email", "Company", "Notes"]) + "\n" + delimiter.join(["a@b.cn", '"Acme, Inc."', "x"])

    parsed = parse(text)

    assert parsed.headers == ["Email", "Company", "Notes"]
    assert parsed.rows[0][1] == ["a@b.cn", "Acme, Inc.", "x"]


def test_utf16_unicode_text_from_excel_is_read_as_tab_separated():
    parsed = import_file_parse(name="leads.txt", content="Email\tName\r\na@b.cn\t李雷\r\n".encode("utf-16"))

    assert parsed.headers == ["Email", "Name"]
    assert parsed.rows == [(2, ["a@b.cn", "李雷"])]


def test_blank_rows_are_skipped_but_row_numbers_stay_as_the_spreadsheet_shows_them():
    parsed = parse("Email,Name\n\na@b.cn,A\n,\nc@d.cn,C,extra\n")

    assert parsed.rows == [(3, ["a@b.cn", "A"]), (5, ["c@d.cn", "C"])]


def test_empty_header_cells_are_named_after_their_column_letter():
    parsed = parse("Email,,Company\na@b.cn,x,Acme\n")

    with translation.override("en"):
        assert parse("Email,,Company\na@b.cn,x,Acme\n").headers[1] == "Column B"
    assert len(parsed.headers) == 3


def test_xlsx_numeric_phone_cells_keep_every_digit_and_dates_become_iso_text():
    content = xlsx([
        ["姓名", "手机", "员工数", "登记时间", "评分"],
        ["陈静", 13800138000, 1200, dt.datetime(2026, 3, 1), 4.5],
        ["王磊", 13900139000.0, 300.0, dt.datetime(2026, 3, 1, 14, 5), None],
    ], text_digits_column=2)  # fmt: skip

    parsed = import_file_parse(name="expo.xlsx", content=content)

    assert parsed.file_type == "xlsx"
    assert parsed.headers == ["姓名", "手机", "员工数", "登记时间", "评分"]
    assert parsed.rows == [
        (2, ["陈静", "13800138000", "1200", "2026-03-01", "4.5"]),
        (3, ["王磊", "13900139000", "300", "2026-03-01 14:05:00", ""]),
    ]


def test_a_quote_our_own_export_put_before_a_formula_character_is_taken_off():
    parsed = parse("Email,Phone\na@b.cn,'+86-138-0013-8000\n")

    assert parsed.rows[0][1] == ["a@b.cn", "+86-138-0013-8000"]


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("leads.csv", b"", "empty"),
        ("leads.csv", b"\n \n", "no header row"),
        ("leads.csv", b"Email,Name\n", "no data rows"),
        ("leads.pdf", b"%PDF-1.4", "Unsupported file type"),
        ("leads.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".xls"),
        ("leads.xlsx", b"Email\na@b.cn\n", "not a valid Excel workbook"),
        ("leads.xlsx", b"PK\x03\x04broken", "not a valid Excel workbook"),
        ("leads.csv", b"Email\x00\x01", "could not be read as text"),
    ],
)
def test_unreadable_files_are_refused_naming_the_file_field(name: str, content: bytes, says: str):
    assert says in refusal(name, content)


def test_files_over_the_row_limit_are_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(files, "MAX_ROWS", 3)

    message = refusal("big.csv", b"Email\n" + b"".join(f"u{i}@b.cn\n".encode() for i in range(4)))

    assert "more than 3 rows" in message


def test_files_over_the_size_limit_are_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 10)

    assert "larger than" in refusal("big.csv", b"Email\na@b.cn\nc@d.cn\n")


# --- mapping ----------------------------------------------------------------------------------------------


def test_chinese_headers_suggest_lead_fields():
    headers = ["姓名", "电子邮件", "手机号码（必填）", "公司名称", "职位", "所属行业", "城市", "备注", "展位号"]

    assert mapping_suggest(headers) == [
        "full_name", "email", "phone", "company", "title", "industry", "region", "attribute", "",
    ]  # fmt: skip


def test_english_headers_suggest_lead_fields_and_a_second_phone_column_is_kept_as_an_attribute():
    headers = ["First Name", "Last Name", "E-mail", "Mobile Phone", "Phone", "Company", "Job Title", "Website"]

    assert mapping_suggest(headers) == [
        "first_name", "last_name", "email", "phone", "attribute", "company", "title", "company_domain",
    ]  # fmt: skip
    assert mapping_errors(headers, mapping_suggest(headers)) == {}


def test_header_key_ignores_case_brackets_and_punctuation():
    assert header_key("E-Mail *") == "email"
    assert header_key("手机号码（必填）") == "手机号码"
    assert header_key("Job_Title") == "jobtitle"


def test_a_mapping_without_email_phone_or_external_id_is_refused():
    with translation.override("en"):
        errors = mapping_errors(["Name", "Company"], ["full_name", "company"])

    assert list(errors) == ["mapping"]
    assert "Email, Phone or External ID" in errors["mapping"][0]


def test_a_field_filled_by_two_columns_is_refused_naming_both_columns():
    with translation.override("en"):
        errors = mapping_errors(["Phone", "Email", "Mobile"], ["phone", "email", "phone"])

    assert list(errors) == ["column_2"]
    assert "“Mobile” and “Phone”" in errors["column_2"][0]


def test_full_name_cannot_be_combined_with_a_last_name_column():
    errors = mapping_errors(["姓名", "姓", "Email"], ["full_name", "last_name", "email"])

    assert list(errors) == ["column_1"]


def test_an_unknown_target_is_refused_on_its_column():
    assert list(mapping_errors(["Email", "X"], ["email", "owner"])) == ["column_1"]


@pytest.mark.parametrize(
    ("full", "last", "first"),
    [("张伟", "张", "伟"), ("欧阳娜娜", "欧阳", "娜娜"), ("李 小龙", "李", "小龙"), ("Kevin Wu", "Wu", "Kevin"),
     ("Wu, Kevin", "Wu", "Kevin"), ("Madonna", "", "Madonna")],
)  # fmt: skip
def test_full_names_split_family_name_first_for_chinese(full: str, last: str, first: str):
    assert name_split(full) == (last, first)


def test_a_record_leaves_empty_cells_out_fills_defaults_and_reads_spreadsheet_spellings():
    builder = RecordBuilder(
        headers=["姓名", "邮箱", "渠道", "员工数", "同意邮件", "登记日期", "备注", "备注"],
        mapping=["full_name", "email", "source_channel", "employee_count", "consent_email", "created_at",
                 "attribute", "attribute"],
        defaults={"source_channel": "expo", "campaign": "cmf-2026"},
    )  # fmt: skip

    cells = ["欧阳娜娜", "", "", "1,200", "是", "2026/3/1", "展位 A12", "要报价"]

    record = builder.build(cells, builder.attribute_keys)

    assert record == {
        "last_name": "欧阳", "first_name": "娜娜", "employee_count": "1200", "consent_email": "true",
        "created_at": "2026-03-01 00:00:00", "source_channel": "expo", "campaign": "cmf-2026",
        "attributes": {"备注": "展位 A12", "备注 (2)": "要报价"},
    }  # fmt: skip


@pytest.mark.django_db
def test_upload_suggests_the_mapping_and_keeps_the_cells():
    lead_import = make_import(GOOD_AND_BAD)

    assert lead_import.status == ImportStatus.UPLOADED
    assert lead_import.mapping == ["full_name", "email", "phone", "company"]
    assert lead_import.total_rows == 4
    assert lead_import.rows[0] == [2, ["陈静", "chen.jing@hd-precision.cn", "13800138000", "华东精密"]]


@pytest.mark.django_db
def test_a_default_channel_that_does_not_exist_is_refused_naming_the_field():
    with pytest.raises(ValidationFailed) as caught:
        make_import(GOOD_AND_BAD, defaults={"source_channel": "no-such-channel"})

    assert list(caught.value.errors) == ["source_channel"]


@pytest.mark.django_db
def test_the_mapping_cannot_change_once_the_import_started():
    lead_import = mapped(GOOD_AND_BAD)
    lead_import_start(lead_import=lead_import)

    with pytest.raises(Conflict):
        lead_import_map(lead_import=lead_import, mapping=lead_import.mapping)


@pytest.mark.django_db
def test_columns_show_sample_values_and_how_many_rows_fill_them():
    columns = import_columns(lead_import=make_import(GOOD_AND_BAD))

    assert [(c.header, c.filled) for c in columns] == [("Name", 4), ("Email", 4), ("Phone", 2), ("Company", 4)]
    assert columns[2].samples == ["13800138000", "13900139000"]


# --- preview ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_preview_counts_good_and_bad_rows_and_names_the_bad_rows_field():
    with translation.override("en"):
        preview = lead_import_preview(lead_import=mapped(GOOD_AND_BAD))

    assert (preview.total, preview.valid, preview.invalid, preview.new, preview.existing) == (4, 3, 1, 3, 0)
    [failure] = preview.failures
    assert failure.row == 5
    assert [str(problem) for problem in failure.problems] == ["Email: Enter a valid email address."]


@pytest.mark.django_db
def test_preview_names_the_column_a_failing_field_came_from():
    content = "邮件地址,公司\nnot-an-email,A\n,B\n"
    lead_import = make_import(content)
    lead_import = lead_import_map(lead_import=lead_import, mapping=["email", "company"])

    with translation.override("en"):
        failures = lead_import_preview(lead_import=lead_import).failures

    assert [str(p) for p in failures[0].problems] == ["邮件地址 (Email): Enter a valid email address."]
    assert [str(p) for p in failures[1].problems] == [
        "邮件地址 (Email), Phone, External ID: At least one of email, phone or external_id is required."
    ]


@pytest.mark.django_db
def test_preview_counts_rows_of_existing_leads_and_rows_merged_within_the_file():
    LeadFactory(email="known@acme.cn")
    Identity.objects.create(lead=Lead.objects.get(email="known@acme.cn"), kind="email", value="known@acme.cn")
    content = "Email,Phone\nknown@acme.cn,\nnew@acme.cn,13800138000\n,138 0013 8000\nother@acme.cn,\n"

    preview = lead_import_preview(lead_import=mapped(content))

    assert (preview.valid, preview.new, preview.existing, preview.duplicates) == (4, 2, 1, 1)
    [duplicate] = preview.duplicate_examples
    assert (duplicate.row, duplicate.first_row, duplicate.value) == (4, 3, "+8613800138000")


@pytest.mark.django_db
def test_preview_and_run_agree_on_which_rows_fail():
    content = "Email,Phone,Employees\na@acme.cn,,12\nb@acme.cn,12345,\n,,\nc@acme.cn,,-3\nd@acme.cn,,7\n"
    lead_import = mapped(content)
    with translation.override("en"):
        previewed = {failure.row for failure in lead_import_preview(lead_import=lead_import).failures}

    done = run_to_end(lead_import)

    failed = set(done.row_results.filter(status=ImportRowStatus.FAILED).values_list("row_number", flat=True))
    assert previewed == failed == {3, 5}


# --- run --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_run_creates_and_updates_leads_and_records_failures_with_row_numbers():
    existing = LeadFactory(email="wang.lei@lanhai-chem.cn", company="")
    Identity.objects.create(lead=existing, kind="email", value="wang.lei@lanhai-chem.cn")
    channel = ChannelFactory(slug="cmf-expo")
    lead_import = mapped(GOOD_AND_BAD, defaults={"source_channel": channel.slug})

    done = run_to_end(lead_import)

    assert done.status == ImportStatus.DONE
    assert (done.processed_rows, done.created_count, done.updated_count, done.failed_count) == (4, 2, 1, 1)
    chen = Lead.objects.get(email="chen.jing@hd-precision.cn")
    assert (chen.last_name, chen.first_name, chen.phone, chen.source_channel) == ("陈", "静", "+8613800138000", channel)
    existing.refresh_from_db()
    assert existing.company == "蓝海化工"
    failure = done.row_results.get(status=ImportRowStatus.FAILED)
    assert (failure.row_number, list(failure.errors)) == (5, ["email"])
    assert done.row_results.get(row_number=4).lead == existing


@pytest.mark.django_db
def test_run_keeps_only_the_failed_rows_cells_once_done():
    done = run_to_end(mapped(GOOD_AND_BAD))

    assert done.rows == [[5, ["赵敏", "not-an-email", "", "宁波港联"]]]


@pytest.mark.django_db
def test_run_writes_history_as_the_uploader_at_now():
    lead_import = mapped(GOOD_AND_BAD)

    run_to_end(lead_import)

    chen = Lead.objects.get(email="chen.jing@hd-precision.cn")
    change = chen.stage_changes.get()
    assert (change.actor, change.actor_label, change.at) == (lead_import.uploaded_by, f"import:{lead_import.pk}", NOW)


@pytest.mark.django_db
def test_run_commits_progress_after_every_chunk(monkeypatch: pytest.MonkeyPatch):
    content = "Email\n" + "".join(f"user{i}@acme.cn\n" for i in range(5))
    lead_import = mapped(content)
    seen: list[tuple[int, int]] = []

    def spy(**kwargs: Any) -> bulk.BulkResult:
        current = LeadImport.objects.get(pk=lead_import.pk)
        seen.append((current.processed_rows, current.created_count))
        return bulk.leads_bulk_upsert(**kwargs)

    monkeypatch.setattr(import_run, "leads_bulk_upsert", spy)

    done = run_to_end(lead_import, chunk_size=2)

    assert seen == [(0, 0), (2, 2), (4, 4)]
    assert (done.processed_rows, done.created_count, done.percent) == (5, 5, 100)


@pytest.mark.django_db
def test_a_second_delivery_of_the_run_does_nothing():
    lead_import = mapped(GOOD_AND_BAD)
    run_to_end(lead_import)

    ran_again = lead_import_run(import_id=lead_import.pk, now=NOW)

    assert ran_again is False
    assert LeadImportRow.objects.filter(lead_import=lead_import).count() == 4


@pytest.mark.django_db
def test_a_crash_stops_the_import_with_a_reason_and_resume_goes_on_after_the_saved_chunks(
    monkeypatch: pytest.MonkeyPatch,
):
    content = "Email\n" + "".join(f"user{i}@acme.cn\n" for i in range(5))
    lead_import = mapped(content)
    calls = {"n": 0}

    def crash_on_second_chunk(**kwargs: Any) -> bulk.BulkResult:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("database went away")
        return bulk.leads_bulk_upsert(**kwargs)

    monkeypatch.setattr(import_run, "leads_bulk_upsert", crash_on_second_chunk)
    with translation.override("en"):
        stopped = run_to_end(lead_import, chunk_size=2)

    assert stopped.status == ImportStatus.FAILED
    assert stopped.processed_rows == 2
    assert "2 of 5 rows were processed" in stopped.error
    assert Lead.objects.count() == 2

    lead_import_resume(lead_import=stopped)
    lead_import_run(import_id=stopped.pk, now=NOW, chunk_size=2)

    resumed = LeadImport.objects.get(pk=stopped.pk)
    assert (resumed.status, resumed.processed_rows, resumed.created_count) == (ImportStatus.DONE, 5, 5)
    assert Lead.objects.count() == 5


@pytest.mark.django_db
def test_cancelling_a_queued_import_stops_it_with_who_cancelled_and_a_finished_one_cannot_be_cancelled():
    lead_import = mapped(GOOD_AND_BAD)
    lead_import_start(lead_import=lead_import)
    marketer = lead_import.uploaded_by

    with translation.override("en"):
        cancelled = lead_import_cancel(lead_import=lead_import, actor=marketer, now=NOW)

    assert (cancelled.status, cancelled.error) == (ImportStatus.FAILED, f"Cancelled by {marketer.username}.")
    assert lead_import_run(import_id=lead_import.pk, now=NOW) is False
    lead_import_resume(lead_import=cancelled)
    lead_import_run(import_id=lead_import.pk, now=NOW)
    with pytest.raises(Conflict):
        lead_import_cancel(lead_import=lead_import, actor=marketer, now=NOW)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_cancel_committed_by_another_connection_rolls_back_the_chunk_in_progress(monkeypatch: pytest.MonkeyPatch):
    content = "Email\n" + "".join(f"user{i}@acme.cn\n" for i in range(6))
    lead_import = mapped(content)
    calls = {"n": 0}

    def cancel_elsewhere() -> None:
        try:
            lead_import_cancel(lead_import=lead_import, actor=lead_import.uploaded_by, now=NOW)
        finally:
            connections.close_all()

    def cancel_during_second_chunk(**kwargs: Any) -> bulk.BulkResult:
        result = bulk.leads_bulk_upsert(**kwargs)
        calls["n"] += 1
        if calls["n"] == 2:
            thread = threading.Thread(target=cancel_elsewhere)
            thread.start()
            thread.join()
        return result

    monkeypatch.setattr(import_run, "leads_bulk_upsert", cancel_during_second_chunk)
    monkeypatch.setattr(import_run, "_send_run_task", lambda import_id: None)  # this test runs it, in chunks of 2

    stopped = run_to_end(lead_import, chunk_size=2)

    assert (stopped.status, stopped.processed_rows, stopped.created_count) == (ImportStatus.FAILED, 2, 2)
    assert Lead.objects.count() == 2
    assert LeadImportRow.objects.filter(lead_import=lead_import).count() == 2


@pytest.mark.django_db
def test_a_running_import_whose_worker_was_lost_can_be_resumed():
    lead_import = mapped(GOOD_AND_BAD)
    lead_import_start(lead_import=lead_import)
    LeadImport.objects.filter(pk=lead_import.pk).update(
        status=ImportStatus.RUNNING, updated_at=timezone.now() - import_run.STALL_AFTER * 2
    )
    lead_import.refresh_from_db()

    assert import_run.lead_import_is_stalled(lead_import, now=timezone.now())
    lead_import_resume(lead_import=lead_import)
    lead_import_run(import_id=lead_import.pk, now=NOW)

    assert LeadImport.objects.get(pk=lead_import.pk).status == ImportStatus.DONE


@pytest.mark.django_db
def test_an_import_can_start_only_once():
    lead_import = mapped(GOOD_AND_BAD)
    lead_import_start(lead_import=lead_import)

    with pytest.raises(Conflict):
        lead_import_start(lead_import=lead_import)


@pytest.mark.django_db
def test_campaign_default_fills_rows_without_their_own():
    campaign = CampaignFactory(slug="expo-2026")
    lead_import = mapped("Email\na@acme.cn\n", defaults={"campaign": campaign.slug})

    run_to_end(lead_import)

    assert Lead.objects.get(email="a@acme.cn").campaign == campaign


# --- error report -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_error_report_lists_failed_rows_with_their_original_cells_and_errors():
    done = run_to_end(mapped(GOOD_AND_BAD + "=HYPERLINK(1),,,\n"))

    with translation.override("en"):
        text = "".join(lead_import_error_report(lead_import=done))

    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["Row", "Name", "Email", "Phone", "Company", "Errors"]
    assert rows[1] == ["5", "赵敏", "not-an-email", "", "宁波港联", "Email: Enter a valid email address."]
    assert rows[2][:2] == ["6", "'=HYPERLINK(1)"]
    assert "At least one of email, phone or external_id is required." in rows[2][-1]
    assert len(rows) == 3
