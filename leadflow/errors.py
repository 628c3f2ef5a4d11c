"""Errors shared by every app, and the DRF handler that turns them into application/problem+json."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)
API_PREFIX = "/api/"


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


class PayloadTooLarge(ApplicationError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    title = _("Request too large")
    type_slug = "payload-too-large"


class UnprocessableRequest(ApplicationError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    title = _("Unprocessable request")
    type_slug = "unprocessable"


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
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(str(_("The request body is larger than this server accepts.")))
        return problem_exception_handler(exc, context)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        # A bug, not a client error: log it with the traceback and answer a problem, never Django's debug page.
        logger.error("Unhandled exception in API view %s", _view_name(context), exc_info=exc)
        return problem_response(
            status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
            title=str(_("Server error")),
            detail=str(_("Something went wrong on our side; it has been logged.")),
            type_slug="server-error",
        )
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


def _view_name(context: dict[str, Any]) -> str:
    view = context.get("view")
    return type(view).__name__ if view is not None else "?"


_STATUS_TITLES: dict[int, Any] = {
    400: _("Bad request"),
    401: _("Not authenticated"),
    403: _("Not permitted"),
    404: _("Not found"),
    405: _("Method not allowed"),
    413: _("Request too large"),
    429: _("Too many requests"),
    500: _("Server error"),
}


# Stable, untranslated slugs: the problem `type` must stay a valid URI whatever the UI language.
_STATUS_SLUGS = {400: "invalid", 404: "not-found", 405: "method-not-allowed", 413: "payload-too-large",
                 429: "throttled", 500: "server-error"}  # fmt: skip


def problem_http_response(
    *, status_code: int, detail: str = "", type_slug: str = "", title: str = ""
) -> HttpResponse:
    """A problem document as a plain Django response, for code that runs outside DRF views."""
    title = title or str(_STATUS_TITLES.get(status_code, _("Error")))
    body = {
        "type": PROBLEM_TYPE_BASE + (type_slug or _STATUS_SLUGS.get(status_code, f"http-{status_code}")),
        "title": title,
        "status": status_code,
        "detail": detail or title,
    }
    return HttpResponse(json.dumps(body), status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def is_api_path(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Unknown URLs under /api/ answer problem+json; elsewhere Django's page."""
    if is_api_path(request):
        return problem_http_response(status_code=404, detail=str(_("No such endpoint or object.")))
    from django.views.defaults import page_not_found

    return page_not_found(request, exception or Http404())


def handler500(request: HttpRequest) -> HttpResponse:
    if is_api_path(request):
        return problem_http_response(status_code=500, detail=str(_("Something went wrong on our side.")))
    from django.views.defaults import server_error

    return server_error(request)


class ApiProblemMiddleware:
    """Under /api/ every error is application/problem+json, whoever produced it.

    DRF views answer problems through `problem_exception_handler`; this catches the rest: unknown URLs
    (Django's 404 page, also the DEBUG one), errors raised outside a view (500), bodies over
    DATA_UPLOAD_MAX_MEMORY_SIZE (413, refused before anything reads them).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api_path(request):
            return self.get_response(request)
        if _declared_length(request) > (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or float("inf")):
            return _too_large()
        response = self.get_response(request)
        if response.status_code >= 400 and not _is_json(response):
            problem = problem_http_response(status_code=response.status_code)
            for header in ("Retry-After", "WWW-Authenticate", "Allow"):
                if header in response:
                    problem[header] = response[header]
            return problem
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api_path(request):
            return None
        if isinstance(exception, RequestDataTooBig):
            return _too_large()
        if isinstance(exception, Http404):
            return problem_http_response(status_code=404)
        if isinstance(exception, PermissionDenied):
            return problem_http_response(status_code=403)
        logger.error("Unhandled exception at %s", request.path, exc_info=exception)
        return problem_http_response(status_code=500, detail=str(_("Something went wrong on our side.")))


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _too_large() -> HttpResponse:
    return problem_http_response(
        status_code=413, detail=str(_("The request body is larger than this server accepts.")),
        type_slug="payload-too-large",
    )  # fmt: skip


def _is_json(response: HttpResponse) -> bool:
    content_type = response.get("Content-Type", "")
    return "json" in content_type.split(";")[0]


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "For validation errors: messages by field name; nested objects and per-row "
            "results (bulk) nest the same way, e.g. {\"records\": {\"0\": {\"email\": [\"...\"]}}}.",
            "additionalProperties": {
                "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}]
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}
_COMMON_ERRORS = {
    "400": "Invalid request: the fields at fault are named in `errors`",
    "401": "Not authenticated",
    "403": "Not permitted",
    "404": "No such object, or not visible to you",
    "429": "Rate limited (see Retry-After)",
}
_WRITE_ERRORS = {
    "409": "Conflict, or a request with the same Idempotency-Key is in progress",
    "413": "Request body too large",
    "422": "Idempotency-Key reused with a different request",
}
IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": "Same key and body within 24 h returns the first response (header Idempotent-Replayed: true) "
    "and changes nothing.",
}


def schema_problem_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: every error response of every operation is a Problem document,
    every operation lists 401/403/429, and writes list Idempotency-Key and its 409/413/422."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            extra = dict(_COMMON_ERRORS)
            if method in ("post", "put", "patch", "delete") and path.startswith("/api/v1/"):
                extra.update(_WRITE_ERRORS)
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == "Idempotency-Key" for p in parameters):
                    parameters.append(IDEMPOTENCY_PARAMETER)
            for code, description in extra.items():
                responses.setdefault(code, {"description": description})
            for code, response in responses.items():
                if str(code)[0] in "45":
                    response["content"] = problem
    return result
