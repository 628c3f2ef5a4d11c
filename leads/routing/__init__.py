"""Routing and assignment (spec/nurturing.md, "Routing"): who gets a new lead, and why.

`models.py` holds teams, ordered assignment rules, monthly allocations, the per-rule rotation tally, the
routing log, SLA breaches (filled by the SLA clocks) and in-app notifications; `selectors.py` reads them;
`services.py` decides (`lead_route`) and applies (`lead_route_apply`, `leads_route_new`) through
`leads.services.leads.lead_assign_owner`, so history, change feed and webhooks stay the same for every
owner change. Imported by leads.models so the models belong to the `leads` app.
"""
