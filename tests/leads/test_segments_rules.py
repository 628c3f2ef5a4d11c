"""Segment rule validation: a bad tree gets every error at once, each keyed by the path of its node."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from leadflow.errors import ValidationFailed
from leads.models import Tag
from leads.segments.rules import MAX_DEPTH, MAX_NODES, rule_parse
from leads.segments.selectors import segment_rule_checked, segment_rule_errors
from tests.factories import CampaignFactory, ChannelFactory


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def errors_of(rule: Any) -> dict[str, list[str]]:
    parsed = rule_parse(rule)
    assert parsed.node is None
    return parsed.errors


def test_a_valid_tree_has_no_errors():
    parsed = rule_parse({"all": [{"field": "fit_score", "op": "gte", "value": 50}, {"not": {"stage": "customer"}}]})

    assert parsed.errors == {}
    assert parsed.node is not None


def test_unknown_field_points_at_the_field_key():
    errors = errors_of({"all": [{"stage": "mql"}, {"field": "shoe_size", "op": "eq", "value": 42}]})

    assert errors == {"rule.all[1].field": ["Unknown field “shoe_size”."]}


def test_unknown_operator_points_at_the_op():
    errors = errors_of({"any": [{"field": "title", "op": "foo", "value": "x"}]})

    assert errors == {"rule.any[0].op": ["Unknown operator “foo”."]}


def test_operator_not_valid_for_the_field_type():
    errors = errors_of({"all": [
        {"field": "fit_score", "op": "contains", "value": "5"},
        {"field": "consent_email", "op": "gt", "value": True},
        {"field": "industry", "op": "between", "value": ["a", "z"]},
    ]})  # fmt: skip

    assert set(errors) == {"rule.all[0].op", "rule.all[1].op", "rule.all[2].op"}
    assert errors["rule.all[0].op"] == ["The operator “contains” does not apply to the field “fit_score”."]


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"field": "fit_score", "op": "gt", "value": "high"}, "Expected a number."),
        ({"field": "fit_score", "op": "gt", "value": True}, "Expected a number."),
        ({"field": "consent_email", "op": "eq", "value": "yes"}, "Expected true or false."),
        ({"field": "stage", "op": "eq", "value": "won"}, "Expected one of: lead, mql, sal, sql, opportunity, "
                                                         "customer, disqualified, lost."),
        ({"field": "created_at", "op": "gt", "value": "last week"}, "Expected a date (YYYY-MM-DD) or a date and "
                                                                    "time (ISO 8601)."),
        ({"field": "industry", "op": "in", "value": []}, "Expected a list of 1 to 1000 values."),
        ({"field": "industry", "op": "in", "value": "manufacturing"}, "Expected a list of 1 to 1000 values."),
        ({"field": "fit_score", "op": "between", "value": [80, 20]}, "The lower bound is above the upper bound."),
        ({"field": "fit_score", "op": "between", "value": [1]}, "Expected a list of two values: the lower bound, "
                                                                "then the upper bound."),
        ({"field": "title", "op": "eq"}, "A value is required."),
        ({"field": "title", "op": "eq", "value": "a\x00b"}, "Expected text of 1 to 500 characters."),
        ({"field": "title", "op": "is_null", "value": "yes"}, "Expected true or false."),
        ({"field": "attributes.seats", "op": "gt", "value": "ten"}, "Expected a number."),
    ],
)  # fmt: skip
def test_bad_value_type_points_at_the_value(condition: dict[str, Any], message: str):
    errors = errors_of({"all": [{"stage": "lead"}, condition]})

    assert errors == {"rule.all[1].value": [message]}


def test_a_bad_item_of_a_list_points_at_the_item():
    errors = errors_of({"field": "fit_score", "op": "in", "value": [10, "x", 30]})

    assert errors == {"rule.value[1]": ["Expected a number."]}


def test_empty_group_points_at_the_group():
    errors = errors_of({"all": [{"stage": "lead"}, {"any": []}]})

    assert errors == {"rule.all[1].any": ["A group needs a list of at least one condition."]}


def test_too_deep_nesting_points_at_the_first_group_past_the_limit():
    rule: dict[str, Any] = {"stage": "lead"}
    for _ in range(MAX_DEPTH):
        rule = {"not": rule}

    errors = errors_of(rule)

    assert errors == {"rule" + ".not" * (MAX_DEPTH - 1): [f"Groups nest at most {MAX_DEPTH} levels deep."]}


def test_too_many_conditions_is_one_error():
    errors = errors_of({"any": [{"stage": "lead"}] * (MAX_NODES + 5)})

    assert list(errors.values()) == [[f"A segment has at most {MAX_NODES} conditions."]]


@pytest.mark.parametrize("node", [[], "stage", {}, {"stage": "lead", "tag": "x"}, {"foo": 1}, None])
def test_a_node_that_is_not_exactly_one_condition(node: Any):
    errors = errors_of({"all": [node]})

    assert list(errors) == ["rule.all[0]"]


def test_unexpected_keys_are_named():
    errors = errors_of({"field": "title", "op": "eq", "value": "CTO", "values": ["x"]})

    assert errors == {"rule.values": ["Unexpected key “values”."]}


def test_bad_event_conditions_point_at_each_bad_key():
    errors = errors_of({"all": [{"event": {
        "kind": ["email_click", "smoke_signal"], "within_days": 0, "count_gte": 3, "count_lte": 1, "colour": "red",
    }}]})  # fmt: skip

    assert errors == {
        "rule.all[0].event.kind[1]": ["Unknown touchpoint kind “smoke_signal”."],
        "rule.all[0].event.within_days": ["Expected a whole number from 1 to 3650."],
        "rule.all[0].event.count_lte": ["The upper count bound is below the lower one."],
        "rule.all[0].event.colour": ["Unexpected key “colour”."],
    }


def test_every_error_of_the_tree_is_reported_not_just_the_first():
    errors = errors_of({"all": [
        {"field": "nope", "op": "eq", "value": 1},
        {"any": [{"field": "fit_score", "op": "gt", "value": "x"}, {"not": {"all": []}}]},
    ]})  # fmt: skip

    assert set(errors) == {"rule.all[0].field", "rule.all[1].any[0].value", "rule.all[1].any[1].not.all"}


@pytest.mark.parametrize("key", ["a__b", "a.b", "", "x" * 65, "名字"])
def test_attribute_keys_are_plain_names(key: str):
    errors = errors_of({"field": f"attributes.{key}", "op": "eq", "value": 1})

    assert list(errors) == ["rule.field"]


@pytest.mark.django_db
def test_unknown_tag_channel_and_campaign_point_at_where_they_are_used():
    Tag.objects.create(name="vip")
    ChannelFactory(slug="baidu-sem")
    CampaignFactory(slug="launch")
    rule = {"all": [
        {"tag": "vip"}, {"tag": "ghost"},
        {"field": "source_channel", "op": "in", "value": ["baidu-sem", "nowhere"]},
        {"event": {"campaign": "launch", "channel": "tv"}},
        {"not": {"tag": "ghost"}},
    ]}  # fmt: skip

    node, errors = segment_rule_errors(rule=rule)

    assert node is None
    assert errors == {
        "rule.all[1].tag": ["Unknown tag “ghost”."],
        "rule.all[2].value[1]": ["Unknown channel “nowhere”."],
        "rule.all[3].event.channel": ["Unknown channel “tv”."],
        "rule.all[4].not.tag": ["Unknown tag “ghost”."],
    }


@pytest.mark.django_db
def test_checked_rule_raises_validation_failed_with_the_paths():
    with pytest.raises(ValidationFailed) as raised:
        segment_rule_checked(rule={"any": [{"tag": "ghost"}]})

    assert raised.value.errors == {"rule.any[0].tag": ["Unknown tag “ghost”."]}
