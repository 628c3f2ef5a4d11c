"""Scoring services: refresh the scores of some leads, rescore every lead in chunks, activate a version.

Every write of scores is one set-based `UPDATE ... FROM (SELECT ... aggregate)` per chunk of leads (SQL in
leads.scoring.sql); no Python loop over leads. Query count per call depends on the number of chunks, never
on the number of touchpoints, rules or leads within a chunk.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from leadflow.errors import Conflict
from leads.scoring.defaults import DEFAULT_RULESET
from leads.scoring.models import ChannelConversion, RescoreRun, RescoreStatus, RuleSetStatus, ScoringRuleSet
from leads.scoring.rules import RuleSetConfig, config_build, grade, source_score
from leads.scoring.sql import UNKNOWN_SOURCE, Clock, Sql, channel_counts_sql, scores_update_sql

if TYPE_CHECKING:
    from leads.models import Lead

logger = logging.getLogger(__name__)
REFRESH_CHUNK = 5000
RESCORE_CHUNK = 20000


def ruleset_live() -> ScoringRuleSet | None:
    return ScoringRuleSet.objects.filter(status=RuleSetStatus.LIVE).first()


def live_config() -> RuleSetConfig:
    """The live version's rules; the built-in defaults when no version is live (an empty database)."""
    live = ruleset_live()
    return live.config() if live is not None else config_build(DEFAULT_RULESET)


def channel_conversions_count(*, now: dt.datetime) -> int:
    """Recount every channel's leads, MQLs and customers (one aggregate query). Idempotent."""
    with connection.cursor() as cursor:
        query = channel_counts_sql()
        cursor.execute(query.text, query.params)
        rows = cursor.fetchall()
    with transaction.atomic():
        ChannelConversion.objects.all().delete()
        ChannelConversion.objects.bulk_create(
            ChannelConversion(channel_id=channel, leads=n, mql=mql or 0, customers=customers or 0, counted_at=now)
            for channel, n, mql, customers in rows
        )
    return len(rows)


def channel_source_scores(*, config: RuleSetConfig) -> dict[int, int]:
    """Source score of every channel: its prior blended with its counted history (rules.source_score)."""
    from leads.models import Channel

    counts = {c.channel_id: c for c in ChannelConversion.objects.all()}
    scores = {}
    for channel_id, prior in Channel.objects.values_list("id", "prior_score"):
        count = counts.get(channel_id)
        scores[channel_id] = source_score(prior=prior, leads=count.leads if count else 0,
                                          mql=count.mql if count else 0,
                                          customers=count.customers if count else 0, config=config)  # fmt: skip
    return scores


def _update(config: RuleSetConfig, now: dt.datetime, scope: Sql, tp_scope: Sql, sources: dict[int, int]) -> int:
    query = scores_update_sql(connection.vendor, config, Clock(connection.vendor, now), scope, tp_scope, sources)
    with connection.cursor() as cursor:
        cursor.execute(query.text, query.params)
        return cursor.rowcount


def leads_scores_refresh(*, lead_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Recompute fit, engagement, source and grade of the given leads with the live rules, as of `now`:
    one UPDATE per 5,000 ids (merged leads are skipped). Idempotent; returns the leads written.

    Call it after touchpoints arrive or a lead's profile changes; for 1 or 20,000 ids alike.
    """
    ids = sorted({int(i) for i in lead_ids})
    if not ids:
        return 0
    now = now or timezone.now()
    config = live_config()
    sources = channel_source_scores(config=config)
    written = 0
    for start in range(0, len(ids), REFRESH_CHUNK):
        chunk = ids[start : start + REFRESH_CHUNK]
        scope, tp_scope = _ids_scope("l.id", chunk), _ids_scope("t.lead_id", chunk)
        written += _update(config, now, scope.add(" AND l.merged_into_id IS NULL"), tp_scope, sources)
    from leads.qualification.services import leads_qualify_later  # qualification moves stages: imports services

    leads_qualify_later(lead_ids=ids)  # new scores may meet a qualification rule
    return written


def leads_scores_initial(*, leads: Sequence[Lead], now: dt.datetime) -> None:
    """Scores of new, unsaved leads set in memory (bulk creation), so their rows are written once, scored:
    fit by the live rules, source by the channel's score, engagement 0 (no touchpoints yet) and the grade.
    The same rules and rounding as the SQL pass (tests/leads/test_scoring_refresh.py holds them equal)."""
    from leads.scoring.explain import lead_fit_score  # explain reads the live rules from here

    if not leads:
        return
    config = live_config()
    sources = channel_source_scores(config=config)
    memo: dict[Any, int] = {}
    for lead in leads:
        lead.fit_score = lead_fit_score(lead, config, memo)
        channel = lead.source_channel_id
        lead.source_score = config.no_channel_score if channel is None else sources.get(channel, UNKNOWN_SOURCE)
        lead.engagement_score = 0
        lead.grade = grade(fit=lead.fit_score, engagement=0, config=config)
        lead.scored_at = now


def leads_scores_refresh_later(*, lead_ids: Iterable[int]) -> None:
    """`leads_scores_refresh` of these leads by a task sent when the current transaction commits: the bulk
    writers' form, which keeps a 5,000-row request from also rewriting its 5,000 rows (scores follow within
    seconds with a worker; without a broker the task runs at commit). A broker outage is logged, and the
    nightly pass catches up."""
    ids = sorted({int(i) for i in lead_ids})
    if ids:
        transaction.on_commit(lambda: _send_refresh(ids))


def _send_refresh(ids: list[int]) -> None:
    from leads.tasks import leads_scores_refresh_task  # tasks import the services

    try:
        leads_scores_refresh_task.delay(ids)
    except Exception:
        logger.exception("scoring: could not queue the refresh of %s leads", len(ids))


def _ids_scope(column: str, ids: list[int]) -> Sql:
    if connection.vendor == "postgresql":
        return Sql(f"{column} = ANY(%s)", [ids])
    return Sql(f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids))


# --- bulk rescore runs --------------------------------------------------------------------------------------


def rescore_run_create(*, ruleset: ScoringRuleSet, reason: str, now: dt.datetime, actor: Any = None) -> RescoreRun:
    """A queued run of every lead with `ruleset` as of `now`; the task is sent once the transaction commits.
    Earlier runs still queued or running are superseded (they stop at their next chunk)."""
    from leads.models import Lead

    with transaction.atomic():
        RescoreRun.objects.filter(status__in=(RescoreStatus.QUEUED, RescoreStatus.RUNNING)).update(
            status=RescoreStatus.FAILED, error=_("Superseded by a newer rescore."), finished_at=now
        )
        run = RescoreRun.objects.create(ruleset=ruleset, reason=reason, now=now, total=Lead.objects.count(),
                                        created_by=actor if getattr(actor, "pk", None) else None)  # fmt: skip
        run_id = run.pk
        transaction.on_commit(lambda: _send_run_task(run_id))
    return run


def _send_run_task(run_id: int) -> None:
    from leads.tasks import rescore_run_task  # tasks import the services

    try:
        rescore_run_task.delay(run_id)
    except Exception:  # a broker outage must not fail the request that already committed; the run can resume
        logger.exception("scoring: could not queue rescore run %s", run_id)
        RescoreRun.objects.filter(pk=run_id, status=RescoreStatus.QUEUED).update(
            status=RescoreStatus.FAILED, error=_("The rescore could not be queued; resume it in a moment.")
        )


def rescore_run_execute(*, run_id: int, chunk_size: int = RESCORE_CHUNK) -> RescoreRun:
    """Score every lead, chunk by chunk of `chunk_size` lead ids from where the run stopped; progress is
    saved with each chunk in the same transaction. Three queries per chunk. Idempotent: a finished or
    superseded run does nothing."""
    run = RescoreRun.objects.select_related("ruleset").get(pk=run_id)
    if run.status not in (RescoreStatus.QUEUED, RescoreStatus.RUNNING):
        return run
    if run.last_id == 0:
        channel_conversions_count(now=run.now)
    RescoreRun.objects.filter(pk=run.pk).update(status=RescoreStatus.RUNNING, started_at=timezone.now())
    config = run.ruleset.config()
    sources = channel_source_scores(config=config)
    try:
        _chunks_run(run, config, sources, chunk_size)
    except Exception as error:  # recorded for the page (resume from the last chunk), then raised to the worker
        RescoreRun.objects.filter(pk=run.pk).update(status=RescoreStatus.FAILED, error=str(error)[:2000],
                                                    finished_at=timezone.now())  # fmt: skip
        raise
    RescoreRun.objects.filter(pk=run.pk, status=RescoreStatus.RUNNING).update(
        status=RescoreStatus.DONE, finished_at=timezone.now(), total=F("done")
    )
    run.refresh_from_db()
    return run


def _chunks_run(run: RescoreRun, config: RuleSetConfig, sources: dict[int, int], chunk_size: int) -> None:
    last_id = run.last_id
    while True:
        high, count = _next_chunk(last_id, chunk_size)
        if high is None:
            break
        with transaction.atomic():
            scope = Sql("l.id > %s AND l.id <= %s AND l.merged_into_id IS NULL", [last_id, high])
            _update(config, run.now, scope, Sql("t.lead_id > %s AND t.lead_id <= %s", [last_id, high]), sources)
            moved = RescoreRun.objects.filter(pk=run.pk, status=RescoreStatus.RUNNING).update(
                done=F("done") + count, last_id=high
            )
            if not moved:  # superseded or stopped meanwhile: keep nothing of this chunk's progress
                transaction.set_rollback(True)
                break
        last_id = high


def _next_chunk(after: int, size: int) -> tuple[int | None, int]:
    """The highest id and the number of the next `size` leads after `after` (an index-only scan)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id), COUNT(*) FROM (SELECT id FROM leads_lead WHERE id > %s ORDER BY id "
                       "LIMIT %s) chunk", [after, size])  # fmt: skip
        high, count = cursor.fetchone()
    return (int(high), int(count)) if high is not None else (None, 0)


def rescore_run_resume(*, run: RescoreRun) -> RescoreRun:
    """Send a stopped run again; it goes on from its last chunk."""
    with transaction.atomic():
        if not RescoreRun.objects.filter(pk=run.pk, status=RescoreStatus.FAILED).update(
            status=RescoreStatus.QUEUED, error="", finished_at=None
        ):
            raise Conflict(_("Only a stopped rescore can be resumed."))
        run_id = run.pk
        transaction.on_commit(lambda: _send_run_task(run_id))
    run.refresh_from_db()
    return run


def scores_nightly(*, now: dt.datetime) -> RescoreRun | None:
    """Every night: recount channels and rescore every lead with the live version (engagement decays
    with time, so yesterday's scores are too high today)."""
    live = ruleset_live()
    if live is None:
        return None
    return rescore_run_create(ruleset=live, reason="nightly", now=now)


# --- versions -------------------------------------------------------------------------------------------------


def ruleset_draft_create(*, source: ScoringRuleSet, actor: Any = None, notes: str = "") -> ScoringRuleSet:
    """A new draft version copying `source`'s rules, to be edited (admin), back-tested and activated."""
    with transaction.atomic():
        version = (ScoringRuleSet.objects.select_for_update().aggregate(v=Max("version"))["v"] or 0) + 1
        return ScoringRuleSet.objects.create(
            version=version, status=RuleSetStatus.DRAFT, notes=notes or _("Copy of v%(v)s") % {"v": source.version},
            created_by=actor if getattr(actor, "pk", None) else None, **source.config_data(),
        )  # fmt: skip


def ruleset_activate(*, ruleset: ScoringRuleSet, now: dt.datetime, actor: Any = None) -> RescoreRun:
    """Make a draft the one live version (the live one retires) and queue the bulk rescore with it.
    A version that is not a draft is refused (409); invalid rules are refused before anything changes."""
    ruleset.config()
    with transaction.atomic():
        ScoringRuleSet.objects.filter(status=RuleSetStatus.LIVE).update(status=RuleSetStatus.RETIRED)
        if not ScoringRuleSet.objects.filter(pk=ruleset.pk, status=RuleSetStatus.DRAFT).update(
            status=RuleSetStatus.LIVE, activated_at=now
        ):
            raise Conflict(_("Only a draft can be activated."))
        ruleset.refresh_from_db()
        return rescore_run_create(ruleset=ruleset, reason="activation", now=now, actor=actor)
