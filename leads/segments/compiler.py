"""Compile a parsed rule tree to one Django `Q` over Lead: no query runs here.

Every leaf is two-valued (never SQL NULL), so `not` is a plain negation: Django guards nullable columns in
a negated Q itself, custom attributes are guarded with "key present and not JSON null", tags are EXISTS and
events are `id IN (...)` over touchpoints of known leads only. Works on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import operator
from functools import reduce
from typing import Any

from django.db.models import Count, Exists, F, FloatField, Func, OuterRef, Q
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, In, IsNull, LessThan, LessThanOrEqual

from leads.models import Lead, Touchpoint
from leads.segments.fields import ATTRIBUTE_PREFIX, FieldSpec, FieldType, Op
from leads.segments.rules import EventLeaf, FieldLeaf, Group, Moment, Node, Not, TagLeaf

NOTHING = Q(pk__in=[])
EVERYTHING = Q(pk__isnull=False)


def segment_q(node: Node, *, now: dt.datetime) -> Q:
    """The condition a lead must meet to be in the segment; `now` anchors event windows."""
    if isinstance(node, Group):
        combine = operator.and_ if node.kind == "all" else operator.or_
        return reduce(combine, (segment_q(child, now=now) for child in node.children))
    if isinstance(node, Not):
        return ~segment_q(node.child, now=now)
    if isinstance(node, TagLeaf):
        return Q(Exists(Lead.tags.through.objects.filter(lead_id=OuterRef("pk"), tag__name=node.name)))
    if isinstance(node, EventLeaf):
        return _event_q(node, now=now)
    if node.spec.type == FieldType.ATTRIBUTE:
        return _attribute_q(node)
    if node.spec.type == FieldType.DATETIME:
        return _moment_q(node)
    return _column_q(node)


def _column_q(leaf: FieldLeaf) -> Q:
    if leaf.spec.expression is not None:
        return _expression_q(leaf)
    lookup, op, value = leaf.spec.lookup, leaf.op, leaf.value
    if op == Op.IS_NULL:
        return _empty_q(leaf.spec) if value else ~_empty_q(leaf.spec)
    if op in (Op.EQ, Op.NE):
        condition = Q(**{lookup: value})
        return condition if op == Op.EQ else ~condition
    if op in (Op.IN, Op.NOT_IN):
        condition = Q(**{f"{lookup}__in": value})
        return condition if op == Op.IN else ~condition
    if op == Op.CONTAINS:
        return Q(**{f"{lookup}__icontains": value})
    if op == Op.BETWEEN:
        return Q(**{f"{lookup}__gte": value[0], f"{lookup}__lte": value[1]})
    return Q(**{f"{lookup}__{op.value}": value})


_LOOKUPS = {Op.GT: GreaterThan, Op.GTE: GreaterThanOrEqual, Op.LT: LessThan, Op.LTE: LessThanOrEqual}


def _expression_q(leaf: FieldLeaf) -> Q:
    """A computed number (BANT points met): never NULL, so `is empty` is false and `not` is plain."""
    expression, op, value = leaf.spec.expression, leaf.op, leaf.value
    if op == Op.IS_NULL:
        return NOTHING if value else EVERYTHING
    if op in (Op.EQ, Op.NE):
        condition = Q(Exact(expression, value))
        return condition if op == Op.EQ else ~condition
    if op in (Op.IN, Op.NOT_IN):
        condition = Q(In(expression, list(value)))
        return condition if op == Op.IN else ~condition
    if op == Op.BETWEEN:
        return Q(GreaterThanOrEqual(expression, value[0])) & Q(LessThanOrEqual(expression, value[1]))
    return Q(_LOOKUPS[op](expression, value))


def _empty_q(spec: FieldSpec) -> Q:
    condition = Q(**{f"{spec.lookup}__isnull": True}) if spec.nullable else NOTHING
    if spec.type in (FieldType.TEXT, FieldType.CHOICE):
        condition |= Q(**{spec.lookup: ""})
    return condition


def _moment_q(leaf: FieldLeaf) -> Q:
    """A date covers its whole day: `lte 2026-01-31` takes the 31st, `gt 2026-01-31` starts on the 1st."""
    lookup, op, value = leaf.spec.lookup, leaf.op, leaf.value
    if op == Op.IS_NULL:
        return _empty_q(leaf.spec) if value else ~_empty_q(leaf.spec)
    if op == Op.BETWEEN:
        return _moment_bound(lookup, Op.GTE, value[0]) & _moment_bound(lookup, Op.LTE, value[1])
    if op in (Op.EQ, Op.NE):
        same = Q(**{lookup: value.start}) if value.end is None else Q(
            **{f"{lookup}__gte": value.start, f"{lookup}__lt": value.end})  # fmt: skip
        return same if op == Op.EQ else ~same
    return _moment_bound(lookup, op, value)


def _moment_bound(lookup: str, op: Op, value: Moment) -> Q:
    if value.end is None:
        return Q(**{f"{lookup}__{op.value}": value.start})
    bound = {Op.GT: ("gte", value.end), Op.GTE: ("gte", value.start), Op.LT: ("lt", value.start),
             Op.LTE: ("lt", value.end)}[op]  # fmt: skip
    return Q(**{f"{lookup}__{bound[0]}": bound[1]})


class AttributeNumber(Func):
    """A custom attribute's value as a number, NULL when it is missing or not a JSON number."""

    output_field = FloatField()

    def __init__(self, key: str) -> None:
        super().__init__(F("attributes"))
        self.key = key  # checked against fields.ATTRIBUTE_KEY: letters, digits, "_" and "-"

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column, params = compiler.compile(self.source_expressions[0])
        path = f'$."{self.key}"'
        sql = f"(CASE WHEN json_type({column}, %s) IN ('integer', 'real') THEN json_extract({column}, %s) END)"
        return sql, [*params, path, *params, path]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        sql = f"(CASE WHEN jsonb_typeof({column} -> %s) = 'number' THEN ({column} ->> %s)::double precision END)"
        return sql, [*params, self.key, *params, self.key]


_COMPARE = {Op.GT: GreaterThan, Op.GTE: GreaterThanOrEqual, Op.LT: LessThan, Op.LTE: LessThanOrEqual}


def _attribute_q(leaf: FieldLeaf) -> Q:
    key = leaf.spec.name.removeprefix(ATTRIBUTE_PREFIX)
    lookup, op, value = leaf.spec.lookup, leaf.op, leaf.value
    present = Q(attributes__has_key=key) & ~Q(**{lookup: None})
    if op == Op.IS_NULL:
        return ~present if value else present
    if op in (Op.EQ, Op.NE):
        same = present & Q(**{lookup: value})
        return same if op == Op.EQ else ~same
    if op in (Op.IN, Op.NOT_IN):
        among = present & Q(**{f"{lookup}__in": list(value)})
        return among if op == Op.IN else ~among
    if op == Op.CONTAINS:
        return present & Q(**{f"{lookup}__icontains": value})
    number = AttributeNumber(key)
    is_number = Q(IsNull(number, False))
    if op == Op.BETWEEN:
        return is_number & Q(GreaterThanOrEqual(number, value[0])) & Q(LessThanOrEqual(number, value[1]))
    return is_number & Q(_COMPARE[op](number, value))


def _event_q(leaf: EventLeaf, *, now: dt.datetime) -> Q:
    """Leads with a number of matching touchpoints in (now - within_days, now] inside the count bounds."""
    touches = Touchpoint.objects.filter(occurred_at__lte=now)
    if leaf.within_days is not None:
        touches = touches.filter(occurred_at__gte=now - dt.timedelta(days=leaf.within_days))
    if leaf.kinds:
        touches = touches.filter(kind__in=leaf.kinds)
    if leaf.channels:
        touches = touches.filter(channel__slug__in=leaf.channels)
    if leaf.campaigns:
        touches = touches.filter(campaign__slug__in=leaf.campaigns)
    if leaf.outcomes:
        touches = touches.filter(properties__outcome__in=leaf.outcomes)
    if leaf.count_gte == 1 and leaf.count_lte is None:
        # Correlated: NULL-safe under a negation, and PostgreSQL probes (lead_id, occurred_at) for each lead it
        # asks about (with `lead_id IS NOT NULL` beside it, it read every touchpoint of the lead instead).
        return Q(Exists(touches.filter(lead_id=OuterRef("pk"))))
    counted = touches.filter(lead__isnull=False).order_by().values("lead_id").annotate(n=Count("id"))
    if leaf.count_gte >= 1:
        if leaf.count_lte is not None:
            counted = counted.filter(n__lte=leaf.count_lte)
        return Q(pk__in=counted.filter(n__gte=leaf.count_gte).values("lead_id"))
    if leaf.count_lte is None:
        return EVERYTHING  # "at least 0 times": every lead
    return ~Q(pk__in=counted.filter(n__gt=leaf.count_lte).values("lead_id"))
