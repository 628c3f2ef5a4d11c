"""Fills the `leads.hooks` registries for the sequences engine at ready(): the lead API's `enrollments`
field and the message and sequence entries of the lead timeline."""

from __future__ import annotations

from leads.hooks import lead_field_register, lead_timeline_register


def register() -> None:
    from nurturing.selectors.sequences import enrollments_for_leads, message_timeline_items

    lead_field_register("enrollments", enrollments_for_leads)
    lead_timeline_register("messages", message_timeline_items)
