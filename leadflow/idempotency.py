"""Idempotency-Key for API writes: the same key and body within 24 h answers the first response again.

Records are stored per (user, key) in the database (`leads.models.IdempotencyRecord`, unique on both), so
every web worker agrees. The middleware claims the key before the view runs and stores the answer after:

- same key, same method + path + body, answered: the stored response with `Idempotent-Replayed: true`,
  and the view does not run;
- same key, different request: 422;
- same key while the first request is still running: 409 (retry later);
- a 5xx or 429 answer is not stored (the work did not happen), so the client may retry with the same key.

The service functions take an explicit `now`, so expiry is tested by moving time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.views import APIView

from leadflow.errors import (
    ApplicationError,
    Conflict,
    UnprocessableRequest,
    problem_http_response,
)
from leads.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PREFIX = "/api/v1/"
MAX_KEY_LENGTH = 255


def idempotency_ttl() -> dt.timedelta:
    return dt.timedelta(hours=settings.LEADFLOW["IDEMPOTENCY_TTL_HOURS"])


def idempotency_lease() -> dt.timedelta:
    """How long an unfinished claim blocks the key; after that the request is presumed dead."""
    return dt.timedelta(seconds=settings.LEADFLOW["IDEMPOTENCY_LEASE_SECONDS"])


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class IdempotencyKeyReused(UnprocessableRequest):
    type_slug = "idempotency-key-reused"


class IdempotencyInFlight(Conflict):
    type_slug = "idempotency-in-flight"


@dataclass(frozen=True)
class Claim:
    """Either a fresh claim to run the request under (`replay` None), or the stored answer to replay."""

    record: IdempotencyRecord
    replay: bool


def idempotency_claim(*, user: Any, key: str, fingerprint: str, now: dt.datetime) -> Claim:
    """Claim (user, key) for this request, or return the stored answer.

    Raises IdempotencyKeyReused (422) for a different request under the key and IdempotencyInFlight (409)
    while another request holds it. An expired record, or a claim abandoned past its lease, is taken over.
    Safe under concurrency: the unique constraint lets exactly one request create the claim, and takeovers
    are compare-and-set updates.
    """
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(user=user, key=key, fingerprint=fingerprint, created_at=now)
        return Claim(record=record, replay=False)
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.get(user=user, key=key)
    expired = record.created_at <= now - idempotency_ttl()
    abandoned = record.completed_at is None and record.created_at <= now - idempotency_lease()
    if expired or abandoned:
        taken = IdempotencyRecord.objects.filter(pk=record.pk, created_at=record.created_at).update(
            fingerprint=fingerprint, created_at=now, completed_at=None, status_code=None, body=b"", content_type=""
        )
        if taken:
            record.refresh_from_db()
            return Claim(record=record, replay=False)
        record.refresh_from_db()
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused(_("Idempotency-Key reused with a different request."))
    if record.completed_at is None:
        raise IdempotencyInFlight(_("A request with this Idempotency-Key is still in progress; retry later."))
    return Claim(record=record, replay=True)


def idempotency_complete(
    *, record: IdempotencyRecord, status_code: int, content_type: str, body: bytes, now: dt.datetime
) -> bool:
    """Store the answer of a claimed request. Answers that mean "nothing happened" (5xx, 429) release the
    key instead, so a retry runs again. Returns whether the answer was stored."""
    if status_code >= 500 or status_code == 429:
        IdempotencyRecord.objects.filter(pk=record.pk, completed_at__isnull=True).delete()
        return False
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=status_code, content_type=content_type[:100], body=body, completed_at=now
    )
    return True


def idempotency_records_purge(*, now: dt.datetime) -> int:
    """Delete records older than the TTL. Idempotent; returns how many went."""
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lte=now - idempotency_ttl()).delete()
    return deleted


class IdempotencyMiddleware:
    """Applies Idempotency-Key to POST/PUT/PATCH/DELETE under /api/v1/ for an authenticated caller.

    A middleware, not a view mixin, so every write endpoint gets it without opting in; it identifies the
    caller with DRF's own authentication classes. Without the header, or for an anonymous caller, the
    request passes through untouched (the view answers 401 itself).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER, "").strip()
        if not key or request.method not in WRITE_METHODS or not request.path.startswith(PREFIX):
            return self.get_response(request)
        if len(key) > MAX_KEY_LENGTH:
            detail = _("Idempotency-Key is longer than %(max)s characters.") % {"max": MAX_KEY_LENGTH}
            return problem_http_response(status_code=400, detail=detail, type_slug="validation")
        user = _authenticated_user(request)
        if user is None:
            return self.get_response(request)
        try:
            body = request.body
        except RequestDataTooBig:
            return problem_http_response(status_code=413, type_slug="payload-too-large")
        fingerprint = request_fingerprint(method=request.method or "", path=request.get_full_path(), body=body)
        try:
            claim = idempotency_claim(user=user, key=key, fingerprint=fingerprint, now=timezone.now())
        except ApplicationError as refusal:
            return _problem(refusal)
        if claim.replay:
            return _replayed(claim.record)
        try:
            response = self.get_response(request)
        except BaseException:
            idempotency_complete(record=claim.record, status_code=500, content_type="", body=b"", now=timezone.now())
            raise
        if response.streaming:
            idempotency_complete(record=claim.record, status_code=500, content_type="", body=b"", now=timezone.now())
            return response
        idempotency_complete(
            record=claim.record, status_code=response.status_code, content_type=response.get("Content-Type", ""),
            body=response.content, now=timezone.now(),
        )  # fmt: skip
        return response


def _authenticated_user(request: HttpRequest) -> Any:
    """The caller as DRF will see it (token or session), or None; errors are left for the view to answer."""
    drf_request = Request(request, authenticators=APIView().get_authenticators())
    try:
        user = drf_request.user
    except APIException:
        return None
    return user if user is not None and user.is_authenticated else None


def _problem(error: ApplicationError) -> HttpResponse:
    response = problem_http_response(
        status_code=error.status_code, detail=error.message, type_slug=error.type_slug, title=str(error.title)
    )
    if isinstance(error, IdempotencyInFlight):
        response["Retry-After"] = "1"
    return response


def _replayed(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status_code or 200, content_type=record.content_type)
    response[REPLAYED_HEADER] = "true"
    return response
