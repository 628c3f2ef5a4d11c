"""Bulk lead upsert, touchpoint ingest and identify. Thin: the services in leads.services.bulk and
leads.services.touchpoints validate each row and write set-based; these views parse, check size and answer."""

from __future__ import annotations

from typing import Any

import orjson
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from leadflow.errors import ValidationFailed, problem_response
from leadflow.roles import Action
from leads.api.serializers import LeadSerializer
from leads.api.touchpoint_serializers import (
    IdentifyResultSerializer,
    IdentifySerializer,
    LeadBulkResultSerializer,
    LeadBulkSerializer,
    TouchpointBulkResultSerializer,
    TouchpointBulkSerializer,
    TouchpointResultSerializer,
    TouchpointSerializer,
)
from leads.selectors import lead_detail_queryset
from leads.services.bulk import MAX_LEAD_RECORDS, BatchRejected, batch_check, leads_bulk_upsert
from leads.services.bulk.results import CREATED, DUPLICATE, FAILED, UPDATED
from leads.services.touchpoints import MAX_TOUCHPOINT_RECORDS, touchpoints_ingest, visitor_identify

PROBLEM = OpenApiResponse(description="application/problem+json")


class JSONBodyParser(BaseParser):
    """JSON read in one piece with orjson (DRF's parser decodes through a stream reader with the standard
    library: several times slower for 50,000 rows). Strict RFC 8259: NaN, Infinity and invalid UTF-8 are
    parse errors, as PostgreSQL's jsonb could not store them anyway."""

    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return orjson.loads(stream.read() if stream is not None else b"")
        except orjson.JSONDecodeError as error:
            raise ParseError(f"JSON parse error - {error}") from error


class _WriteView(APIView):
    required_action = Action.EDIT_LEADS
    parser_classes = [JSONBodyParser]

    def body(self, request: Request) -> dict[str, Any]:
        if not isinstance(request.data, dict):
            message = _("Expected a JSON object.")
            raise ValidationFailed(message, errors={"non_field_errors": [message]})
        return request.data


class LeadBulkView(_WriteView):
    @extend_schema(request=LeadBulkSerializer, responses={200: LeadBulkResultSerializer, 400: PROBLEM, 413: PROBLEM},
                   summary="Create or update up to 10,000 leads")  # fmt: skip
    def post(self, request: Request) -> Response:
        """Valid rows are saved and bad rows reported per row; with `atomic: true` one bad row rejects all."""
        body = self.body(request)
        records = batch_check(body.get("records"), limit=MAX_LEAD_RECORDS)
        atomic = body.get("atomic", False) is True
        try:
            result = leads_bulk_upsert(records=records, atomic=atomic, actor=request.user)
        except BatchRejected as rejected:
            response = problem_response(status_code=400, title=str(rejected.title), detail=rejected.message,
                                        type_slug=rejected.type_slug, errors=rejected.errors)  # fmt: skip
            response.data["results"] = [row.as_dict() for row in rejected.failures]
            return response
        return Response(result.as_dict((CREATED, UPDATED, FAILED)))


class TouchpointView(_WriteView):
    @extend_schema(request=TouchpointSerializer,
                   responses={201: TouchpointResultSerializer, 200: TouchpointResultSerializer, 400: PROBLEM},
                   summary="Record one touchpoint")  # fmt: skip
    def post(self, request: Request) -> Response:
        """201 when recorded; 200 with status `duplicate` when its event_id was seen before."""
        row = touchpoints_ingest(records=[self.body(request)]).rows[0]
        if row.status == FAILED:
            raise ValidationFailed(_("Some fields are invalid."), errors=row.errors)
        code = status.HTTP_201_CREATED if row.status == CREATED else status.HTTP_200_OK
        return Response({"id": row.id, "status": row.status}, status=code)


class TouchpointBulkView(_WriteView):
    @extend_schema(request=TouchpointBulkSerializer,
                   responses={200: TouchpointBulkResultSerializer, 400: PROBLEM, 413: PROBLEM},
                   summary="Record up to 50,000 touchpoints")  # fmt: skip
    def post(self, request: Request) -> Response:
        """Per-row results: created, duplicate (event_id seen before) or failed with field errors."""
        records = batch_check(self.body(request).get("records"), limit=MAX_TOUCHPOINT_RECORDS)
        result = touchpoints_ingest(records=records)
        return Response(result.as_dict((CREATED, DUPLICATE, FAILED)))


class IdentifyView(_WriteView):
    @extend_schema(request=IdentifySerializer, responses={200: IdentifyResultSerializer, 400: PROBLEM},
                   summary="Link an anonymous visitor to a lead")  # fmt: skip
    def post(self, request: Request) -> Response:
        """Resolve or create the lead, attach the visitor's earlier touchpoints; idempotent."""
        serializer = IdentifySerializer(data=self.body(request))
        serializer.is_valid(raise_exception=True)
        result = visitor_identify(anonymous_id=serializer.validated_data["anonymous_id"].strip(),
                                  data=serializer.to_service_data(), actor=request.user)  # fmt: skip
        lead = lead_detail_queryset(user=request.user).filter(pk=result.lead.pk).first() or result.lead
        return Response({"lead": LeadSerializer(lead).data, "created": result.created, "attached": result.attached})
