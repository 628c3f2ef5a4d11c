"""Step settings: what each step kind takes, checked before a step is stored, and the pure computations
steps need (when a wait ends, which branch a condition compiles to, which variant an entrant gets).

Nothing here writes; `nurturing.services.engine` runs steps, the editor and the API validate with
`step_config_errors`, which names the bad field (`config.days`, `config.variants[1].weight`, ...).

Settings by kind (JSON):
  send_email          {"template": slug, "by_rule": [{"when": rule tree, "template": slug}, ...]}
  wait                {"days": n} | {"hours": n} | {"minutes": n} | {"business_days": n},
                      optional "window": {"weekdays": [0..6], "from_hour": h, "to_hour": h}
  create_task         {"title": text, "kind": call|follow_up|..., "due_hours": n}
  notify              {"to": "owner"} | {"channel": notify channel slug}, "text": template text
  branch              {"condition": rule tree | {"score": {"field", "gte"|"lte": n}} |
                       {"event": {"kind": [...], "within_days": n, "count_gte": n}}, "then": key, "else": key}
  ab_split            {"variants": [{"key", "weight", "goto"}], "goal": open|click|reply|converted,
                       "window_days": n, "min_sample": n, "alpha": p}
  set_field           {"field": "bant_need" | "attributes.<key>" | ..., "value": v}
  add_tag             {"tag": name}
  change_temperature  {"temperature": warm|hot|cold|high_value}
  goto                {"to": key, "max_visits": n}
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from leadflow.calendar import add_business_days
from leads.choices import Temperature, TouchpointKind
from nurturing.models.sequences import StepKind

Errors = dict[str, list[str]]
GOALS = ("open", "click", "reply", "converted")
GOAL_TOUCHPOINTS: dict[str, tuple[str, ...]] = {
    "open": (TouchpointKind.EMAIL_OPEN, TouchpointKind.EMAIL_CLICK, TouchpointKind.EMAIL_REPLY),
    "click": (TouchpointKind.EMAIL_CLICK,),
    "reply": (TouchpointKind.EMAIL_REPLY,),
}
SETTABLE_FIELDS = ("bant_budget", "bant_authority", "bant_need", "bant_timing", "industry", "region", "title")
TASK_KINDS = ("call", "follow_up", "email", "meeting", "wechat", "other")
MAX_WAIT_DAYS = 365


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(f"config.{field}", []).append(message)


def _whole(errors: Errors, config: Mapping[str, Any], field: str, *, low: int, high: int,
           required: bool = False) -> int | None:  # fmt: skip
    value = config.get(field)
    if value is None:
        if required:
            _add(errors, field, _("This setting is required."))
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        _add(errors, field, _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high})
        return None
    return value


def _key_ref(errors: Errors, config: Mapping[str, Any], field: str, keys: set[str], *, required: bool) -> None:
    value = config.get(field)
    if value in (None, "") and not required:
        return
    if not isinstance(value, str) or value not in keys:
        _add(errors, field, _("Name a step of this sequence (one of: %(keys)s).") % {"keys": ", ".join(sorted(keys))})


def _rule_errors(errors: Errors, field: str, rule: Any) -> None:
    from leads.segments.selectors import segment_rule_errors

    _node, found = segment_rule_errors(rule=rule, root=f"config.{field}")
    for path, messages in found.items():
        errors.setdefault(path, []).extend(messages)


def _send_email(config: Mapping[str, Any], keys: set[str], templates: set[str], errors: Errors) -> None:
    if not isinstance(config.get("template"), str) or config["template"] not in templates:
        _add(errors, "template", _("Choose an existing email template."))
    rules = config.get("by_rule", [])
    if not isinstance(rules, list):
        _add(errors, "by_rule", _("Give a list of {\"when\": rule, \"template\": slug}."))
        return
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict) or not isinstance(rule.get("template"), str) or rule["template"] not in templates:
            _add(errors, f"by_rule[{index}].template", _("Choose an existing email template."))
            continue
        _rule_errors(errors, f"by_rule[{index}].when", rule.get("when"))


def _wait(config: Mapping[str, Any], keys: set[str], templates: set[str], errors: Errors) -> None:
    units = [unit for unit in ("minutes", "hours", "days", "business_days") if unit in config]
    if len(units) != 1:
        _add(errors, "days", _("Give exactly one of minutes, hours, days or business days."))
    for unit, high in (("minutes", 60 * 24 * 7), ("hours", 24 * MAX_WAIT_DAYS), ("days", MAX_WAIT_DAYS),
                       ("business_days", 250)):  # fmt: skip
        _whole(errors, config, unit, low=0, high=high)
    window = config.get("window")
    if window is None:
        return
    if not isinstance(window, dict):
        _add(errors, "window", _("Give weekdays, from_hour and to_hour."))
        return
    weekdays = window.get("weekdays", list(range(7)))
    if not isinstance(weekdays, list) or not weekdays or any(day not in range(7) for day in weekdays):
        _add(errors, "window.weekdays", _("Give weekdays as numbers 0 (Monday) to 6 (Sunday)."))
    opens = _whole(errors, window, "from_hour", low=0, high=23)
    closes = _whole(errors, window, "to_hour", low=1, high=24)
    if opens is not None and closes is not None and opens >= closes:
        _add(errors, "window.to_hour", _("The window must end after it starts."))


def _create_task(config: Mapping[str, Any], keys: set[str], templates: set[str], errors: Errors) -> None:
    if not str(config.get("title", "")).strip():
        _add(errors, "title", _("This setting is required."))
    if not isinstance(config.get("kind", "call"), str) or config.get("kind", "call") not in TASK_KINDS:
        _add(errors, "kind", _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(TASK_KINDS)})
    _whole(errors, config, "due_hours", low=0, high=24 * 30)


def _notify(config: Mapping[str, Any], keys: set[str], templates: set[str], errors: Errors) -> None:
    from nurturing.models.messages import NotifyChannel

    if config.get("to") != "owner" and not config.get("channel"):
        _add(errors, "to", _("Notify the lead's owner (\"owner\") or name a notify channel."))
    channel = config.get("channel")
    if channel and (not isinstance(channel, str) or not NotifyChannel.objects.filter(slug=channel).exists()):
        _add(errors, "channel", _("Choose an existing notify channel."))
    if not str(config.get("text", "")).strip():
        _add(errors, "text", _("This setting is required."))


def branch_rule(condition: Any) -> Any:
    """The segment rule tree a branch condition stands for (score and event shorthands included)."""
    if isinstance(condition, dict) and set(condition) == {"score"} and isinstance(condition["score"], dict):
        score = condition["score"]
        op = "gte" if "gte" in score else "lte"
        return {"field": score.get("field", "engagement_score"), "op": op, "value": score.get(op)}
    return condition


def _branch(config: Mapping[str, Any], keys: set[str], templates: set[str], errors: Errors) -> None:
    if "condition" not in config:
        _add(errors, "condition", _("This setting is required."))
    else:
        _rule_errors(errors, "condition", branch_rule(config["condition"]))
    _key_ref(errors, config, "then", keys, required=False)
    _key_ref(errors, config, "else", keys, required=False)


def _ab_split(config: Mapping[str, Any], keys: set[str], templates: set[str], errors: Errors) -> None:
    variants = config.get("variants")
    if not isinstance(variants, list) or len(variants) < 2:
        _add(errors, "variants", _("Give at least two variants."))
        variants = []
    seen: set[str] = set()
    for index, variant in enumerate(variants):
        path = f"variants[{index}]"
        if not isinstance(variant, dict) or not isinstance(variant.get("key"), str) or not variant["key"].strip():
            _add(errors, f"{path}.key", _("This setting is required."))
            continue
        if variant["key"] in seen:
            _add(errors, f"{path}.key", _("Variant keys must differ."))
        seen.add(variant["key"])
        _whole(errors, variant, "weight", low=1, high=100, required=True)
        _key_ref(errors, variant, "goto", keys, required=True)
    if not isinstance(config.get("goal"), str) or config["goal"] not in GOALS:
        _add(errors, "goal", _("Choose one of: %(goals)s.") % {"goals": ", ".join(GOALS)})
    _whole(errors, config, "window_days", low=1, high=90)
    _whole(errors, config, "min_sample", low=10, high=1_000_000)
    alpha = config.get("alpha", 0.05)
    if not isinstance(alpha, int | float) or isinstance(alpha, bool) or not 0 < alpha < 0.5:
        _add(errors, "alpha", _("Give a significance level between 0 and 0.5, e.g. 0.05."))


def _set_field(config: Mapping[str, Any], keys: set[str], templates: set[str], errors: Errors) -> None:
    field = str(config.get("field", ""))
    if field not in SETTABLE_FIELDS and not field.startswith("attributes."):
        _add(errors, "field", _("Choose one of: %(fields)s, or attributes.<key>.") % {
            "fields": ", ".join(SETTABLE_FIELDS)})  # fmt: skip
    if "value" not in config:
        _add(errors, "value", _("This setting is required."))
    elif field.startswith("bant_") and not isinstance(config["value"], bool):
        _add(errors, "value", _("BANT points are true or false."))


def _add_tag(config: Mapping[str, Any], keys: set[str], templates: set[str], errors: Errors) -> None:
    if not str(config.get("tag", "")).strip():
        _add(errors, "tag", _("This setting is required."))


def _change_temperature(config: Mapping[str, Any], keys: set[str], templates: set[str], errors: Errors) -> None:
    if not isinstance(config.get("temperature"), str) or config["temperature"] not in Temperature.values:
        _add(errors, "temperature", _("Choose one of: %(values)s.") % {"values": ", ".join(Temperature.values)})


def _goto(config: Mapping[str, Any], keys: set[str], templates: set[str], errors: Errors) -> None:
    _key_ref(errors, config, "to", keys, required=True)
    _whole(errors, config, "max_visits", low=1, high=1000)


_CHECKS: dict[str, Callable[[Mapping[str, Any], set[str], set[str], Errors], None]] = {
    StepKind.SEND_EMAIL: _send_email, StepKind.WAIT: _wait, StepKind.CREATE_TASK: _create_task,
    StepKind.NOTIFY: _notify, StepKind.BRANCH: _branch, StepKind.AB_SPLIT: _ab_split,
    StepKind.SET_FIELD: _set_field, StepKind.ADD_TAG: _add_tag,
    StepKind.CHANGE_TEMPERATURE: _change_temperature, StepKind.GOTO: _goto,
}  # fmt: skip


def step_config_errors(*, kind: str, config: Any, keys: set[str], templates: set[str] | None = None) -> Errors:
    """Every problem of one step's settings, keyed `kind` or `config.<path>`; empty when valid.

    `keys` are the step keys of the sequence (targets of branches, splits and gotos); `templates` the
    email template slugs (read from the database when not given).
    """
    if kind not in _CHECKS:
        return {"kind": [_("Choose a step kind.")]}
    if not isinstance(config, dict):
        return {"config": [_("Step settings must be a JSON object.")]}
    if templates is None:
        from nurturing.models.sequences import EmailTemplate

        templates = set(EmailTemplate.objects.values_list("slug", flat=True))
    errors: Errors = {}
    _CHECKS[kind](config, keys, templates, errors)
    return errors


# --- pure computations ------------------------------------------------------------------------------------


def wait_until(*, config: Mapping[str, Any], start: dt.datetime) -> dt.datetime:
    """When a wait entered at `start` ends: the duration (business days on the business calendar), then
    the first moment inside the weekday/hour window, if one is set. Days and hours are the business's
    (settings.TIME_ZONE), whoever's browser asks (a dry run runs in a request with the user's zone)."""
    with timezone.override(settings.TIME_ZONE):
        return _wait_until(config, start)


def _wait_until(config: Mapping[str, Any], start: dt.datetime) -> dt.datetime:
    if "business_days" in config:
        end = add_business_days(start, int(config["business_days"]))
    else:
        end = start + dt.timedelta(days=config.get("days", 0), hours=config.get("hours", 0),
                                   minutes=config.get("minutes", 0))  # fmt: skip
    window = config.get("window")
    return next_in_window(end, window) if window else end


def next_in_window(moment: dt.datetime, window: Mapping[str, Any]) -> dt.datetime:
    """The first instant at or after `moment` on an allowed weekday between from_hour and to_hour (local)."""
    weekdays = set(window.get("weekdays", range(7)))
    low, high = int(window.get("from_hour", 0)), int(window.get("to_hour", 24))
    local = timezone.localtime(moment)
    for offset in range(8):
        day = local.date() + dt.timedelta(days=offset)
        if day.weekday() not in weekdays:
            continue
        opens = timezone.make_aware(dt.datetime.combine(day, dt.time(low)))
        closes = timezone.make_aware(dt.datetime.combine(day, dt.time(0))) + dt.timedelta(hours=high)
        if local < closes:
            return max(local, opens)
    return moment  # no allowed weekday at all: validation prevents it


def variant_pick(*, variants: list[Mapping[str, Any]], seed: str) -> Mapping[str, Any]:
    """A weighted choice that is the same every time for the same seed (an enrollment), so a redone split
    sends the entrant the same way."""
    total = sum(int(variant["weight"]) for variant in variants)
    point = int(hashlib.sha256(seed.encode()).hexdigest()[:12], 16) % total
    for variant in variants:
        point -= int(variant["weight"])
        if point < 0:
            return variant
    return variants[-1]
