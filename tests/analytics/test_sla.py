"""SLA compliance per policy and owner, returned MQLs by reason, SAL/MQL, SDR credited MQLs."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.queries.sla import SlaQuery
from leadflow.roles import Role
from leads.choices import Stage
from leads.services.stages import lead_transition
from nurturing.models.sla import ClockStatus, PolicyCode, SlaClock, SlaPolicy
from tests.analytics.helpers import local, period
from tests.factories import make_journey, user_with_role

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def _clock(owner, *, outcome: str, start: dt.datetime | None = None) -> None:  # type: ignore[no-untyped-def]
    start = start or local(2026, 2, 1, 9)
    policy, _created = SlaPolicy.objects.get_or_create(code=PolicyCode.MQL_ACCEPT,
                                                       defaults={"name": "MQL", "deadline": 24})  # fmt: skip
    lead = make_journey(["lead", "mql"], start=start - 2 * H, step=H)
    due = start + 24 * H
    fields: dict[str, object] = {
        "met_on_time": {"met_at": start + H, "closed_at": start + H, "status": ClockStatus.MET},
        "met_late": {"met_at": due + H, "met_late": True, "breached_at": due, "closed_at": due + H,
                     "status": ClockStatus.MET},
        "breached": {"breached_at": due},
        "open": {},
    }[outcome]  # fmt: skip
    SlaClock.objects.create(lead=lead, policy=policy, owner=owner, started_at=start, due_at=due, **fields)


def test_compliance_per_policy_and_owner() -> None:
    rep1, rep2 = user_with_role(Role.SALES, first_name="Rep", last_name="One"), user_with_role(Role.SALES)
    for outcome in ("met_on_time", "met_late", "breached", "open"):
        _clock(rep1, outcome=outcome)
    _clock(rep2, outcome="met_on_time")
    _clock(rep2, outcome="breached", start=local(2025, 12, 1))  # started before the period

    result = SlaQuery(filters=period()).run()

    policy = next(row for row in result.data["policies"] if row["policy"] == "mql_accept")
    assert {k: policy[k] for k in ("clocks", "met_on_time", "met_late", "breached", "open", "stopped")} == {
        "clocks": 5, "met_on_time": 2, "met_late": 1, "breached": 1, "open": 1, "stopped": 0}
    assert policy["compliance"] == 0.5  # 2 / (2 + 1 + 1)
    owners = {row["owner_id"]: row for row in result.data["owners"]}
    assert owners[rep1.pk]["owner"] == "Rep One" and owners[rep1.pk]["compliance"] == pytest.approx(1 / 3)
    assert owners[rep2.pk]["clocks"] == 1 and owners[rep2.pk]["compliance"] == 1.0


def test_returned_mqls_by_reason_and_sal_per_mql() -> None:
    for reason in ("not_fit", "not_fit", "no_budget"):
        lead = make_journey(["lead", "mql"], start=local(2026, 3, 1))
        lead_transition(lead=lead, to=Stage.LEAD, reason=reason, at=local(2026, 3, 5), now=local(2026, 3, 5))
    make_journey(["lead", "mql", "sal"], start=local(2026, 3, 1))

    data = SlaQuery(filters=period()).run().data

    assert [(row["reason"], row["returned"]) for row in data["returned_mqls"]] == [("not_fit", 2), ("no_budget", 1)]
    assert data["sal_mql"] == 0.25  # 1 of the 4 leads that became MQLs was accepted


def test_sdr_credited_mqls_reached_sql_and_were_not_returned_within_14_days() -> None:
    sdr = user_with_role(Role.SDR)
    make_journey(["lead", "mql", "sal", "sql"], start=local(2026, 2, 1), owner_sdr=sdr)  # credited
    kept_then_returned = make_journey(["lead", "mql", "sal", "sql"], start=local(2026, 2, 1), owner_sdr=sdr)
    lead_transition(lead=kept_then_returned, to=Stage.LEAD, reason="bad_timing", at=local(2026, 3, 1),
                    now=local(2026, 3, 1))  # 25 days after SQL: still credited  # fmt: skip
    returned = make_journey(["lead", "mql", "sal", "sql"], start=local(2026, 2, 1), owner_sdr=sdr)
    lead_transition(lead=returned, to=Stage.LEAD, reason="no_need", at=local(2026, 2, 10),
                    now=local(2026, 2, 10))  # 6 days after SQL: not credited  # fmt: skip
    make_journey(["lead", "mql"], start=local(2026, 2, 1), owner_sdr=sdr)

    rows = SlaQuery(filters=period()).run().data["sdr_performance"]

    assert [{k: row[k] for k in ("owner_id", "mqls", "reached_sql", "credited", "mql_to_sql")} for row in rows] == [
        {"owner_id": sdr.pk, "mqls": 4, "reached_sql": 3, "credited": 2, "mql_to_sql": 0.75}]
