"""Editing scoring rule sets: the draft-only service (errors named by the path of the bad rule), the structured
editor page (rows added, errors shown on the rule's field, live versions read-only, 403 for non-marketers),
activation of an edited draft rescoring every lead, and channel priors."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from leadflow.errors import Conflict, ValidationFailed
from leadflow.roles import Role
from leads.choices import TouchpointKind
from leads.models import Lead
from leads.scoring.editing import channel_prior_set, ruleset_draft_delete, ruleset_draft_update
from leads.scoring.forms import value_format, value_parse
from leads.scoring.history import ruleset_changes
from leads.scoring.models import CONFIG_FIELDS, RescoreRun, RescoreStatus, RuleSetStatus, ScoringRuleSet
from leads.scoring.rules import CUSTOMER_TYPES
from leads.scoring.services import ruleset_draft_create, ruleset_live
from tests.factories import ChannelFactory, LeadFactory, user_with_role
from tests.leads.scoring_helpers import NOW, live_ruleset, touch

pytestmark = pytest.mark.django_db


def _draft() -> ScoringRuleSet:
    return ruleset_draft_create(source=live_ruleset())


def _live() -> ScoringRuleSet:
    live = ruleset_live()
    assert live is not None
    return live


def _client(role: Role = Role.MARKETER) -> Client:
    client = Client()
    client.force_login(user_with_role(role))
    return client


def _formset(data: dict[str, Any], prefix: str, rows: list[dict[str, Any]]) -> None:
    data.update({f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": len(rows),
                 f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000})  # fmt: skip
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value_format(value) for name, value in row.items()})


def _post_data(ruleset: ScoringRuleSet) -> dict[str, Any]:
    """What the editor posts for the draft as it stands (every field of every form)."""
    data: dict[str, Any] = {f"s-{name}": getattr(ruleset, name) for name in (
        "half_life_days", "source_pseudo_count", "reference_mql_rate", "reference_customer_rate",
        "no_channel_score")}  # fmt: skip
    data.update({f"s-fit_{k}": v for k, v in ruleset.fit_thresholds.items()})
    data.update({f"s-engagement_{k}": v for k, v in ruleset.engagement_thresholds.items()})
    data.update({"s-notes": ruleset.notes, "s-mql_grades": list(ruleset.mql_grades)})
    data.update({f"tp-{kind}": points for kind, points in ruleset.touchpoint_points.items()})
    _formset(data, "neg", ruleset.negative_rules)
    for ctype in CUSTOMER_TYPES:
        _formset(data, f"fit-{ctype}", ruleset.fit_rules.get(ctype, []))
    return data


# --- service -----------------------------------------------------------------------------------------------------


def test_draft_update_replaces_the_rules() -> None:
    draft = _draft()
    data = {**draft.config_data(), "half_life_days": 14, "mql_grades": ["A1"]}
    ruleset_draft_update(ruleset=draft, data=data, notes="faster decay")
    draft.refresh_from_db()
    assert (draft.half_life_days, draft.mql_grades, draft.notes) == (14, ["A1"], "faster decay")


def test_draft_update_names_the_bad_rule_by_its_path() -> None:
    # given a draft whose third standard fit rule has an unknown field and whose MQL grades are wrong
    draft = _draft()
    fit = {**draft.fit_rules, "standard": [*draft.fit_rules["standard"],
                                           {"label": "x", "field": "shoe_size", "op": "eq", "value": 1, "points": 5}]}
    data = {**draft.config_data(), "fit_rules": fit, "fit_thresholds": {"A": 40, "B": 50, "C": 25}}
    # when saved; then each error names its path, and nothing is written
    with pytest.raises(ValidationFailed) as error:
        ruleset_draft_update(ruleset=draft, data=data)
    assert set(error.value.errors) == {"fit_rules.standard[2].field", "fit_thresholds"}
    draft.refresh_from_db()
    assert len(draft.fit_rules["standard"]) == 2


def test_live_and_retired_versions_are_read_only() -> None:
    live = live_ruleset()
    with pytest.raises(Conflict):
        ruleset_draft_update(ruleset=live, data=live.config_data())
    with pytest.raises(Conflict):
        ruleset_draft_delete(ruleset=live)


def test_draft_delete_removes_only_a_draft() -> None:
    draft = _draft()
    ruleset_draft_delete(ruleset=draft)
    assert not ScoringRuleSet.objects.filter(status=RuleSetStatus.DRAFT).exists()


def test_channel_prior_change_queues_a_rescore_with_the_live_rules(django_capture_on_commit_callbacks: Any) -> None:
    # given a live version and a channel with prior 50; one lead from it
    live = live_ruleset()
    channel = ChannelFactory(prior_score=50)
    lead = LeadFactory(source_channel=channel)
    # when the prior becomes 80
    with django_capture_on_commit_callbacks(execute=True):
        run = channel_prior_set(channel=channel, prior_score=80, now=NOW)
    # then the rescore ran with the live version: one lead of history that never converted (observed 0),
    # k = 50: round((1 x 0 + 50 x 80) / 51) = round(78.43) = 78
    assert run is not None and run.ruleset_id == live.pk
    assert RescoreRun.objects.get().status == RescoreStatus.DONE
    assert Lead.objects.get(pk=lead.pk).source_score == 78
    assert channel_prior_set(channel=channel, prior_score=80, now=NOW) is None  # unchanged: nothing queued
    with pytest.raises(ValidationFailed) as error:
        channel_prior_set(channel=channel, prior_score=101, now=NOW)
    assert set(error.value.errors) == {"prior_score"}


@pytest.mark.parametrize(("field", "op", "text", "value"), [
    ("industry", "in", "software，制造业, retail", ["software", "制造业", "retail"]),
    ("employee_count", "between", "200, 999", [200, 999]),
    ("employee_count", "gte", "1000", 1000),
    ("account_is_target", "eq", "true", True),
    ("title", "is_null", "", True),
    ("title", "contains", "总监", "总监"),
    ("employee_count", "gte", "many", "many"),
])  # fmt: skip
def test_values_are_parsed_by_field_and_operator(field: str, op: str, text: str, value: Any) -> None:
    assert value_parse(field=field, op=op, text=text) == value


# --- editor page -------------------------------------------------------------------------------------------------


def test_editor_is_for_marketers_only() -> None:
    draft = _draft()
    for role in (Role.SDR, Role.SALES, Role.SALES_MANAGER):
        client = _client(role)
        assert client.get(f"/leads/scoring/{draft.pk}/edit/").status_code == 403
        assert client.post(f"/leads/scoring/{draft.pk}/edit/", _post_data(draft)).status_code == 403
        assert client.post(f"/leads/scoring/{draft.pk}/delete/").status_code == 403
    assert _client(Role.ADMIN).get(f"/leads/scoring/{draft.pk}/edit/").status_code == 200


def test_editor_round_trips_a_draft_unchanged() -> None:
    # given a draft copied from the live version; when the editor posts it as shown
    draft = _draft()
    before = draft.config_data()
    response = _client().post(f"/leads/scoring/{draft.pk}/edit/", _post_data(draft))
    # then it saves, and every rule is as it was
    assert response.status_code == 302 and response["Location"] == f"/leads/scoring/{draft.pk}/"
    draft.refresh_from_db()
    assert draft.config_data() == before


def test_editor_edits_a_fit_rule_points_and_deletes_another() -> None:
    draft = _draft()
    data = _post_data(draft)
    data.update({"fit-standard-0-points": "25", "fit-standard-1-DELETE": "on", "tp-meeting": "45",
                 "s-half_life_days": "21"})
    _client().post(f"/leads/scoring/{draft.pk}/edit/", data)
    draft.refresh_from_db()
    assert [rule["points"] for rule in draft.fit_rules["standard"]] == [25]
    assert draft.touchpoint_points["meeting"] == 45 and draft.half_life_days == 21


def test_adding_a_row_saves_nothing_and_focuses_the_new_row() -> None:
    draft = _draft()
    data = {**_post_data(draft), "add": "fit-long_tail"}
    response = _client().post(f"/leads/scoring/{draft.pk}/edit/", data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and 'name="fit-long_tail-TOTAL_FORMS" value="3"' in html
    assert 'name="fit-long_tail-2-label"' in html and "autofocus" in html and "<html" not in html


def test_editor_shows_the_error_on_the_rule_that_caused_it() -> None:
    # given the second key-account rule's value changed to text on a number field
    draft = _draft()
    data = {**_post_data(draft), "fit-key_account-1-field": "employee_count", "fit-key_account-1-op": "gte",
            "fit-key_account-1-value": "lots"}  # fmt: skip
    response = _client().post(f"/leads/scoring/{draft.pk}/edit/", data, HTTP_HX_REQUEST="true",
                              HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    html = response.content.decode()
    # then 422, the message sits in that rule's row, and nothing is saved
    assert response.status_code == 422
    row = html[html.index('data-row="fit-key_account-1"'):]
    row = row[: row.index("</tr>")]
    assert "This value does not suit the operator." in row
    draft.refresh_from_db()
    assert draft.fit_rules["key_account"][1]["field"] == "title"


def test_live_version_editor_redirects_to_the_read_only_page() -> None:
    live = live_ruleset()
    client = _client()
    response = client.get(f"/leads/scoring/{live.pk}/edit/")
    assert response.status_code == 302 and response["Location"] == f"/leads/scoring/{live.pk}/"
    page = client.get(f"/leads/scoring/{live.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "read-only" in page and 'id="ruleset-edit"' not in page


def test_edited_draft_back_tests_and_activates_with_a_rescore(django_capture_on_commit_callbacks: Any) -> None:
    # given a lead whose only touchpoint is a meeting today (40 points live), and a draft giving a meeting 10
    live = live_ruleset()
    lead = LeadFactory()
    touch(lead, TouchpointKind.MEETING, days_ago=0, now=NOW)
    client = _client()
    client.post(f"/leads/scoring/{live.pk}/copy/")
    draft = ScoringRuleSet.objects.get(status=RuleSetStatus.DRAFT)
    saved = client.post(f"/leads/scoring/{draft.pk}/edit/", {**_post_data(draft), "tp-meeting": "10",
                                                              "backtest": "1"})  # fmt: skip
    assert saved["Location"] == f"/leads/scoring/{draft.pk}/?months=6#backtest"
    assert 'id="backtest-figures"' in client.get(saved["Location"]).content.decode()
    # when it is activated; then every lead is rescored with it: 10 points, decayed a little since NOW
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/leads/scoring/{draft.pk}/activate/")
    assert RescoreRun.objects.get().status == RescoreStatus.DONE
    assert Lead.objects.get(pk=lead.pk).engagement_score <= 10
    assert ScoringRuleSet.objects.get(pk=draft.pk).status == RuleSetStatus.LIVE


def test_config_fields_are_all_edited() -> None:
    # the editor posts every field the rule set holds (a new field must get a place in the editor)
    draft = _draft()
    assert set(_post_data(draft)) >= {f"s-{name}" for name in ("half_life_days", "source_pseudo_count",
                                                                 "reference_mql_rate", "reference_customer_rate",
                                                                 "no_channel_score", "mql_grades")}  # fmt: skip
    assert len(CONFIG_FIELDS) == 11


def test_source_prior_is_edited_inline_by_marketers_only() -> None:
    live_ruleset()
    channel = ChannelFactory(prior_score=50)
    assert _client(Role.SALES_MANAGER).post(f"/leads/scoring/channels/{channel.pk}/prior/",
                                            {"prior_score": "70"}).status_code == 403  # fmt: skip
    client = _client()
    assert f'id="prior-{channel.pk}"' in client.get("/leads/scoring/").content.decode()
    row = client.post(f"/leads/scoring/channels/{channel.pk}/prior/", {"prior_score": "70"}, HTTP_HX_REQUEST="true")
    channel.refresh_from_db()
    assert row.status_code == 200 and channel.prior_score == 70 and RescoreRun.objects.exists()
    bad = client.post(f"/leads/scoring/channels/{channel.pk}/prior/", {"prior_score": "150"}, HTTP_HX_REQUEST="true")
    channel.refresh_from_db()
    assert bad.status_code == 422 and 'class="field-error"' in bad.content.decode() and channel.prior_score == 70


def test_version_page_lists_the_changes_against_the_live_version() -> None:
    # given a draft whose meeting points went 40 -> 45 and whose first standard rule gives 25 instead of 20
    draft = _draft()
    standard = [{**draft.fit_rules["standard"][0], "points": 25}, draft.fit_rules["standard"][1]]
    ruleset_draft_update(ruleset=draft, data={**draft.config_data(), "fit_rules": {**draft.fit_rules,
                         "standard": standard}, "touchpoint_points": {**draft.touchpoint_points, "meeting": 45}})
    changes = {(c.path, c.before, c.after) for c in ruleset_changes(ruleset=draft, against=_live())}
    # then exactly the point change and the rule swap are listed
    assert changes == {
        ("touchpoint_points.meeting", "40", "45"),
        ("fit_rules.standard", "industry in target list: industry in software → 20", ""),
        ("fit_rules.standard", "", "industry in target list: industry in software → 25"),
    }
    html = _client().get(f"/leads/scoring/{draft.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="changes-table"' in html and "touchpoint_points.meeting" in html
