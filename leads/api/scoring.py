"""Scores of REST API v1: `GET /api/v1/leads/{id}/score/` — a lead's stored scores and grade, and the lines
that produced them (rules, touchpoints, the channel's prior and history), explained as of the instant the
scores were computed. Visible to whoever may see the lead (leads.selectors.lead_detail_queryset): anyone
else gets 404, as for the lead itself. A merged lead's id answers with its survivor.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from leads.api.views import PROBLEM
from leads.models import Lead
from leads.scoring.explain import lead_score_explain
from leads.selectors import lead_detail_queryset
from leads.services.identity import lead_follow_merges


class ContributionSerializer(serializers.Serializer):
    score = serializers.ChoiceField(choices=["fit", "engagement", "source"])
    kind = serializers.ChoiceField(
        choices=["rule", "touchpoint", "negative", "prior", "observed", "rest", "rounding", "clamp"]
    )
    points = serializers.FloatField(help_text="Points this line adds (negative: subtracts), after decay.")
    label = serializers.CharField()  # type: ignore[assignment]  # a field called label, not Field.label
    at = serializers.DateTimeField(allow_null=True, help_text="When the touchpoint happened.")
    touchpoint_id = serializers.IntegerField(allow_null=True)


class LeadScoreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    fit_score = serializers.IntegerField(min_value=0, max_value=100)
    engagement_score = serializers.IntegerField(min_value=0, max_value=100)
    source_score = serializers.IntegerField(min_value=0, max_value=100)
    grade = serializers.CharField(allow_blank=True)
    scored_at = serializers.DateTimeField(allow_null=True)
    customer_type = serializers.ChoiceField(choices=["key_account", "standard", "long_tail"])
    ruleset_version = serializers.IntegerField(allow_null=True)
    current = serializers.BooleanField(
        help_text="False when the rules or the lead changed since it was scored: the contributions then add up "
        "to the scores it gets now, which the next rescore stores."
    )
    contributions = ContributionSerializer(many=True)


class LeadScoreView(APIView):
    @extend_schema(operation_id="v1_leads_score_retrieve", responses={200: LeadScoreSerializer, 404: PROBLEM})
    def get(self, request: Request, pk: str) -> Response:
        """A lead's scores and grade with every contribution; the contributions of each score add up to it."""
        if not str(pk).isdigit():
            raise Http404
        lead = lead_follow_merges(lead=get_object_or_404(Lead.objects.only("id", "merged_into"), pk=pk))
        visible = lead_detail_queryset(user=request.user).filter(erased_at__isnull=True)
        lead = get_object_or_404(visible.select_related("account", "source_channel"), pk=lead.pk)
        explanation = lead_score_explain(lead=lead)
        stored = (lead.fit_score, lead.engagement_score, lead.source_score, lead.grade)
        data = {
            "id": lead.pk, "fit_score": lead.fit_score, "engagement_score": lead.engagement_score,
            "source_score": lead.source_score, "grade": lead.grade, "scored_at": lead.scored_at,
            "customer_type": explanation.customer_type, "ruleset_version": explanation.ruleset_version,
            "current": stored == (explanation.fit, explanation.engagement, explanation.source, explanation.grade),
            "contributions": [vars(line) for line in explanation.contributions],
        }  # fmt: skip
        return Response(LeadScoreSerializer(data).data)
