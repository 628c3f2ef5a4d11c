"""Marketing's writes to scoring rule-set drafts and to the channels' source priors.

A live or retired version is never edited (409): a change is a copy to a draft (`ruleset_draft_create`), edited
here, back-tested, then activated (`ruleset_activate`, which queues the set-based rescore). Validation is the
one in leads.scoring.rules (`config_build`): every error is keyed by the path of the bad entry, e.g.
`fit_rules.standard[2].value`, so the editor can show it on that rule's field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from leadflow.errors import Conflict, ValidationFailed
from leads.models import Channel
from leads.scoring.models import CONFIG_FIELDS, RescoreRun, RuleSetStatus, ScoringRuleSet
from leads.scoring.rules import config_build
from leads.scoring.services import rescore_run_create, ruleset_live


def ruleset_rules_check(*, data: Mapping[str, Any]) -> None:
    """ValidationFailed naming every bad entry by its path; nothing when the rules hold."""
    try:
        config_build(data)
    except ValidationError as error:
        errors = {path: [str(message) for message in messages] for path, messages in error.message_dict.items()}
        raise ValidationFailed(_("Some rules are not valid."), errors=errors) from error


def ruleset_draft_update(
    *, ruleset: ScoringRuleSet, data: Mapping[str, Any], notes: str | None = None
) -> ScoringRuleSet:
    """Replace every rule of a draft with `data` (all of CONFIG_FIELDS) and optionally its notes.
    Refused with a 409 unless the version is still a draft when the row is locked; invalid rules are refused
    before anything is written. Idempotent."""
    missing = [name for name in CONFIG_FIELDS if name not in data]
    if missing:
        raise ValidationFailed(_("Some rules are not valid."), errors={name: [_("Missing.")] for name in missing})
    ruleset_rules_check(data=data)
    with transaction.atomic():
        locked = ScoringRuleSet.objects.select_for_update().get(pk=ruleset.pk)
        if locked.status != RuleSetStatus.DRAFT:
            raise Conflict(_("Only a draft can be edited; copy this version to a new draft."))
        for name in CONFIG_FIELDS:
            setattr(locked, name, data[name])
        if notes is not None:
            locked.notes = notes.strip()
        locked.save()
    ruleset.refresh_from_db()
    return ruleset


def ruleset_draft_delete(*, ruleset: ScoringRuleSet) -> None:
    """Delete a draft nobody rescored with (a live or retired version is history and stays)."""
    with transaction.atomic():
        locked = ScoringRuleSet.objects.select_for_update().get(pk=ruleset.pk)
        if locked.status != RuleSetStatus.DRAFT or locked.runs.exists():
            raise Conflict(_("Only a draft can be deleted."))
        locked.delete()


def channel_prior_set(*, channel: Channel, prior_score: int, now: dt.datetime, actor: Any = None) -> RescoreRun | None:
    """Set marketing's expert prior for a channel (0–100) and queue the set-based rescore with the live rules,
    so every lead's source score follows. Unchanged: nothing is queued (idempotent)."""
    if isinstance(prior_score, bool) or not isinstance(prior_score, int) or not 0 <= prior_score <= 100:
        raise ValidationFailed(_("Please correct the fields marked."),
                               errors={"prior_score": [_("Expected a whole number from 0 to 100.")]})  # fmt: skip
    with transaction.atomic():
        if not Channel.objects.filter(pk=channel.pk).exclude(prior_score=prior_score).update(prior_score=prior_score):
            return None
        channel.prior_score = prior_score
        live = ruleset_live()
        if live is None:
            return None
        return rescore_run_create(ruleset=live, reason="channel prior", now=now, actor=actor)
