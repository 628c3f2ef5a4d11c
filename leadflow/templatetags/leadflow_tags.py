"""Display helpers shared by every page: money, people, history labels."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leads.choices import CallOutcome, DisqualifyReason, LeadEventKind, LostReason, ReturnReason, Stage, Temperature

register = template.Library()

CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$", "JPY": "JP¥", "SGD": "S$"}
BANT_LABELS = {
    "budget": gettext_lazy("Budget"), "authority": gettext_lazy("Authority"),
    "need": gettext_lazy("Need"), "timing": gettext_lazy("Timing"),
}  # fmt: skip
REASON_LABELS: dict[str, Any] = {
    **dict(ReturnReason.choices), **dict(LostReason.choices), **dict(DisqualifyReason.choices),
}  # fmt: skip


@register.filter
def money(value: Any, currency: str = "") -> str:
    """`120000` + `CNY` -> `¥120,000.00`; an unknown currency keeps its code: `1,000.00 AUD`."""
    if value in (None, ""):
        return "—"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    code = (currency or settings.LEADFLOW["DEFAULT_CURRENCY"]).upper()
    # Chinese and English both group money by thousands with a comma.
    text = f"{abs(amount):,.2f}"
    sign = "-" if amount < 0 else ""
    symbol = CURRENCY_SYMBOLS.get(code)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {code}"


@register.filter
def person(user: Any) -> str:
    """A user's display name: full name, else username; an empty owner is a dash."""
    if user is None:
        return "—"
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if any("\u4e00" <= char <= "\u9fff" for char in first + last):
        return f"{last}{first}"  # Chinese names: family name first, no space
    return f"{first} {last}".strip() or user.get_username()


@register.filter
def actor(row: Any) -> str:
    """Who made a history row: a user, a named rule, another system, or LeadFlow itself."""
    if getattr(row, "actor", None) is not None:
        return person(row.actor)
    label = getattr(row, "actor_label", "") or ""
    if label.startswith("rule:"):
        return _("Rule: %(rule)s") % {"rule": label[5:]}
    if label.startswith("merge:"):
        return _("Merge of lead #%(id)s") % {"id": label[6:]}
    if label == "customer_check":
        return _("Customer check")
    return label or _("System")


@register.filter
def reason_label(code: str) -> str:
    if not code:
        return ""
    if code == "merge":
        return _("Merge")
    if code.startswith("disqualified:"):
        return _("Disqualified: %(reason)s") % {"reason": reason_label(code.split(":", 1)[1])}
    return str(REASON_LABELS.get(code, code))


REASONS_BY_TARGET: dict[str, Any] = {
    Stage.LOST: dict(LostReason.choices), Stage.DISQUALIFIED: dict(DisqualifyReason.choices),
    Stage.LEAD: dict(ReturnReason.choices),
}  # fmt: skip


@register.filter
def change_reason(change: Any) -> str:
    """The reason of a StageChange in words, read from the reasons of the move it made."""
    labels = REASONS_BY_TARGET.get(change.to_stage, {})
    return str(labels[change.reason]) if change.reason in labels else reason_label(change.reason)


@register.filter
def stage_label(code: str) -> str:
    return str(Stage(code).label) if code in Stage.values else (code or "—")


@register.filter
def call_outcome(code: str) -> str:
    return str(CallOutcome(code).label) if code in CallOutcome.values else (code or "")


@register.filter
def temperature_label(code: str) -> str:
    return str(Temperature(code).label) if code in Temperature.values else (code or "—")


@register.simple_tag
def event_summary(event: Any, user_names: dict[Any, str]) -> str:
    """One line saying what a LeadEvent changed, in the reader's language."""
    data = event.data or {}
    kind = event.kind
    if kind == LeadEventKind.OWNER_CHANGED:
        side = _("Sales owner") if data.get("side") == "sales" else _("SDR owner")
        old, new = user_names.get(data.get("from"), "—"), user_names.get(data.get("to"), "—")
        return _("%(side)s: %(old)s → %(new)s") % {"side": side, "old": old, "new": new}
    if kind == LeadEventKind.TEMPERATURE_CHANGED:
        return _("Temperature: %(old)s → %(new)s") % {
            "old": temperature_label(data.get("from", "")), "new": temperature_label(data.get("to", "")),
        }  # fmt: skip
    if kind == LeadEventKind.BANT_CHANGED:
        bant = data.get("bant") or {}
        points = [str(BANT_LABELS[p]) for p in BANT_LABELS if bant.get(p)]
        return _("BANT confirmed: %(points)s") % {"points": ", ".join(points) or "—"}
    if kind == LeadEventKind.CONSENT_CHANGED:
        return _("Email consent given") if data.get("consent_email") else _("Email consent withdrawn")
    if kind == LeadEventKind.MERGED:
        return _("Lead #%(other)s merged into #%(survivor)s") % {
            "other": data.get("other", "?"), "survivor": data.get("survivor", "?"),
        }  # fmt: skip
    if kind == LeadEventKind.CUSTOMER_CHECK:
        if data.get("reason") == "customer":
            return _("The account is already a customer")
        return _("The account has an open opportunity")
    return str(LeadEventKind(kind).label) if kind in LeadEventKind.values else kind
