"""Template access to score explanations, so the lead page shows them without its view knowing scoring."""

from __future__ import annotations

from django import template

from leads.models import Lead
from leads.scoring.explain import ScoreExplanation, lead_score_explain

register = template.Library()


@register.simple_tag
def lead_score_explanation(lead: Lead) -> ScoreExplanation:
    """The lead's scores explained as of the instant they were computed (a few queries, read-only)."""
    return lead_score_explain(lead=lead)


@register.filter
def signed_points(value: float) -> str:
    """+12, −3.5: whole points without decimals, decayed ones with one."""
    text = f"{value:+.0f}" if abs(value - round(value)) < 0.05 else f"{value:+.1f}"
    return text.replace("-", "−")
