"""The fields a segment leaf may test, their types and the operators each type takes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import models
from django.db.models import IntegerField
from django.db.models.functions import Cast
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.choices import CustomerStatus, SizeBand, Tier
from leads.choices import BANT_POINTS, Stage, Temperature

GRADES = tuple(f"{letter}{digit}" for letter in "ABCD" for digit in "1234")


class FieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    CHOICE = "choice"
    BOOL = "bool"
    DATETIME = "datetime"
    REF = "ref"  # a channel or campaign, named by its slug
    ATTRIBUTE = "attribute"  # a custom attribute: any JSON scalar


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    BETWEEN = "between"
    IS_NULL = "is_null"


_COMPARE = (Op.GT, Op.GTE, Op.LT, Op.LTE, Op.BETWEEN)
OPERATORS: dict[FieldType, tuple[Op, ...]] = {
    FieldType.TEXT: (Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.CONTAINS, Op.IS_NULL),
    FieldType.NUMBER: (Op.EQ, Op.NE, Op.IN, Op.NOT_IN, *_COMPARE, Op.IS_NULL),
    FieldType.CHOICE: (Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.IS_NULL),
    FieldType.BOOL: (Op.EQ, Op.NE),
    FieldType.DATETIME: (Op.EQ, Op.NE, *_COMPARE, Op.IS_NULL),
    FieldType.REF: (Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.IS_NULL),
    FieldType.ATTRIBUTE: tuple(Op),
}

OPERATOR_LABELS: dict[Op, Promise] = {
    Op.EQ: _("is"),
    Op.NE: _("is not"),
    Op.IN: _("is one of"),
    Op.NOT_IN: _("is none of"),
    Op.CONTAINS: _("contains"),
    Op.GT: _("greater than"),
    Op.GTE: _("at least"),
    Op.LT: _("less than"),
    Op.LTE: _("at most"),
    Op.BETWEEN: _("between"),
    Op.IS_NULL: _("is empty"),
}


@dataclass(frozen=True)
class FieldSpec:
    name: str  # as written in the rule tree
    lookup: str  # Django lookup path from Lead
    type: FieldType
    label: Promise
    choices: tuple[tuple[str, Promise | str], ...] = ()
    nullable: bool = False  # the column (or its join) can be NULL; blank text counts as empty anyway
    expression: Any = None  # a computed value instead of a column (`lookup` is then only its name)


def _choices(enum: type[models.TextChoices]) -> tuple[tuple[str, Promise | str], ...]:
    return tuple((str(value), label) for value, label in enum.choices)


_SPECS = (
    FieldSpec("email", "email", FieldType.TEXT, _("Email")),
    FieldSpec("phone", "phone", FieldType.TEXT, _("Phone")),
    FieldSpec("first_name", "first_name", FieldType.TEXT, _("First name")),
    FieldSpec("last_name", "last_name", FieldType.TEXT, _("Last name")),
    FieldSpec("title", "title", FieldType.TEXT, _("Title")),
    FieldSpec("company", "company", FieldType.TEXT, _("Company")),
    FieldSpec("company_domain", "company_domain", FieldType.TEXT, _("Company domain")),
    FieldSpec("industry", "industry", FieldType.TEXT, _("Industry")),
    FieldSpec("region", "region", FieldType.TEXT, _("Region")),
    FieldSpec("employee_count", "employee_count", FieldType.NUMBER, _("Employee count"), nullable=True),
    FieldSpec("source_system", "source_system", FieldType.TEXT, _("Source system")),
    FieldSpec("source_channel", "source_channel__slug", FieldType.REF, _("Source channel"), nullable=True),
    FieldSpec("campaign", "campaign__slug", FieldType.REF, _("Campaign"), nullable=True),
    FieldSpec("stage", "stage", FieldType.CHOICE, _("Stage"), _choices(Stage)),
    FieldSpec("temperature", "temperature", FieldType.CHOICE, _("Temperature"), _choices(Temperature)),
    FieldSpec("grade", "grade", FieldType.CHOICE, _("Grade"), tuple((g, g) for g in GRADES)),
    FieldSpec("fit_score", "fit_score", FieldType.NUMBER, _("Fit score")),
    FieldSpec("engagement_score", "engagement_score", FieldType.NUMBER, _("Engagement score")),
    FieldSpec("source_score", "source_score", FieldType.NUMBER, _("Source score")),
    FieldSpec("consent_email", "consent_email", FieldType.BOOL, _("Email consent")),
    FieldSpec("bant_budget", "bant_budget", FieldType.BOOL, _("BANT: budget")),
    FieldSpec("bant_authority", "bant_authority", FieldType.BOOL, _("BANT: authority")),
    FieldSpec("bant_need", "bant_need", FieldType.BOOL, _("BANT: need")),
    FieldSpec("bant_timing", "bant_timing", FieldType.BOOL, _("BANT: timing")),
    FieldSpec("bant_count", "bant_count", FieldType.NUMBER, _("BANT points met"),
              expression=sum((Cast(f"bant_{point}", IntegerField()) for point in BANT_POINTS[1:]),
                             Cast(f"bant_{BANT_POINTS[0]}", IntegerField()))),
    FieldSpec("customer_check", "customer_check", FieldType.BOOL, _("Existing customer or open opportunity")),
    FieldSpec("created_at", "created_at", FieldType.DATETIME, _("Created")),
    FieldSpec("updated_at", "updated_at", FieldType.DATETIME, _("Updated")),
    FieldSpec("stage_changed_at", "stage_changed_at", FieldType.DATETIME, _("Stage changed")),
    FieldSpec("last_touch_at", "last_touch_at", FieldType.DATETIME, _("Last touch"), nullable=True),
    FieldSpec("account.name", "account__name", FieldType.TEXT, _("Account name"), nullable=True),
    FieldSpec("account.industry", "account__industry", FieldType.TEXT, _("Account industry"), nullable=True),
    FieldSpec("account.region", "account__region", FieldType.TEXT, _("Account region"), nullable=True),
    FieldSpec("account.tier", "account__tier", FieldType.CHOICE, _("Account tier"), _choices(Tier), nullable=True),
    FieldSpec("account.size_band", "account__size_band", FieldType.CHOICE, _("Account size"), _choices(SizeBand),
              nullable=True),
    FieldSpec("account.customer_status", "account__customer_status", FieldType.CHOICE, _("Account status"),
              _choices(CustomerStatus), nullable=True),
    FieldSpec("account.is_target", "account__is_target", FieldType.BOOL, _("Target account (ABM)"), nullable=True),
    FieldSpec("account.arr", "account__arr", FieldType.NUMBER, _("Account ARR"), nullable=True),
)
FIELDS: dict[str, FieldSpec] = {spec.name: spec for spec in _SPECS}

ATTRIBUTE_PREFIX = "attributes."
# Letters, digits, "_" and "-": a key is spliced into a JSON path, and "__" would split a Django lookup.
ATTRIBUTE_KEY = re.compile(r"^(?!.*__)[A-Za-z0-9_\-]{1,64}$")


def field_spec(name: str) -> FieldSpec | None:
    """The spec of a field name, custom attributes (`attributes.<key>`) included; None when unknown."""
    if name.startswith(ATTRIBUTE_PREFIX):
        key = name.removeprefix(ATTRIBUTE_PREFIX)
        if not ATTRIBUTE_KEY.match(key):
            return None
        return FieldSpec(name, f"attributes__{key}", FieldType.ATTRIBUTE, _("Custom attribute"), nullable=True)
    return FIELDS.get(name)
