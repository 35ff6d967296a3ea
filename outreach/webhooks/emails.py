"""E-mail webhooks in Mailgun's shapes: replies (a route's forward() of the parsed message)
and delivery events (bounces, complaints); 403 unless Mailgun's signature is valid."""

from __future__ import annotations

from flask import Response, abort, request

from outreach.conversations import record_email_reply
from outreach.messaging.emails import mailgun_signed, record_email_event
from outreach.webhooks import bp
from outreach.webhooks.params import form_params


@bp.post("/hooks/email/mailgun/inbound")
def email_inbound() -> Response:
    """A reply by e-mail: recorded once per Message-Id, threaded, triaged and acted on."""
    fields = form_params()
    if not mailgun_signed(fields.get("timestamp"), fields.get("token"), fields.get("signature")):
        abort(403)
    record_email_reply(fields)
    return Response("ok", mimetype="text/plain")


@bp.post("/hooks/email/mailgun/events")
def email_events() -> Response:
    """A delivery event: a permanent failure or a complaint stops e-mail to that customer."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    signature = body.get("signature") if isinstance(body.get("signature"), dict) else {}
    if not mailgun_signed(
        signature.get("timestamp"), signature.get("token"), signature.get("signature")
    ):
        abort(403)
    event = body.get("event-data")
    record_email_event(event if isinstance(event, dict) else {})
    return Response("ok", mimetype="text/plain")
