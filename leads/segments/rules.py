"""Parse a segment rule tree (spec/scoring.md) into typed nodes, collecting every error with its node path.

Grammar (JSON): a node is one of
  {"all": [node, ...]}  {"any": [node, ...]}  {"not": node}
  {"field": name, "op": op, "value": v}       name: leads.segments.fields, or "attributes.<key>"
  {"stage": "customer"} | {"stage": ["mql", "sql"]}
  {"tag": "product:analytics"}
  {"event": {"kind": k | [k, ...], "channel": slug | [...], "campaign": slug | [...], "within_days": n,
             "count_gte": n, "count_lte": n}}
Paths name the node as it is written: `rule.all[1].any[0].op`. Parsing needs no database; the names of
tags, channels and campaigns are returned as references for `segment_rule_errors` to check in one query each.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from leads.choices import CallOutcome, TouchpointKind
from leads.segments.fields import OPERATORS, FieldSpec, FieldType, Op, field_spec

# The spec leaves nesting unlimited; these bounds only keep a hostile tree from exhausting the parser or the
# database planner, far beyond what the builder produces.
MAX_DEPTH = 12
MAX_NODES = 500
MAX_LIST = 1000
MAX_TEXT = 500
MAX_NUMBER = 10**15
MAX_WINDOW_DAYS = 3650
NODE_KEYS = ("all", "any", "not", "field", "tag", "stage", "event")
EVENT_KEYS = ("kind", "channel", "campaign", "outcome", "within_days", "count_gte", "count_lte")


@dataclass(frozen=True)
class Moment:
    """A date (the whole day in the current time zone: [start, end)) or an exact instant (end is None)."""

    start: dt.datetime
    end: dt.datetime | None = None


Scalar = str | int | float | bool | Moment


@dataclass(frozen=True)
class Group:
    kind: str  # "all" or "any"
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class FieldLeaf:
    spec: FieldSpec
    op: Op
    value: Any  # a Scalar, a tuple of Scalars (in, not_in, between), or a bool (is_null)


@dataclass(frozen=True)
class TagLeaf:
    name: str


@dataclass(frozen=True)
class EventLeaf:
    kinds: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    campaigns: tuple[str, ...] = ()
    within_days: int | None = None
    count_gte: int = 1
    count_lte: int | None = None
    outcomes: tuple[str, ...] = ()  # of logged calls and meetings (CallOutcome)


Node = Group | Not | FieldLeaf | TagLeaf | EventLeaf


@dataclass
class ParseResult:
    node: Node | None
    errors: dict[str, list[str]] = field(default_factory=dict)
    # name -> paths that use it, for the database checks
    tags: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    channels: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    campaigns: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


def rule_parse(tree: Any, *, root: str = "rule") -> ParseResult:
    """Every error of the tree at once (not just the first); `node` is None when there is any."""
    parser = _Parser()
    node = parser.node(tree, root, depth=1)
    result = parser.result
    result.node = None if result.errors else node
    return result


class _Parser:
    def __init__(self) -> None:
        self.result = ParseResult(node=None)
        self.count = 0

    def error(self, path: str, message: str) -> None:
        self.result.errors.setdefault(path, []).append(message)

    def node(self, data: Any, path: str, *, depth: int) -> Node | None:
        self.count += 1
        if self.count > MAX_NODES:
            if self.count == MAX_NODES + 1:
                self.error(path, _("A segment has at most %(max)d conditions.") % {"max": MAX_NODES})
            return None
        keys = [key for key in NODE_KEYS if isinstance(data, dict) and key in data]
        if not isinstance(data, dict) or len(keys) != 1:
            self.error(path, _("A condition is an object with exactly one of: all, any, not, field, tag, stage, "
                               "event."))  # fmt: skip
            return None
        kind = keys[0]
        allowed = {"field", "op", "value"} if kind == "field" else {kind}
        for key in data:
            if key not in allowed:
                self.error(f"{path}.{key}", _("Unexpected key “%(key)s”.") % {"key": str(key)[:50]})
        if kind in ("all", "any", "not"):
            if depth >= MAX_DEPTH:
                self.error(path, _("Groups nest at most %(max)d levels deep.") % {"max": MAX_DEPTH})
                return None
            return self.group(kind, data[kind], f"{path}.{kind}", depth=depth)
        if kind == "field":
            return self.field_leaf(data, path)
        if kind == "tag":
            return self.tag_leaf(data["tag"], f"{path}.tag")
        if kind == "stage":
            return self.stage_leaf(data["stage"], f"{path}.stage")
        return self.event_leaf(data["event"], f"{path}.event")

    def group(self, kind: str, data: Any, path: str, *, depth: int) -> Node | None:
        if kind == "not":
            child = self.node(data, path, depth=depth + 1)
            return Not(child) if child is not None else None
        if not isinstance(data, list) or not data:
            self.error(path, _("A group needs a list of at least one condition."))
            return None
        children = [self.node(item, f"{path}[{index}]", depth=depth + 1) for index, item in enumerate(data)]
        if any(child is None for child in children):
            return None
        return Group(kind, tuple(child for child in children if child is not None))

    def tag_leaf(self, data: Any, path: str) -> Node | None:
        name = self.text(data, path)
        if name is None:
            return None
        self.result.tags[name].append(path)
        return TagLeaf(name)

    def stage_leaf(self, data: Any, path: str) -> Node | None:
        spec = field_spec("stage")
        assert spec is not None
        if isinstance(data, list):
            values = self.values(spec, data, path, between=False)
            return FieldLeaf(spec, Op.IN, values) if values is not None else None
        value = self.scalar(spec, data, path)
        return FieldLeaf(spec, Op.EQ, value) if value is not None else None

    def field_leaf(self, data: dict[str, Any], path: str) -> Node | None:
        name, op_name = data.get("field"), data.get("op")
        spec = field_spec(name) if isinstance(name, str) else None
        if spec is None:
            self.error(f"{path}.field", _("Unknown field “%(name)s”.") % {"name": str(name)[:100]})
        try:
            op = Op(op_name) if isinstance(op_name, str) else None
        except ValueError:
            op = None
        if op is None:
            self.error(f"{path}.op", _("Unknown operator “%(op)s”.") % {"op": str(op_name)[:50]})
        if spec is None or op is None:
            return None
        if op not in OPERATORS[spec.type]:
            self.error(f"{path}.op", _("The operator “%(op)s” does not apply to the field “%(field)s”.")
                       % {"op": op.value, "field": spec.name})  # fmt: skip
            return None
        value = self.operand(spec, op, data.get("value"), "value" in data, f"{path}.value")
        return FieldLeaf(spec, op, value) if value is not None else None

    def operand(self, spec: FieldSpec, op: Op, data: Any, given: bool, path: str) -> Any:
        if op == Op.IS_NULL:
            if not given:
                return True
            if not isinstance(data, bool):
                self.error(path, _("Expected true or false."))
                return None
            return data
        if not given:
            self.error(path, _("A value is required."))
            return None
        if op in (Op.IN, Op.NOT_IN, Op.BETWEEN):
            return self.values(spec, data, path, between=op == Op.BETWEEN)
        if op == Op.CONTAINS:
            return self.text(data, path)
        if spec.type == FieldType.ATTRIBUTE and op in (Op.GT, Op.GTE, Op.LT, Op.LTE):
            return self.number(data, path)
        return self.scalar(spec, data, path)

    def values(self, spec: FieldSpec, data: Any, path: str, *, between: bool) -> tuple[Any, ...] | None:
        if between:
            if not isinstance(data, list) or len(data) != 2:
                self.error(path, _("Expected a list of two values: the lower bound, then the upper bound."))
                return None
        elif not isinstance(data, list) or not 1 <= len(data) <= MAX_LIST:
            self.error(path, _("Expected a list of 1 to %(max)d values.") % {"max": MAX_LIST})
            return None
        values: list[Any]
        if between and spec.type == FieldType.ATTRIBUTE:
            values = [self.number(item, f"{path}[{index}]") for index, item in enumerate(data)]
        else:
            values = [self.scalar(spec, item, f"{path}[{index}]") for index, item in enumerate(data)]
        if any(value is None for value in values):
            return None
        if between and _sort_key(values[0]) > _sort_key(values[1]):
            self.error(path, _("The lower bound is above the upper bound."))
            return None
        return tuple(values)

    def scalar(self, spec: FieldSpec, data: Any, path: str) -> Scalar | None:
        kind = spec.type
        if kind in (FieldType.TEXT, FieldType.REF):
            text = self.text(data, path)
            if text is not None and kind == FieldType.REF:
                refs = self.result.channels if spec.name == "source_channel" else self.result.campaigns
                refs[text].append(path)
            return text
        if kind == FieldType.NUMBER:
            return self.number(data, path)
        if kind == FieldType.BOOL:
            if not isinstance(data, bool):
                self.error(path, _("Expected true or false."))
                return None
            return data
        if kind == FieldType.CHOICE:
            allowed = [value for value, _label in spec.choices]
            if not isinstance(data, str) or data not in allowed:
                self.error(path, _("Expected one of: %(choices)s.") % {"choices": ", ".join(allowed)})
                return None
            return data
        if kind == FieldType.DATETIME:
            return self.moment(data, path)
        if isinstance(data, bool):  # a custom attribute: any JSON scalar
            return data
        if isinstance(data, int | float):
            return self.number(data, path)
        return self.text(data, path)

    def text(self, data: Any, path: str) -> str | None:
        if not isinstance(data, str) or not data or len(data) > MAX_TEXT or "\x00" in data:
            self.error(path, _("Expected text of 1 to %(max)d characters.") % {"max": MAX_TEXT})
            return None
        return data

    def number(self, data: Any, path: str) -> int | float | None:
        ok = isinstance(data, int | float) and not isinstance(data, bool) and math.isfinite(data)
        if not ok or abs(data) > MAX_NUMBER:
            self.error(path, _("Expected a number."))
            return None
        return data  # type: ignore[no-any-return]

    def moment(self, data: Any, path: str) -> Moment | None:
        parsed: dt.date | dt.datetime | None = None
        if isinstance(data, str) and len(data) <= 40:
            try:
                parsed = parse_date(data) or parse_datetime(data)
            except ValueError:
                parsed = None
        if parsed is None:
            self.error(path, _("Expected a date (YYYY-MM-DD) or a date and time (ISO 8601)."))
            return None
        if isinstance(parsed, dt.datetime):
            return Moment(parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed))
        start = timezone.make_aware(dt.datetime.combine(parsed, dt.time.min))
        end = timezone.make_aware(dt.datetime.combine(parsed + dt.timedelta(days=1), dt.time.min)) if (
            parsed < dt.date.max) else None  # fmt: skip
        return Moment(start, end)

    def event_leaf(self, data: Any, path: str) -> Node | None:
        if not isinstance(data, dict):
            self.error(path, _("An event condition is an object: kind, channel, campaign, outcome, within_days, "
                               "count_gte, count_lte."))  # fmt: skip
            return None
        before = len(self.result.errors)
        for key in data:
            if key not in EVENT_KEYS:
                self.error(f"{path}.{key}", _("Unexpected key “%(key)s”.") % {"key": str(key)[:50]})
        kinds = self.names(data.get("kind"), f"{path}.kind")
        for index, kind in enumerate(kinds):
            if kind not in TouchpointKind.values:
                at = f"{path}.kind" if not isinstance(data.get("kind"), list) else f"{path}.kind[{index}]"
                self.error(at, _("Unknown touchpoint kind “%(kind)s”.") % {"kind": kind[:50]})
        outcomes = self.names(data.get("outcome"), f"{path}.outcome")
        for index, outcome in enumerate(outcomes):
            if outcome not in CallOutcome.values:
                at = f"{path}.outcome" if not isinstance(data.get("outcome"), list) else f"{path}.outcome[{index}]"
                self.error(at, _("Unknown call outcome “%(outcome)s”.") % {"outcome": outcome[:50]})
        channels = self.names(data.get("channel"), f"{path}.channel", self.result.channels)
        campaigns = self.names(data.get("campaign"), f"{path}.campaign", self.result.campaigns)
        within = self.whole(data, "within_days", f"{path}.within_days", low=1, high=MAX_WINDOW_DAYS)
        low = self.whole(data, "count_gte", f"{path}.count_gte", low=0, high=MAX_NUMBER)
        high = self.whole(data, "count_lte", f"{path}.count_lte", low=0, high=MAX_NUMBER)
        count_gte = 1 if low is None and high is None else (low or 0)
        if high is not None and high < count_gte:
            self.error(f"{path}.count_lte", _("The upper count bound is below the lower one."))
        if len(self.result.errors) > before:
            return None
        return EventLeaf(tuple(kinds), tuple(channels), tuple(campaigns), within, count_gte, high, tuple(outcomes))

    def names(self, data: Any, path: str, refs: dict[str, list[str]] | None = None) -> list[str]:
        if data is None:
            return []
        items = data if isinstance(data, list) else [data]
        if isinstance(data, list) and not 1 <= len(data) <= MAX_LIST:
            self.error(path, _("Expected a list of 1 to %(max)d values.") % {"max": MAX_LIST})
            return []
        names = []
        for index, item in enumerate(items):
            at = f"{path}[{index}]" if isinstance(data, list) else path
            name = self.text(item, at)
            if name is not None:
                names.append(name)
                if refs is not None:
                    refs[name].append(at)
        return names

    def whole(self, data: dict[str, Any], key: str, path: str, *, low: int, high: int) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.error(path, _("Expected a whole number from %(low)d to %(high)d.") % {"low": low, "high": high})
            return None
        return value


def _sort_key(value: Any) -> Any:
    return value.start if isinstance(value, Moment) else value
