"""Routing: decide who owns a lead and why (`lead_route`), and apply it (`lead_route_apply`, `leads_route_new`).

Order of the decision (spec/nurturing.md "Routing"):
1. a lead of an existing customer or an account with an open opportunity goes to the account owner (sales);
2. the source channel's route: `pre_nurture` leaves it in the pool (unless it is hot), `sales` gives a
   self-sourced lead to the sales rep who created it, `sdr` (and a lead without a channel whose source score
   is high enough) goes to an SDR at once;
3. the active assignment rules of that side, in order: conditions -> team -> method. A rule whose team has
   nobody eligible (inactive, without the team's role, at capacity, no share) spills to the next rule; when
   none yields anyone the lead stays in the pool and the reason is logged.

Every owner change goes through `lead_assign_owner` (history, change feed, webhook `lead.assigned`).
Concurrency: the lead row is locked, then the team row of each rule tried, so two leads routed at once see
each other's assignments (fair rotation, capacity never exceeded). Idempotent: an owned lead is left alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext

from leadflow.errors import ValidationFailed
from leadflow.roles import Role, user_roles
from leads.choices import ChannelRoute, OpportunityStatus, OwnerSide, Stage, Temperature
from leads.models import Lead, Opportunity, StageChange
from leads.routing.choices import AssignmentMethod, RouteReason
from leads.routing.models import AssignmentRule, RoutingLog, RuleTally, Team
from leads.routing.notifications import notification_lead_assigned
from leads.routing.selectors import (
    CLOSED_STAGES,
    member_weights,
    month_start,
    open_load,
    rules_for_side,
    team_eligible_members,
)
from leads.segments.compiler import segment_q
from leads.segments.selectors import segment_rule_checked
from leads.services.bulk.sql import rows_insert
from leads.services.leads import lead_assign_owner, lead_customer_check

SDR_MIN_SOURCE_SCORE = 50  # a lead without a channel: a source this good goes to an SDR at once
SELF_SOURCED_LABEL = "routing:self_sourced"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class RoutingDecision:
    side: str
    reason: RouteReason
    user: User | None = None
    rule: AssignmentRule | None = None
    detail: str = ""

    @property
    def label(self) -> str:
        """Why, for people: the rule's name, or the reason in the current language."""
        return self.rule.name if self.rule is not None else str(self.reason.label)


@dataclass(frozen=True)
class RoutingBatch:
    """What routing a batch reads once instead of once per lead."""

    rules: dict[str, list[AssignmentRule]]  # active rules by side, in order
    open_opportunities: dict[int, list[Opportunity]]  # by account, newest first


def routing_batch(*, leads: list[Lead]) -> RoutingBatch:
    accounts = {lead.account_id for lead in leads if lead.account_id is not None}
    opportunities: dict[int, list[Opportunity]] = {}
    for opportunity in Opportunity.objects.filter(account_id__in=accounts, status=OpportunityStatus.OPEN) \
            .select_related("owner").order_by("-opened_at"):
        opportunities.setdefault(opportunity.account_id or 0, []).append(opportunity)
    return RoutingBatch({str(s): list(rules_for_side(side=s)) for s in OwnerSide}, opportunities)


def lead_route(
    *, lead: Lead, now: dt.datetime, side: str | None = None, lock: bool = False,
    batch: RoutingBatch | None = None, exclude: frozenset[int] = frozenset(),
) -> RoutingDecision:  # fmt: skip
    """Who should own `lead` on `side` (default: the side its channel route says) and why. Writes nothing;
    with `lock` (inside a transaction) it locks the team rows it reads. `batch` holds what a batch of leads
    reads once (rules, open opportunities). Rules never pick a user in `exclude` (e.g. the SDR a recycled lead
    was taken from)."""
    if lead.merged_into_id is not None or lead.erased_at is not None or lead.stage in CLOSED_STAGES:
        return RoutingDecision(side or OwnerSide.SDR, RouteReason.CLOSED)
    if side in (None, OwnerSide.SALES):
        owner = _account_owner(lead, batch)
        if owner is not None:
            reason = RouteReason.ALREADY_OWNED if lead.owner_sales_id else RouteReason.ACCOUNT_OWNER
            return RoutingDecision(OwnerSide.SALES, reason, owner if not lead.owner_sales_id else None)
    route = _channel_route(lead) if side is None else None
    if route == ChannelRoute.PRE_NURTURE:
        return RoutingDecision(OwnerSide.SDR, RouteReason.PRE_NURTURE)
    side = side or (OwnerSide.SALES if route == ChannelRoute.SALES else OwnerSide.SDR)
    if (lead.owner_sales_id if side == OwnerSide.SALES else lead.owner_sdr_id) is not None:
        return RoutingDecision(side, RouteReason.ALREADY_OWNED)
    if route == ChannelRoute.SALES:
        creator = _creator(lead)
        if creator is not None:
            return RoutingDecision(side, RouteReason.SELF_SOURCED, creator)
    return _by_rules(lead, side=side, now=now, lock=lock, rules=batch.rules if batch is not None else None,
                     exclude=exclude)


def _account_owner(lead: Lead, batch: RoutingBatch | None = None) -> User | None:
    """The account's sales owner when the account is a customer or has an open opportunity (客户查重)."""
    account = lead.account
    if account is None:
        return None
    if batch is not None:
        opportunity = next((o for o in batch.open_opportunities.get(account.pk, []) if o.lead_id != lead.pk), None)
    else:
        opportunity = (Opportunity.objects.filter(account=account, status=OpportunityStatus.OPEN)
                       .exclude(lead=lead).select_related("owner").first())  # fmt: skip
    if not (account.is_customer or opportunity is not None):
        return None
    owner = account.owner_sales or (opportunity.owner if opportunity is not None else None)
    return owner if owner is not None and owner.is_active else None


def _channel_route(lead: Lead) -> str:
    channel = lead.source_channel
    if channel is not None:
        route = channel.route
    else:
        route = ChannelRoute.SDR if lead.source_score >= SDR_MIN_SOURCE_SCORE else ChannelRoute.PRE_NURTURE
    if route == ChannelRoute.PRE_NURTURE and lead.temperature == Temperature.HOT:
        return ChannelRoute.SDR  # hot behaviour skips pre-nurture: an SDR must act fast
    return route


def _creator(lead: Lead) -> User | None:
    """The active sales rep who created a self-sourced lead, if a person did."""
    creation = (StageChange.objects.filter(lead=lead, from_stage="", actor__isnull=False)
                .select_related("actor").first())  # fmt: skip
    actor = creation.actor if creation is not None else None
    return actor if actor is not None and actor.is_active and Role.SALES in user_roles(actor) else None


def _by_rules(
    lead: Lead, *, side: str, now: dt.datetime, lock: bool, rules: dict[str, list[AssignmentRule]] | None,
    exclude: frozenset[int] = frozenset(),
) -> RoutingDecision:  # fmt: skip
    notes = []
    for rule in rules[side] if rules is not None else rules_for_side(side=side):
        if not _rule_matches(rule, lead, now=now):
            continue
        user = _rule_pick(rule, now=now, lock=lock, exclude=exclude)
        if user is not None:
            return RoutingDecision(side, RouteReason.RULE, user, rule)
        notes.append(gettext("%(rule)s: nobody eligible or under capacity") % {"rule": rule.name})
    if notes:
        return RoutingDecision(side, RouteReason.NO_MEMBER, detail="; ".join(notes)[:500])
    return RoutingDecision(side, RouteReason.NO_RULE)


def _rule_matches(rule: AssignmentRule, lead: Lead, *, now: dt.datetime) -> bool:
    """The rule's conditions and segment, tested on this one lead (one EXISTS query, none without any)."""
    condition = Q()
    try:
        for tree in (rule.conditions, rule.segment.rule if rule.segment is not None else None):
            if tree:
                condition &= segment_q(segment_rule_checked(rule=tree), now=now)
    except ValidationFailed:
        return False  # a tree that no longer checks (e.g. a tag was deleted) matches nothing
    if not condition:
        return True
    return Lead.objects.filter(pk=lead.pk).filter(condition).exists()


def _rule_pick(rule: AssignmentRule, *, now: dt.datetime, lock: bool, exclude: frozenset[int] = frozenset()
               ) -> User | None:  # fmt: skip
    """The next person of the rule's team, or None. Fair whatever the order people were created or added in:
    fewest leads for their share this month first, then the longest waiting, then by username."""
    if lock:
        Team.objects.select_for_update().filter(pk=rule.team_id).first()
    members = [user for user in team_eligible_members(team=rule.team) if user.pk not in exclude]
    if not members:
        return None
    month = month_start(now)
    tallies = {t.user_id: t for t in RuleTally.objects.filter(rule=rule, month=month, user__in=members)}

    def waited(user: User) -> dt.datetime:
        tally = tallies.get(user.pk)
        return tally.last_assigned_at or _EPOCH if tally is not None else _EPOCH

    if rule.method == AssignmentMethod.LEAST_LOADED:
        load = open_load(user_ids=[user.pk for user in members], side=rule.side)
        free = [user for user in members if rule.capacity is None or load[user.pk] < rule.capacity]
        return min(free, key=lambda u: (load[u.pk], waited(u), u.username), default=None)
    weights = member_weights(rule=rule, users=members, month=month)
    sharing = [user for user in members if weights[user.pk] > 0]
    _tallies_complete(rule, tallies, sharing, weights, month=month, save=lock)
    # Sainte-Laguë divisor (assigned + 1/2) / weight keeps each person within about one lead of their quota.
    return min(sharing, key=lambda u: ((tallies[u.pk].assigned + 0.5) / weights[u.pk], waited(u), u.username),
               default=None)  # fmt: skip


def _tallies_complete(rule: AssignmentRule, tallies: dict[int, RuleTally], users: list[User],
                      weights: dict[int, float], *, month: dt.date, save: bool) -> None:  # fmt: skip
    """Give everyone sharing a tally. Someone missing once the month's rotation has started joined late: they
    start level with the least served (per unit of share), so joining earns no burst of catch-up leads."""
    ratios = [t.assigned / weights[uid] for uid, t in tallies.items() if weights.get(uid, 0) > 0]
    baseline = min(ratios, default=0.0)
    fresh = [RuleTally(rule=rule, user=user, month=month, assigned=int(baseline * weights[user.pk]))
             for user in users if user.pk not in tallies]  # fmt: skip
    if save and fresh:
        RuleTally.objects.bulk_create(fresh, ignore_conflicts=True)
    tallies.update({tally.user_id: tally for tally in fresh})


def lead_route_apply(*, lead: Lead, now: dt.datetime, side: str | None = None,
                     exclude: frozenset[int] = frozenset()) -> RoutingDecision:  # fmt: skip
    """Route one lead and apply the decision: assign (with history and a notification to the new owner),
    or log why it stays in the pool. Idempotent: an owned lead is left alone and nothing is logged. Nobody in
    `exclude` is picked by the rules."""
    with transaction.atomic():
        locked = Lead.objects.select_for_update(of=("self",)).select_related("source_channel", "account") \
            .get(pk=lead.pk)
        decision = lead_route(lead=locked, now=now, side=side, lock=True, exclude=exclude)
        _apply(locked, decision, now=now)
    for field in ("owner_sdr_id", "owner_sales_id", "customer_check"):
        setattr(lead, field, getattr(locked, field))
    return decision


def _apply(lead: Lead, decision: RoutingDecision, *, now: dt.datetime) -> None:
    if decision.reason in (RouteReason.ALREADY_OWNED, RouteReason.CLOSED):
        return
    if decision.reason == RouteReason.ACCOUNT_OWNER and lead.account is not None:
        lead_customer_check(lead=lead, account=lead.account, now=now)  # flags the lead and assigns the owner
    elif decision.user is not None:
        label = decision.rule.history_label if decision.rule is not None else SELF_SOURCED_LABEL
        lead_assign_owner(lead=lead, side=decision.side, user=decision.user, actor_label=label, at=now)
        if decision.rule is not None:
            _tally_bump(decision.rule, decision.user, now=now)
    elif RoutingLog.objects.filter(lead=lead, side=decision.side, reason=decision.reason, user=None).exists():
        return  # already logged in the pool for the same reason: a re-run records nothing new
    RoutingLog.objects.create(lead=lead, side=decision.side, reason=decision.reason, rule=decision.rule,
                              user=decision.user, detail=decision.detail, at=now)  # fmt: skip
    if decision.user is not None:
        notification_lead_assigned(user=decision.user, lead=lead, why=decision, now=now)


def _tally_bump(rule: AssignmentRule, user: User, *, now: dt.datetime) -> None:
    month = month_start(now)
    bumped = RuleTally.objects.filter(rule=rule, user=user, month=month) \
        .update(assigned=F("assigned") + 1, last_assigned_at=now)
    if not bumped:  # least loaded keeps no rotation tallies until its first pick
        RuleTally.objects.create(rule=rule, user=user, month=month, assigned=1, last_assigned_at=now)


def leads_route_new(*, lead_ids: Iterable[int], now: dt.datetime, side: str | None = None) -> list[RoutingDecision]:
    """Route freshly created leads (or, with side="sales", newly qualified MQLs). One query loads the leads
    that may need an owner, one the rules and the open opportunities of their accounts, and each lead is decided
    without locks; a lead that gets an owner is then decided again and assigned in its own short, locked
    transaction, while the leads that stay in the pool are logged together in one statement (a 5,000-lead
    import with no rule to match costs a handful of queries)."""
    owner_field = {OwnerSide.SDR.value: "owner_sdr", OwnerSide.SALES.value: "owner_sales"}.get(side or "")
    leads = Lead.objects.filter(pk__in=list(lead_ids), merged_into__isnull=True, erased_at__isnull=True) \
        .exclude(stage__in=CLOSED_STAGES).select_related("source_channel", "account")
    if owner_field is not None:
        leads = leads.filter(**{f"{owner_field}__isnull": True})
    loaded = list(leads.order_by("id"))
    batch = routing_batch(leads=loaded)
    decisions, pooled = [], []
    for lead in loaded:
        decision = lead_route(lead=lead, now=now, side=side, batch=batch)
        if decision.user is not None:
            decision = lead_route_apply(lead=lead, now=now, side=side)
        elif decision.reason not in (RouteReason.ALREADY_OWNED, RouteReason.CLOSED):
            pooled.append((lead, decision))
        decisions.append(decision)
    _pool_log(pooled, now=now)
    return decisions


def _pool_log(pooled: list[tuple[Lead, RoutingDecision]], *, now: dt.datetime) -> None:
    """Why these leads stay in the pool, once per lead, side and reason (a re-run logs nothing new)."""
    if not pooled:
        return
    logged = set(RoutingLog.objects.filter(lead__in=[lead for lead, _ in pooled], user=None)
                 .values_list("lead_id", "side", "reason"))  # fmt: skip
    rows_insert(model=RoutingLog, fields=("lead_id", "side", "reason", "rule_id", "detail", "at"),
                rows=[(lead.pk, str(d.side), str(d.reason), d.rule.pk if d.rule else None, d.detail, now)
                      for lead, d in pooled if (lead.pk, str(d.side), str(d.reason)) not in logged])  # fmt: skip


UNROUTED_WINDOW = dt.timedelta(hours=24)
UNROUTED_GRACE = dt.timedelta(minutes=2)  # the on-commit task of a lead just written gets there first


def leads_route_unrouted(*, now: dt.datetime, limit: int = 5000) -> int:
    """Route new leads whose routing never ran because its task could not be queued (the broker was down when
    they were written): open leads created in the last day, older than a grace period, with no owner on either
    side and nothing in the routing log. Beat runs it every few minutes; idempotent (a routed lead has an owner
    or a log row). Returns how many leads were routed."""
    unrouted = Lead.objects.filter(
        stage=Stage.LEAD, created_at__gte=now - UNROUTED_WINDOW, created_at__lte=now - UNROUTED_GRACE,
        owner_sdr__isnull=True, owner_sales__isnull=True, merged_into__isnull=True, erased_at__isnull=True,
    ).exclude(Exists(RoutingLog.objects.filter(lead=OuterRef("pk"))))  # fmt: skip
    ids = list(unrouted.order_by("created_at").values_list("pk", flat=True)[:limit])
    return len(leads_route_new(lead_ids=ids, now=now)) if ids else 0


@transaction.atomic
def rule_move(*, rule: AssignmentRule, up: bool) -> None:
    """Swap the rule with its neighbour on the same side (renumbered 10, 20, ... so orders stay distinct)."""
    rules = list(AssignmentRule.objects.select_for_update().filter(side=rule.side).order_by("order", "id"))
    index = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], rules[index]
    for position, item in enumerate(rules, start=1):
        if item.order != position * 10:
            AssignmentRule.objects.filter(pk=item.pk).update(order=position * 10)
