"""Forms of the sequence builder. They only shape input: the services check settings and name the field."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from leadflow.errors import ApplicationError
from leads.segments.models import Segment
from leads.stages import FUNNEL
from nurturing.models.sequences import Handoff, StepKind, Track, TriggerKind

STEP_EXAMPLES: dict[str, dict[str, Any]] = {
    StepKind.SEND_EMAIL: {"template": "golden-welcome"},
    StepKind.WAIT: {"days": 2, "window": {"weekdays": [0, 1, 2, 3, 4], "from_hour": 9, "to_hour": 18}},
    StepKind.CREATE_TASK: {"title": "Call the lead", "kind": "call", "due_hours": 4},
    StepKind.NOTIFY: {"to": "owner", "text": "{{ lead }} ({{ company }}) needs a call: {{ lead_url }}"},
    StepKind.BRANCH: {"condition": {"score": {"field": "engagement_score", "gte": 60}}, "then": "", "else": ""},
    StepKind.AB_SPLIT: {"variants": [{"key": "a", "weight": 50, "goto": ""}, {"key": "b", "weight": 50, "goto": ""}],
                        "goal": "click", "window_days": 7, "min_sample": 100, "alpha": 0.05},
    StepKind.SET_FIELD: {"field": "bant_need", "value": True},
    StepKind.ADD_TAG: {"tag": "nurtured"},
    StepKind.CHANGE_TEMPERATURE: {"temperature": "hot"},
    StepKind.GOTO: {"to": "", "max_visits": 3},
}


class JsonField(forms.CharField):
    """A JSON object typed into a textarea; a parse error names the line and column."""

    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "mono"})

    def prepare_value(self, value: Any) -> Any:
        return value if isinstance(value, str) else json.dumps(value or {}, ensure_ascii=False, indent=1)

    def to_python(self, value: Any) -> Any:
        text = str(value or "").strip() or "{}"
        try:
            data = json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(_("Not valid JSON: %(error)s") % {"error": error}) from error
        if not isinstance(data, dict):
            raise forms.ValidationError(_("Give a JSON object: {...}."))
        return data


class SequenceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    track = forms.ChoiceField(label=_("Track"), choices=Track.choices,
                              help_text=_("A lead is in at most one sequence per track."))  # fmt: skip
    priority = forms.IntegerField(label=_("Priority"), min_value=0, max_value=1000, initial=50,
                                  help_text=_("A higher-priority sequence takes over the track."))  # fmt: skip
    trigger_kind = forms.ChoiceField(label=_("Trigger"), choices=TriggerKind.choices)
    trigger_config = JsonField(label=_("Trigger settings (JSON)"), required=False, help_text=_(
        'e.g. {"days": 30} for inactivity, {"to": ["lost"]} for a stage change, {"segment": 3} for a segment.'))
    target_stage = forms.ChoiceField(label=_("Exit at stage"), required=False, choices=[
        ("", _("Never (stage)")), *((stage.value, stage.label) for stage in FUNNEL)])
    exit_on_reply = forms.BooleanField(label=_("Exit when the lead replies"), required=False, initial=True)
    exit_on_engagement = forms.BooleanField(label=_("Exit on any engagement"), required=False)
    engagement_handoff = forms.ChoiceField(label=_("Hand back to an SDR on engagement"), choices=Handoff.choices,
                                           required=False)  # fmt: skip
    is_marketing = forms.BooleanField(label=_("Marketing messages (cap, unsubscribe)"), required=False,
                                      initial=True)  # fmt: skip


class StepForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=StepKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    config = JsonField(label=_("Settings (JSON)"), required=False)


class EnrollSegmentForm(forms.Form):
    segment = forms.ModelChoiceField(label=_("Segment"), queryset=Segment.objects.order_by("name"))


class DryRunForm(forms.Form):
    segment = forms.ModelChoiceField(label=_("Segment (optional)"), queryset=Segment.objects.order_by("name"),
                                     required=False, help_text=_("Empty: the leads the trigger would pick now."))


def service_errors_apply(form: forms.Form, error: ApplicationError) -> None:
    """Put a service's errors on the form: `config.days` on the `config` field as "days: ...", and so on."""
    for name, messages in (error.errors or {}).items():
        head, _sep, rest = name.partition(".")
        target = name if name in form.fields else head if head in form.fields else None
        for message in messages:
            text = f"{rest}: {message}" if target == head and rest else message
            form.add_error(target, text if target else f"{name}: {message}")
    if not error.errors:
        form.add_error(None, error.message)


class EmailTemplateForm(forms.Form):
    slug = forms.SlugField(label=_("Slug"), max_length=80, help_text=_("Steps name the template by it."))
    name = forms.CharField(label=_("Name"), max_length=200)
    subject_zh = forms.CharField(label=_("Subject (简体中文)"), max_length=300)
    body_zh = forms.CharField(label=_("Body (简体中文)"), widget=forms.Textarea(attrs={"rows": 10}))
    subject_en = forms.CharField(label=_("Subject (English)"), max_length=300)
    body_en = forms.CharField(label=_("Body (English)"), widget=forms.Textarea(attrs={"rows": 10}))
