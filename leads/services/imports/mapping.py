"""Which lead field each spreadsheet column fills: the targets, the suggestion from header names (English and
Chinese), the checks on a mapping, and one row turned into a bulk-upsert record.

A mapping is a list with one target per column: a field of `leads.services.bulk.clean.LEAD_FIELDS`, FULL_NAME
(split into last and first name), ATTRIBUTE (kept in `attributes` under the column's header) or SKIP.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leads.services.bulk.clean import LEAD_FIELDS

SKIP, FULL_NAME, ATTRIBUTE = "", "full_name", "attribute"
IDENTITY_FIELDS = ("email", "phone", "external_id")
DEFAULT_FIELDS = ("source_channel", "campaign")

TARGET_LABELS: dict[str, Promise] = {
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    FULL_NAME: gettext_lazy("Full name (split into family and given name)"),
    "last_name": gettext_lazy("Last name (family name)"),
    "first_name": gettext_lazy("First name (given name)"),
    "company": gettext_lazy("Company"),
    "title": gettext_lazy("Job title"),
    "company_domain": gettext_lazy("Company domain or website"),
    "industry": gettext_lazy("Industry"),
    "employee_count": gettext_lazy("Employee count"),
    "region": gettext_lazy("Region"),
    "source_channel": gettext_lazy("Channel (slug)"),
    "campaign": gettext_lazy("Campaign (slug)"),
    "external_id": gettext_lazy("External ID"),
    "source_system": gettext_lazy("Source system"),
    "consent_email": gettext_lazy("Email consent (yes / no)"),
    "created_at": gettext_lazy("Created at (date)"),
    ATTRIBUTE: gettext_lazy("Custom attribute (keeps the column name)"),
}
TARGETS = tuple(TARGET_LABELS)
# full_name fills these two, so it can't be combined with them.
FILLS = {FULL_NAME: ("last_name", "first_name")}

# Header names, normalised by `header_key`, that suggest a target; Chinese as Chinese Excel and CRM exports
# write them, English as HubSpot, Salesforce and LinkedIn exports do.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "email": ("email", "emailaddress", "mail", "workemail", "businessemail", "邮箱", "电子邮件", "电子邮箱", "邮件",
              "邮箱地址", "电子邮件地址", "工作邮箱", "企业邮箱", "邮件地址"),
    "phone": ("phone", "mobile", "mobilephone", "cell", "cellphone", "tel", "telephone", "phonenumber",
              "mobilenumber", "手机", "手机号", "手机号码", "电话", "联系电话", "电话号码", "移动电话", "联系方式",
              "手机电话"),
    FULL_NAME: ("name", "fullname", "contactname", "contact", "姓名", "联系人", "名字", "客户姓名", "联系人姓名"),
    "last_name": ("lastname", "surname", "familyname", "姓", "姓氏"),
    "first_name": ("firstname", "givenname", "名"),
    "company": ("company", "companyname", "organization", "organisation", "account", "accountname", "employer",
                "公司", "公司名称", "单位", "单位名称", "企业", "企业名称", "工作单位", "所在公司", "客户名称"),
    "title": ("title", "jobtitle", "position", "designation", "职位", "职务", "岗位", "头衔", "职称"),
    "company_domain": ("domain", "website", "companywebsite", "companydomain", "网站", "公司网址", "官网", "网址",
                       "域名", "公司网站"),
    "industry": ("industry", "sector", "vertical", "行业", "所属行业"),
    "employee_count": ("employees", "employeecount", "numberofemployees", "headcount", "员工数", "员工人数"),
    "region": ("region", "province", "city", "state", "location", "area", "地区", "省份", "城市", "区域",
               "所在地", "省市", "所在地区"),
    "source_channel": ("channel", "sourcechannel", "leadsource", "channelslug"),
    "campaign": ("campaign", "campaigncode", "campaignslug", "utmcampaign"),
    "external_id": ("externalid", "crmid", "recordid", "外部编号", "外部id", "crm编号"),
    "source_system": ("sourcesystem", "来源系统"),
    "consent_email": ("emailconsent", "emailoptin", "optin", "subscribed", "同意接收邮件", "邮件订阅"),
    "created_at": ("createdat", "createdate", "createddate", "创建时间", "创建日期", "登记时间", "登记日期"),
    ATTRIBUTE: ("notes", "note", "remark", "remarks", "comment", "comments", "备注", "说明", "留言"),
}  # fmt: skip
HEADER_TARGETS = {name: target for target, names in SYNONYMS.items() for name in names}
# Headers that hold one of these words are that field even with more around it ("客户手机", "Work E-mail").
KEYWORDS = (("email", "email"), ("邮箱", "email"), ("手机", "phone"), ("mobile", "phone"), ("phone", "phone"),
            ("电话", "phone"), ("职位", "title"), ("公司名", "company"))  # fmt: skip
NOT_KEYWORDS = ("consent", "optin", "optout", "subscri", "订阅", "同意")
_BRACKETS = re.compile(r"[(（\[【].*?[)）\]】]")
_PUNCTUATION = re.compile(r"[\s_\-.*:：/\\#'\"]+")

TRUE_WORDS = {"是", "对", "同意", "已同意", "√", "✓", "yes", "y", "true", "1"}
FALSE_WORDS = {"否", "不", "不同意", "未同意", "×", "✗", "no", "n", "false", "0"}
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
COMPOUND_SURNAMES = frozenset((
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "轩辕",
    "令狐", "端木", "南宫", "西门", "独孤", "呼延", "申屠", "太史", "澹台", "公冶", "钟离", "闻人", "赫连", "万俟",
))  # fmt: skip

assert all(target in LEAD_FIELDS for target in TARGETS if target not in (FULL_NAME, ATTRIBUTE))


def header_key(header: str) -> str:
    """Lower case without brackets, spaces or punctuation: "E-mail *" -> "email", "手机号码（必填）" -> "手机号码"."""
    return _PUNCTUATION.sub("", _BRACKETS.sub("", header.lower()))


def header_target(header: str) -> str:
    key = header_key(header)
    if key in HEADER_TARGETS:
        return HEADER_TARGETS[key]
    if any(word in key for word in NOT_KEYWORDS):
        return SKIP
    return next((target for word, target in KEYWORDS if word in key), SKIP)


def mapping_suggest(headers: Sequence[str]) -> list[str]:
    """A target per header from its name; a field claimed by an earlier column makes a later one a custom
    attribute, so its values are kept and the suggestion passes `mapping_errors`."""
    mapping: list[str] = []
    taken: set[str] = set()
    for header in headers:
        target = header_target(header)
        if target not in (SKIP, ATTRIBUTE):
            claims = {target, *FILLS.get(target, ())}
            if claims & taken:
                target = ATTRIBUTE
            else:
                taken |= claims
        mapping.append(target)
    return mapping


def mapping_errors(headers: Sequence[str], mapping: Sequence[str]) -> dict[str, list[str]]:
    """Problems of a mapping, keyed `column_<index>` for the column at fault, or `mapping` for the whole.

    Rules: one known target per column; no field filled by two columns; full name not with first or last
    name; at least one column for email, phone or external ID (every lead needs one)."""
    if len(mapping) != len(headers):
        return {"mapping": [_("Choose a field for every column.")]}
    errors: dict[str, list[str]] = {}
    first_column: dict[str, int] = {}
    for index, target in enumerate(mapping):
        if target not in TARGETS and target != SKIP:
            errors[f"column_{index}"] = [_("Unknown field “%(field)s”.") % {"field": target}]
            continue
        if target in (SKIP, ATTRIBUTE):
            continue
        for field in (target, *FILLS.get(target, ())):
            if field in first_column:
                names = {"column": headers[index], "other": headers[first_column[field]], "field": TARGET_LABELS[field]}
                message = _("“%(column)s” and “%(other)s” both fill %(field)s; choose another field for one of them.")
                errors.setdefault(f"column_{index}", []).append(message % names)
                break
            first_column[field] = index
    if not any(field in first_column for field in IDENTITY_FIELDS):
        errors["mapping"] = [_("Map a column to Email, Phone or External ID: every lead needs at least one.")]
    return errors


@dataclass(frozen=True)
class RecordBuilder:
    """Turns the cells of one row into the record `leads_bulk_upsert` takes (and `lead_row_clean` checks):
    empty cells are left out, so they never blank a field of an existing lead; a default fills a field that
    the row leaves empty."""

    headers: Sequence[str]
    mapping: Sequence[str]
    defaults: Mapping[str, Any]

    @property
    def attribute_keys(self) -> dict[int, str]:
        keys: dict[int, str] = {}
        for index, target in enumerate(self.mapping):
            if target == ATTRIBUTE:
                key, suffix = self.headers[index], 2
                while key in keys.values():
                    key, suffix = f"{self.headers[index]} ({suffix})", suffix + 1
                keys[index] = key
        return keys

    def build(self, cells: Sequence[str], attribute_keys: Mapping[int, str]) -> dict[str, Any]:
        record: dict[str, Any] = {}
        attributes: dict[str, str] = {}
        for index, (target, value) in enumerate(zip(self.mapping, cells, strict=False)):
            if not target or not value:
                continue
            if target == ATTRIBUTE:
                attributes[attribute_keys[index]] = value
            elif target == FULL_NAME:
                last, first = name_split(value)
                record.update({key: part for key, part in (("last_name", last), ("first_name", first)) if part})
            else:
                record[target] = cell_value(target, value)
        for field, value in self.defaults.items():
            if value and not record.get(field):
                record[field] = value
        if attributes:
            record["attributes"] = attributes
        return record

    def column_of(self, field: str) -> str | None:
        """The header of the column a field's value came from (None: from a default, or not mapped)."""
        for index, target in enumerate(self.mapping):
            if target == field or field in FILLS.get(target, ()) or (field == "attributes" and target == ATTRIBUTE):
                return self.headers[index]
        return None


def cell_value(target: str, value: str) -> str:
    """Spreadsheet spellings the API would refuse, in the form it takes: 是/否 for consent, "1,200" employees,
    2024/5/1 and 2024年5月1日 dates."""
    if target == "consent_email":
        lower = value.lower()
        return "true" if lower in TRUE_WORDS else "false" if lower in FALSE_WORDS else value
    if target == "employee_count":
        compact = value.replace(",", "").replace(" ", "").removesuffix("人")
        return compact if compact.isdigit() else value
    if target == "created_at":
        match = _DATE.match(value)
        if match:
            year, month, day, hour, minute, second = match.groups()
            time = f"{int(hour):02d}:{minute}:{second or '00'}" if hour else "00:00:00"
            return f"{year}-{int(month):02d}-{int(day):02d} {time}"
    return value


def is_cjk(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def name_split(full: str) -> tuple[str, str]:
    """(last name, first name) of a full name: Chinese names family name first (复姓 included), "Wu, Kevin"
    family name first, other Western names family name last."""
    text = " ".join(full.split())
    if is_cjk(text):
        if " " in text:
            last, first = text.split(" ", 1)
            return last, first.replace(" ", "")
        if len(text) >= 3 and text[:2] in COMPOUND_SURNAMES:
            return text[:2], text[2:]
        return (text[0], text[1:]) if len(text) >= 2 else ("", text)
    if "," in text:
        last, first = (part.strip() for part in text.split(",", 1))
        return last, first
    parts = text.rsplit(" ", 1)
    return (parts[1], parts[0]) if len(parts) == 2 else ("", text)
