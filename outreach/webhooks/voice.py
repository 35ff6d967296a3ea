"""TwiML for calls: the automated check-in (Gather), the rep's click-to-call bridge and the
three-way call (the rep's key press, the conference, its events and announcements).

Signed requests only (403 otherwise). A request without CallSid is refused with a 422; an
unknown check-in or call gets TwiML that hangs up, never a 500.
"""

from __future__ import annotations

from flask import Response

from outreach.conversations import record_voice_reply
from outreach.conversations.followups import note_three_way_call
from outreach.messaging import conference, voice
from outreach.messaging.signatures import twilio_signed
from outreach.webhooks import bp
from outreach.webhooks.params import form_params


def _twiml(xml: str) -> Response:
    return Response(xml, status=200, mimetype="text/xml")


@bp.post("/twilio/voice/checkin/<int:checkin_id>")
@twilio_signed
def voice_checkin(checkin_id: int) -> Response:
    """A check-in call was answered: a short message for a machine, else the prompt."""
    return _twiml(voice.checkin_twiml(checkin_id, form_params()))


@bp.post("/twilio/voice/gather/<int:checkin_id>")
@twilio_signed
def voice_gather(checkin_id: int) -> Response:
    """The customer's key or words: stored as a reply, answered with thanks."""
    return _twiml(voice.gather_twiml(checkin_id, form_params(), record_voice_reply))


@bp.post("/twilio/voice/bridge/<int:call_id>")
@twilio_signed
def voice_bridge(call_id: int) -> Response:
    """The rep answered a click-to-call: who it is to, press 1 to connect."""
    return _twiml(voice.bridge_twiml(call_id, form_params()))


@bp.post("/twilio/voice/bridge/<int:call_id>/connect")
@twilio_signed
def voice_bridge_connect(call_id: int) -> Response:
    """The rep's key: 1 dials the customer with the company's caller ID, anything else hangs up."""
    return _twiml(voice.connect_twiml(call_id, form_params()))


@bp.post("/twilio/voice/bridge/<int:call_id>/dialed")
@twilio_signed
def voice_bridge_dialed(call_id: int) -> Response:
    """The call to the customer ended: its outcome is stored on the call and the check-in."""
    return _twiml(voice.dialed_twiml(call_id, form_params()))


@bp.post("/twilio/voice/conference/<int:conference_id>/rep")
@twilio_signed
def conference_rep(conference_id: int) -> Response:
    """The rep answered a three-way call: who is being joined, press 1 to start."""
    return _twiml(conference.rep_twiml(conference_id, form_params()))


@bp.post("/twilio/voice/conference/<int:conference_id>/confirm")
@twilio_signed
def conference_confirm(conference_id: int) -> Response:
    """The rep's key: 1 enters the conference (the others are then dialed), else hang up."""
    return _twiml(conference.confirm_twiml(conference_id, form_params()))


@bp.post("/twilio/voice/conference/<int:conference_id>/events")
@twilio_signed
def conference_events(conference_id: int) -> Response:
    """A conference statusCallback event: stored; the start enqueues the dialing of the others,
    the end logs."""
    conference.record_event(conference_id, form_params(), note_three_way_call)
    return Response("", status=200, mimetype="text/plain")


@bp.post("/twilio/voice/conference/announce/<int:call_id>")
@twilio_signed
def conference_announce(call_id: int) -> Response:
    """What the conference says as a leg joins: "Outreach: joining <name>"."""
    return _twiml(conference.announce_twiml(call_id))
