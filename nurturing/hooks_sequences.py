"""Fills the `leads.hooks` registries for the sequences engine at ready(): the lead API's `enrollments`
field, the message and sequence entries of the lead timeline, the lead page's sequences card, and the
demo's replay of the SOPs."""

from __future__ import annotations

from leads.hooks import demo_seed_register, lead_field_register, lead_panel_register, lead_timeline_register


def register() -> None:
    from nurturing.demo_sequences import demo_sequences_seed
    from nurturing.selectors.sequences import enrollments_for_leads, message_timeline_items
    from nurturing.views.sequence_panels import lead_sequences_panel

    lead_field_register("enrollments", enrollments_for_leads)
    lead_timeline_register("messages", message_timeline_items)
    lead_panel_register("sequences", lead_sequences_panel)
    # After the SLA half's demo seeder (registered first): the SOPs' last week on the demo leads.
    demo_seed_register("sequences", demo_sequences_seed)
