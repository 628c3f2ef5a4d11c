"""Writing the demo's revenue ledger in bulk, and finding it again to delete it.

The `new` row of each won demo deal is exactly what `revenue_event_for_win` writes at the win (account,
won date in the business time zone, won amount and currency, opportunity and lead); the other rows come from
`ledger.ledger_plan`. Customers from before the demo year get the status and ARR their ledger leaves them
with; the accounts won in the year keep what the win wrote (`account_record_win`), as
`revenue_event_create` leaves an account alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.choices import CustomerStatus
from accounts.models import Account
from leads.choices import OpportunityStatus
from leads.demo.ledger import ledger_arr
from leads.demo.plans import DemoPlan
from leads.demo.timeline import local_at
from leads.models import Lead, Opportunity, RevenueEvent, RevenueKind

BATCH = 2000


def revenue_write(plan: DemoPlan, accounts: dict[int, Account]) -> int:
    """The ledger of the plan: one `new` per won deal with an account, then the planned rows. Returns the
    number of rows written. Run once per demo (`demo_seed` writes nothing when demo data exists)."""
    won = Opportunity.objects.filter(lead__in=_demo_leads(plan.seed).values("pk"), status=OpportunityStatus.WON)
    rows = [RevenueEvent(account_id=deal.account_id, kind=RevenueKind.NEW, date=timezone.localdate(deal.closed_at),
                         amount=deal.won_amount, currency=deal.currency, opportunity_id=deal.pk, lead_id=deal.lead_id,
                         created_at=deal.closed_at)
            for deal in won.order_by("closed_at", "pk")
            if deal.account_id is not None and deal.won_amount is not None and deal.closed_at is not None]  # fmt: skip
    rows += [RevenueEvent(account=accounts[row.account], kind=row.kind, date=row.day, amount=row.amount,
                          note=row.note, created_at=local_at(row.day, 10))
             for row in sorted(plan.ledger, key=lambda row: (row.day, row.account))]  # fmt: skip
    RevenueEvent.objects.bulk_create(rows, batch_size=BATCH)
    _legacy_accounts_update(plan, accounts)
    return len(rows)


def _legacy_accounts_update(plan: DemoPlan, accounts: dict[int, Account]) -> None:
    """A customer from before the demo year is a customer (or churned) with the ARR its ledger adds up to."""
    arr = ledger_arr(plan.ledger)
    changed = []
    for legacy in plan.legacy:
        account, value = accounts[legacy.index], arr.get(legacy.index, Decimal(0))
        account.arr = value
        account.customer_status = CustomerStatus.CUSTOMER if value > 0 else CustomerStatus.CHURNED
        changed.append(account)
    Account.objects.bulk_update(changed, ["customer_status", "arr"], batch_size=BATCH)


def revenue_delete(*, seed: int, domains: Sequence[str]) -> None:
    """Delete the ledger rows of the demo of `seed`: those of its leads, and the rows on its accounts that
    neither a person (`created_by`) nor another lead's win wrote. Before the leads and opportunities go, as
    their rows would otherwise stay behind with the links nulled."""
    own = Q(lead__in=_demo_leads(seed).values("pk"))
    planned = Q(account__domain__in=list(domains), created_by__isnull=True, lead__isnull=True)
    RevenueEvent.objects.filter(own | planned).delete()


def _demo_leads(seed: int) -> QuerySet[Lead]:
    return Lead.objects.filter(attributes__demo=True, attributes__demo_seed=seed)
