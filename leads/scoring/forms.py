"""The structured rule-set editor: one form for the settings and grade thresholds, one for the points per
touchpoint kind, a formset of negative-behaviour rules and one formset of fit rules per customer type.

The forms only parse (a rule's value text becomes a list, number or boolean by its field and operator);
leads.scoring.editing validates the assembled rules, and its errors, keyed by path
(`fit_rules.standard[2].value`), are put back on the row and field they name (`RuleSetEditor.errors_apply`).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.forms import BaseFormSet, formset_factory
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from leadflow.errors import ValidationFailed
from leads.choices import TouchpointKind
from leads.scoring.models import ScoringRuleSet
from leads.scoring.rules import (
    BOOLEAN,
    CUSTOMER_TYPE_LABELS,
    CUSTOMER_TYPES,
    ENGAGEMENT_DIGITS,
    FIELDS,
    FIT_LETTERS,
    NUMBER,
    field_type,
)

OP_CHOICES = [
    ("eq", _("equals")), ("ne", _("does not equal")), ("in", _("is one of")), ("not_in", _("is none of")),
    ("contains", _("contains")), ("gt", ">"), ("gte", "≥"), ("lt", "<"), ("lte", "≤"), ("between", _("between")),
    ("is_null", _("is empty")),
]  # fmt: skip
GRADES = [letter + digit for letter in "ABCD" for digit in "1234"]
FIELD_SUGGESTIONS = [*FIELDS, "attributes.decision_role"]
_SEPARATORS = re.compile(r"[,，、;；\n]+")
_TRUE, _FALSE = {"true", "yes", "1", "是"}, {"false", "no", "0", "否"}


def _scalar(kind: str | None, text: str) -> Any:
    if kind == NUMBER:
        for cast in (int, float):
            try:
                return cast(text)
            except ValueError:
                continue
    if kind == BOOLEAN and text.lower() in _TRUE | _FALSE:
        return text.lower() in _TRUE
    return text  # left as typed: the service says it does not suit the operator, on this rule's value


def value_parse(*, field: str, op: str, text: str) -> Any:
    """A rule's value as typed -> the JSON value its field and operator expect."""
    text = (text or "").strip()
    if op == "is_null":
        return text.lower() not in _FALSE
    kind = field_type(field)
    if op in ("in", "not_in", "between"):
        return [_scalar(kind, item.strip()) for item in _SEPARATORS.split(text) if item.strip()]
    return _scalar(kind, text)


def value_format(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(value_format(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class FitRuleForm(forms.Form):
    label = forms.CharField(label=_("Label"), required=False, max_length=120)
    field = forms.CharField(label=_("Field"), max_length=80, widget=forms.TextInput(
        attrs={"list": "scoring-fields", "autocomplete": "off"}))  # fmt: skip
    op = forms.ChoiceField(label=_("Operator"), choices=OP_CHOICES)
    value = forms.CharField(label=_("Value"), required=False,
                            help_text=_("Lists and ranges: separate with commas."))  # fmt: skip
    points = forms.IntegerField(label=_("Points"), widget=forms.NumberInput(attrs={"step": 1}))


class NegativeRuleForm(forms.Form):
    label = forms.CharField(label=_("Label"), required=False, max_length=120)
    kind = forms.ChoiceField(label=_("Touchpoint kind"), required=False,
                             choices=[("", _("any kind")), *TouchpointKind.choices])  # fmt: skip
    property = forms.CharField(label=_("Property"), max_length=80)
    op = forms.ChoiceField(label=_("Operator"), choices=[("eq", _("equals")), ("contains", _("contains"))])
    value = forms.CharField(label=_("Value"), required=False, max_length=200)
    points = forms.IntegerField(label=_("Points"), max_value=0, widget=forms.NumberInput(attrs={"step": 1}))


FitRuleFormSet = formset_factory(FitRuleForm, extra=0, can_delete=True)
NegativeRuleFormSet = formset_factory(NegativeRuleForm, extra=0, can_delete=True)


class SettingsForm(forms.Form):
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    half_life_days = forms.FloatField(label=_("Engagement half-life (days)"), min_value=0.1)
    source_pseudo_count = forms.IntegerField(label=_("Source prior weight (leads)"), min_value=0,
                                             help_text=_("How many leads of history weigh as much as the "
                                                         "channel's prior."))  # fmt: skip
    reference_mql_rate = forms.FloatField(label=_("Reference lead → MQL rate"))
    reference_customer_rate = forms.FloatField(label=_("Reference lead → customer rate"))
    no_channel_score = forms.IntegerField(label=_("Source score without a channel"))
    fit_A = forms.IntegerField(label=_("Fit A from"))
    fit_B = forms.IntegerField(label=_("Fit B from"))
    fit_C = forms.IntegerField(label=_("Fit C from"))
    engagement_1 = forms.IntegerField(label=_("Engagement 1 from"))
    engagement_2 = forms.IntegerField(label=_("Engagement 2 from"))
    engagement_3 = forms.IntegerField(label=_("Engagement 3 from"))
    mql_grades = forms.MultipleChoiceField(label=_("MQL-worthy grades"), required=False,
                                           choices=[(g, g) for g in GRADES],
                                           widget=forms.CheckboxSelectMultiple)  # fmt: skip

    SIMPLE = ("half_life_days", "source_pseudo_count", "reference_mql_rate", "reference_customer_rate",
              "no_channel_score")  # fmt: skip


class TouchpointPointsForm(forms.Form):
    """Points per touchpoint kind before decay; empty counts 0."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in TouchpointKind.choices:
            self.fields[kind] = forms.IntegerField(label=label, required=False,
                                                   widget=forms.NumberInput(attrs={"step": 1}))  # fmt: skip


def row_add(data: QueryDict, prefix: str) -> QueryDict:
    """A copy of the posted editor with one more blank row in the formset `prefix`."""
    copy = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    copy[key] = str(int(copy.get(key, "0") or 0) + 1)
    return copy


def _initial(ruleset: ScoringRuleSet) -> dict[str, Any]:
    settings: dict[str, Any] = {name: getattr(ruleset, name) for name in SettingsForm.SIMPLE}
    settings.update({f"fit_{key}": (ruleset.fit_thresholds or {}).get(key) for key in FIT_LETTERS})
    settings.update({f"engagement_{key}": (ruleset.engagement_thresholds or {}).get(key) for key in ENGAGEMENT_DIGITS})
    settings.update(notes=ruleset.notes, mql_grades=list(ruleset.mql_grades or []))
    fit_rules = ruleset.fit_rules or {}
    fit = {ctype: [{**rule, "value": value_format(rule.get("value"))} for rule in fit_rules.get(ctype, [])]
           for ctype in CUSTOMER_TYPES}  # fmt: skip
    return {"settings": settings, "points": dict(ruleset.touchpoint_points or {}), "fit": fit,
            "negative": list(ruleset.negative_rules or [])}  # fmt: skip


class RuleSetEditor:
    """Every form of one draft's editor, bound together; `rules_data()` assembles the rule set's JSON."""

    def __init__(self, *, ruleset: ScoringRuleSet, data: QueryDict | None = None) -> None:
        initial = _initial(ruleset)
        self.settings = SettingsForm(data, initial=initial["settings"], prefix="s")
        self.points = TouchpointPointsForm(data, initial=initial["points"], prefix="tp")
        self.negative = NegativeRuleFormSet(data, initial=initial["negative"], prefix="neg")
        self.fit: dict[str, BaseFormSet] = {
            ctype: FitRuleFormSet(data, initial=initial["fit"][ctype], prefix=f"fit-{ctype}")
            for ctype in CUSTOMER_TYPES
        }  # fmt: skip
        self._rows: dict[str, list[forms.Form]] = {}

    @property
    def fit_sections(self) -> list[tuple[str, str, BaseFormSet]]:
        return [(ctype, str(CUSTOMER_TYPE_LABELS[ctype]), self.fit[ctype]) for ctype in CUSTOMER_TYPES]

    def focus_last(self, prefix: str) -> None:
        """Put the keyboard focus on the first field of the last row of `prefix` (a row just added)."""
        formset = self.negative if prefix == "neg" else self.fit.get(prefix.removeprefix("fit-"))
        if formset is not None and formset.forms:
            formset.forms[-1].fields["label"].widget.attrs["autofocus"] = True

    def is_valid(self) -> bool:
        parts: list[forms.Form | BaseFormSet] = [self.settings, self.points, self.negative, *self.fit.values()]
        return all([part.is_valid() for part in parts])  # a list, so every part collects its errors

    def _kept(self, formset: BaseFormSet) -> list[forms.Form]:
        return [form for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]

    def rules_data(self) -> dict[str, Any]:
        """The rule set's fields (leads.scoring.models.CONFIG_FIELDS) from valid forms, rows in screen order."""
        s = self.settings.cleaned_data
        data: dict[str, Any] = {name: s[name] for name in SettingsForm.SIMPLE}
        data["fit_thresholds"] = {key: s[f"fit_{key}"] for key in FIT_LETTERS}
        data["engagement_thresholds"] = {key: s[f"engagement_{key}"] for key in ENGAGEMENT_DIGITS}
        data["mql_grades"] = [grade for grade in GRADES if grade in s["mql_grades"]]
        data["touchpoint_points"] = {kind: value for kind, value in self.points.cleaned_data.items() if value}
        self._rows = {"neg": self._kept(self.negative)}
        text_fields = ("label", "kind", "property", "op", "value")
        data["negative_rules"] = [{name: form.cleaned_data[name] or "" for name in text_fields}
                                  | {"points": form.cleaned_data["points"]} for form in self._rows["neg"]]  # fmt: skip
        data["fit_rules"] = {}
        for ctype, formset in self.fit.items():
            self._rows[ctype] = self._kept(formset)
            data["fit_rules"][ctype] = [
                {"label": form.cleaned_data["label"], "field": form.cleaned_data["field"].strip(),
                 "op": form.cleaned_data["op"], "points": form.cleaned_data["points"],
                 "value": value_parse(field=form.cleaned_data["field"].strip(), op=form.cleaned_data["op"],
                                      text=form.cleaned_data["value"])}
                for form in self._rows[ctype]
            ]  # fmt: skip
        return data

    def errors_apply(self, error: ValidationFailed) -> None:
        """Each error on the row and field its path names (after `rules_data`, which numbered the rows)."""
        for path, messages in error.errors.items():
            form, field = self._target(path)
            for message in messages:
                form.add_error(field if field in form.fields else None, message)

    def _target(self, path: str) -> tuple[forms.Form, str | None]:
        match = re.fullmatch(r"(?:fit_rules\.(\w+)|negative_rules)\[(\d+)\](?:\.(\w+))?", path)
        if match:
            rows = self._rows.get(match.group(1) or "neg", [])
            index = int(match.group(2))
            if index < len(rows):
                return rows[index], match.group(3)
        head, _dot, tail = path.partition(".")
        if head == "touchpoint_points":
            return self.points, tail
        if head in ("fit_thresholds", "engagement_thresholds"):
            prefix = "fit" if head == "fit_thresholds" else "engagement"
            return self.settings, f"{prefix}_{tail or (FIT_LETTERS[0] if prefix == 'fit' else ENGAGEMENT_DIGITS[0])}"
        return self.settings, head
