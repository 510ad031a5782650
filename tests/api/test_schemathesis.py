"""The API answers as its OpenAPI schema says: schemathesis, for the public and three roles.

Why in-process (schemathesis.openapi.from_wsgi on eco311.wsgi.application) rather than a live
server: pytest-django's live_server forces a transactional test, whose flush would wipe the
plans and accounts tests/conftest.py loads once per session, and a subprocess server would run
its own SQLite even in the PostgreSQL run. The WSGI application is the whole Django stack
(middleware, sessions, CSRF, the API), here on the test database of either engine, inside the
test's transaction: the imports it posts are rolled back with it.

Bounded and deterministic: a few examples per operation, derandomized, no example database.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
REACHED_BY_EVERYONE = {
    "GET /api/plans",
    "GET /api/plans/{plan_key}",
    "GET /api/plans/{plan_key}/statuses",
    "GET /api/plans/{plan_key}/targets/{target_key}",
    "GET /api/indicators",
    "GET /api/indicators/{key}",
    "GET /api/indicators/{key}/values",
}
MAX_EXAMPLES = 8  # per operation, mode and role: the file runs in well under two minutes


@pytest.fixture
def wsgi_app(settings):
    """The WSGI application, talking to the test database inside the test's transaction.

    Django's test client disconnects close_old_connections for the same reason: the handler
    would otherwise close the connection that holds the test's transaction after each request.
    """
    from django.core import signals
    from django.db import close_old_connections

    from eco311.wsgi import application

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # schemathesis' WSGI host
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _headers(token_for, role: str) -> dict:
    """The role's bearer token; for the public an empty Authorization header, which the API
    reads as no token, so that schemathesis does not invent bearer tokens (401s) instead."""
    django_headers = token_for(role)
    return {"Authorization": django_headers.get("HTTP_AUTHORIZATION", "")}


def _run(strategy, headers, answered: set, label: str) -> None:
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case):
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        if response.status_code < 300:
            answered.add(label)

    check()


def _strategies(operation):
    """The schema's examples (real keys) first, then valid and invalid generated input."""
    for strategy in operation.get_strategies_from_examples():
        yield "examples", strategy
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        yield mode.value, operation.as_strategy(generation_mode=mode)


@pytest.mark.parametrize("role", ["public", "admin", "jinan", "enterprise"])
def test_every_operation_answers_as_the_schema_says(survey_population, wsgi_app, token_for, role):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app)
    headers = _headers(token_for, role)
    failures, operations, answered = [], 0, set()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for kind, strategy in _strategies(operation):
            try:
                _run(strategy, headers, answered, operation.label)
            except Unsatisfiable:
                # Nothing to make invalid (no parameters, or any string is a valid key).
                assert kind == GenerationMode.NEGATIVE.value, operation.label
            # schemathesis raises a BaseExceptionGroup of its failures; collect them all, so that
            # one run shows every operation that breaks its schema.
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} ({kind}): {exc}")
    assert operations >= 15
    # The examples of the schema (real plan, target and indicator keys) take the run past the
    # 404s of invented keys, to the code that answers with data.
    assert REACHED_BY_EVERYONE <= answered, REACHED_BY_EVERYONE - answered
    assert not failures, "\n\n".join(failures)
