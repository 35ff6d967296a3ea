"""The body of POST /api/v1/events/batch: many events, each checked on its own."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field
from pydantic.json_schema import WithJsonSchema

from outreach.schemas.validation import StrictModel

MAX_BATCH = 1000  #: events in one batch request
MAX_BATCH_BYTES = 4 * 1024 * 1024  #: the largest batch body (other bodies: 64 KiB)


class EventBatchIn(StrictModel):
    """Up to 1,000 events; each is validated on its own (as EventIn) and answered on its own."""

    events: Annotated[
        list[Any],
        Field(min_length=1, max_length=MAX_BATCH),
        WithJsonSchema(
            {
                "type": "array",
                "items": {"$ref": "#/components/schemas/EventIn"},
                "minItems": 1,
                "maxItems": MAX_BATCH,
                "description": f"1 to {MAX_BATCH:,} events, each as POST /events takes it; a "
                "bad event is answered with its error and does not stop the others",
            }
        ),
    ]
