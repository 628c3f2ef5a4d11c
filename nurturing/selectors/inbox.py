"""The sales inbox: a rep's MQLs to accept, SALs to qualify, SQLs to open and opportunities to close, each
with its running SLA clock; and the manager's board of the team's clocks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from leads.choices import OpportunityStatus, Stage
from leads.models import Lead, Opportunity
from nurturing.models import SlaClock

INBOX_STAGES = (Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY)
INBOX_LIMIT = 200  # per section: a rep with more has a routing problem, not an inbox


@dataclass
class InboxItem:
    lead: Lead
    clock: SlaClock | None = None
    opportunity: Opportunity | None = None


@dataclass
class Inbox:
    sections: dict[str, list[InboxItem]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(len(items) for items in self.sections.values())


def inbox_leads(*, user: Any) -> QuerySet[Lead]:
    return (Lead.objects.filter(owner_sales_id=user.pk, stage__in=INBOX_STAGES, merged_into__isnull=True,
                                erased_at__isnull=True)
            .select_related("owner_sdr", "account", "source_channel"))  # fmt: skip


def inbox_items(*, leads: list[Lead]) -> list[InboxItem]:
    """Attach each lead's running clock and open opportunity (two queries for the whole list)."""
    ids = [lead.pk for lead in leads]
    clocks = {c.lead_id: c for c in SlaClock.objects.filter(lead_id__in=ids, closed_at__isnull=True)
              .select_related("policy").order_by("-due_at")}  # fmt: skip
    opportunities = {o.lead_id: o for o in Opportunity.objects.filter(lead_id__in=ids, status=OpportunityStatus.OPEN)
                     .order_by("opened_at")}  # fmt: skip
    return [InboxItem(lead, clocks.get(lead.pk), opportunities.get(lead.pk)) for lead in leads]


def inbox_for(*, user: Any) -> Inbox:
    """The user's inbox by stage; clocked leads soonest due first, then the oldest stage change."""
    leads = list(inbox_leads(user=user).order_by("stage_changed_at", "id")[: INBOX_LIMIT * len(INBOX_STAGES)])
    items = inbox_items(leads=leads)
    inbox = Inbox(sections={stage.value: [] for stage in INBOX_STAGES})
    for item in items:
        inbox.sections[item.lead.stage].append(item)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    for stage, section in inbox.sections.items():
        section.sort(key=lambda i: (i.clock.due_at if i.clock else far, i.lead.stage_changed_at, i.lead.pk))
        inbox.sections[stage] = section[:INBOX_LIMIT]
    return inbox


def inbox_item(*, user: Any, lead_id: int) -> InboxItem | None:
    """One lead of the user's inbox, or None when it left it (accepted leads stay: SAL is in the inbox)."""
    lead = inbox_leads(user=user).filter(pk=lead_id).first()
    return inbox_items(leads=[lead])[0] if lead is not None else None
