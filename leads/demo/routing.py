"""The demo's routing set-up, so the sales-ops pages and the bell show real data: an SDR team and a sales
team, three ordered rules (SDR round robin; sales weighted by territory tiers; sales least loaded with a cap),
this month's and next month's shares, two SLA breaches last month for one rep (so the grid shows the reduced
share), and a few "lead assigned" notifications per person. Idempotent: found by name, created once."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db.models import Q

from leads.choices import OwnerSide
from leads.demo.catalog import SALES_REPS, SDRS
from leads.models import Lead
from leads.routing.choices import AssignmentMethod, NotificationKind, TeamRole
from leads.routing.models import AssignmentRule, MonthlyAllocation, Notification, SlaBreach, Team
from leads.routing.selectors import month_shift

SHARES = {"sales": 40, "sales2": 30, "sales3": 20, "sales4": 10}
NOTIFIED_PER_PERSON = 5


def demo_routing_ensure(*, users: dict[str, User], now: dt.datetime) -> int:
    """Create what is missing; returns the number of rows written."""
    written = 0
    sdr_team, created = Team.objects.get_or_create(name="SDR 团队", defaults={"role": TeamRole.SDR})
    if created:
        sdr_team.members.set([users[name] for name in SDRS])
    sales_team, created_sales = Team.objects.get_or_create(name="大客户销售", defaults={"role": TeamRole.SALES})
    if created_sales:
        sales_team.members.set([users[name] for name in SALES_REPS])
    written += created + created_sales
    rules = [
        ("SDR 轮询", OwnerSide.SDR, sdr_team, AssignmentMethod.ROUND_ROBIN, None, {}),
        ("S/A 级客户 · 按月度配额", OwnerSide.SALES, sales_team, AssignmentMethod.WEIGHTED, None,
         {"all": [{"field": "account.tier", "op": "in", "value": ["S", "A"]}]}),
        ("其他 MQL · 最少负载", OwnerSide.SALES, sales_team, AssignmentMethod.LEAST_LOADED, 200, {}),
    ]  # fmt: skip
    for order, (name, side, team, method, capacity, conditions) in enumerate(rules, start=1):
        _rule, created = AssignmentRule.objects.get_or_create(name=name, defaults={
            "side": side, "team": team, "method": method, "capacity": capacity, "conditions": conditions,
            "order": order * 10})  # fmt: skip
        written += created
    month = dt.date(now.year, now.month, 1)
    for offset in (0, 1):
        for username, share in SHARES.items():
            _allocation, created = MonthlyAllocation.objects.get_or_create(
                team=sales_team, user=users[username], month=month_shift(month, offset), defaults={"weight": share}
            )
            written += created
    return written + _breaches(users["sales3"], month) + _notifications(users, now)


def _breaches(user: User, month: dt.date) -> int:
    last_month = month_shift(month, -1)
    start = dt.datetime(last_month.year, last_month.month, 3, 2, tzinfo=dt.UTC)
    if SlaBreach.objects.filter(user=user, breached_at__gte=start - dt.timedelta(days=2),
                                breached_at__lt=start + dt.timedelta(days=26)).exists():  # fmt: skip
        return 0
    SlaBreach.objects.bulk_create(SlaBreach(user=user, policy="mql_accept", breached_at=start + dt.timedelta(days=d))
                                  for d in (4, 11))  # fmt: skip
    return 2


def _notifications(users: dict[str, User], now: dt.datetime) -> int:
    rows = []
    for username in (*SDRS, *SALES_REPS):
        user = users[username]
        if Notification.objects.filter(user=user).exists():
            continue
        owned = Lead.objects.filter(Q(owner_sdr=user) | Q(owner_sales=user)).order_by("-created_at")
        for index, lead in enumerate(owned[:NOTIFIED_PER_PERSON]):
            rows.append(Notification(
                user=user, lead=lead, kind=NotificationKind.LEAD_ASSIGNED,
                message=f"线索 {lead.display_name} 已分配给您（{'SDR 轮询' if username in SDRS else '大客户销售'}）。",
                created_at=now - dt.timedelta(hours=3 * index), read_at=None if index < 3 else now,
            ))  # fmt: skip
    Notification.objects.bulk_create(rows)
    return len(rows)
