"""Back-test a rule set version against the live one on the leads of the last N months.

For every lead created in the window (N × 30 days up to `now`, merged leads left out) each version computes
fit and engagement as they would have stood 30 days after the lead was created (or at `now` if sooner):
the lead's current profile and account, and only the touchpoints up to that moment. Honest limits: the
profile is today's, not the one the lead had then, and a lead younger than 30 days is judged on what it has
done so far. A lead counts as MQL-worthy when its grade is in the version's `mql_grades`; it counts as a
customer when its stage history (or its stage) reached `customer` by `now`.

One aggregate query per version; nothing is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from leads.choices import Stage
from leads.scoring.models import ScoringRuleSet
from leads.scoring.rules import RuleSetConfig
from leads.scoring.services import live_config, ruleset_live
from leads.scoring.sql import Clock, Sql, db_datetime, reached_sql, scores_select_sql

AFTER_CREATION_DAYS = 30


@dataclass(frozen=True)
class BacktestFigures:
    version: int | None
    leads: int
    mql: int
    customers: int  # of the MQL-worthy leads, those that became customers

    @property
    def precision(self) -> float | None:
        """Share of MQL-worthy leads that became customers."""
        return self.customers / self.mql if self.mql else None


@dataclass(frozen=True)
class BacktestResult:
    months: int
    since: dt.datetime
    now: dt.datetime
    candidate: BacktestFigures
    live: BacktestFigures


def _figures(config: RuleSetConfig, version: int | None, since: dt.datetime, now: dt.datetime) -> BacktestFigures:
    vendor = connection.vendor
    clock = Clock(vendor, now, created_plus_days=AFTER_CREATION_DAYS)
    bounds = [db_datetime(since), db_datetime(now)]
    window = Sql("l.created_at >= %s AND l.created_at <= %s AND l.merged_into_id IS NULL", bounds)
    tp_window = Sql("l.created_at >= %s AND l.created_at <= %s AND l.merged_into_id IS NULL", list(bounds))
    grades = ", ".join(["%s"] * len(config.mql_grades)) or "NULL"
    query = Sql(f"SELECT COUNT(*), SUM(CASE WHEN s.grade IN ({grades}) THEN 1 ELSE 0 END), ", list(config.mql_grades))
    query.add(f"SUM(CASE WHEN s.grade IN ({grades}) AND ", *config.mql_grades).join(reached_sql((Stage.CUSTOMER,)))
    query.add(" THEN 1 ELSE 0 END) FROM (").join(scores_select_sql(vendor, config, clock, window, tp_window, None))
    query.add(") s JOIN leads_lead l ON l.id = s.id")
    with connection.cursor() as cursor:
        cursor.execute(query.text, query.params)
        leads, mql, customers = cursor.fetchone()
    return BacktestFigures(version=version, leads=int(leads or 0), mql=int(mql or 0), customers=int(customers or 0))


def ruleset_backtest(*, candidate: ScoringRuleSet, months: int, now: dt.datetime) -> BacktestResult:
    """How many leads of the last `months` months `candidate` and the live version would each have made
    MQL-worthy, and how many of those became customers. Read-only."""
    since = now - dt.timedelta(days=30 * months)
    live = ruleset_live()
    live_figures = _figures(live.config() if live else live_config(), live.version if live else None, since, now)
    if live is not None and live.pk == candidate.pk:
        candidate_figures = live_figures
    else:
        candidate_figures = _figures(candidate.config(), candidate.version, since, now)
    return BacktestResult(months=months, since=since, now=now, candidate=candidate_figures, live=live_figures)
