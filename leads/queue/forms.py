"""Forms of the SDR queue: shapes only; the services decide what is allowed and name the bad field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from leads.choices import ACTIVITY_KINDS, BANT_POINTS, CallOutcome, DisqualifyReason, TouchpointKind
from leads.forms import BANT_HELP, BANT_LABELS
from leads.hooks import nurture_track_choices
from leads.models import Lead


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Activity"), choices=[(k, TouchpointKind(k).label) for k in ACTIVITY_KINDS])
    outcome = forms.ChoiceField(label=_("Outcome"), required=False, choices=[("", "—"), *CallOutcome.choices])
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class BantForm(forms.Form):
    notes = forms.CharField(label=_("BANT notes"), required=False, max_length=2000)

    def __init__(self, *args: Any, lead: Lead, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for point in BANT_POINTS:
            self.fields[point] = forms.BooleanField(label=BANT_LABELS[point], required=False,
                                                    initial=getattr(lead, f"bant_{point}"),
                                                    help_text=BANT_HELP[point])  # fmt: skip
        self.fields["notes"].initial = lead.bant_notes
        self.order_fields([*BANT_POINTS, "notes"])

    @property
    def points(self) -> list[forms.BoundField]:
        return [self[point] for point in BANT_POINTS]


class DisqualifyForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *DisqualifyReason.choices], required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class NurtureForm(forms.Form):
    track = forms.ChoiceField(label=_("Nurture sequence"), choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        track = self.fields["track"]
        assert isinstance(track, forms.ChoiceField)
        track.choices = [("", "—"), *nurture_track_choices()]
