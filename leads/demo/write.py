"""Writing the plan in bulk, deleting it again, and the idempotence of `demo_seed`.

Demo leads carry `attributes = {"demo": true, "demo_seed": .., "demo_today": ..}`; that stamp is how a
later run finds (and a reset deletes) the data of an earlier one. Anonymous visitors have no lead to carry
it, so their touchpoints are marked by their event id, `demo-v-<seed>-<n>`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, models, transaction
from django.db.models import Count
from django.utils import timezone

from accounts.choices import CustomerStatus, Tier
from accounts.models import Account
from leads.choices import IdentityKind, LeadEventKind, Stage
from leads.demo.campaigns import campaigns_plan
from leads.demo.catalog import CHANNEL_BY_SLUG, CHANNELS, DEFAULT_LEADS, DEMO_PASSWORD, DEMO_TZ, MAX_ACCOUNTS
from leads.demo.costs import costs_plan
from leads.demo.ledger import MAX_LEGACY
from leads.demo.logins import Login, demo_logins, demo_users_ensure
from leads.demo.people import accounts_plan
from leads.demo.planner import demo_plan
from leads.demo.plans import AccountPlan, CampaignPlan, Deal, DemoPlan, Event, LeadPlan, Rng, Touch, Window
from leads.demo.revenue import revenue_delete, revenue_write
from leads.demo.routing import demo_routing_ensure
from leads.demo.rules import demo_rules_ensure
from leads.demo.timeline import demo_window, local_at
from leads.models import Campaign, Channel, Cost, Identity, Lead, LeadEvent, Opportunity, StageChange, Touchpoint
from leads.scoring.services import channel_conversions_count, leads_scores_refresh

BATCH = 2000


@dataclass(frozen=True)
class DemoReport:
    created: bool
    seed: int
    today: dt.date
    counts: dict[str, int]
    stages: dict[str, int]
    logins: list[Login]


def demo_seed(
    *, seed: int, today: dt.date, leads: int = DEFAULT_LEADS, password: str = DEMO_PASSWORD, reset: bool = False
) -> DemoReport:
    """Create the demo company for (seed, today) unless demo data exists; `reset` deletes it first.

    Idempotent: a second call without `reset` writes nothing and reports the existing data.
    """
    if today > dt.datetime.now(DEMO_TZ).date():
        raise ValueError("today cannot be in the future")
    with transaction.atomic():
        stamps = demo_stamps()
        if stamps and not reset:
            existing_seed, existing_today = stamps[0]
            return DemoReport(created=False, seed=existing_seed, today=existing_today, counts={},
                              stages=demo_stage_counts(), logins=demo_logins(password=password))  # fmt: skip
        for stamp_seed, stamp_today in stamps:
            demo_delete(seed=stamp_seed, today=stamp_today)
        plan = demo_plan(seed=seed, today=today, leads=leads)
        users = demo_users_ensure(password=password)
        counts = _plan_write(plan, users)
        _scores_write(today)
        now = min(timezone.now(), dt.datetime.combine(today, dt.time(23, 59), tzinfo=DEMO_TZ))
        counts["routing"] = demo_routing_ensure(users=users, now=now)
        counts["rules"] = demo_rules_ensure(owner=users.get("marketer"), now=now)
    return DemoReport(created=True, seed=seed, today=today, counts=counts, stages=demo_stage_counts(),
                      logins=demo_logins(password=password))  # fmt: skip


def _scores_write(today: dt.date) -> None:
    """Score the demo leads with the live rules as of the end of `today`, as the nightly pass would, so every
    score on a lead page is one its explanation adds up to."""
    now = min(timezone.now(), dt.datetime.combine(today, dt.time(23, 59), tzinfo=DEMO_TZ))
    channel_conversions_count(now=now)
    leads_scores_refresh(lead_ids=Lead.objects.filter(attributes__demo=True).values_list("id", flat=True), now=now)


def demo_stamps() -> list[tuple[int, dt.date]]:
    """(seed, today) of the demo data in the database, if any."""
    rows = (
        Lead.objects.filter(attributes__demo=True)
        .values_list("attributes__demo_seed", "attributes__demo_today")
        .distinct()
    )
    return sorted({(int(seed), dt.date.fromisoformat(str(today))) for seed, today in rows})


def demo_stage_counts() -> dict[str, int]:
    rows = Lead.objects.filter(attributes__demo=True).values("stage").annotate(n=Count("id"))
    counts = {row["stage"]: row["n"] for row in rows}
    return {stage.value: counts.get(stage.value, 0) for stage in Stage}


def demo_delete(*, seed: int, today: dt.date) -> None:
    """Delete the demo data of (seed, today): leads and their history, the revenue ledger, anonymous visitors,
    campaigns, costs, unused accounts."""
    demo_leads = Lead.objects.filter(attributes__demo=True, attributes__demo_seed=seed)
    # Every account the demo can make, customers from before its year included (a prefix of one sequence).
    rng = Rng(f"leadflow-demo:{seed}:accounts")
    domains = [account.domain for account in accounts_plan(rng, MAX_ACCOUNTS + MAX_LEGACY)]
    revenue_delete(seed=seed, domains=domains)
    for model in (Touchpoint, StageChange, LeadEvent, Identity, Opportunity):
        model.objects.filter(lead__in=demo_leads.values("pk")).delete()  # type: ignore[attr-defined]
    demo_leads.delete()
    _visitors_delete(seed=seed)  # before the campaigns: their page views keep a campaign in use
    window = demo_window(today=today)
    campaigns = campaigns_plan(Rng(f"leadflow-demo:{seed}:{today}:campaigns"), window)
    slugs = [campaign.slug for campaign in campaigns]
    Cost.objects.filter(campaign__slug__in=slugs).delete()
    keys = {(slug, month, category, amount) for slug, c, month, category, amount in costs_plan(seed, window, campaigns)
            if c is None}  # fmt: skip
    rows = Cost.objects.filter(campaign=None, month__in=window.months).values_list(
        "pk", "channel__slug", "month", "category", "amount"
    )
    Cost.objects.filter(pk__in=[pk for pk, *key in rows if tuple(key) in keys]).delete()
    # Campaigns that other data still uses stay. (NOT IN over a nullable column would match nothing.)
    used_by_leads = Lead.objects.filter(campaign__isnull=False).values("campaign_id")
    Campaign.objects.filter(slug__in=slugs, cost=None, touchpoint=None).exclude(pk__in=used_by_leads).delete()
    Account.objects.filter(domain__in=domains, leads=None, opportunities=None, revenue_events=None).delete()


def _plan_write(plan: DemoPlan, users: dict[str, User]) -> dict[str, int]:
    """Write the plan in bulk; returns the number of rows written per kind."""
    channels = _channels_ensure(plan.window)
    campaigns = _rows_ensure(Campaign, "slug", [_campaign_row(c, channels) for c in plan.campaigns])
    since = {row.account: row.day for row in sorted(plan.ledger, key=lambda row: row.day, reverse=True)}
    accounts = _rows_ensure(Account, "domain", [_account_row(a, users, plan.window, since.get(a.index))
                                                for a in [*plan.accounts, *plan.legacy]])  # fmt: skip
    costs = Cost.objects.bulk_create(
        [Cost(channel=channels[slug], campaign=campaigns[c.slug] if c else None, month=month, category=category,
              amount=amount, created_at=local_at(month)) for slug, c, month, category, amount in plan.costs],
        batch_size=BATCH, ignore_conflicts=True,
    )  # fmt: skip
    by_account = {a.index: accounts[a.domain] for a in [*plan.accounts, *plan.legacy]}
    lead_rows = Lead.objects.bulk_create(
        [_lead_row(lead, plan, channels, campaigns, by_account, users) for lead in plan.leads], batch_size=BATCH
    )
    pks = [row.pk for row in lead_rows]
    counts = {"campaigns": len(campaigns), "accounts": len(accounts), "costs": len(costs), "leads": len(pks)}
    counts.update(_children_write(plan, pks, users, by_account, channels, campaigns))
    counts.update(_visitors_write(plan, channels, campaigns))
    counts["customers"] = _accounts_record_wins(plan, by_account)
    counts["revenue_events"] = revenue_write(plan, by_account)
    return counts


def _visitor_prefix(seed: int) -> str:
    return f"demo-v-{seed}-"


def _visitors_delete(*, seed: int) -> None:
    Touchpoint.objects.filter(event_id__startswith=_visitor_prefix(seed)).delete()


def _visitors_write(plan: DemoPlan, channels: dict[str, Channel], campaigns: dict[str, Campaign]) -> dict[str, int]:
    """The page views of visitors who never became leads: twice as many rows as the leads' touchpoints.

    Nothing cascades to them from a lead, so visitors left behind by a demo whose leads were deleted by hand
    would collide on the event id: replace them."""
    _visitors_delete(seed=plan.seed)
    prefix = _visitor_prefix(plan.seed)
    rows = [{**_touch_values(None, touch, channels, campaigns), "event_id": f"{prefix}{n}"}
            for n, touch in enumerate(plan.visitors, start=1)]  # fmt: skip
    _rows_insert(Touchpoint, rows)
    return {"visitors": len({touch.anonymous_id for touch in plan.visitors}), "visitor_views": len(rows)}


def _rows_insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """INSERT `rows` (attname -> value; a missing field takes its default), in bulk.

    For the touchpoints, ~150k rows with the visitors: `bulk_create` took 14 s for the visitors alone on
    SQLite, half the seed's budget, as Django caps a SQLite statement at 999 parameters (71 touchpoints)
    and prepares every value of every row. Here each column prepares a distinct value once, with the
    field's own `get_db_prep_save`, so the database gets what the ORM would send. No `pre_save` runs and
    no primary keys come back: give `auto_now` values explicitly, and only for rows nothing points to.
    """
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    insert = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(field.column) for field in fields)})"
    placeholders = f"({', '.join(['%s'] * len(fields))})"
    prepared = []
    for field in fields:
        default = field.get_default()
        prepared.append(_db_values(field, [row.get(field.attname, default) for row in rows]))
    params = list(zip(*prepared, strict=True))
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # in process: executemany is a C loop, and DEBUG logs it once
            cursor.executemany(f"{insert} VALUES {placeholders}", params)
            return
        # Elsewhere executemany costs a round trip per row (psycopg2): many rows per statement instead.
        limit = connection.features.max_query_params
        size = min(BATCH, limit // len(fields)) if limit else BATCH
        for start in range(0, len(params), size):
            batch = params[start : start + size]
            values = ", ".join([placeholders] * len(batch))
            cursor.execute(f"{insert} VALUES {values}", [value for row in batch for value in row])


def _db_values(field: models.Field[Any, Any], values: list[Any]) -> list[Any]:
    """`field.get_db_prep_save` of each value, computed once per distinct (hashable) value."""
    cache: dict[Any, Any] = {}
    out = []
    for value in values:
        try:
            prepared = cache[value]
        except KeyError:
            prepared = cache[value] = field.get_db_prep_save(value, connection)
        except TypeError:  # unhashable (a JSON object): prepared each time
            prepared = field.get_db_prep_save(value, connection)
        out.append(prepared)
    return out


def _channels_ensure(window: Window) -> dict[str, Channel]:
    rows = [Channel(slug=spec.slug, name=spec.name, category=spec.category, route=spec.route, prior_score=spec.prior,
                    created_at=window.start) for spec in CHANNELS]  # fmt: skip
    return _rows_ensure(Channel, "slug", rows)


def _rows_ensure(model: Any, key: str, rows: list[Any]) -> dict[str, Any]:
    """Rows by `key`: the existing ones are kept as they are, the missing ones created in bulk."""
    keys = [getattr(row, key) for row in rows]
    existing = {getattr(obj, key): obj for obj in model.objects.filter(**{f"{key}__in": keys})}
    created = model.objects.bulk_create([row for row in rows if getattr(row, key) not in existing], batch_size=BATCH)
    return {**existing, **{getattr(obj, key): obj for obj in created}}


def _campaign_row(campaign: CampaignPlan, channels: dict[str, Channel]) -> Campaign:
    return Campaign(slug=campaign.slug, name=campaign.name, channel=channels[campaign.channel],
                    starts_on=campaign.starts_on, ends_on=campaign.ends_on, budget=campaign.budget,
                    created_at=local_at(campaign.starts_on) - dt.timedelta(days=14))  # fmt: skip


def _account_row(account: AccountPlan, users: dict[str, User], window: Window, since: dt.date | None) -> Account:
    """`since`: the day of its first ledger row when that is before the demo year (an earlier customer)."""
    created = window.start - dt.timedelta(days=30)
    return Account(name=account.name, domain=account.domain, industry=account.industry, size_band=account.size_band,
                   region=account.region, tier=account.tier, is_target=account.tier in (Tier.S, Tier.A),
                   owner_sales=users[account.owner] if account.owner else None,
                   created_at=min(created, local_at(since)) if since else created)  # fmt: skip


def _lead_row(
    lead: LeadPlan, plan: DemoPlan, channels: dict[str, Channel], campaigns: dict[str, Campaign],
    accounts: dict[int, Account], users: dict[str, User],
) -> Lead:  # fmt: skip
    consent = bool(lead.profile["consent_email"])
    return Lead(
        **lead.profile, **{f"bant_{point}": value for point, value in lead.bant.items()},
        source_channel=channels[lead.spec.slug], campaign=campaigns[lead.campaign.slug] if lead.campaign else None,
        consent_changed_at=lead.created_at if consent else None,
        attributes={"demo": True, "demo_seed": plan.seed, "demo_today": plan.window.today.isoformat()},
        stage=lead.stage, stage_changed_at=lead.stage_at, temperature=lead.temperature,
        owner_sdr=users[lead.sdr] if lead.sdr else None, owner_sales=users[lead.sales] if lead.sales else None,
        account=accounts[lead.account.index] if lead.account else None, customer_check=lead.customer_check,
        last_touch_at=max((t.at for t in lead.touches), default=None), created_at=lead.created_at,
    )  # fmt: skip


def _children_write(
    plan: DemoPlan, pks: list[int], users: dict[str, User], accounts: dict[int, Account],
    channels: dict[str, Channel], campaigns: dict[str, Campaign],
) -> dict[str, int]:  # fmt: skip
    uid: Callable[[str | None], int | None] = lambda name: users[name].pk if name else None  # noqa: E731
    identities, steps, events, deals, touches = [], [], [], [], []
    for lead, pk in zip(plan.leads, pks, strict=True):
        identities += [Identity(lead_id=pk, kind=kind, value=value, created_at=lead.created_at)
                       for kind, value in _identities(lead)]  # fmt: skip
        steps += [StageChange(lead_id=pk, from_stage=s.frm, to_stage=s.to, at=s.at, actor_id=uid(s.actor),
                              actor_label=s.label, reason=s.reason, note=s.note, implied=s.implied,
                              gates_bypassed=s.bypassed, recorded_at=s.at) for s in lead.steps]  # fmt: skip
        events += [
            LeadEvent(
                lead_id=pk,
                kind=e.kind,
                at=e.at,
                actor_id=uid(e.actor),
                actor_label=e.label,
                data=_event_data(e, users, accounts),
            )
            for e in sorted(lead.events, key=lambda e: e.at)
        ]
        deals += [_deal_row(lead, pk, deal, users, accounts) for deal in lead.deals]
        touches += [_touch_values(pk, t, channels, campaigns) for t in lead.touches]
    for n, touch in enumerate(touches, start=1):
        touch["event_id"] = f"demo-{n}"
    Identity.objects.bulk_create(identities, batch_size=BATCH)
    StageChange.objects.bulk_create(steps, batch_size=BATCH)
    LeadEvent.objects.bulk_create(events, batch_size=BATCH)
    Opportunity.objects.bulk_create(deals, batch_size=BATCH)
    _rows_insert(Touchpoint, touches)
    return {"identities": len(identities), "stage_changes": len(steps), "events": len(events),
            "opportunities": len(deals), "touchpoints": len(touches)}  # fmt: skip


def _identities(lead: LeadPlan) -> list[tuple[str, str]]:
    pairs = [(IdentityKind.EMAIL.value, lead.profile["email"].lower())]
    if lead.profile["phone"]:
        pairs.append((IdentityKind.PHONE.value, lead.profile["phone"]))
    if lead.anonymous_id:
        pairs.append((IdentityKind.ANONYMOUS_ID.value, lead.anonymous_id))
    return pairs


def _event_data(event: Event, users: dict[str, User], accounts: dict[int, Account]) -> dict[str, Any]:
    """Usernames and account indexes of the plan become primary keys, as the services record them."""
    if event.kind == LeadEventKind.OWNER_CHANGED:
        return {**event.data, **{k: users[event.data[k]].pk if event.data[k] else None for k in ("from", "to")}}
    if event.kind == LeadEventKind.CUSTOMER_CHECK:
        return {**event.data, "account": accounts[event.data["account"]].pk}
    return event.data


def _deal_row(lead: LeadPlan, pk: int, deal: Deal, users: dict[str, User], accounts: dict[int, Account]) -> Opportunity:
    company = lead.profile.get("company") or f"{lead.profile['last_name']}{lead.profile['first_name']}"
    return Opportunity(
        lead_id=pk, account=accounts[lead.account.index] if lead.account else None,
        owner=users[deal.owner] if deal.owner else None, name=f"{company} · {deal.opened_at:%Y-%m}",
        amount=deal.amount, expected_close=deal.expected_close, status=deal.status, opened_at=deal.opened_at,
        closed_at=deal.closed_at, won_amount=deal.won_amount, lost_reason=deal.lost_reason, created_at=deal.opened_at,
    )  # fmt: skip


def _touch_values(
    pk: int | None, touch: Touch, channels: dict[str, Channel], campaigns: dict[str, Campaign]
) -> dict[str, Any]:
    """A touchpoint's columns by attname; paid and tracked channels carry their UTM source and medium."""
    spec = CHANNEL_BY_SLUG.get(touch.channel or "")
    utm = spec.utm if spec is not None and spec.utm else ("", "")
    return {
        "lead_id": pk, "anonymous_id": touch.anonymous_id, "kind": touch.kind,
        "channel_id": channels[touch.channel].pk if touch.channel else None,
        "campaign_id": campaigns[touch.campaign.slug].pk if touch.campaign else None, "occurred_at": touch.at,
        "properties": touch.properties, "utm_source": utm[0], "utm_medium": utm[1],
        "utm_campaign": touch.campaign.slug if touch.campaign and utm[0] else "", "created_at": touch.at,
    }  # fmt: skip


def _accounts_record_wins(plan: DemoPlan, accounts: dict[int, Account]) -> int:
    """As account_record_win: a won deal makes the account a customer and adds its first-year value to ARR."""
    wins: Counter[int] = Counter()
    for lead in plan.leads:
        for deal in lead.deals:
            if lead.account is not None and deal.won_amount is not None:
                wins[lead.account.index] += int(deal.won_amount)
    changed = []
    for index, total in sorted(wins.items()):
        account = accounts[index]
        account.customer_status, account.arr = CustomerStatus.CUSTOMER, account.arr + Decimal(total)
        changed.append(account)
    Account.objects.bulk_update(changed, ["customer_status", "arr"], batch_size=BATCH)
    return len(changed)
