"""Customer SMS replies: signed requests only; answers an empty TwiML <Response/>.

What we answer (an acknowledgement, the HELP text) is queued as a text in reply to the
customer's message and sent by the worker like every other text, with its SID and status
callbacks; nothing is sent through the TwiML answer.
"""

from __future__ import annotations

from flask import Response
from twilio.twiml.messaging_response import MessagingResponse

from outreach.conversations import record_inbound_sms
from outreach.messaging.signatures import twilio_signed
from outreach.webhooks import bp
from outreach.webhooks.params import form_params


def empty_twiml() -> Response:
    """An empty TwiML messaging response: Twilio sends nothing back on its own."""
    return Response(str(MessagingResponse()), status=200, mimetype="text/xml")


@bp.post("/twilio/sms/inbound")
@twilio_signed
def sms_inbound() -> Response:
    """An inbound SMS: recorded once per MessageSid, linked, triaged and acted on."""
    record_inbound_sms(form_params())
    return empty_twiml()
