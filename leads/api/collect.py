"""POST /api/v1/collect/: the public endpoint of web forms and trackers.

Authenticated by a site's write key (`X-LeadFlow-Write-Key` header or `write_key` field), not by a user:
the key sits in public pages, so it can only add touchpoints and create or update leads, a browser may use
it only from the site's allowed origins, and each (key, client IP) is rate limited (LEADFLOW_COLLECT_RATE).
A request without an Origin header (a server-side tracker) is accepted with a valid key.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.parsers import BaseParser, FormParser, JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from leadflow.errors import ValidationFailed
from leads.api.serializers import JSONObjectField
from leads.choices import TouchpointKind
from leads.models import SiteKey
from leads.services.bulk.results import FAILED
from leads.services.catalog import campaign_for_slug, channel_for_slug
from leads.services.touchpoints import touchpoints_ingest, visitor_identify
from leads.services.upsert import lead_upsert

KEY_HEADER = "X-LeadFlow-Write-Key"
PROBLEM = OpenApiResponse(description="application/problem+json (RFC 9457)")
CONTACT_FIELDS = ("email", "phone", "first_name", "last_name", "company", "title", "consent_email")
TOUCH_FIELDS = ("kind", "properties", "event_id", "anonymous_id", "channel", "campaign")
CORS_HEADERS = {
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": f"Content-Type, {KEY_HEADER}",
    "Access-Control-Max-Age": "86400",
}


class TextJSONParser(BaseParser):
    """JSON sent as text/plain: `navigator.sendBeacon` and simple CORS requests (no preflight) use it."""

    media_type = "text/plain"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return json.loads(stream.read() if stream is not None else b"")
        except ValueError as error:
            raise exceptions.ParseError(f"JSON parse error - {error}") from error


class SiteKeyAuthentication(BaseAuthentication):
    """The site key from the header or the body; `request.auth` is the SiteKey. The browser's Origin, when
    sent, must be one of the key's allowed origins."""

    def authenticate(self, request: Request) -> tuple[Any, SiteKey] | None:
        if request.method == "OPTIONS":
            return None
        body = request.data if isinstance(request.data, dict) else {}
        key = (request.headers.get(KEY_HEADER) or str(body.get("write_key") or "")).strip()
        site = SiteKey.objects.filter(key=key, active=True).first() if key else None
        if site is None:
            raise exceptions.PermissionDenied(_("A valid, active site write key is required."))
        origin = request.headers.get("Origin")
        if origin and not site.allows_origin(origin):
            raise exceptions.PermissionDenied(_("This origin may not use this write key."))
        return AnonymousUser(), site


class CollectThrottle(ScopedRateThrottle):
    """ScopedRateThrottle (scope `collect`) keyed by site key and client IP instead of user."""

    def allow_request(self, request: Request, view: Any) -> bool:
        return request.method == "OPTIONS" or super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str:
        site = getattr(request, "_auth", None)
        ident = f"{site.pk if isinstance(site, SiteKey) else '-'}:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class CollectSerializer(serializers.Serializer):
    """A touchpoint, and optionally who it is: with contact details the lead is created or updated and the
    touchpoint (and an anonymous visitor's earlier ones) attached to it."""

    write_key = serializers.CharField(required=False, help_text=_("Instead of the X-LeadFlow-Write-Key header."))
    kind = serializers.ChoiceField(choices=TouchpointKind.choices)
    occurred_at = serializers.DateTimeField(required=False, help_text=_("Defaults to the time of receipt."))
    properties = JSONObjectField(required=False, help_text=_("utm_* keys are recognised."))
    event_id = serializers.CharField(required=False, allow_blank=True, max_length=200)
    anonymous_id = serializers.CharField(required=False, allow_blank=True, max_length=200)
    channel = serializers.SlugField(required=False, allow_blank=True, max_length=80)
    campaign = serializers.SlugField(required=False, allow_blank=True, max_length=80)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    company = serializers.CharField(required=False, allow_blank=True, max_length=200)
    title = serializers.CharField(required=False, allow_blank=True, max_length=150)
    consent_email = serializers.BooleanField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("name") and not (attrs.get("first_name") or attrs.get("last_name")):
            attrs["first_name"], attrs["last_name"] = name_split(attrs["name"])
        if not any(attrs.get(key) for key in ("email", "phone", "anonymous_id")):
            message = _("Send an email or phone, or the visitor's anonymous_id.")
            raise serializers.ValidationError({key: [message] for key in ("email", "phone", "anonymous_id")})
        return attrs


class CollectAcceptedSerializer(serializers.Serializer):
    accepted = serializers.BooleanField()


def name_split(name: str) -> tuple[str, str]:
    """(first, last): `Alice Smith` -> (Alice, Smith); `王小明` (family name first) -> (小明, 王)."""
    name = name.strip()
    if " " in name:
        first, last = name.rsplit(" ", 1)
        return first.strip(), last
    if name and "\u4e00" <= name[0] <= "\u9fff":
        return name[1:], name[0]
    return name, ""


@transaction.atomic
def collect_record(*, site: SiteKey, data: dict[str, Any], now: dt.datetime) -> str:
    """Create or update the lead the contact details name (a visitor's cookie id joins it), then record the
    touchpoint through the touchpoint service. Returns the touchpoint's status (created or duplicate).
    Idempotent for a repeated event_id."""
    touch: dict[str, Any] = {key: data[key] for key in TOUCH_FIELDS if data.get(key) not in (None, "")}
    touch["occurred_at"] = (data.get("occurred_at") or now).isoformat()
    contact = {key: data[key] for key in CONTACT_FIELDS if data.get(key) not in (None, "")}
    if contact.get("email") or contact.get("phone"):
        if data.get("channel"):
            contact["source_channel"] = channel_for_slug(slug=data["channel"])
        if data.get("campaign"):
            contact["campaign"] = campaign_for_slug(slug=data["campaign"])
        if data.get("anonymous_id"):
            lead = visitor_identify(anonymous_id=data["anonymous_id"].strip(), data=contact).lead
        else:
            lead = lead_upsert(data=contact, actor_label=f"collect:{site.name}"[:120], now=now).lead
        touch["lead"] = lead.pk
    row = touchpoints_ingest(records=[touch], now=now).rows[0]
    if row.status == FAILED:
        raise ValidationFailed(_("Some fields are invalid."), errors=row.errors)
    return row.status


def _origin_allowed(request: Request, origin: str) -> bool:
    site = getattr(request, "_auth", None)
    if isinstance(site, SiteKey):
        return site.allows_origin(origin)
    # A preflight carries no key: allow an origin that some active site lists.
    return any(key.allows_origin(origin) for key in SiteKey.objects.filter(active=True).only("allowed_origins"))


class CollectView(APIView):
    authentication_classes = [SiteKeyAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [CollectThrottle]
    throttle_scope = "collect"
    parser_classes = [JSONParser, TextJSONParser, FormParser]

    @extend_schema(
        request=CollectSerializer, auth=[],
        parameters=[OpenApiParameter(KEY_HEADER, str, OpenApiParameter.HEADER, required=False,
                                     description="The site's write key (or the `write_key` field).")],
        responses={202: CollectAcceptedSerializer, 400: PROBLEM, 403: PROBLEM, 429: PROBLEM},
        summary="Record a touchpoint (and lead) from a web form or tracker",
    )  # fmt: skip
    def post(self, request: Request) -> Response:
        """202 `{"accepted": true}`; a repeated event_id is accepted and ignored. 403 for a missing, unknown
        or inactive key or a foreign Origin; 429 with Retry-After over the rate."""
        body = CollectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assert isinstance(request.auth, SiteKey)
        collect_record(site=request.auth, data=dict(body.validated_data), now=timezone.now())
        return Response({"accepted": True}, status=status.HTTP_202_ACCEPTED)

    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]
        """CORS preflight: 200 with the CORS headers for an allowed origin, 403 otherwise."""
        origin = request.headers.get("Origin", "")
        if not origin or not _origin_allowed(request, origin):
            raise exceptions.PermissionDenied(_("This origin may not send data here."))
        return Response(status=status.HTTP_200_OK)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        origin = request.headers.get("Origin")
        if origin and _origin_allowed(request, origin):
            response["Access-Control-Allow-Origin"] = origin
            for header, value in CORS_HEADERS.items():
                response[header] = value
        patch_vary_headers(response, ["Origin"])
        return response

    def get_authenticate_header(self, request: HttpRequest) -> str:
        return ""
