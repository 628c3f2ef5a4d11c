"""The SLA breach sweep: record each breach once, tell the owner and their manager, recycle follow-ups.

`sla_clocks_breach_due` is a tick sweep (see `nurturing.services.tick`): it claims up to `limit` due clocks
with `SELECT ... FOR UPDATE SKIP LOCKED` (the partial index `slaclock_due_open`), so two workers never take
the same clock, and records each breach with a compare-and-set UPDATE (`breached_at IS NULL`), so even without
row locks (SQLite) a breach is recorded, counted and notified once. Running it again for the same `now` finds
nothing: a breached clock leaves the due scan.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from leadflow.roles import Role
from leads.choices import OwnerSide, Stage
from leads.models import Lead, WebhookEvent
from leads.routing.models import Notification, SlaBreach, Team
from leads.routing.selectors import user_language
from leads.routing.services import lead_route_apply
from leads.services.leads import lead_assign_owner
from leads.services.webhooks import webhook_event_emit
from nurturing.models import ClockStatus, SlaClock
from nurturing.services.claims import compiled_rows

logger = logging.getLogger(__name__)

NOTIFICATION_KIND = "sla_breached"  # leads.routing Notification.kind (a free-form code beside its choices)
RECYCLE_LABEL = "sla:follow_up"


def sla_clocks_due(*, now: dt.datetime, limit: int) -> QuerySet[SlaClock]:
    """Open, unbreached clocks due at `now`, oldest due first: the scan the partial index answers."""
    return SlaClock.objects.filter(closed_at__isnull=True, breached_at__isnull=True, due_at__lte=now) \
        .order_by("due_at", "id")[:limit]


def sla_clocks_claim(*, now: dt.datetime, limit: int) -> list[int]:
    """The ids of the due clocks this worker claims (inside a transaction): `FOR UPDATE SKIP LOCKED` on the
    partial index; the rows are loaded afterwards, as the work.

    The due predicates sit on the locking query itself, so PostgreSQL rechecks them on a row another worker
    just changed (a clock breached meanwhile is skipped, not claimed twice). Registered as the sweep's scan
    in `nurturing.services.tick.SCANS` (benchmark 5); its SQL is compiled once (`compiled_rows`).
    """
    return compiled_rows(("sla_breaches", limit), lambda now: _claim_query(now=now, limit=limit), now=now)


def _claim_query(*, now: dt.datetime, limit: int) -> QuerySet[SlaClock, int]:
    return sla_clocks_due(now=now, limit=limit).select_for_update(skip_locked=True, of=("self",)) \
        .values_list("pk", flat=True)


def sla_clocks_breach_due(*, now: dt.datetime, limit: int) -> int:
    """Tick sweep: breach up to `limit` due clocks in one transaction. Returns how many it breached."""
    breached = 0
    with transaction.atomic():
        ids = sla_clocks_claim(now=now, limit=limit)
        claimed = SlaClock.objects.filter(pk__in=ids).select_related("policy", "owner", "lead").order_by("due_at", "id")
        for clock in claimed:
            with transaction.atomic():  # a savepoint: one bad row must not undo the batch's other breaches
                breached += sla_clock_breach(clock=clock, now=now)
    return breached


def sla_clock_breach(*, clock: SlaClock, now: dt.datetime) -> bool:
    """Record the breach of `clock` at `now` once, count it against the owner (routing penalty), notify the
    owner and their manager, send `sla.breached`; a follow-up breach recycles the lead. False when the clock
    was already breached or closed (another worker, or it was met in the meantime)."""
    won = SlaClock.objects.filter(pk=clock.pk, breached_at__isnull=True, closed_at__isnull=True) \
        .update(breached_at=now)
    if not won:
        return False
    clock.breached_at = now
    if clock.owner_id is not None:
        SlaBreach.objects.create(user_id=clock.owner_id, lead_id=clock.lead_id, policy=clock.policy.code,
                                 breached_at=now)  # fmt: skip
        for user in [clock.owner, *managers_of(user_id=clock.owner_id)]:
            if user is not None:
                notification_sla_breached(user=user, clock=clock, now=now)
    webhook_event_emit(event=WebhookEvent.SLA_BREACHED, lead_id=clock.lead_id, now=now, data={
        "policy": clock.policy.code, "owner": clock.owner_id, "started_at": clock.started_at,
        "due_at": clock.due_at, "breached_at": now,
    })  # fmt: skip
    if clock.policy.recycle_on_breach:
        sla_lead_recycle(clock=clock, now=now)
    return True


def managers_of(*, user_id: int) -> list[Any]:
    """The person's managers: active sales managers in a routing team with them; when none shares a team,
    every active sales manager (someone must hear of a breach)."""
    managers = get_user_model().objects.filter(is_active=True, groups__name=Role.SALES_MANAGER).exclude(pk=user_id)
    teams = Team.objects.filter(members__pk=user_id)
    in_team = managers.filter(routing_teams__in=teams).distinct()
    return list(in_team) or list(managers.distinct())


def notification_sla_breached(*, user: Any, clock: SlaClock, now: dt.datetime) -> Notification:
    """One bell notification now, one email after commit, in the recipient's language."""
    lead = clock.lead
    with translation.override(user_language(user=user)):
        due = formats.date_format(timezone.localtime(clock.due_at), "DATETIME_FORMAT")
        if user.pk == clock.owner_id:
            message = gettext("SLA breached: %(policy)s on lead %(lead)s was due %(due)s.")
        else:
            message = gettext("SLA breached by %(owner)s: %(policy)s on lead %(lead)s was due %(due)s.")
        message = message % {"policy": clock.policy.get_code_display(), "lead": lead.display_name, "due": due,
                             "owner": _name(clock.owner)}  # fmt: skip
        subject = gettext("SLA breached: %(lead)s") % {"lead": lead.display_name}
        url = str(settings.LEADFLOW.get("SITE_URL", "")).rstrip("/") + reverse("leads:detail", args=[lead.pk])
        body = "\n\n".join([message, gettext("Open it: %(url)s") % {"url": url}])
    notification = Notification.objects.create(user=user, lead=lead, kind=NOTIFICATION_KIND, message=message[:500],
                                               created_at=now)  # fmt: skip
    if user.email:
        recipient = user.email
        transaction.on_commit(lambda: send_mail(subject, body, None, [recipient], fail_silently=False))
    return notification


def _name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else "—"


def sla_lead_recycle(*, clock: SlaClock, now: dt.datetime) -> None:
    """Follow-up breached: take the lead from the SDR who let it sit, back to the pool, and route it again
    (the assignment rules pick the next SDR; the new owner's clocks start from the owner-changed signal)."""
    lead = Lead.objects.select_for_update(of=("self",)).get(pk=clock.lead_id)
    SlaClock.objects.filter(pk=clock.pk, closed_at__isnull=True).update(
        status=ClockStatus.RECYCLED, closed_at=now, close_reason="recycled")
    previous = lead.owner_sdr_id
    if lead.stage != Stage.LEAD or previous is None or previous != clock.owner_id:
        return  # the lead moved on or changed hands since: nothing to recycle
    lead_assign_owner(lead=lead, side=OwnerSide.SDR, user=None, actor_label=RECYCLE_LABEL, at=now)
    # The rules pick someone else: the lead goes to the SDR who did not let it sit (or stays in the pool).
    decision = lead_route_apply(lead=lead, now=now, side=OwnerSide.SDR, exclude=frozenset({previous}))
    logger.info("sla: lead %s recycled after follow-up breach; routed: %s", lead.pk, decision.reason)
