"""Redis stopped while the API keeps taking leads: every lead is kept, and once Redis is back the beat's catch-up
routes them and the tick runs their clocks (spec/nurturing.md; issue 5's reliability tests).

"Stopped" is literal: the broker URL points at a port where a real redis-server is started only later.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.utils import timezone

from leadflow.roles import Role
from leads.choices import ChannelRoute, OwnerSide, Temperature
from leads.models import Lead
from leads.routing.choices import TeamRole
from leads.routing.models import AssignmentRule, Team
from leads.routing.services import UNROUTED_GRACE, leads_route_unrouted
from nurturing.models import SlaClock
from nurturing.services.tick import nurture_tick
from tests.factories import ChannelFactory, token_client, user_with_role
from tests.integration.processes import free_port
from tests.nurturing.conftest import sla_policies_ensure

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Point the Celery app at `url`, dropping pooled connections to the old broker (and back after)."""
    from leadflow.celery import app

    saved = app.conf.broker_url, app.conf.task_publish_retry_policy
    app.conf.broker_url = url
    app.conf.task_publish_retry_policy = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}
    app._after_fork()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_publish_retry_policy = saved
        app._after_fork()


@contextmanager
def redis_on(port: int) -> Iterator[None]:
    server = subprocess.Popen([shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind",
                               "127.0.0.1", "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        import redis

        client = redis.Redis(port=port)
        for _ in range(50):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        yield
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_leads_written_while_redis_is_down_are_kept_then_routed_and_clocked_when_it_is_back() -> None:
    # given the SLA policies, an SDR team with a rule, and a CRM writing hot leads from a channel routed to SDRs
    sla_policies_ensure()  # seeded by a migration; an earlier transactional test may have flushed them
    sdr = user_with_role(Role.SDR)
    team = Team.objects.create(name="SDR", role=TeamRole.SDR)
    team.members.add(sdr)
    AssignmentRule.objects.create(name="all to SDRs", side=OwnerSide.SDR, team=team, order=10)
    ChannelFactory(slug="baidu-sem", route=ChannelRoute.SDR)
    client = token_client(user_with_role(Role.INTEGRATION))
    port = free_port()
    rows = [{"email": f"buyer{n}@outage-corp.cn", "source_channel": "baidu-sem", "temperature": "hot"}
            for n in range(60)]  # fmt: skip

    # when Redis is down: one lead and a bulk batch of 60 (its enrolment falls back to running inline)
    with broker_at(f"redis://127.0.0.1:{port}/0"):
        single = client.post("/api/v1/leads/", {"email": "first@outage-corp.cn", "source_channel": "baidu-sem",
                                                "temperature": Temperature.HOT}, format="json")  # fmt: skip
        bulk = client.post("/api/v1/leads/bulk/", {"records": rows}, format="json")

        # then nothing is lost, though nobody could queue their routing
        assert single.status_code == 201, single.content
        assert bulk.status_code == 200, bulk.content
        assert Lead.objects.filter(email__endswith="@outage-corp.cn").count() == 61
        assert not Lead.objects.filter(owner_sdr__isnull=False).exists()

        # when Redis is back, the beat's catch-up and the tick run
        with redis_on(port):
            later = timezone.now() + UNROUTED_GRACE + dt.timedelta(minutes=1)
            routed = leads_route_unrouted(now=later)
            # then every lead has its SDR, and its first-touch clock started at the assignment
            assert routed == 61
            assert Lead.objects.filter(owner_sdr=sdr).count() == 61
            clocks = SlaClock.objects.filter(lead__email__endswith="@outage-corp.cn", policy__code="first_touch")
            assert clocks.count() == 61

            # and the tick, catching up two days later, breaches the untouched clocks once each
            tick = nurture_tick(now=later + dt.timedelta(hours=49))
            again = nurture_tick(now=later + dt.timedelta(hours=49))

    assert clocks.filter(breached_at__isnull=False).count() == 61
    assert tick.processed >= 61
    assert again.processed == 0
