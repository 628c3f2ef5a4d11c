"""The SDR queue (issue 4, part 7): the SDR's working screen. `selectors.py` orders the work (hot first, then
grade, then SLA due time), `services.py` claims and releases, `views.py` serves the page and its htmx actions
(claim, release, log a call, BANT, qualify to MQL, disqualify, send to a nurture track)."""
