"""Claiming and releasing leads from the SDR pool. Both go through `lead_assign_owner`, so history, the change
feed, webhooks and the SLA clocks see them like any other owner change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from leadflow.errors import Conflict, NotPermitted
from leadflow.roles import Action, Role, user_can, user_roles
from leadflow.templatetags.leadflow_tags import person
from leads.choices import OwnerSide, Stage
from leads.models import Lead
from leads.services.leads import lead_assign_owner

CLAIM_LABEL = "queue:claim"
RELEASE_LABEL = "queue:release"


def _locked(lead: Lead) -> Lead:
    return Lead.objects.select_for_update(of=("self",)).select_related("owner_sdr").get(pk=lead.pk)


@transaction.atomic
def lead_claim(*, lead: Lead, user: Any, now: dt.datetime) -> Lead:
    """Make `user` (an SDR) the SDR owner of an unclaimed open lead. Claiming one's own lead is a no-op;
    a lead another SDR claimed first is a Conflict naming them (the row lock makes the race fair)."""
    if Role.SDR not in user_roles(user):
        raise NotPermitted(_("Only SDRs claim leads from the pool."))
    locked = _locked(lead)
    if locked.stage != Stage.LEAD or locked.merged_into_id is not None or locked.erased_at is not None:
        raise Conflict(_("This lead is no longer in the pool."))
    if locked.owner_sdr_id not in (None, user.pk):
        raise Conflict(_("%(name)s claimed this lead first.") % {"name": person(locked.owner_sdr)})
    lead_assign_owner(lead=locked, side=OwnerSide.SDR, user=user, actor=user, actor_label=CLAIM_LABEL, at=now)
    return locked


@transaction.atomic
def lead_release(*, lead: Lead, user: Any, now: dt.datetime) -> Lead:
    """Give a lead back to the pool: its SDR owner, or a manager, may. Releasing an unowned lead is a no-op."""
    locked = _locked(lead)
    if locked.owner_sdr_id is None:
        return locked
    if locked.owner_sdr_id != user.pk and not user_can(user, Action.MANAGE_ROUTING):
        raise NotPermitted(_("Only the lead's SDR or a sales manager can release it."))
    lead_assign_owner(lead=locked, side=OwnerSide.SDR, user=None, actor=user, actor_label=RELEASE_LABEL, at=now)
    return locked
