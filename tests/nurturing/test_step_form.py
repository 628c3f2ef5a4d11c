"""The typed step editor: labelled inputs per step kind assemble the settings the service validates; its
errors land next to the input; the JSON stays as an advanced fallback."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from nurturing.models.sequences import Sequence, Step
from tests.nurturing.sequence_helpers import make_sequence, template

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def sequence() -> Sequence:
    return make_sequence([("a", "add_tag", {"tag": "a"}), ("b", "add_tag", {"tag": "b"})], status="draft")


def add_step(client: Client, sequence: Sequence, data: dict[str, Any]) -> Any:
    return client.post(f"/nurturing/sequences/{sequence.pk}/steps/", data, headers=HX)


def new_step(sequence: Sequence) -> Step:
    return sequence.steps.order_by("-position").first()  # type: ignore[return-value]


def field_html(body: str, name: str) -> str:
    """The `components/field.html` block of the input called `name` (label, input, help, errors)."""
    at = body.index(f'name="{name}"')
    start = body.rindex('<div class="field', 0, at)
    return body[start : body.index("</div>", at)]


def test_a_typed_wait_in_business_days_inside_a_window_is_stored_as_the_service_settings(
        marketer: Client, sequence: Sequence) -> None:  # fmt: skip
    # given a draft sequence; when the wait fieldset is posted
    response = add_step(marketer, sequence, {
        "kind": "wait", "name": "Two working days", "wait_amount": "2", "wait_unit": "business_days",
        "wait_weekdays": ["0", "1", "2", "3", "4"], "wait_from_hour": "9", "wait_to_hour": "18",
        "config": ""})  # fmt: skip

    # then the step holds the settings dict the engine reads
    assert response.status_code == 200
    step = new_step(sequence)
    assert (step.kind, step.name) == ("wait", "Two working days")
    assert step.config == {"business_days": 2, "window": {"weekdays": [0, 1, 2, 3, 4], "from_hour": 9, "to_hour": 18}}


def test_a_typed_send_email_keeps_advanced_by_rule_settings_from_the_json(marketer: Client, sequence: Sequence) -> None:
    # given two templates; when the template is chosen in its select and a by_rule list is given as JSON
    template(slug="finance")
    by_rule = '{"by_rule": [{"when": {"field": "industry", "op": "eq", "value": "金融"}, "template": "finance"}]}'
    response = add_step(marketer, sequence, {"kind": "send_email", "send_email_template": "hello", "config": by_rule})

    # then both are stored
    assert response.status_code == 200
    assert new_step(sequence).config == {"template": "hello", "by_rule": [
        {"when": {"field": "industry", "op": "eq", "value": "金融"}, "template": "finance"}]}  # fmt: skip


def test_a_typed_create_task_stores_title_kind_and_due_hours(marketer: Client, sequence: Sequence) -> None:
    response = add_step(marketer, sequence, {
        "kind": "create_task", "create_task_title": "Call about the webinar", "create_task_kind": "follow_up",
        "create_task_due_hours": "24"})  # fmt: skip

    assert response.status_code == 200
    assert new_step(sequence).config == {"title": "Call about the webinar", "kind": "follow_up", "due_hours": 24}


def test_a_typed_branch_on_a_score_goes_to_the_chosen_steps(marketer: Client, sequence: Sequence) -> None:
    # given steps a and b to branch to; then the target selects offer them
    page = marketer.get(f"/nurturing/sequences/{sequence.pk}/").content.decode()
    assert '<option value="b">b · ' in field_html(page, "branch_else")

    # when the branch is posted with a score condition
    response = add_step(marketer, sequence, {
        "kind": "branch", "branch_score_field": "fit_score", "branch_score_op": "lte", "branch_score_value": "40",
        "branch_then": "a", "branch_else": "b"})  # fmt: skip

    # then the score shorthand the service understands is stored
    assert response.status_code == 200
    assert new_step(sequence).config == {"condition": {"score": {"field": "fit_score", "lte": 40}},
                                         "then": "a", "else": "b"}  # fmt: skip


def test_a_typed_ab_split_and_a_notify_to_the_owner(marketer: Client, sequence: Sequence) -> None:
    add_step(marketer, sequence, {
        "kind": "ab_split", "ab_split_a_key": "a", "ab_split_a_weight": "70", "ab_split_a_goto": "a",
        "ab_split_b_key": "b", "ab_split_b_weight": "30", "ab_split_b_goto": "b", "ab_split_goal": "click",
        "ab_split_window_days": "7"})  # fmt: skip
    assert new_step(sequence).config == {"variants": [{"key": "a", "weight": 70, "goto": "a"},
                                                      {"key": "b", "weight": 30, "goto": "b"}],
                                         "goal": "click", "window_days": 7}  # fmt: skip

    add_step(marketer, sequence, {"kind": "notify", "notify_recipient": "owner", "notify_text": "Call {{ lead }}"})
    assert new_step(sequence).config == {"to": "owner", "text": "Call {{ lead }}"}


def test_a_bad_wait_amount_shows_the_service_error_next_to_the_amount_input(marketer: Client,
                                                                             sequence: Sequence) -> None:  # fmt: skip
    # when a negative wait is posted through the typed input
    response = add_step(marketer, sequence, {"kind": "wait", "wait_amount": "-2", "wait_unit": "days"})

    # then nothing is stored and the service's message sits in the amount's field block, not on the JSON
    assert response.status_code == 422
    assert sequence.steps.count() == 2
    body = response.content.decode()
    assert "Enter a whole number from 0 to 365." in field_html(body, "wait_amount")
    assert "field-error" not in field_html(body, "config")


def test_a_missing_task_title_is_shown_on_the_title_input(marketer: Client, sequence: Sequence) -> None:
    response = add_step(marketer, sequence, {"kind": "create_task", "create_task_kind": "call"})

    assert response.status_code == 422
    assert "This setting is required." in field_html(response.content.decode(), "create_task_title")


def test_the_json_fallback_still_works_and_its_errors_stay_on_the_json(marketer: Client, sequence: Sequence) -> None:
    # given only JSON, no typed input
    ok = add_step(marketer, sequence, {"kind": "add_tag", "config": '{"tag": "webinar"}'})
    assert ok.status_code == 200 and new_step(sequence).config == {"tag": "webinar"}

    # when the JSON alone is wrong, then the error names the setting on the JSON field
    bad = add_step(marketer, sequence, {"kind": "wait", "config": '{"days": -2}'})
    assert bad.status_code == 422
    assert "days: Enter a whole number" in field_html(bad.content.decode(), "config")


def test_typed_inputs_win_over_the_json_for_the_keys_they_cover(marketer: Client, sequence: Sequence) -> None:
    add_step(marketer, sequence, {"kind": "wait", "wait_amount": "3", "wait_unit": "hours", "config": '{"days": 5}'})

    assert new_step(sequence).config == {"hours": 3}


def test_another_kinds_inputs_are_ignored(marketer: Client, sequence: Sequence) -> None:
    # given a stale, malformed wait amount left in the hidden wait fieldset
    response = add_step(marketer, sequence, {"kind": "add_tag", "add_tag_tag": "x", "wait_amount": "soon"})

    assert response.status_code == 200 and new_step(sequence).config == {"tag": "x"}


def test_editing_a_step_fills_the_typed_inputs_and_leaves_the_rest_in_the_json(marketer: Client) -> None:
    # given a stored send_email step with a by_rule list
    rules = [{"when": {"field": "industry", "op": "eq", "value": "金融"}, "template": "hello"}]
    sequence = make_sequence([("e", "send_email", {"template": "hello", "by_rule": rules})], status="draft")
    step = sequence.steps.get()
    url = f"/nurturing/sequences/{sequence.pk}/steps/{step.pk}/"

    # when the inline editor opens, then the template is selected and only by_rule is left in the JSON
    form = marketer.get(url, headers=HX).content.decode()
    assert '<option value="hello" selected>' in field_html(form, "send_email_template")
    advanced = field_html(form, "config")
    assert "&quot;by_rule&quot;" in advanced and advanced.count("&quot;template&quot;") == 1  # the rule's only

    # when it is saved as a wait instead, then the wait settings replace the email's
    saved = marketer.post(url, {"kind": "wait", "name": "Pause", "wait_amount": "1", "wait_unit": "days"}, headers=HX)
    assert saved.status_code == 200
    step.refresh_from_db()
    assert (step.kind, step.name, step.config) == ("wait", "Pause", {"days": 1})
