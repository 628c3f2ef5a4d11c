"""Lead plans and their stage histories: each lead walks the funnel as `lead_transition` would move it.

The planner mirrors the services' rules exactly: one StageChange for the creation and one per stage passed
(implied rows and `gates_bypassed` on skips), legal moves only, BANT gates met unless skipped, times never
decreasing and never after the start of today, the accepting sales rep becomes the sales owner at SAL,
opportunities opened, won and lost with the stages, and the customer check at creation.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from leads.choices import (
    BANT_POINTS,
    ChannelRoute,
    DisqualifyReason,
    LeadEventKind,
    OpportunityStatus,
    ReturnReason,
    Stage,
    Temperature,
)
from leads.demo.catalog import (
    DEAL_MEDIAN,
    EARLY_DQ_REASONS,
    EVENT_CHANNELS,
    HOT_ENTRY,
    LATE_DQ_REASONS,
    LOST_REASONS,
    NOTES,
    RETURN_REASONS,
    SALES_REPS,
    SDRS,
    TERRITORIES,
)
from leads.demo.people import lead_new
from leads.demo.plans import AccountPlan, CampaignPlan, Deal, Event, LeadPlan, Rng, Step, Window
from leads.demo.timeline import moment_after, triangular, weighted_choice
from leads.demo.touchpoints import touches_plan
from leads.stages import TRANSITIONS, skip_path


def leads_plan(
    rng: Rng, window: Window, campaigns: list[CampaignPlan], accounts: list[AccountPlan], count: int
) -> list[LeadPlan]:
    """Draw, order and walk every lead, then its touches.

    All of it shares one random stream, so the order of these calls is part of the output: keep it.
    """
    used: set[str] = set()
    leads = [lead_new(rng, window, campaigns, accounts, used) for _ in range(count)]
    leads.sort(key=lambda lead: (lead.created_at, lead.profile["email"]))
    for key, lead in enumerate(leads, start=1):
        lead.key = key
        _lead_open(rng, window, lead)
        _journey_walk(rng, window, lead)
        _temperature_cooling(window, lead)
    _customer_checks(leads)
    by_channel: dict[str, list[CampaignPlan]] = {}
    for campaign in campaigns:
        by_channel.setdefault(campaign.channel, []).append(campaign)
    for lead in leads:
        touches_plan(rng, window, lead, by_channel)
    return leads


def _lead_open(rng: Rng, window: Window, lead: LeadPlan) -> None:
    """The creation (one StageChange and a CREATED event, as lead_create writes) and the first owner."""
    spec = lead.spec
    creator: str | None = None
    label = f"form:{spec.slug}"
    if spec.slug in EVENT_CHANNELS or spec.slug == "partner":
        creator, label = "marketer", ""
    elif spec.slug == "sales-sourced":
        creator, label = _rep_for(lead), ""
    elif spec.slug == "abm-outbound":
        creator, label = SDRS[lead.key % len(SDRS)], ""
    if HOT_ENTRY & set(spec.entry) or spec.slug in ("customer-referral", "sales-sourced"):
        lead.temperature = Temperature.HOT
    if rng.random() < 0.2:
        lead.bant["need"] = True  # the form's "what do you need" field, set on creation without an event
    lead.steps.append(Step("", Stage.LEAD, lead.created_at, creator, label))
    if spec.slug == "sales-sourced":
        _owner_set(lead, "sales", _rep_for(lead), lead.created_at, actor=creator)
    elif spec.slug == "abm-outbound":
        _owner_set(lead, "sdr", creator, lead.created_at, actor=creator)
    elif spec.route == ChannelRoute.SDR:
        at = lead.created_at + dt.timedelta(minutes=rng.randint(1, 20))
        at = min(at, window.cutoff - dt.timedelta(minutes=1))
        _owner_set(lead, "sdr", SDRS[lead.key % len(SDRS)], at, label="rule:round_robin")


def _rep_for(lead: LeadPlan) -> str:
    """The sales rep for a lead: its account's owner, else the account's (or the lead's) territory rep."""
    if lead.account is not None:
        return lead.account.owner or lead.account.territory_rep
    reps = TERRITORIES[lead.profile["region"]]
    return reps[lead.key % len(reps)]


def _owner_set(
    lead: LeadPlan, side: str, user: str | None, at: dt.datetime, *, actor: str | None = None, label: str = ""
) -> None:
    """Mirror of lead_assign_owner: a change of owner with its event; the same owner again is a no-op."""
    old = lead.sdr if side == "sdr" else lead.sales
    if old == user:
        return
    if side == "sdr":
        lead.sdr = user
    else:
        lead.sales = user
    lead.events.append(Event(LeadEventKind.OWNER_CHANGED, at, actor, label, {"side": side, "from": old, "to": user}))


def _journey_walk(rng: Rng, window: Window, lead: LeadPlan) -> None:
    """Walk the lead through the funnel until it stops, exits, or would pass the start of today."""
    if lead.spec.slug == "sales-sourced":
        at = moment_after(rng, window, lead.created_at, rng.uniform(0.01, 1.5))
        if at >= window.cutoff:
            return
        _take(rng, lead, Stage.SQL if rng.random() < 0.7 else Stage.OPPORTUNITY, at, skip=True)
    returns = 0
    while returns < 3 and lead.stage not in (Stage.CUSTOMER, Stage.DISQUALIFIED):
        move = _next_move(rng, lead, returns)
        if move is None:
            return
        target, days, human = move
        at = moment_after(rng, window, lead.stage_at, days, human=human)
        if at >= window.cutoff:
            return
        if target == Stage.MQL and lead.sdr is None and lead.spec.route == ChannelRoute.PRE_NURTURE \
                and rng.random() < .5:  # fmt: skip
            handover = max(lead.stage_at, at - dt.timedelta(days=rng.uniform(0.2, 3)))
            _owner_set(lead, "sdr", SDRS[lead.key % len(SDRS)], handover, label="rule:hot_lead")
        returns += target == Stage.LEAD
        _take(rng, lead, target, at)


Move = tuple[str, float, bool]


def _next_move(rng: Rng, lead: LeadPlan, returns: int) -> Move | None:
    """The next stage, days until it, and whether a person (office hours) makes the move; None to stop."""
    q, spec = lead.quality, lead.spec
    stage = lead.stage
    if stage == Stage.LEAD and returns == 0:
        mql = min(0.9, spec.p_mql * (0.55 + lead.fit / 100))
        dq = 0.12 if spec.free_mail > 0.3 else 0.05 if spec.prior >= 85 else 0.08
        fast = spec.slug in ("website-trial", "customer-referral", "partner", "direct")
        return _pick(rng, [(Stage.MQL, mql, triangular(rng, 1, 3, 8) if fast else triangular(rng, 3, 7, 20), True),
                           (Stage.DISQUALIFIED, dq, triangular(rng, 0.01, 0.3, 5), True)])  # fmt: skip
    if stage == Stage.LEAD:
        again = 0.35 if lead.sdr is not None and lead.temperature == Temperature.HIGH_VALUE else 0.1
        return _pick(rng, [(Stage.MQL, again if lead.sdr else 0, triangular(rng, 30, 45, 120), True)])
    if stage == Stage.MQL:
        accept = triangular(rng, 0.05, 0.3, 1) if rng.random() < 0.8 else triangular(rng, 1, 1.5, 6)
        return _pick(rng, [(Stage.SAL, .82, accept, True), (Stage.LEAD, .13, triangular(rng, .2, 1, 3), True),
                           (Stage.DISQUALIFIED, .05, triangular(rng, .3, 1, 3), True)])  # fmt: skip
    if stage == Stage.SAL:
        sql = min(0.75, 0.38 * q)
        # Every SAL moves on: the qualify clock (10 business days) recycles the ones nobody qualified, so no
        # demo lead sits in SAL for months with a clock a year overdue.
        return _pick(rng, [(Stage.SQL, sql, triangular(rng, 5, 9, 15), True),
                           (Stage.LEAD, .94 - sql, triangular(rng, 5, 10, 20), True),
                           (Stage.DISQUALIFIED, .06, triangular(rng, 3, 7, 15), True)])  # fmt: skip
    if stage == Stage.SQL:
        return _pick(rng, [(Stage.OPPORTUNITY, .72, triangular(rng, 7, 12, 20), True),
                           (Stage.LEAD, .15, triangular(rng, 7, 14, 30), True),
                           (Stage.DISQUALIFIED, .05, triangular(rng, 5, 10, 20), True)])  # fmt: skip
    if stage == Stage.OPPORTUNITY:
        won = min(0.75, 0.33 * q)
        return _pick(rng, [(Stage.CUSTOMER, won, triangular(rng, 20, 35, 60), True),
                           (Stage.LOST, .97 - won, triangular(rng, 20, 40, 75), True)])  # fmt: skip
    if stage == Stage.LOST:
        return _pick(rng, [(Stage.LEAD, 0.4, triangular(rng, 30, 40, 60), False)])
    return None


def _pick(rng: Rng, options: list[tuple[str, float, float, bool]]) -> Move | None:
    x = rng.random()
    for stage, probability, days, human in options:
        if x < probability:
            return stage, days, human
        x -= probability
    return None


def _take(rng: Rng, lead: LeadPlan, target: str, at: dt.datetime, *, skip: bool = False) -> None:
    """Choose who moves the lead and why, then apply the move as lead_transition would."""
    frm = lead.stage
    actor, label = _actor(rng, lead, frm, target)
    reason = _reason(rng, frm, target)
    note = NOTES.get(reason, "") if reason == "other" or rng.random() < 0.3 else ""
    bant = _bant_for(rng, lead, target, rule=label.startswith("rule:"), skip=skip)
    amount, close = None, None
    if target in (Stage.OPPORTUNITY, Stage.CUSTOMER):
        amount, close = _deal_terms(rng, lead, at)
    if reason == DisqualifyReason.STUDENT:
        lead.profile.update(title="在读研究生", company="")
    _move(lead, target, at=at, actor=actor, label=label, reason=reason, note=note, skip=skip, bant=bant,
          amount=amount, expected_close=close)  # fmt: skip
    _temperature_after(lead, frm, target, reason, at)


def _actor(rng: Rng, lead: LeadPlan, frm: str, target: str) -> tuple[str | None, str]:
    """(username or None for the system, actor label) of the person or rule that makes the move."""
    if frm == Stage.LOST:
        return None, "rule:recycle_lost"
    if frm == Stage.LEAD and target in (Stage.MQL, Stage.DISQUALIFIED) and lead.spec.slug != "sales-sourced":
        if lead.sdr is None or (lead.spec.slug == "website-trial" and target == Stage.MQL and rng.random() < 0.4):
            rule = {"website-trial": "trial_activated"}.get(lead.spec.slug, "score_threshold")
            return None, f"rule:{rule if target == Stage.MQL else 'data_quality'}"
        return lead.sdr, ""
    return lead.sales or _rep_for(lead), ""


def _reason(rng: Rng, frm: str, target: str) -> str:
    if target == Stage.DISQUALIFIED:
        return str(weighted_choice(rng, EARLY_DQ_REASONS if frm == Stage.LEAD else LATE_DQ_REASONS))
    if target == Stage.LOST:
        return str(weighted_choice(rng, LOST_REASONS))
    if target == Stage.LEAD and frm in (Stage.MQL, Stage.SAL, Stage.SQL):
        return str(weighted_choice(rng, RETURN_REASONS))
    return ""


def _bant_for(rng: Rng, lead: LeadPlan, target: str, *, rule: bool, skip: bool) -> dict[str, bool] | None:
    """The BANT points confirmed with the move: at least 2 for an SDR's MQL, all 4 for SQL."""
    if target == Stage.MQL and not rule and sum(lead.bant.values()) < 2:
        points = ["need", *rng.sample(["budget", "authority", "timing"], rng.choice((1, 1, 2)))]
        if lead.seniority == 2 and "authority" not in points:
            points.append("authority")
        return dict.fromkeys(points, True)
    if target == Stage.SQL and not skip:
        return dict.fromkeys(BANT_POINTS, True)
    if skip:
        return dict.fromkeys(rng.sample(list(BANT_POINTS), rng.randint(2, 4)), True)
    return None


def _deal_terms(rng: Rng, lead: LeadPlan, at: dt.datetime) -> tuple[Decimal, dt.date]:
    """A new opportunity's amount (log-normal by tier, 50k-800k) or the contract value of a win."""
    open_deals = [deal for deal in lead.deals if deal.status == OpportunityStatus.OPEN]
    if lead.stage == Stage.OPPORTUNITY and open_deals:
        amount = open_deals[-1].amount
        if rng.random() < 0.5:
            amount = Decimal(int(round(float(amount) * rng.uniform(0.85, 0.98), -3)))
        return amount, at.date()
    median = DEAL_MEDIAN[lead.account.tier if lead.account else ""]
    value = min(800_000, max(50_000, median * math.exp(rng.gauss(0, 0.45))))
    return Decimal(int(round(value, -3))), (at + dt.timedelta(days=rng.randint(30, 60))).date()


def _move(
    lead: LeadPlan, target: str, *, at: dt.datetime, actor: str | None, label: str = "", reason: str = "",
    note: str = "", skip: bool = False, bant: dict[str, bool] | None = None, amount: Decimal | None = None,
    expected_close: dt.date | None = None,
) -> None:  # fmt: skip
    """The plan-side twin of lead_transition: the same path, history rows, BANT event and effects."""
    if (Stage(lead.stage), Stage(target)) in TRANSITIONS:
        path = [str(target)]
    else:
        jump = skip_path(lead.stage, target) if skip else None
        if jump is None:
            raise ValueError(f"demo plan made an illegal move {lead.stage} -> {target}")
        path = [str(stage) for stage in jump]
    changed = [point for point in BANT_POINTS if bant and bant.get(point) and not lead.bant[point]]
    if changed:
        lead.bant.update(dict.fromkeys(changed, True))
        lead.events.append(Event(LeadEventKind.BANT_CHANGED, at, actor, label,
                                 {"changed": changed, "bant": dict(lead.bant)}))  # fmt: skip
    _move_effects(lead, path, at, actor, amount, expected_close, reason)
    for frm, stage in zip([lead.stage, *path[:-1]], path, strict=True):
        last = stage == path[-1]
        lead.steps.append(Step(frm, stage, at, actor, label, reason if last else "", note if last else "",
                               implied=not last, bypassed=skip))  # fmt: skip
    lead.stage, lead.stage_at = path[-1], at


def _move_effects(
    lead: LeadPlan, path: list[str], at: dt.datetime, actor: str | None, amount: Decimal | None,
    expected_close: dt.date | None, reason: str,
) -> None:  # fmt: skip
    if Stage.SAL in path and lead.sales is None and actor in SALES_REPS:
        _owner_set(lead, "sales", actor, at, actor=actor)
    open_deals = [deal for deal in lead.deals if deal.status == OpportunityStatus.OPEN]
    deal = open_deals[-1] if open_deals else None
    if Stage.OPPORTUNITY in path:
        assert amount is not None
        deal = Deal(at, amount, expected_close or at.date(), lead.sales or actor)
        lead.deals.append(deal)
    if Stage.CUSTOMER in path and deal is not None:
        deal.status, deal.closed_at, deal.won_amount = OpportunityStatus.WON, at, amount
    if path[-1] in (Stage.LOST, Stage.DISQUALIFIED) and deal is not None:
        deal.status, deal.closed_at = OpportunityStatus.LOST, at
        deal.lost_reason = reason if path[-1] == Stage.LOST else f"disqualified:{reason}"


def _temperature_set(lead: LeadPlan, value: str, at: dt.datetime, reason: str) -> None:
    if lead.temperature == value:
        return
    data = {"from": lead.temperature, "to": value, "reason": reason}
    lead.events.append(Event(LeadEventKind.TEMPERATURE_CHANGED, at, None, "rule:nurture_track", data))
    lead.temperature = value


def _temperature_after(lead: LeadPlan, frm: str, target: str, reason: str, at: dt.datetime) -> None:
    """Returned and lost leads go to the matching nurture track; a new MQL is hot."""
    if target == Stage.MQL:
        _temperature_set(lead, Temperature.HOT, at, "mql")
    elif target == Stage.LEAD and frm == Stage.LOST:
        _temperature_set(lead, Temperature.HIGH_VALUE, at, "recycled")
    elif target == Stage.LEAD:
        later = reason in (ReturnReason.BAD_TIMING, ReturnReason.NO_BUDGET)
        _temperature_set(lead, Temperature.HIGH_VALUE if later else Temperature.COLD, at, f"returned:{reason}")


def _temperature_cooling(window: Window, lead: LeadPlan) -> None:
    """A lead never qualified in 45 days cools down (the rule runs at that time)."""
    at = lead.created_at + dt.timedelta(days=45)
    if lead.stage == Stage.LEAD and not lead.reached(Stage.MQL) and at < window.cutoff:
        _temperature_set(lead, Temperature.COLD, at, "no_engagement_45d")


def _customer_checks(leads: list[LeadPlan]) -> None:
    """客户查重 as lead_create runs it: flag a lead whose account was a customer or had another lead's open
    opportunity when it was created, and give it the account owner (or that opportunity's owner)."""
    deals: dict[int, list[tuple[Deal, int]]] = {}
    for lead in leads:
        if lead.account is not None:
            deals.setdefault(lead.account.index, []).extend((deal, lead.key) for deal in lead.deals)
    for lead in leads:
        if lead.account is None:
            continue
        at, others = lead.created_at, deals.get(lead.account.index, [])
        won = any(d.status == OpportunityStatus.WON and d.closed_at and d.closed_at <= at for d, _k in others)
        open_now = [d for d, key in others if key != lead.key and d.opened_at <= at
                    and (d.closed_at is None or d.closed_at > at)]  # fmt: skip
        if not (won or open_now):
            continue
        lead.customer_check = True
        data = {"account": lead.account.index, "reason": "customer" if won else "open_opportunity"}
        lead.events.append(Event(LeadEventKind.CUSTOMER_CHECK, at, None, "customer_check", data))
        owner = lead.account.owner or (max(open_now, key=lambda d: d.opened_at).owner if open_now else None)
        if owner is not None and lead.spec.slug != "sales-sourced":
            _owner_move_to_creation(lead, owner)


def _owner_move_to_creation(lead: LeadPlan, owner: str) -> None:
    """The customer check assigned the sales owner at creation, so SAL does not assign it again."""
    lead.events = [e for e in lead.events if not (e.kind == LeadEventKind.OWNER_CHANGED and e.data["side"] == "sales")]
    data = {"side": "sales", "from": None, "to": owner}
    lead.events.append(Event(LeadEventKind.OWNER_CHANGED, lead.created_at, None, "customer_check", data))
    lead.sales = owner
    for deal in lead.deals:
        deal.owner = owner
