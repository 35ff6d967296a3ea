"""/hooks/<slug>: events from helpdesks, CRMs and field-service tools, signed per source."""

from __future__ import annotations

from flask import jsonify, request

from outreach.errors import error_body
from outreach.events.sources import receive
from outreach.models import utcnow
from outreach.webhooks import bp


@bp.post("/hooks/<slug>")
def source_hook(slug: str):
    """A source's webhook: 403 unless signed; the payload mapped to an event and ingested
    (201, or 200 when it was stored before or is ignored; 422 naming the field)."""
    result = receive(slug[:40], request.get_data(cache=False), request.headers, utcnow())
    if result.errors:
        field, message = next(iter(result.errors.items()))
        return jsonify({**error_body("invalid", message, field), "errors": result.errors}), 422
    if result.ingest is None:
        return jsonify({"ignored": result.ignored}), 200
    event = result.ingest.event
    body = {
        "event_id": event.id,
        "external_id": event.external_id,
        "created": result.ingest.created,
        "checkins": [c.id for c in result.ingest.checkins],
    }
    return jsonify(body), 201 if result.ingest.created else 200
