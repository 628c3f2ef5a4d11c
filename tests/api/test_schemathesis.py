"""Property-based contract test: every operation in the live OpenAPI schema, fuzzed by Schemathesis.

The schema is loaded from the Django app itself (WSGI, no server), so the test sees exactly what
`/api/schema/` publishes. Each operation is called as an admin with a token; a response must never be a
5xx, and its status code and body must be the ones the schema documents.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from leadflow.roles import Role
from leadflow.wsgi import application
from tests.factories import LeadFactory, UserFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """Called through WSGI, Django would close the connection after each request (it is inside the test's
    transaction, so not in autocommit); Django's own test client disconnects these handlers the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_headers(db: None) -> dict[str, str]:
    admin = UserFactory(username="schemathesis-admin", is_staff=True, is_superuser=True, roles=[Role.ADMIN])
    LeadFactory.create_batch(3)  # so some generated ids and list pages hit real rows
    return {"Authorization": f"Token {Token.objects.create(user=admin).key}"}


@schema.parametrize()
@settings(
    # Besides these random examples, Schemathesis's coverage phase sends its deterministic valid and invalid
    # cases for every parameter; the two together keep the whole API under ~90 s on SQLite.
    max_examples=3,
    derandomize=True,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a known failure would shrink for seconds each
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_api_conforms_to_its_schema(case: schemathesis.Case, admin_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=admin_headers, checks=CHECKS)
