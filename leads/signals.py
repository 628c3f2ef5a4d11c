"""What `leads` tells the rest of the system. Every signal is sent on commit, with ids, never model instances.

`nurturing` listens to start and stop SLA clocks and sequences; `leads` knows nothing of it.
"""

from django.dispatch import Signal

# After every stage change: lead_id, from_stage, to_stage, at.
lead_stage_changed = Signal()

# After leads are created, one lead or a bulk batch: lead_ids (list[int]), at.
leads_created = Signal()

# After a lead's SDR or sales owner changes: lead_id, side ("sdr" | "sales"), from_id, to_id (user ids or None), at.
lead_owner_changed = Signal()

# After a lead's temperature changes: lead_id, from_temperature, to_temperature, at.
lead_temperature_changed = Signal()

# After a person logs work on a lead (a call, an email, a meeting, a note): lead_id, actor_id, kind, outcome, at.
# `kind` is a TouchpointKind value (call, meeting, email_reply, ...) or "note"; `outcome` a CallOutcome value or "".
lead_activity_logged = Signal()
