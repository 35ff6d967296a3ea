"""The API's responses have one source: the models of outreach.schemas.responses build every
answer and generate every response schema of the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pydantic
import pytest

from outreach.api.openapi import spec
from outreach.api.serializers import checkin_json, shape
from outreach.errors import error_body
from outreach.models import CheckIn
from outreach.schemas import responses as out
from outreach.schemas.validation import json_schemas

PREFIX = "#/components/schemas/"


def _documented_responses() -> list[tuple[str, str, str, dict]]:
    doc = spec()
    found = []
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if "$ref" in answer:
                    answer = doc["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
                if "content" in answer and path != "/openapi.json":
                    found.append((path, method, status, answer["content"]["application/json"]))
    return found


def test_every_documented_response_is_the_schema_of_a_response_model():
    schemas = spec()["components"]["schemas"]
    documented = _documented_responses()
    assert len(documented) >= 40
    for path, method, status, content in documented:
        ref = content["schema"]["$ref"]
        assert ref.startswith(PREFIX), (path, method, status)
        name = ref.removeprefix(PREFIX)
        model = getattr(out, name)
        assert issubclass(model, out.Shape), (path, method, status)
        generated = json_schemas(model, mode="serialization")
        assert schemas[name] == generated[name]
        for used, schema in generated.items():
            assert schemas[used] == schema, f"{used}, used by {name}, is not the model's schema"


def test_the_answers_of_the_operations_are_the_shapes_the_serializers_build():
    names = {
        content["schema"]["$ref"].removeprefix(PREFIX) for *_, content in _documented_responses()
    }
    assert names == {
        "Error",
        "IngestResult",
        "BatchResult",
        "CheckInPage",
        "CheckInDetail",
        "Timeline",
        "Policy",
        "PolicyList",
    }


@pytest.mark.parametrize("field", [None, "customer.phone"])
def test_the_error_body_is_the_error_shape(field):
    body = error_body("invalid", "must be E.164", field)
    assert out.Error.model_validate(body).model_dump(mode="json", exclude_none=True) == body


def test_response_times_are_utc_to_the_second_with_a_z():
    chicago = datetime(2024, 5, 1, 17, 30, 12, 999, tzinfo=UTC).astimezone(
        ZoneInfo("America/Chicago")
    )
    assert chicago.utcoffset() == timedelta(hours=-5)
    assert out.utc_text(chicago) == "2024-05-01T17:30:12Z"


def test_a_row_the_document_does_not_describe_cannot_be_answered():
    now = datetime(2024, 5, 1, 12, tzinfo=UTC)
    row = CheckIn(
        id=1,
        event_id=1,
        customer_id=1,
        policy_id=1,
        channel="sms",
        status="scheduled",
        status_reason="",
        due_at=now,
        timing_reason="",
        earliest_at=now,
        timezone="UTC",
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    assert checkin_json(row)["due_at"] == "2024-05-01T12:00:00Z"
    row.status = "lost"
    with pytest.raises(pydantic.ValidationError):
        shape(out.CheckIn, row)
