"""CSV (or XLSX) import of monthly costs: a preview that checks every row, then a commit of the valid rows.

Columns, matched by header in English or Chinese, in any order: month, channel, campaign, category, amount,
currency. Files are read by the lead import's reader (UTF-8 with or without BOM, GBK/GB18030, UTF-16; comma,
semicolon or tab). The preview hands back a signed token holding the file's cells, so the commit writes exactly
what was previewed, re-checked against the catalogue as it is then; nothing is stored between the two steps.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from leadflow.errors import ValidationFailed
from leads.choices import CostCategory
from leads.models import Campaign, Channel, Cost
from leads.services.cost_grid import cost_amount_parse
from leads.services.costs import cost_upsert
from leads.services.imports.files import import_file_parse, refuse

MAX_COST_ROWS = 5_000
TOKEN_SALT = "leads.cost-import"
TOKEN_MAX_AGE = 60 * 60  # a preview left open for more than an hour is uploaded again
COLUMNS = ("month", "channel", "campaign", "category", "amount", "currency")
REQUIRED = ("month", "category", "amount")
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "month": ("month", "月份", "月"),
    "channel": ("channel", "channel slug", "渠道"),
    "campaign": ("campaign", "campaign slug", "活动", "市场活动"),
    "category": ("category", "cost category", "类别", "费用类别", "成本类别"),
    "amount": ("amount", "cost", "金额", "费用"),
    "currency": ("currency", "币种", "货币"),
}
MONTH_PATTERN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月|[-/.]\s*\d{1,2}\s*日?)?$|^(\d{4})(\d{2})$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")


class RowAction:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass
class CostImportRow:
    number: int  # as the spreadsheet shows it, header = 1
    cells: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    action: str = RowAction.ERROR
    month: dt.date | None = None
    channel: Channel | None = None
    campaign: Campaign | None = None
    category: str = ""
    amount: Decimal | None = None
    currency: str = ""

    @property
    def key(self) -> tuple[str, int, dt.date | None, str]:
        if self.campaign is not None:
            return ("campaign", self.campaign.pk, self.month, self.category)
        return ("channel", self.channel.pk if self.channel else 0, self.month, self.category)


@dataclass(frozen=True)
class CostImportPreview:
    filename: str
    encoding: str
    rows: list[CostImportRow]
    token: str

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def failed(self) -> list[CostImportRow]:
        return [row for row in self.rows if row.action == RowAction.ERROR]


@dataclass(frozen=True)
class CostImportResult:
    created: int
    updated: int
    unchanged: int
    failed: list[CostImportRow]


def cost_import_preview(*, filename: str, content: bytes) -> CostImportPreview:
    """Read and check every row; write nothing. File-level problems (no such column, unreadable file) raise
    ValidationFailed naming "file"; row problems are listed per row and field."""
    parsed = import_file_parse(name=filename, content=content)
    if len(parsed.rows) > MAX_COST_ROWS:
        raise refuse(_("A cost file may have at most %(limit)d rows; split it.") % {"limit": MAX_COST_ROWS})
    positions = _column_positions(parsed.headers)
    raw = [[number, {name: cells[index] for name, index in positions.items()}] for number, cells in parsed.rows]
    token = signing.dumps({"filename": filename, "encoding": parsed.encoding, "rows": raw}, salt=TOKEN_SALT,
                          compress=True)  # fmt: skip
    return CostImportPreview(filename=filename, encoding=parsed.encoding, rows=_check_rows(raw), token=token)


def cost_import_token_read(token: str) -> CostImportPreview:
    """The preview a token was issued for, checked again against the catalogue and costs as they are now."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise refuse(_("This preview is more than an hour old; upload the file again.")) from None
    except signing.BadSignature:
        raise refuse(_("This preview could not be read; upload the file again.")) from None
    rows = _check_rows(data["rows"])
    return CostImportPreview(filename=data["filename"], encoding=data["encoding"], rows=rows, token=token)


def cost_import_commit(*, token: str) -> CostImportResult:
    """Write every valid row of a previewed file in one transaction (rows with errors are skipped and
    returned). Idempotent: committing the same token again finds every row unchanged."""
    preview = cost_import_token_read(token)
    with transaction.atomic():
        for row in preview.rows:
            if row.action in (RowAction.CREATE, RowAction.UPDATE):
                assert row.month is not None and row.amount is not None
                cost_upsert(channel=None if row.campaign else row.channel, campaign=row.campaign, month=row.month,
                            category=row.category, amount=row.amount, currency=row.currency)  # fmt: skip
    return CostImportResult(
        created=preview.count(RowAction.CREATE), updated=preview.count(RowAction.UPDATE),
        unchanged=preview.count(RowAction.UNCHANGED), failed=preview.failed,
    )  # fmt: skip


def _column_positions(headers: list[str]) -> dict[str, int]:
    lookup = {alias.casefold(): name for name, aliases in HEADER_ALIASES.items() for alias in aliases}
    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        name = lookup.get(header.strip().casefold())
        if name and name not in positions:
            positions[name] = index
    missing = [name for name in REQUIRED if name not in positions]
    if "channel" not in positions and "campaign" not in positions:
        missing.append("channel")
    if missing:
        raise refuse(_("The file has no column named %(columns)s; the columns are: %(expected)s.") % {
            "columns": ", ".join(missing), "expected": ", ".join(COLUMNS)})  # fmt: skip
    return positions


def _check_rows(raw: list[Any]) -> list[CostImportRow]:
    lookups = _Lookups()
    rows = [_check_row(int(number), {name: str(cells.get(name, "")) for name in COLUMNS}, lookups)
            for number, cells in raw]  # fmt: skip
    _flag_duplicates(rows)
    _set_actions(rows)
    return rows


class _Lookups:
    """The catalogue loaded once per file: slugs and names, case-insensitive; category values and labels in
    every interface language."""

    def __init__(self) -> None:
        self.channels = _by_slug_and_name(Channel.objects.all())
        self.campaigns = _by_slug_and_name(Campaign.objects.select_related("channel"))
        self.categories: dict[str, str] = {}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for value, label in CostCategory.choices:
                    self.categories[str(label).casefold()] = value
        self.categories.update({value.casefold(): value for value in CostCategory.values})


def _by_slug_and_name(objects: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for obj in objects:
        found.setdefault(obj.name.strip().casefold(), obj)
    for obj in objects:
        found[obj.slug.casefold()] = obj  # a slug wins over another object's identical name
    return found


def _check_row(number: int, cells: dict[str, str], lookups: _Lookups) -> CostImportRow:
    row = CostImportRow(number=number, cells=cells)
    row.month = _month(cells["month"], row)
    _target(cells["channel"], cells["campaign"], row, lookups)
    row.category = lookups.categories.get(cells["category"].strip().casefold(), "")
    if not row.category:
        row.errors.setdefault("category", []).append(
            _("Unknown category “%(value)s”; use one of: %(choices)s.") % {
                "value": cells["category"], "choices": ", ".join(CostCategory.values)})  # fmt: skip
    try:
        row.amount = cost_amount_parse(cells["amount"])
    except ValidationFailed as error:
        row.errors.setdefault("amount", []).extend(error.errors["amount"])
    row.currency = cells["currency"].strip().upper() or settings.LEADFLOW["DEFAULT_CURRENCY"]
    if not CURRENCY_PATTERN.match(row.currency):
        row.errors.setdefault("currency", []).append(_("Use a three-letter currency code such as CNY or USD."))
    return row


def _month(text: str, row: CostImportRow) -> dt.date | None:
    match = MONTH_PATTERN.match(text.strip())
    if match:
        year, month = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        if 1 <= int(month) <= 12:
            return dt.date(int(year), int(month), 1)
    row.errors.setdefault("month", []).append(
        _("“%(value)s” is not a month; write it as 2026-03.") % {"value": text} if text.strip()
        else _("The month is missing.")
    )  # fmt: skip
    return None


def _target(channel_text: str, campaign_text: str, row: CostImportRow, lookups: _Lookups) -> None:
    channel_key, campaign_key = channel_text.strip().casefold(), campaign_text.strip().casefold()
    if channel_key:
        row.channel = lookups.channels.get(channel_key)
        if row.channel is None:
            row.errors.setdefault("channel", []).append(_("No channel “%(value)s”.") % {"value": channel_text})
    if campaign_key:
        row.campaign = lookups.campaigns.get(campaign_key)
        if row.campaign is None:
            row.errors.setdefault("campaign", []).append(_("No campaign “%(value)s”.") % {"value": campaign_text})
        elif row.channel is not None and row.campaign.channel_id not in (None, row.channel.pk):
            row.errors.setdefault("campaign", []).append(
                _("Campaign “%(campaign)s” belongs to channel “%(channel)s”, not “%(row_channel)s”.")
                % {"campaign": row.campaign.name, "channel": row.campaign.channel, "row_channel": row.channel.name}
            )
    if not channel_key and not campaign_key:
        row.errors.setdefault("channel", []).append(_("Give a channel or a campaign."))


def _flag_duplicates(rows: list[CostImportRow]) -> None:
    first_seen: dict[tuple[str, int, dt.date | None, str], int] = {}
    for row in rows:
        if row.errors:
            continue
        earlier = first_seen.setdefault(row.key, row.number)
        if earlier != row.number:
            row.errors.setdefault("month", []).append(
                _("Row %(row)d already sets this month and category for the same channel or campaign.")
                % {"row": earlier})  # fmt: skip


def _set_actions(rows: list[CostImportRow]) -> None:
    valid = [row for row in rows if not row.errors]
    months = {row.month for row in valid}
    stored: dict[tuple[str, int, dt.date | None, str], tuple[Decimal, str]] = {}
    for cost in Cost.objects.filter(month__in=months).only("channel_id", "campaign_id", "month", "category",
                                                             "amount", "currency"):  # fmt: skip
        kind, pk = ("campaign", cost.campaign_id) if cost.campaign_id else ("channel", cost.channel_id)
        stored[(kind, pk or 0, cost.month, cost.category)] = (cost.amount, cost.currency)
    for row in rows:
        if row.errors:
            row.action = RowAction.ERROR
        elif row.key not in stored:
            row.action = RowAction.CREATE
        else:
            row.action = RowAction.UNCHANGED if stored[row.key] == (row.amount, row.currency) else RowAction.UPDATE
