"""Customer SMS replies: signed requests only; answers TwiML (empty, or the acknowledgement)."""

from __future__ import annotations

from flask import Response, request
from twilio.twiml.messaging_response import MessagingResponse

from outreach.conversations import record_inbound_sms
from outreach.messaging.signatures import twilio_signed
from outreach.webhooks import bp


def twiml(answer: str | None) -> Response:
    """A TwiML messaging response: empty, or one <Message> with the answer."""
    response = MessagingResponse()
    if answer:
        response.message(answer)
    return Response(str(response), status=200, mimetype="text/xml")


@bp.post("/twilio/sms/inbound")
@twilio_signed
def sms_inbound() -> Response:
    """An inbound SMS: recorded once per MessageSid, linked, triaged and acted on."""
    result = record_inbound_sms(request.form.to_dict(flat=True))
    return twiml(result.answer)
