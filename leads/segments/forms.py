"""The segment builder's form: the builder script writes the rule tree as JSON into `rule`."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("Segment name"), max_length=120)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    rule = forms.CharField(label=_("Rule (JSON)"), widget=forms.Textarea(attrs={"rows": 6, "class": "mono"}))

    def clean_rule(self) -> Any:
        try:
            return json.loads(self.cleaned_data["rule"])
        except (ValueError, RecursionError) as error:
            raise forms.ValidationError(_("The rule is not valid JSON.")) from error
