from django.dispatch import Signal

# Sent on commit after every stage change: kwargs lead_id, from_stage, to_stage, at.
# `nurturing` listens to start and stop clocks and sequences; `leads` knows nothing of it.
lead_stage_changed = Signal()
