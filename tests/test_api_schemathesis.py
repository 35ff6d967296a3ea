"""Schemathesis against the served OpenAPI document: every operation, with an API token, answers
no 5xx, only documented status codes and content types, and bodies that match the document."""

from __future__ import annotations

from datetime import timedelta

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from outreach.events.ingest import ingest_event
from outreach.models import utcnow
from outreach.scheduling.policies import create_policy

EXAMPLES = 40  #: per operation: reproducible (derandomized) and about a minute in all
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _seed() -> None:
    """A policy and an event (ids 1), so that some generated ids find a row."""
    create_policy(
        {
            "name": "Text",
            "event_type": "install",
            "channel": "sms",
            "delay": "PT2H",
            "template": "Hi {{ customer.name }}",
        }
    )
    event = {
        "external_id": "ev-1",
        "type": "install",
        "occurred_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "customer": {"external_id": "cu-1", "name": "Ada", "phone": "+12025550123"},
    }
    ingest_event(event, source="api", now=utcnow())


def test_every_operation_conforms_to_the_served_document(app, db, auth):
    _seed()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 12

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def conforms(case) -> None:
            case.call_and_validate(headers=auth, checks=CHECKS)

        conforms()
