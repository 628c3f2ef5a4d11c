"""Step and trigger settings in words, for the sequence page (the settings themselves are JSON:
`services.steps`, `services.triggers`).

`step_text(kind, config)` reads like “Wait 2 working days, Mon–Fri 9:00–18:00” or “If fit ≥ 60 go to d5,
else to w9”; `trigger_text(config)` like “stages LEAD → MQL, silent 30 days, with a rule”. Settings it does
not know are left out rather than shown as raw JSON. No queries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leads.choices import Temperature
from nurturing.models.sequences import StepKind
from nurturing.models.tasks import TaskKind

WEEKDAYS = (gettext_lazy("Mon"), gettext_lazy("Tue"), gettext_lazy("Wed"), gettext_lazy("Thu"), gettext_lazy("Fri"),
            gettext_lazy("Sat"), gettext_lazy("Sun"))  # fmt: skip


def step_text(kind: str, config: Mapping[str, Any] | None) -> str:
    config = config or {}
    describe = _DESCRIBE.get(kind)
    try:
        return describe(config) if describe is not None else ""
    except (TypeError, ValueError, KeyError, AttributeError, IndexError):  # settings the editor would refuse
        return ""


def _label(choices: Any, value: Any) -> str:
    return str(dict(choices.choices).get(value, value))


def _email(config: Mapping[str, Any]) -> str:
    text = _("Template “%(template)s”") % {"template": config.get("template", "")}
    if config.get("by_rule"):
        text += _(", %(n)s variants by rule") % {"n": len(config["by_rule"])}
    return text


def _window(window: Mapping[str, Any]) -> str:
    days = sorted(int(day) for day in window.get("weekdays", range(7)))
    if days and days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        span = f"{WEEKDAYS[days[0]]!s}–{WEEKDAYS[days[-1]]!s}"
    else:
        span = "、".join(str(WEEKDAYS[day]) for day in days)
    hours = ""
    if window.get("from_hour") is not None and window.get("to_hour") is not None:
        hours = f" {int(window['from_hour'])}:00–{int(window['to_hour'])}:00"
    return span + hours


def _wait(config: Mapping[str, Any]) -> str:
    units = (("business_days", _("Wait %(n)s working days")), ("days", _("Wait %(n)s days")),
             ("hours", _("Wait %(n)s hours")), ("minutes", _("Wait %(n)s minutes")))  # fmt: skip
    text = next((label % {"n": config[key]} for key, label in units if config.get(key) is not None), _("Wait"))
    if config.get("window"):
        text += _(", then the next moment in %(window)s") % {"window": _window(config["window"])}
    return text


def _task(config: Mapping[str, Any]) -> str:
    text = _("%(kind)s task “%(title)s”") % {"kind": _label(TaskKind, config.get("kind", "call")),
                                              "title": config.get("title", "")}  # fmt: skip
    if config.get("due_hours") is not None:
        text += _(", due in %(n)s h") % {"n": config["due_hours"]}
    return text


def _notify(config: Mapping[str, Any]) -> str:
    who = _("the lead's owner") if config.get("to") == "owner" else _("channel %(channel)s") % {
        "channel": config.get("channel", "")}  # fmt: skip
    return _("Notify %(who)s") % {"who": who}


def _condition(condition: Mapping[str, Any]) -> str:
    if "score" in condition:
        score = condition["score"]
        if score.get("gte") is not None:
            return f"{score.get('field', '')} ≥ {score['gte']}"
        return f"{score.get('field', '')} ≤ {score.get('lte')}"
    if "event" in condition:
        event = condition["event"]
        kinds = "/".join(event.get("kind") or []) or _("any touch")
        text = _("%(kinds)s at least %(n)s×") % {"kinds": kinds, "n": event.get("count_gte", 1)}
        if event.get("within_days") is not None:
            text += _(" in %(n)s days") % {"n": event["within_days"]}
        return text
    return _("the rule matches")


def _branch(config: Mapping[str, Any]) -> str:
    return _("If %(condition)s go to %(then)s, else to %(else)s") % {
        "condition": _condition(config.get("condition") or {}), "then": config.get("then") or _("the next step"),
        "else": config.get("else") or _("the next step")}  # fmt: skip


def _split(config: Mapping[str, Any]) -> str:
    variants = config.get("variants") or []
    total = sum(float(v.get("weight", 0)) for v in variants) or 1
    arms = ", ".join(f"{v.get('key', '')} {round(100 * float(v.get('weight', 0)) / total)} % → {v.get('goto', '')}"
                     for v in variants)  # fmt: skip
    return _("A/B %(arms)s; winner by %(goal)s") % {"arms": arms, "goal": config.get("goal", "")}


_DESCRIBE: dict[str, Callable[[Mapping[str, Any]], str]] = {
    StepKind.SEND_EMAIL: _email,
    StepKind.WAIT: _wait,
    StepKind.CREATE_TASK: _task,
    StepKind.NOTIFY: _notify,
    StepKind.BRANCH: _branch,
    StepKind.AB_SPLIT: _split,
    StepKind.SET_FIELD: lambda c: _("Set %(field)s to %(value)s") % {"field": c.get("field"), "value": c.get("value")},
    StepKind.ADD_TAG: lambda c: _("Add tag “%(tag)s”") % {"tag": c.get("tag", "")},
    StepKind.CHANGE_TEMPERATURE: lambda c: _("Temperature → %(t)s") % {"t": _label(Temperature, c.get("temperature"))},
    StepKind.GOTO: lambda c: _("Go to %(to)s (at most %(n)s times)") % {"to": c.get("to", ""),
                                                                        "n": c.get("max_visits", "∞")},
}


def trigger_text(config: Mapping[str, Any] | None) -> str:
    """The trigger's conditions, joined; the full settings stay in the page's tooltip."""
    config = config or {}
    parts = []
    if config.get("from") or config.get("to"):
        stages = " → ".join("/".join(str(v).upper() for v in config.get(key) or []) or _("any")
                            for key in ("from", "to"))  # fmt: skip
        parts.append(_("stages %(stages)s") % {"stages": stages})
    if config.get("temperature_to"):
        temperatures = "/".join(_label(Temperature, t) for t in config["temperature_to"])
        parts.append(_("temperature to %(t)s") % {"t": temperatures})
    if config.get("days") is not None:
        parts.append(_("silent %(n)s days") % {"n": config["days"]})
    if config.get("channel_routes") or config.get("channel_categories"):
        channels = "/".join(str(v) for v in [*(config.get("channel_routes") or []),
                                             *(config.get("channel_categories") or [])])  # fmt: skip
        parts.append(_("channels %(channels)s") % {"channels": channels})
    if config.get("segment"):
        parts.append(_("segment #%(id)s") % {"id": config["segment"]})
    if config.get("rule"):
        parts.append(_("with a rule"))
    return ", ".join(str(part) for part in parts)
