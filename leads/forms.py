"""Forms of the lead pages. They check the shape of the input; `leads.services` decides what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from leadflow.errors import ApplicationError
from leads.choices import BANT_POINTS, Stage
from leads.models import Lead
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
