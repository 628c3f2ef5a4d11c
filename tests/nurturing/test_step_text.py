"""The sequence page describes each step's settings in words instead of showing its JSON."""

from __future__ import annotations

import pytest
from django.utils import translation

from nurturing.models.sequences import StepKind
from nurturing.step_text import step_text, trigger_text


@pytest.mark.parametrize(("kind", "config", "expected"), [
    (StepKind.SEND_EMAIL, {"template": "dm-1-pain"}, "Template “dm-1-pain”"),
    (StepKind.WAIT, {"business_days": 2, "window": {"weekdays": [0, 1, 2, 3, 4], "from_hour": 9, "to_hour": 18}},
     "Wait 2 working days, then the next moment in Mon–Fri 9:00–18:00"),
    (StepKind.WAIT, {"hours": 6}, "Wait 6 hours"),
    (StepKind.CREATE_TASK, {"title": "Call back", "kind": "call", "due_hours": 4}, "Call task “Call back”, due in 4 h"),
    (StepKind.NOTIFY, {"to": "owner", "text": "x"}, "Notify the lead's owner"),
    (StepKind.BRANCH, {"condition": {"score": {"field": "fit_score", "gte": 60}}, "then": "d5", "else": "w9"},
     "If fit_score ≥ 60 go to d5, else to w9"),
    (StepKind.AB_SPLIT, {"variants": [{"key": "a", "weight": 1, "goto": "s1"}, {"key": "b", "weight": 1, "goto": "s2"}],
                         "goal": "click"}, "A/B a 50 % → s1, b 50 % → s2; winner by click"),
    (StepKind.CHANGE_TEMPERATURE, {"temperature": "hot"}, "Temperature → Hot"),
    (StepKind.GOTO, {"to": "w2", "max_visits": 3}, "Go to w2 (at most 3 times)"),
])  # fmt: skip
def test_each_step_kind_reads_as_words(kind: str, config: dict, expected: str) -> None:
    with translation.override("en"):
        assert step_text(kind, config) == expected


def test_settings_it_cannot_read_give_no_text_instead_of_an_error() -> None:
    assert step_text(StepKind.WAIT, {"window": {"weekdays": ["x"]}}) == ""


def test_the_words_follow_the_language() -> None:
    with translation.override("zh-hans"):
        assert step_text(StepKind.CHANGE_TEMPERATURE, {"temperature": "hot"}) == "温度 → 热"


def test_a_trigger_reads_as_its_conditions() -> None:
    with translation.override("en"):
        text = trigger_text({"from": ["lead"], "to": ["mql"], "days": 30, "rule": {"all": []}})

    assert text == "stages LEAD → MQL, silent 30 days, with a rule"
