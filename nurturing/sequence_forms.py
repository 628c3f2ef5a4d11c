"""Forms of the sequence builder. They only shape input: the services check settings and name the field."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from leadflow.errors import ApplicationError
from leads.choices import Temperature
from leads.segments.models import Segment
from leads.stages import FUNNEL
from nurturing.models.messages import NotifyChannel
from nurturing.models.sequences import EmailTemplate, Handoff, StepKind, Track, TriggerKind
from nurturing.models.tasks import TaskKind

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


def _int(label: Any, **extra: Any) -> forms.IntegerField:
    # No bounds here: the service checks the range and names the setting.
    return forms.IntegerField(label=label, required=False, **extra)


def _pick(label: Any, choices: Any = (), **extra: Any) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, required=False, choices=[("", "---------"), *choices], **extra)


WAIT_UNITS = [("days", _("days")), ("business_days", _("business days")), ("hours", _("hours")),
              ("minutes", _("minutes"))]  # fmt: skip
SPLIT_GOALS = [("open", pgettext_lazy("split goal", "Opened")), ("click", pgettext_lazy("split goal", "Clicked")),
               ("reply", pgettext_lazy("split goal", "Replied")),
               ("converted", pgettext_lazy("split goal", "Converted"))]  # fmt: skip
SCORE_FIELDS = [("engagement_score", _("Engagement score")), ("fit_score", _("Fit score")),
                ("source_score", _("Source score"))]  # fmt: skip
# Typed inputs that carry one setting as it is: form field -> settings key, by kind.
PLAIN: dict[str, dict[str, str]] = {
    StepKind.SEND_EMAIL: {"send_email_template": "template"},
    StepKind.CREATE_TASK: {"create_task_title": "title", "create_task_kind": "kind",
                           "create_task_due_hours": "due_hours"},
    StepKind.NOTIFY: {"notify_text": "text"},
    StepKind.BRANCH: {"branch_then": "then", "branch_else": "else"},
    StepKind.AB_SPLIT: {"ab_split_goal": "goal", "ab_split_window_days": "window_days",
                        "ab_split_min_sample": "min_sample", "ab_split_alpha": "alpha"},
    StepKind.SET_FIELD: {"set_field_field": "field"},
    StepKind.ADD_TAG: {"add_tag_tag": "tag"},
    StepKind.CHANGE_TEMPERATURE: {"change_temperature_temperature": "temperature"},
    StepKind.GOTO: {"goto_to": "to", "goto_max_visits": "max_visits"},
}  # fmt: skip
# Where a service error on `config.<path>` is shown, beyond PLAIN (the longest matching path wins).
ERROR_FIELDS: dict[str, dict[str, str]] = {
    StepKind.WAIT: {**dict.fromkeys(("days", "business_days", "hours", "minutes"), "wait_amount"),
                    "window": "wait_weekdays", "window.weekdays": "wait_weekdays",
                    "window.from_hour": "wait_from_hour", "window.to_hour": "wait_to_hour"},
    StepKind.NOTIFY: {"to": "notify_recipient", "channel": "notify_recipient"},
    StepKind.BRANCH: {"condition": "branch_score_value"},
    StepKind.AB_SPLIT: {"variants": "ab_split_a_weight", **{
        f"variants[{index}]{part}": f"ab_split_{row}_{field}" for index, row in enumerate("ab")
        for part, field in (("", "key"), (".key", "key"), (".weight", "weight"), (".goto", "goto"))}},
    StepKind.SET_FIELD: {"value": "set_field_value"},
}  # fmt: skip


class StepForm(forms.Form):
    """One step: its kind, name, and settings as labelled inputs per kind (one fieldset each).

    The form only assembles the settings dict; `nurturing.services.steps` validates it, and its errors are put
    next to the input they name (`add_service_errors`). Rule when both are given: the "Advanced (JSON)"
    settings are read first and the chosen kind's typed inputs that are filled in replace the keys they
    cover (the wait amount replaces every duration unit, the recipient both `to` and `channel`); empty typed
    inputs leave the JSON alone. Other kinds' inputs are ignored. Editing a step fills the typed inputs and
    leaves only what they do not cover (e.g. `by_rule`, a rule-tree condition, three variants) in the JSON.
    """

    kind = forms.ChoiceField(label=_("Kind"), choices=StepKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    send_email_template = _pick(_("Email template"))
    wait_amount = _int(_("Wait"))
    wait_unit = forms.ChoiceField(label=_("Unit"), choices=WAIT_UNITS, initial="days", required=False)
    wait_weekdays = forms.TypedMultipleChoiceField(label=_("Only on"), choices=sorted(WEEKDAYS.items()), coerce=int,
                                                   required=False, widget=forms.CheckboxSelectMultiple)  # fmt: skip
    wait_from_hour = _int(_("From hour"), help_text=_("0-23, business time zone"))
    wait_to_hour = _int(_("To hour"), help_text=_("1-24"))
    create_task_title = forms.CharField(label=_("Task title"), max_length=200, required=False)
    create_task_kind = _pick(_("Task kind"), TaskKind.choices)
    create_task_due_hours = _int(_("Due in (hours)"))
    notify_recipient = _pick(_("Notify"))
    notify_text = forms.CharField(label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=_("Template text: {{ lead }}, {{ company }}, {{ lead_url }}."))  # fmt: skip
    branch_score_field = forms.ChoiceField(label=pgettext_lazy("branch condition", "When"), choices=SCORE_FIELDS,
                                           required=False)  # fmt: skip
    branch_score_op = forms.ChoiceField(label=pgettext_lazy("branch condition", "is"), required=False,
                                        choices=[("gte", _("at least")), ("lte", _("at most"))])  # fmt: skip
    branch_score_value = _int(_("Score"))
    branch_then = _pick(_("Then go to"), help_text=_("Empty: the next step."))
    branch_else = _pick(_("Else go to"), help_text=_("Empty: the next step."))
    ab_split_a_key = forms.CharField(label=_("Variant A key"), max_length=40, required=False, initial="a")
    ab_split_a_weight = _int(_("Variant A weight (%)"))
    ab_split_a_goto = _pick(_("Variant A goes to"))
    ab_split_b_key = forms.CharField(label=_("Variant B key"), max_length=40, required=False, initial="b")
    ab_split_b_weight = _int(_("Variant B weight (%)"))
    ab_split_b_goto = _pick(_("Variant B goes to"))
    ab_split_goal = _pick(_("Goal"), SPLIT_GOALS)
    ab_split_window_days = _int(_("Goal window (days)"))
    ab_split_min_sample = _int(_("Minimum entrants per variant"))
    ab_split_alpha = forms.FloatField(label=_("Significance level"), required=False, help_text=_("e.g. 0.05"))
    set_field_field = forms.CharField(label=_("Lead field"), max_length=100, required=False,
                                      help_text=_("e.g. bant_need, industry, attributes.<key>"))  # fmt: skip
    set_field_value = forms.CharField(label=_("Value"), max_length=500, required=False,
                                      help_text=_("true or false for BANT points."))  # fmt: skip
    add_tag_tag = forms.CharField(label=_("Tag"), max_length=100, required=False)
    change_temperature_temperature = _pick(_("Temperature"), Temperature.choices)
    goto_to = _pick(_("Go to step"))
    goto_max_visits = _int(_("At most (visits)"))
    config = JsonField(label=_("Advanced (JSON)"), required=False,
                       help_text=_("Settings the inputs above do not cover; filled inputs win."))  # fmt: skip

    def __init__(self, *args: Any, step_keys: Iterable[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        targets = [("", _("(next step)")), *step_keys]
        for name in ("branch_then", "branch_else", "ab_split_a_goto", "ab_split_b_goto", "goto_to"):
            cast(forms.ChoiceField, self.fields[name]).choices = targets
        templates = EmailTemplate.objects.order_by("slug").values_list("slug", "name")
        cast(forms.ChoiceField, self.fields["send_email_template"]).choices = [
            ("", "---------"), *((slug, f"{name} ({slug})") for slug, name in templates)]  # fmt: skip
        channels = NotifyChannel.objects.order_by("name").values_list("slug", "name")
        cast(forms.ChoiceField, self.fields["notify_recipient"]).choices = [
            ("", "---------"), ("owner", _("The lead's owner")),
            *((f"channel:{slug}", _("Channel: %(name)s") % {"name": name}) for slug, name in channels)]  # fmt: skip
        self.json_keys: set[str] = set()

    @classmethod
    def initial_for(cls, *, kind: str, name: str, config: Mapping[str, Any]) -> dict[str, Any]:
        """The typed inputs for a stored step, and the rest of its settings as the JSON."""
        rest = dict(config)
        typed: dict[str, Any] = {}
        for field, key in PLAIN.get(kind, {}).items():
            if isinstance(rest.get(key), str | int | float) and not isinstance(rest[key], bool):
                typed[field] = rest.pop(key)
        _SPLIT.get(kind, lambda _typed, _rest: None)(typed, rest)
        return {"kind": kind, "name": name, "config": rest, **typed}

    def fieldsets(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        """(kind, label, inputs) of each kind, for the template."""
        return [(str(kind), str(label), [self[name] for name in self.fields if name.startswith(f"{kind}_")])
                for kind, label in StepKind.choices]  # fmt: skip

    def advanced_open(self) -> bool:
        """Unfold the JSON when it holds settings or an error."""
        value = self["config"].value()
        text = value if isinstance(value, str) else json.dumps(value or {})
        return bool(self["config"].errors) or text.strip() not in ("", "{}")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind", "")
        for name in list(self.errors):
            if name not in ("kind", "name", "config") and not name.startswith(f"{kind}_"):
                del self.errors[name]  # another kind's input: ignored, so never an error
        given = data.get("config")
        config: dict[str, Any] = given if isinstance(given, dict) else {}
        typed, covered = _assemble(kind, self.cleaned_data)
        self.json_keys = set(config) - covered - set(typed)
        data["config"] = {**{key: value for key, value in config.items() if key not in covered}, **typed}
        return data

    def add_service_errors(self, error: ApplicationError) -> None:
        """A service's `config.<path>` errors go next to the typed input for that setting, or on the JSON when
        the setting came from it."""
        kind = self.cleaned_data.get("kind", "")
        targets = {**{key: field for field, key in PLAIN.get(kind, {}).items()}, **ERROR_FIELDS.get(kind, {})}
        for path, messages in (error.errors or {}).items():
            rest = path.removeprefix("config.")
            top = re.split(r"[.\[]", rest, maxsplit=1)[0]
            match = max((key for key in targets if rest == key or rest.startswith((f"{key}.", f"{key}["))),
                        key=len, default=None)  # fmt: skip
            if path.startswith("config.") and match and top not in self.json_keys:
                for message in messages:
                    self.add_error(targets[match], message)
            else:
                service_errors_apply(self, ApplicationError(error.message, errors={path: messages}))
        if not error.errors:
            self.add_error(None, error.message)


def _filled(value: Any) -> bool:
    return value not in (None, "", [], ())


def _assemble(kind: str, data: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """The settings the filled typed inputs of `kind` give, and the JSON keys they replace."""
    typed = {key: data[field] for field, key in PLAIN.get(kind, {}).items() if _filled(data.get(field))}
    covered: set[str] = set(typed)
    if kind == StepKind.WAIT:
        if _filled(data.get("wait_amount")):
            typed[data.get("wait_unit") or "days"] = data["wait_amount"]
            covered |= {unit for unit, _label in WAIT_UNITS}
        window = {key: data[f"wait_{key}"] for key in ("weekdays", "from_hour", "to_hour")
                  if _filled(data.get(f"wait_{key}"))}  # fmt: skip
        if window:
            typed["window"], covered = window, covered | {"window"}
    elif kind == StepKind.NOTIFY and _filled(data.get("notify_recipient")):
        recipient = str(data["notify_recipient"])
        typed.update({"to": "owner"} if recipient == "owner" else {"channel": recipient.removeprefix("channel:")})
        covered |= {"to", "channel"}
    elif kind == StepKind.BRANCH and _filled(data.get("branch_score_value")):
        typed["condition"] = {"score": {"field": data.get("branch_score_field") or "engagement_score",
                                        data.get("branch_score_op") or "gte": data["branch_score_value"]}}  # fmt: skip
        covered.add("condition")
    elif kind == StepKind.AB_SPLIT and any(_filled(data.get(f"ab_split_{row}_{field}"))
                                           for row in "ab" for field in ("weight", "goto")):  # fmt: skip
        typed["variants"] = [{field: data.get(f"ab_split_{row}_{field}") or (row if field == "key" else "")
                              for field in ("key", "weight", "goto")
                              if field != "weight" or _filled(data.get(f"ab_split_{row}_weight"))}
                             for row in "ab"]  # fmt: skip
        covered.add("variants")
    elif kind == StepKind.SET_FIELD and _filled(data.get("set_field_value")):
        typed["value"], covered = _field_value(str(data["set_field_value"])), covered | {"value"}
    return typed, covered


def _field_value(text: str) -> Any:
    """`true`/`false` become booleans (BANT points), numbers stay numbers, anything else is text."""
    try:
        value = json.loads(text.strip().lower() if text.strip().lower() in ("true", "false") else text)
    except ValueError:
        return text
    return value if isinstance(value, bool | int | float | str) else text


def _split_wait(typed: dict[str, Any], rest: dict[str, Any]) -> None:
    units = [unit for unit, _label in WAIT_UNITS if isinstance(rest.get(unit), int)]
    if len(units) == 1:
        typed["wait_unit"], typed["wait_amount"] = units[0], rest.pop(units[0])
    window = rest.get("window")
    if isinstance(window, dict) and set(window) <= {"weekdays", "from_hour", "to_hour"}:
        typed.update({f"wait_{key}": value for key, value in rest.pop("window").items()})


def _split_notify(typed: dict[str, Any], rest: dict[str, Any]) -> None:
    if isinstance(rest.get("channel"), str) and rest["channel"]:
        typed["notify_recipient"] = f"channel:{rest.pop('channel')}"
        rest.pop("to", None)
    elif rest.get("to") == "owner":
        typed["notify_recipient"] = rest.pop("to")


def _split_branch(typed: dict[str, Any], rest: dict[str, Any]) -> None:
    condition = rest.get("condition")
    score = condition.get("score") if isinstance(condition, dict) and set(condition) == {"score"} else None
    ops = [op for op in ("gte", "lte") if isinstance(score, dict) and op in score]
    if isinstance(score, dict) and len(ops) == 1 and set(score) <= {"field", ops[0]}:
        typed.update(branch_score_field=score.get("field", "engagement_score"), branch_score_op=ops[0],
                     branch_score_value=score[ops[0]])  # fmt: skip
        rest.pop("condition")


def _split_ab(typed: dict[str, Any], rest: dict[str, Any]) -> None:
    variants = rest.get("variants")
    rows = {"key", "weight", "goto"}
    if isinstance(variants, list) and len(variants) == 2:
        if not all(isinstance(variant, dict) and set(variant) <= rows for variant in variants):
            return
        for row, variant in zip("ab", rest.pop("variants"), strict=True):
            typed.update({f"ab_split_{row}_{field}": value for field, value in variant.items()})


def _split_set_field(typed: dict[str, Any], rest: dict[str, Any]) -> None:
    value = rest.get("value")
    if isinstance(value, bool | int | float | str):
        rest.pop("value")
        typed["set_field_value"] = value if isinstance(value, str) else json.dumps(value)


_SPLIT: dict[str, Callable[[dict[str, Any], dict[str, Any]], None]] = {
    StepKind.WAIT: _split_wait, StepKind.NOTIFY: _split_notify, StepKind.BRANCH: _split_branch,
    StepKind.AB_SPLIT: _split_ab, StepKind.SET_FIELD: _split_set_field,
}  # fmt: skip


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
