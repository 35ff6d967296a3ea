"""API views: parse, call a service, serialise."""

from __future__ import annotations

from flask import jsonify, request, url_for

from outreach.api import bp
from outreach.api.auth import require_token
from outreach.api.openapi import spec
from outreach.api.parsing import (
    cancel_reason,
    checkin_query,
    json_object,
    policy_list_filter,
    reschedule_due_at,
)
from outreach.api.serializers import (
    batch_json,
    checkin_json,
    checkin_page_json,
    ingest_json,
    policy_json,
    policy_list_json,
    timeline_json,
)
from outreach.errors import Unauthorized, error_body
from outreach.events.ingest import ingest_batch, ingest_event
from outreach.models import utcnow
from outreach.reporting.checkin_list import list_checkins, next_cursor
from outreach.reporting.timeline import customer_timeline
from outreach.scheduling.checkins import cancel_checkin, get_checkin, reschedule_checkin
from outreach.scheduling.policies import (
    create_policy,
    delete_policy,
    get_policy,
    list_policies,
    update_policy,
)
from outreach.schemas.events import MAX_BATCH_BYTES

ID = "int(max=2147483647)"  #: larger ids cannot exist; they are a 404, not a database error

bp.before_request(require_token)


@bp.errorhandler(Unauthorized)
def unauthorized(exc: Unauthorized):
    """401 with the JSON error and a WWW-Authenticate challenge."""
    response = jsonify(error_body(exc.code, exc.message))
    response.headers["WWW-Authenticate"] = 'Bearer realm="outreach"'
    return response, 401


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    return jsonify(spec())


@bp.post("/events")
def create_event():
    """Ingest one service event: 201 when new, 200 with the original when seen before."""
    result = ingest_event(json_object(), source="api", now=utcnow())
    return jsonify(ingest_json(result)), 201 if result.created else 200


@bp.post("/events/batch")
def create_events():
    """Ingest up to 1,000 events: 200 with each one's result, in order."""
    outcomes = ingest_batch(json_object(), source="api", now=utcnow())
    return jsonify(batch_json(outcomes))


create_events.max_body = MAX_BATCH_BYTES


@bp.get("/checkins")
def checkins():
    """The check-in queue, filtered, ordered by (due_at, id), a cursor page at a time."""
    rows, more = list_checkins(checkin_query(request.args))
    return jsonify(checkin_page_json(rows, next_cursor(rows, more)))


@bp.get(f"/checkins/<{ID}:checkin_id>")
def checkin(checkin_id: int):
    """One check-in with its transition log."""
    return jsonify(checkin_json(get_checkin(checkin_id), transitions=True))


@bp.post(f"/checkins/<{ID}:checkin_id>/cancel")
def cancel(checkin_id: int):
    """Cancel a pending check-in (optional {"reason": str}); 409 when it is already final."""
    cancel_checkin(checkin_id, cancel_reason(json_object(optional=True)))
    return checkin(checkin_id)


@bp.post(f"/checkins/<{ID}:checkin_id>/reschedule")
def reschedule(checkin_id: int):
    """Move a pending check-in to {"due_at": ISO-8601 with offset}; past is 422, final 409."""
    reschedule_checkin(checkin_id, reschedule_due_at(json_object()), utcnow())
    return checkin(checkin_id)


@bp.get(f"/customers/<{ID}:customer_id>/timeline")
def timeline(customer_id: int):
    """Everything that happened with a customer, in time order, each item with its kind."""
    return jsonify(timeline_json(customer_timeline(customer_id)))


@bp.get("/policies")
def policies():
    """Every live policy by id (?event_type= narrows to one type)."""
    rows = list_policies(event_type=policy_list_filter(request.args))
    return jsonify(policy_list_json(rows))


@bp.post("/policies")
def create_policy_view():
    """Create a policy from Policy JSON (the admin form's validation): 201."""
    policy = create_policy(json_object())
    location = url_for("api.policy", policy_id=policy.id)
    return jsonify(policy_json(policy)), 201, {"Location": location}


@bp.get(f"/policies/<{ID}:policy_id>")
def policy(policy_id: int):
    """One policy."""
    return jsonify(policy_json(get_policy(policy_id)))


@bp.put(f"/policies/<{ID}:policy_id>")
def update_policy_view(policy_id: int):
    """Replace a policy (absent optional fields take their defaults)."""
    return jsonify(policy_json(update_policy(policy_id, json_object())))


@bp.delete(f"/policies/<{ID}:policy_id>")
def delete_policy_view(policy_id: int):
    """Delete a policy (its past check-ins keep it); 409 while another policy falls back to it."""
    delete_policy(policy_id)
    return "", 204
