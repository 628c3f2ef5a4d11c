"""`demo_plan`: every demo row in memory, each part drawn from its own seeded random stream."""

from __future__ import annotations

import datetime as dt

from leads.demo.campaigns import campaigns_plan
from leads.demo.catalog import DEFAULT_LEADS, MAX_ACCOUNTS, VISITORS_PER_LEAD
from leads.demo.costs import costs_plan
from leads.demo.journeys import leads_plan
from leads.demo.ledger import ledger_plan, legacy_count
from leads.demo.people import accounts_plan
from leads.demo.plans import DemoPlan, Rng
from leads.demo.timeline import demo_window
from leads.demo.visitors import visitors_plan


def demo_plan(*, seed: int, today: dt.date, leads: int = DEFAULT_LEADS) -> DemoPlan:
    """Every demo row, in memory: a pure function of (seed, today, leads)."""
    window = demo_window(today=today)
    campaigns = campaigns_plan(Rng(f"leadflow-demo:{seed}:{today}:campaigns"), window)
    count = min(MAX_ACCOUNTS, max(20, leads // 16))
    # The customers from before the demo year continue the same sequence of companies (a prefix stays the same).
    every = accounts_plan(Rng(f"leadflow-demo:{seed}:accounts"), count + legacy_count(leads))
    accounts, legacy = every[:count], every[count:]
    lead_plans = leads_plan(Rng(f"leadflow-demo:{seed}:{today}:leads"), window, campaigns, accounts, leads)
    costs = costs_plan(seed, window, campaigns)
    # Their own stream: adding the visitors left every lead, history and lead touchpoint of a seed as it was.
    visitors = visitors_plan(Rng(f"leadflow-demo:{seed}:{today}:visitors"), window, campaigns,
                             count=round(leads * VISITORS_PER_LEAD))  # fmt: skip
    ledger = ledger_plan(Rng(f"leadflow-demo:{seed}:{today}:ledger"), window, lead_plans, legacy)
    return DemoPlan(seed=seed, window=window, campaigns=campaigns, accounts=accounts, leads=lead_plans, costs=costs,
                    visitors=visitors, legacy=legacy, ledger=ledger)  # fmt: skip
