"""The demo company: a deterministic year of a Chinese B2B SaaS vendor's marketing and sales, in bulk.

`demo_seed` plans every row in memory as a function of (seed, today) and writes it with `bulk_create` in
one transaction. Leads cannot go through `lead_transition` one by one (far too slow), so the planner
mirrors its rules exactly (see `journeys`).

Idempotent: when demo data exists, `demo_seed` changes nothing; with `reset=True` it deletes the demo
data first.

Modules, in the order the plan is built: `catalog` (channels, logins, territories, names: pure data),
`plans` (the in-memory rows), `timeline` (the demo year, time and chance helpers), `campaigns`, `costs`,
`people` (accounts and the people who become leads), `journeys` (stage histories), `touchpoints`,
`visitors` (anonymous visitors who never become leads), `ledger` (the revenue ledger after the wins and of the
customers from before the year), `planner` (`demo_plan`), `logins`, `revenue` (writing and deleting the ledger)
and `write` (bulk writing, deletion, idempotence).
"""

from leads.demo.catalog import DEFAULT_LEADS, DEMO_PASSWORD, DEMO_TZ
from leads.demo.logins import Login, demo_logins, demo_users_ensure
from leads.demo.planner import demo_plan
from leads.demo.plans import DemoPlan
from leads.demo.timeline import demo_window
from leads.demo.write import DemoReport, demo_delete, demo_seed, demo_stage_counts, demo_stamps

__all__ = [
    "DEFAULT_LEADS",
    "DEMO_PASSWORD",
    "DEMO_TZ",
    "DemoPlan",
    "DemoReport",
    "Login",
    "demo_delete",
    "demo_logins",
    "demo_plan",
    "demo_seed",
    "demo_stage_counts",
    "demo_stamps",
    "demo_users_ensure",
    "demo_window",
]
