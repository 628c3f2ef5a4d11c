"""The SDR credit rule (an MQL counts when it reached SQL and was not returned within 14 days) and the
`nurture_tick` command."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any, cast

import pytest
from django.core.management import CommandError, call_command

from leadflow.roles import Role
from leads.choices import Stage
from leads.models import Lead
from leads.services.stages import lead_transition
from nurturing.selectors.sla import sdr_mql_credits
from tests.factories import make_journey, user_with_role
from tests.nurturing.conftest import at

pytestmark = pytest.mark.django_db

T = at(2026, 3, 2, 10)  # the first StageChange of each journey; MQL one day later
DAY = dt.timedelta(days=1)


def _journey(stages: list[str], sdr: Any) -> Lead:
    return cast(Lead, make_journey(stages, start=T, owner_sdr=sdr))


def test_an_mql_counts_for_the_sdr_only_when_it_reached_sql_and_was_not_returned_within_14_days() -> None:
    sdr = user_with_role(Role.SDR)
    reached_sql = _journey(["lead", "mql", "sal", "sql"], sdr)
    returned = _journey(["lead", "mql", "sal"], sdr)
    lead_transition(lead=returned, to=Stage.LEAD, reason="no_need", at=T + 6 * DAY, now=T + 6 * DAY)
    stalled = _journey(["lead", "mql"], sdr)
    mql_at = T + DAY

    # Ten days after the MQL the credit for the SQL is still pending; after 14 days it is final
    early = {c.lead_id: c for c in sdr_mql_credits(sdr_id=sdr.pk, start=T, end=T + 30 * DAY, now=mql_at + 10 * DAY)}
    final = {c.lead_id: c for c in sdr_mql_credits(sdr_id=sdr.pk, start=T, end=T + 30 * DAY, now=mql_at + 15 * DAY)}

    assert (early[reached_sql.pk].pending, early[reached_sql.pk].credited) == (True, False)
    assert (final[reached_sql.pk].credited, final[reached_sql.pk].sql_at) == (True, T + 3 * DAY)
    assert (final[returned.pk].credited, final[returned.pk].pending) == (False, False)
    assert (final[stalled.pk].credited, final[stalled.pk].sql_at) == (False, None)
    assert final[reached_sql.pk].mql_at == mql_at


def test_a_return_after_the_14_days_does_not_take_the_credit_back() -> None:
    sdr = user_with_role(Role.SDR)
    lead = _journey(["lead", "mql", "sal", "sql"], sdr)
    late = T + DAY + 20 * DAY
    lead_transition(lead=lead, to=Stage.LEAD, reason="bad_timing", at=late, now=late)
    [credit] = sdr_mql_credits(sdr_id=sdr.pk, start=T, end=T + 30 * DAY, now=late + DAY)
    assert credit.credited is True


def test_nurture_tick_command_prints_each_sweep_for_the_given_now() -> None:
    out = StringIO()
    call_command("nurture_tick", "--now", "2026-10-08T09:30:00+08:00", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "nurture_tick at 2026-10-08T09:30:00+08:00"
    assert "sla_breaches: 0 in 1 batch(es)" in lines
    assert lines[-1].startswith("total 0 in ")


def test_nurture_tick_command_names_a_bad_now() -> None:
    with pytest.raises(CommandError, match="--now"):
        call_command("nurture_tick", "--now", "yesterday", stdout=StringIO())


def test_nurture_tick_command_runs_only_the_sweeps_named() -> None:
    out = StringIO()
    call_command("nurture_tick", "--now", "2026-10-08T09:30:00+08:00", "--sweep", "tasks_overdue",
                 "--sweep", "messages_deliver", stdout=out)  # fmt: skip
    sweeps = [line.split(":")[0] for line in out.getvalue().splitlines()[1:-1]]
    assert sweeps == ["tasks_overdue", "messages_deliver"]


def test_nurture_tick_command_names_an_unknown_sweep() -> None:
    with pytest.raises(CommandError, match="--sweep: no sweep named nope"):
        call_command("nurture_tick", "--sweep", "nope", stdout=StringIO())
