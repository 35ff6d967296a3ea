"""Status callbacks for messages and calls: store every one, answer 200 quickly."""

from __future__ import annotations

from flask import Response, request

from outreach.errors import ValidationError
from outreach.messaging.callbacks import record_call_status, record_message_status
from outreach.messaging.signatures import twilio_signed
from outreach.webhooks import bp
from outreach.webhooks.params import form_params


def _required(name: str, *alternatives: str) -> None:
    if not any(request.form.get(n, "").strip() for n in (name, *alternatives)):
        raise ValidationError(f"{name} is required", field=name)


@bp.post("/twilio/sms/status")
@twilio_signed
def sms_status() -> Response:
    """A message status callback: stored as its own row, applied only if it moves forward."""
    _required("MessageSid", "SmsSid")
    _required("MessageStatus", "SmsStatus")
    record_message_status(form_params())
    return Response("", status=200, mimetype="text/plain")


@bp.post("/twilio/voice/status")
@twilio_signed
def voice_status() -> Response:
    """A call status callback: stored as its own row, applied only if it moves forward."""
    _required("CallSid")
    _required("CallStatus")
    record_call_status(form_params())
    return Response("", status=200, mimetype="text/plain")
