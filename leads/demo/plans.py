"""The in-memory plan: one dataclass per kind of row the demo writes, before it has a primary key."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from leads.choices import BANT_POINTS, OpportunityStatus, Stage, Temperature
from leads.demo.catalog import TIER_QUALITY, ChannelSpec

Rng = random.Random


@dataclass(frozen=True)
class Window:
    today: dt.date
    start: dt.datetime  # 00:00 local on the first day of the month 12 months before today's month
    cutoff: dt.datetime  # 00:00 local today: nothing happens at or after it
    months: tuple[dt.date, ...]
    days: tuple[dt.date, ...]
    day_weights: tuple[float, ...]  # cumulative lead volume per day
    business_days: frozenset[dt.date]


@dataclass
class CampaignPlan:
    slug: str
    name: str
    channel: str
    starts_on: dt.date
    ends_on: dt.date
    lead_from: dt.date  # days its leads are created on (inclusive, inside the window)
    lead_to: dt.date
    weight: float = 1.0
    costs: list[tuple[dt.date, str, Decimal]] = field(default_factory=list)
    budget: Decimal = Decimal("0")


@dataclass(frozen=True)
class AccountPlan:
    index: int
    name: str
    domain: str
    industry: str
    size_band: str
    region: str
    tier: str
    owner: str | None
    territory_rep: str


@dataclass(frozen=True)
class Step:
    frm: str
    to: str
    at: dt.datetime
    actor: str | None
    label: str = ""
    reason: str = ""
    note: str = ""
    implied: bool = False
    bypassed: bool = False


@dataclass(frozen=True)
class Event:
    kind: str
    at: dt.datetime
    actor: str | None
    label: str
    data: dict[str, Any]


@dataclass
class Deal:
    opened_at: dt.datetime
    amount: Decimal
    expected_close: dt.date
    owner: str | None
    status: str = OpportunityStatus.OPEN
    closed_at: dt.datetime | None = None
    won_amount: Decimal | None = None
    lost_reason: str = ""


@dataclass(frozen=True)
class Touch:
    kind: str
    at: dt.datetime
    channel: str | None
    campaign: CampaignPlan | None = None
    anonymous_id: str = ""
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class LeadPlan:
    spec: ChannelSpec
    campaign: CampaignPlan | None
    account: AccountPlan | None
    created_at: dt.datetime
    profile: dict[str, Any]
    fit: int
    seniority: int
    key: int = 0
    stage: str = Stage.LEAD
    stage_at: dt.datetime = field(init=False)
    temperature: str = Temperature.WARM
    sdr: str | None = None
    sales: str | None = None
    bant: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(BANT_POINTS, False))
    customer_check: bool = False
    anonymous_id: str = ""
    steps: list[Step] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    deals: list[Deal] = field(default_factory=list)
    touches: list[Touch] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stage_at = self.created_at

    @property
    def quality(self) -> float:
        tier = self.account.tier if self.account else ""
        return self.spec.quality * TIER_QUALITY[tier] * (0.7 + self.fit / 160)

    def reached(self, stage: str) -> bool:
        return any(step.to == stage for step in self.steps)


@dataclass(frozen=True)
class Revenue:
    """A ledger row other than a win's `new` (those are written from the won deals themselves)."""

    account: int  # AccountPlan.index
    kind: str  # RevenueKind
    day: dt.date
    amount: Decimal
    note: str = ""


@dataclass
class DemoPlan:
    seed: int
    window: Window
    campaigns: list[CampaignPlan]
    accounts: list[AccountPlan]
    leads: list[LeadPlan]
    costs: list[tuple[str, CampaignPlan | None, dt.date, str, Decimal]]
    visitors: list[Touch]  # page views of anonymous visitors who never became leads
    legacy: list[AccountPlan] = field(default_factory=list)  # customers from before the demo year, no leads
    ledger: list[Revenue] = field(default_factory=list)
