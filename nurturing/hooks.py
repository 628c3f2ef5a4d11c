"""Fills the `leads.hooks` registries at ready(): the lead API's `sla` field and the clock events of the
lead timeline.

For the sequences half: register `enrollments` (and message timeline entries) the same way, in your own
module, and call it from `NurturingConfig.ready()`::

    lead_field_register("enrollments", enrollments_for_leads)      # (*, lead_ids) -> {lead_id: [...]}
    lead_panel_register("enrollments", enrollments_panel)          # (*, request, lead) -> HTML (lead page card)
    lead_timeline_register("messages", message_timeline_items)    # (*, lead, limit, before) -> [TimelineItem]
"""

from __future__ import annotations

from leads.hooks import demo_seed_register, lead_field_register, lead_panel_register, lead_timeline_register


def register() -> None:
    from nurturing.demo import demo_clocks_seed
    from nurturing.selectors.sla import sla_for_leads, sla_timeline_items

    lead_field_register("sla", sla_for_leads)
    lead_timeline_register("sla", sla_timeline_items)
    from nurturing.views.lead_panels import lead_sla_panel

    demo_seed_register("sla_clocks", demo_clocks_seed)
    lead_panel_register("sla", lead_sla_panel)
