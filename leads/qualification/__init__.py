"""Auto-qualification rules (issue 4, part 3): data, not code, that moves a lead to MQL or makes it hot.

A rule names a saved segment (built in the segment builder, so "grade in A1, A2, B1 and BANT >= 2", "a call
with outcome meeting booked in the last 7 days" or "trial sign-up" are all rule trees) and an action. Rules
are evaluated for the leads something just happened to (scores refreshed, an activity logged, BANT filled)
and, on demand, for the whole pool. The rule that fired is the actor of the stage or temperature change.
`models.py` is imported by leads.models so the model belongs to the `leads` app.
"""
