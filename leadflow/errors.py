"""Errors shared by every app, and the DRF handler that turns them into application/problem+json."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApplicationError(Exception):
    """A business rule said no. `errors` maps field names to messages where a field is to blame."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    title = _("Invalid request")
    type_slug = "invalid"

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class ValidationFailed(ApplicationError):
    title = _("Validation failed")
    type_slug = "validation"


class IllegalTransition(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    title = _("Illegal stage change")
    type_slug = "illegal-transition"


class Conflict(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    title = _("Conflict")
    type_slug = "conflict"


PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://leadflow.dev/problems/"


def problem_response(
    *, status_code: int, title: str, detail: str, type_slug: str, errors: dict[str, Any] | None = None
) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + type_slug,
        "title": str(title),
        "status": status_code,
        "detail": str(detail),
    }
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def _flatten_errors(data: Any) -> dict[str, Any]:
    if isinstance(data, dict):
        return {key: value if isinstance(value, list | dict) else [value] for key, value in data.items()}
    if isinstance(data, list):
        return {"non_field_errors": data}
    return {"non_field_errors": [data]}


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map every API error to RFC 9457 problem details; never an HTML page."""
    if isinstance(exc, ApplicationError):
        return problem_response(
            status_code=exc.status_code,
            title=str(exc.title),
            detail=exc.message,
            type_slug=exc.type_slug,
            errors=exc.errors,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    assert isinstance(exc, exceptions.APIException)
    if isinstance(exc, exceptions.ValidationError):
        problem = problem_response(
            status_code=response.status_code,
            title=str(_("Validation failed")),
            detail=str(_("Some fields are invalid.")),
            type_slug="validation",
            errors=_flatten_errors(exc.detail),
        )
    else:
        problem = problem_response(
            status_code=response.status_code,
            title=str(exc.default_detail),
            detail=str(exc.detail) if not isinstance(exc.detail, list | dict) else str(exc.default_detail),
            type_slug=exc.default_code.replace("_", "-"),
        )
    for header in ("Retry-After", "WWW-Authenticate", "Allow"):
        if header in response:
            problem[header] = response[header]
    return problem


class NotPermitted(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN
    title = _("Not permitted")
    type_slug = "not-permitted"
