"""Forms of the lead pages. They check the shape of the input; `leads.services` decides what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from leadflow.errors import ApplicationError
from leads.choices import BANT_POINTS, Stage
from leads.models import Campaign, Channel, Lead, LeadImport
from leads.services.imports import MAX_FILE_BYTES, MAX_ROWS, TARGET_LABELS
from leads.services.imports.mapping import DEFAULT_FIELDS
from leads.stages import TRANSITIONS, Gate, Move

BANT_LABELS = {
    "budget": _("Budget"), "authority": _("Authority"), "need": _("Need"), "timing": _("Timing"),
}  # fmt: skip
BANT_HELP = {
    "budget": _("Has budget for this purchase"),
    "authority": _("Is or reaches the decision maker"),
    "need": _("Has a clear business need"),
    "timing": _("Plans to buy within the buying window"),
}
AMOUNT_LABELS = {
    Stage.OPPORTUNITY: _("Opportunity amount"),
    Stage.CUSTOMER: _("Contract value (first year)"),
}


def lead_version(lead: Lead) -> str:
    """What the user saw of the stage; a different value on submit means someone else moved the lead."""
    return f"{lead.stage}@{lead.stage_changed_at.isoformat()}"


class TransitionForm(forms.Form):
    """Exactly the fields one move needs (reason, note, money, BANT), plus an optional back-dated time.

    Requiredness is shown to the browser but enforced by `lead_transition`, so the rules live in one place
    and its messages land next to the fields they name.
    """

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, lead: Lead, target: Stage, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lead, self.target = lead, target
        self.move: Move | None = TRANSITIONS.get((Stage(lead.stage), target))
        self.fields["version"].initial = lead_version(lead)
        move = self.move or Move(roles=frozenset())
        if move.reasons is not None:
            self.fields["reason"] = forms.ChoiceField(
                label=_("Reason"), required=False, choices=[("", "—"), *move.reasons.choices],
                widget=forms.Select(attrs={"required": True}),
            )  # fmt: skip
        if move.gate is not None:
            self._add_bant_fields(move.gate)
        if "amount" in move.needs:
            self.fields["amount"] = forms.DecimalField(
                label=AMOUNT_LABELS.get(target, _("Amount")), required=False, max_digits=16, decimal_places=2,
                widget=forms.NumberInput(attrs={"required": True, "min": "0.01", "step": "0.01"}),
                help_text=_("In %(currency)s") % {"currency": settings.LEADFLOW["DEFAULT_CURRENCY"]},
            )  # fmt: skip
        if "expected_close" in move.needs:
            self.fields["expected_close"] = forms.DateField(
                label=_("Expected close date"), required=False,
                widget=forms.DateInput(attrs={"type": "date", "required": True}),
            )  # fmt: skip
        note_attrs = {"rows": 2, "required": True} if move.note_required else {"rows": 2}
        self.fields["note"] = forms.CharField(
            label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs=note_attrs),
            help_text=_("Required when the reason is “other”.") if move.reasons is not None else "",
        )  # fmt: skip
        self.fields["at"] = forms.DateTimeField(
            label=_("Happened at"), required=False,
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            help_text=_("Leave empty for now; set it to record a change made earlier."),
        )  # fmt: skip

    def _add_bant_fields(self, gate: Gate) -> None:
        minimum = settings.LEADFLOW["MQL_MIN_BANT" if gate == Gate.MQL_BANT else "SQL_MIN_BANT"]
        self.bant_minimum = minimum
        for point in BANT_POINTS:
            self.fields[point] = forms.BooleanField(
                label=BANT_LABELS[point], required=False, initial=getattr(self.lead, f"bant_{point}"),
                help_text=BANT_HELP[point],
            )  # fmt: skip
        self.fields["bant_notes"] = forms.CharField(
            label=_("BANT notes"), required=False, initial=self.lead.bant_notes,
            widget=forms.Textarea(attrs={"rows": 2}),
        )  # fmt: skip

    @property
    def bant_fields(self) -> list[forms.BoundField]:
        return [self[point] for point in BANT_POINTS if point in self.fields]

    @property
    def detail_fields(self) -> list[forms.BoundField]:
        """The fields shown one per row (everything but the hidden version and the BANT checkboxes)."""
        skip = {"version", "bant_notes", *BANT_POINTS}
        return [self[name] for name in self.fields if name not in skip]

    def is_stale(self) -> bool:
        version = self.cleaned_data.get("version")
        return bool(version) and version != lead_version(self.lead)

    def transition_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs: dict[str, Any] = {
            "reason": data.get("reason") or "", "note": data.get("note") or "", "at": data.get("at"),
        }  # fmt: skip
        if "amount" in self.fields:
            kwargs["amount"] = data.get("amount")
        if "expected_close" in self.fields:
            kwargs["expected_close"] = data.get("expected_close")
        if self.bant_fields:
            kwargs["bant"] = {point: bool(data.get(point)) for point in BANT_POINTS}
            kwargs["bant"]["notes"] = data.get("bant_notes") or ""
        return kwargs

    def add_service_errors(self, error: ApplicationError) -> None:
        """Put the service's messages next to the fields they name; the rest above the form."""
        placed = False
        for field, messages in error.errors.items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)
                placed = True
        if not placed:
            self.add_error(None, error.message)


# --- spreadsheet import ---------------------------------------------------------------------------------

TARGET_GROUPS = (
    (_("Contact"), ("email", "phone", "full_name", "last_name", "first_name", "title", "consent_email")),
    (_("Company"), ("company", "company_domain", "industry", "employee_count", "region")),
    (_("Source"), ("source_channel", "campaign", "external_id", "source_system", "created_at")),
    (_("Other"), ("attribute",)),
)
assert {name for _group, names in TARGET_GROUPS for name in names} == set(TARGET_LABELS)


def _target_choices() -> list[Any]:
    return [("", _("— Don't import —")),
            *((group, [(name, TARGET_LABELS[name]) for name in names]) for group, names in TARGET_GROUPS)]  # fmt: skip


class ImportDefaultsForm(forms.Form):
    """Values applied to every row whose own cell is empty: where these leads came from."""

    source_channel = forms.ModelChoiceField(
        label=_("Channel"), required=False, to_field_name="slug", empty_label=_("— None —"),
        queryset=Channel.objects.filter(is_active=True).order_by("name"),
        help_text=_("For example the trade show or the old campaign these leads came from."),
    )  # fmt: skip
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), required=False, to_field_name="slug", empty_label=_("— None —"),
        queryset=Campaign.objects.order_by("name"),
    )  # fmt: skip

    def import_defaults(self) -> dict[str, str]:
        return {name: self.cleaned_data[name].slug for name in DEFAULT_FIELDS if self.cleaned_data.get(name)}

    def add_service_errors(self, error: ApplicationError) -> None:
        """The service's messages next to the fields (or columns) they name; the rest above the form."""
        for field, messages in error.errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        if not error.errors:
            self.add_error(None, error.message)


class ImportUploadForm(ImportDefaultsForm):
    file = forms.FileField(
        label=_("Spreadsheet"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt,.tsv"})
    )
    field_order = ("file", "source_channel", "campaign")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "CSV (UTF-8 or GBK; comma, semicolon or tab) or Excel .xlsx, with the column names in the first row; "
            "up to %(rows)s rows and %(size)d MB."
        ) % {"rows": f"{MAX_ROWS:,}", "size": MAX_FILE_BYTES >> 20}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than %(size)d MB; split it into smaller files.")
                                        % {"size": MAX_FILE_BYTES >> 20})  # fmt: skip
        return upload


class ImportMappingForm(ImportDefaultsForm):
    """One select per column of the file (`column_<index>`), preset to the saved or suggested target."""

    def __init__(self, *args: Any, lead_import: LeadImport, **kwargs: Any) -> None:
        kwargs["initial"] = {
            **lead_import.defaults, **{f"column_{index}": target for index, target in enumerate(lead_import.mapping)},
        }  # fmt: skip
        super().__init__(*args, **kwargs)
        self.lead_import = lead_import
        for index, header in enumerate(lead_import.headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(label=header, choices=_target_choices, required=False)

    def column_field(self, index: int) -> forms.BoundField:
        return self[f"column_{index}"]

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(f"column_{index}") or "" for index in range(len(self.lead_import.headers))]
