"""Forms of the rules page: shapes only; the services check names, segments and order."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from leads.models import Segment
from leads.qualification.models import QualificationAction


class QualificationRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    action = forms.ChoiceField(label=_("Action"), choices=QualificationAction.choices)
    segment = forms.ModelChoiceField(label=_("When the lead is in the segment"), queryset=Segment.objects.all(),
                                     help_text=_("Build the condition in the segment builder, then choose it here."))
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class TagForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    category = forms.CharField(label=_("Category"), max_length=50, required=False)
    segment = forms.ModelChoiceField(label=_("Rule (segment)"), queryset=Segment.objects.all(), required=False,
                                     help_text=_("Leave empty for a manual tag. With a segment, LeadFlow adds the "
                                                 "tag to its leads and removes it from leads that leave."))
