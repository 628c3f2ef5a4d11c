"""Lead scoring (spec/scoring.md, "Scores"): source, fit and engagement scores and the grade, from a versioned
rule set stored as data.

Modules:

- `rules.py`: the rule set as a frozen, validated `RuleSetConfig` and the pure formulas (fit conditions,
  engagement decay, source shrinkage, grade). No ORM: the one place a formula is written in Python.
- `sql.py`: the same formulas compiled to SQL (PostgreSQL and SQLite) for the set-based rescore and the
  back-test. Every number the SQL produces must equal what `rules.py` produces (tested).
- `models.py`: `ScoringRuleSet` (versioned, draft / live / retired, exactly one live) and `RescoreRun`
  (progress of a bulk rescore). Imported by leads.models so both belong to the `leads` app.
- `services.py`: `leads_scores_refresh` (any set of leads, one chunked pass), rescore runs, activation.
- `explain.py`: `lead_score_explain`, the contributions of every score, adding up to the stored score.
- `backtest.py`: `ruleset_backtest`, a candidate version against the live one on the last N months.

Customer type (which fit rules apply) comes from the lead's account tier: S or A -> key account, B ->
standard, C or no account -> long-tail.

Rescoring writes no ChangeLog row, LeadEvent or `updated_at`: a score follows from data that is already
history (touchpoints, stage changes, the rule set version and its activation time), and a rule change would
otherwise flood the CRM change feed and `updated_since` filters with a million rows that say nothing new.
"""
