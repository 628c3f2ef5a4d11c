"""Accounts and the customer check (客户查重) for a whole batch: the set-based form of the account match and
`lead_customer_check` of leads.services.leads, applied in memory and recorded like the single services do."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accounts.models import Account
from accounts.services import account_domain_for, accounts_for_domains
from leads.choices import LeadEventKind, OpportunityStatus, OwnerSide
from leads.models import ChangeKind, Lead, Opportunity
from leads.services.bulk.history import History
from leads.services.changes import fields_changed

CHECK_LABEL = "customer_check"


def leads_link_accounts(leads: list[Lead], payloads: Iterable[dict[str, Any]]) -> list[Lead]:
    """Give account-less leads the account of their company domain (created on first sight) and apply the
    customer check in memory; returns the leads that got an account."""
    domains: dict[str, str] = {}
    wanted: list[tuple[Lead, str]] = []
    for lead, data in zip(leads, payloads, strict=True):
        if lead.account_id is not None:
            continue
        domain = account_domain_for(email=lead.email, company_domain=lead.company_domain)
        if domain:
            domains.setdefault(domain, lead.company or data.get("company", ""))
            wanted.append((lead, domain))
    accounts = accounts_for_domains(companies=domains)
    linked = []
    cache = Lead.account.field
    for lead, domain in wanted:
        account = accounts.get(domain)
        if account is not None:  # `lead.account = account` without the descriptor's per-call checks
            lead.account_id = account.pk
            cache.set_cached_value(lead, account)
            linked.append(lead)
    _customer_check(linked)
    return linked


def _customer_check(leads: list[Lead]) -> None:
    """One query for the open opportunities of every account touched; the outcome is kept on the lead
    (`_customer_check`) until its history can be recorded (a new lead has no id yet)."""
    if not leads:
        return
    open_by_account: dict[int, list[tuple[int, int | None]]] = {}
    owner_id: int | None
    rows = Opportunity.objects.filter(account_id__in={lead.account_id for lead in leads}, status=OpportunityStatus.OPEN)
    for account_id, lead_id, owner_id in rows.order_by("-opened_at").values_list("account_id", "lead_id", "owner_id"):
        open_by_account.setdefault(account_id, []).append((lead_id, owner_id))
    for lead in leads:
        account: Account = lead.account  # type: ignore[assignment]
        others = [row for row in open_by_account.get(account.pk, []) if row[0] != lead.pk]
        if not (account.is_customer or others):
            continue
        reason = "customer" if account.is_customer else "open_opportunity"
        owner_id = account.owner_sales_id or (others[0][1] if others else None)
        was_flagged = lead.customer_check
        lead.customer_check = True
        new_owner = owner_id if owner_id is not None and lead.owner_sales_id is None else None
        if new_owner is not None:
            lead.owner_sales_id = new_owner
        lead._customer_check = (account.pk, reason, was_flagged, new_owner)  # type: ignore[attr-defined]


def owner_assigned_by_check(lead: Lead) -> int | None:
    flagged = getattr(lead, "_customer_check", None)
    return flagged[3] if flagged is not None else None


def customer_check_history(history: History, lead: Lead) -> None:
    """What lead_customer_check and lead_assign_owner record: the flag (`updated` change, CUSTOMER_CHECK
    event) and the sales owner it brought (`owner_changed` change, OWNER_CHANGED event, lead.assigned)."""
    flagged = getattr(lead, "_customer_check", None)
    if flagged is None:
        return
    account_id, reason, was_flagged, new_owner = flagged
    if not was_flagged:
        history.change(lead.pk, ChangeKind.UPDATED, fields_changed(["customer_check"]))
        history.event(lead.pk, LeadEventKind.CUSTOMER_CHECK, {"account": account_id, "reason": reason},
                      label=CHECK_LABEL)  # fmt: skip
    if new_owner is not None:
        assigned = {"side": str(OwnerSide.SALES), "from": None, "to": new_owner}
        history.change(lead.pk, ChangeKind.OWNER_CHANGED, dict(assigned))
        history.event(lead.pk, LeadEventKind.OWNER_CHANGED, assigned, label=CHECK_LABEL)
