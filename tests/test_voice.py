"""Voice check-ins: the Calls API request, the TwiML the call plays, the Gather stored as a
reply, answering machines, signatures, status callbacks and exactly-once placing."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fake_twilio import SEND_AT
from test_sweeper import make_seeder
from testenv import PUBLIC_BASE_URL, TWILIO_OPENAPI
from web_helpers import isolated_client

from outreach.dispatch import sweeper
from outreach.extensions import db
from outreach.messaging.engine import backoff
from outreach.messaging.voice import (
    PROMPT,
    reconcile_stale_calls,
    send_voice_checkin,
)
from outreach.models import Call, CallStatusEvent, CheckIn, Customer, Policy, Reply, ServiceEvent

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = "Hi {{ customer.first_name }}, this is {{ company.name }} about your {{ event.type }}."
LATER = SEND_AT + timedelta(minutes=10)  #: past any lease taken at SEND_AT


@pytest.fixture
def make_voice_checkin():
    """A callable creating a queued voice check-in (customer, event, policy), committed."""

    def make(*, phone: str = "+16125550177", status: str = "queued", **customer_fields):
        tag = secrets.token_hex(6)
        customer = Customer(
            external_id=f"cust-{tag}",
            name="Pat Example",
            phone=phone,
            timezone="America/Chicago",
            **customer_fields,
        )
        event = ServiceEvent(
            external_id=f"evt-{tag}",
            type="install",
            occurred_at=SEND_AT - timedelta(hours=20),
            customer=customer,
            summary="New water heater",
        )
        policy = Policy(
            name=f"voice {tag}",
            event_type="install",
            channel="voice",
            delay="PT20H",
            template=TEMPLATE,
        )
        checkin = CheckIn(
            event=event,
            customer=customer,
            policy=policy,
            channel="voice",
            status=status,
            due_at=SEND_AT,
            earliest_at=SEND_AT,
            expires_at=SEND_AT + timedelta(hours=20),
            timezone="America/Chicago",
            timing_reason="test",
        )
        db.session.add(checkin)
        db.session.commit()
        return checkin

    return make


@pytest.fixture
def placed(twilio_app, fake_twilio, make_voice_checkin):
    """A voice check-in whose call was placed at the fake: (check-in id, call SID, client)."""
    checkin = make_voice_checkin()
    outcome = send_voice_checkin(checkin.id, now=SEND_AT)
    assert outcome.result == "sent"
    return checkin.id, outcome.sid, isolated_client(twilio_app)


def _reload(checkin_id: int) -> CheckIn:
    db.session.expire_all()
    return db.session.get(CheckIn, checkin_id)


def _call(sid: str) -> Call:
    db.session.expire_all()
    return db.session.scalar(sa.select(Call).where(Call.twilio_sid == sid))


def _post(fake, client, path: str, params: dict):
    """POST to the app as Twilio does (signed); the response and its TwiML parsed."""
    response = fake.post_signed(PUBLIC_BASE_URL + path, params, client)
    root = ET.fromstring(response.data) if response.mimetype == "text/xml" else None
    return response, root


def _says(root) -> list[str]:
    return [el.text for el in root.iter("Say")]


def _call_params(fake, sid: str, **extra) -> dict:
    return {
        "AccountSid": fake.account_sid,
        "CallSid": sid,
        "CallStatus": "in-progress",
        "From": fake.from_number,
        "To": "+16125550177",
        "Direction": "outbound-api",
        **extra,
    }


# -- placing the call ------------------------------------------------------------------------


def test_a_voice_check_in_calls_with_app_twiml_status_callback_machine_detection_and_timeout(
    placed, fake_twilio
):
    checkin_id, sid, _ = placed
    (request,) = fake_twilio.recorded("Calls", "create")
    assert request.form == {
        "To": ["+16125550177"],
        "From": [fake_twilio.from_number],
        "Url": [f"{PUBLIC_BASE_URL}/twilio/voice/checkin/{checkin_id}"],
        "StatusCallback": [f"{PUBLIC_BASE_URL}/twilio/voice/status"],
        "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
        "StatusCallbackMethod": ["POST"],
        "MachineDetection": ["Enable"],
        "Timeout": ["25"],
    }
    assert request.status == 201 and sid in fake_twilio.calls
    call = _call(sid)
    assert (call.purpose, call.checkin_id, call.to_number) == (
        "voice_checkin",
        checkin_id,
        "+16125550177",
    )
    checkin = _reload(checkin_id)
    assert (checkin.status, checkin.attempts) == ("sent", 1)
    assert [t.to_status for t in checkin.transitions] == ["sending", "sent"]
    assert sid in checkin.status_reason


def test_the_call_request_conforms_to_twilios_openapi_description(placed, fake_twilio):
    spec = json.loads(TWILIO_OPENAPI.read_text())
    operation = spec["paths"]["/2010-04-01/Accounts/{AccountSid}/Calls.json"]["post"]
    schema = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    (request,) = fake_twilio.recorded("Calls", "create")
    assert set(request.form) <= set(schema["properties"])
    assert set(schema["required"]) <= set(request.form)
    for name, values in request.form.items():
        prop = schema["properties"][name]
        if prop.get("type") != "array":
            assert len(values) == 1, name
        if "enum" in prop:
            assert values[0] in prop["enum"], name
    assert request.value("MachineDetection") in ("Enable", "DetectMessageEnd")
    assert 1 <= int(request.value("Timeout")) <= 600


def test_an_opted_out_customer_is_not_called_and_the_reason_is_recorded(
    twilio_app, fake_twilio, make_voice_checkin
):
    checkin = make_voice_checkin(is_opted_out=True)
    outcome = send_voice_checkin(checkin.id, now=SEND_AT)
    checkin = _reload(checkin.id)
    assert (outcome.result, checkin.status) == ("suppressed", "suppressed")
    assert "opted out" in checkin.status_reason
    assert fake_twilio.recorded("Calls") == []


def test_without_a_from_number_a_voice_check_in_fails_with_why_and_no_call(
    make_app, fake_twilio, make_voice_checkin
):
    service_only = fake_twilio.env(messaging_service=True)
    del service_only["TWILIO_FROM_NUMBER"]
    with make_app(env=service_only).app_context():
        checkin = make_voice_checkin()
        outcome = send_voice_checkin(checkin.id, now=SEND_AT)
        checkin = _reload(checkin.id)
        assert (outcome.result, checkin.status) == ("failed", "failed")
        assert "TWILIO_FROM_NUMBER" in checkin.status_reason
    assert fake_twilio.recorded("Calls") == []


def test_a_second_send_of_the_same_check_in_places_no_second_call(placed, fake_twilio):
    checkin_id, _, _ = placed
    assert send_voice_checkin(checkin_id, now=SEND_AT).result == "skipped"
    assert len(fake_twilio.recorded("Calls", "create")) == 1


def test_an_invalid_number_fails_the_check_in_without_retry(
    twilio_app, fake_twilio, make_voice_checkin
):
    checkin = make_voice_checkin(phone="+16125550199")
    fake_twilio.reject_number("+16125550199", 21211)
    outcome = send_voice_checkin(checkin.id, now=SEND_AT)
    checkin = _reload(checkin.id)
    assert (outcome.result, checkin.status) == ("failed", "failed")
    assert "21211" in checkin.status_reason
    (call,) = db.session.scalars(sa.select(Call).where(Call.checkin_id == checkin.id))
    assert (call.status, call.error_code, call.twilio_sid) == ("failed", 21211, None)


def test_a_transient_error_requeues_the_check_in_with_backoff(
    twilio_app, fake_twilio, make_voice_checkin
):
    checkin = make_voice_checkin()
    fake_twilio.fail_next(status=429, code=20429, message="Too Many Requests", resource="Calls")
    outcome = send_voice_checkin(checkin.id, now=SEND_AT)
    checkin = _reload(checkin.id)
    assert (outcome.result, checkin.status) == ("retrying", "queued")
    assert checkin.next_attempt_at == SEND_AT + backoff(1)
    assert send_voice_checkin(checkin.id, now=checkin.next_attempt_at).result == "sent"
    assert len(fake_twilio.recorded("Calls", "create")) == 2
    assert _reload(checkin.id).attempts == 2


def test_a_call_whose_answer_was_lost_is_adopted_from_twilios_list_not_placed_again(
    make_app, fake_twilio, make_voice_checkin
):
    app = make_app(env=fake_twilio.env(OUTREACH_TWILIO_TIMEOUT="1"))
    with app.app_context():
        checkin = make_voice_checkin()
        fake_twilio.hang_next(seconds=2.0, then_process=True, resource="Calls")
        outcome = send_voice_checkin(checkin.id, now=SEND_AT)
        assert (outcome.result, _reload(checkin.id).status) == ("unknown", "sending")
        fake_twilio.wait_for(lambda: fake_twilio.calls)
        (sid,) = fake_twilio.calls

        outcomes = reconcile_stale_calls(now=LATER)

        assert [o.result for o in outcomes] == ["sent"]
        assert _reload(checkin.id).status == "sent"
        assert _call(sid).checkin_id == checkin.id
        assert len(fake_twilio.recorded("Calls", "create")) == 1
        (listing,) = fake_twilio.recorded("Calls", "list")
        assert listing.query["To"] == ["+16125550177"]


def test_a_call_twilio_never_got_is_retried_after_its_lease(
    make_app, fake_twilio, make_voice_checkin
):
    app = make_app(env=fake_twilio.env(OUTREACH_TWILIO_TIMEOUT="1"))
    with app.app_context():
        checkin = make_voice_checkin()
        fake_twilio.hang_next(seconds=2.0, resource="Calls")
        assert send_voice_checkin(checkin.id, now=SEND_AT).result == "unknown"
        assert reconcile_stale_calls(now=SEND_AT) == []  # still within its lease

        [outcome] = reconcile_stale_calls(now=LATER)

        assert (outcome.result, _reload(checkin.id).status) == ("retrying", "queued")
        assert send_voice_checkin(checkin.id, now=LATER).result == "sent"
        assert len(fake_twilio.calls) == 1


# -- the TwiML -------------------------------------------------------------------------------


def test_a_person_hears_the_policy_text_and_a_gather_of_one_key_or_speech(placed, fake_twilio):
    checkin_id, sid, client = placed
    response, root = _post(
        fake_twilio,
        client,
        f"/twilio/voice/checkin/{checkin_id}",
        _call_params(fake_twilio, sid, AnsweredBy="human"),
    )
    assert response.status_code == 200 and root.tag == "Response"
    gather = root.find("Gather")
    assert gather.get("input") == "dtmf speech"
    assert gather.get("numDigits") == "1"
    assert gather.get("action") == f"{PUBLIC_BASE_URL}/twilio/voice/gather/{checkin_id}"
    assert gather.get("method") == "POST"
    intro, prompt = (el.text for el in gather.iter("Say"))
    assert intro == "Hi Pat, this is Outreach Demo Co. about your install."
    assert prompt == PROMPT and "Press 1" in prompt and "2" in prompt
    assert root[-1].tag == "Hangup"
    assert _call(sid).answered_by == "human"


@pytest.mark.parametrize("answered_by", ["machine_start", "machine_end_beep", "fax"])
def test_a_machine_or_fax_gets_no_prompt_only_a_short_message_and_a_hangup(
    placed, fake_twilio, answered_by
):
    checkin_id, sid, client = placed
    _, root = _post(
        fake_twilio,
        client,
        f"/twilio/voice/checkin/{checkin_id}",
        _call_params(fake_twilio, sid, AnsweredBy=answered_by),
    )
    assert root.find("Gather") is None
    assert [el.tag for el in root] == (["Hangup"] if answered_by == "fax" else ["Say", "Hangup"])
    if answered_by != "fax":
        (message,) = _says(root)
        assert "Outreach Demo Co." in message and "install" in message
        assert "press" not in message.lower()
    assert _call(sid).answered_by == answered_by


def test_voice_webhooks_refuse_unsigned_or_wrongly_signed_requests(placed, fake_twilio):
    checkin_id, sid, client = placed
    params = _call_params(fake_twilio, sid, Digits="1")
    for path in (f"/twilio/voice/checkin/{checkin_id}", f"/twilio/voice/gather/{checkin_id}"):
        assert client.post(path, data=params).status_code == 403
        bad = fake_twilio.post_signed(
            PUBLIC_BASE_URL + path, params, client, signature="bm90IGEgc2lnbmF0dXJl"
        )
        assert bad.status_code == 403
    assert db.session.scalars(sa.select(Reply)).all() == []


def test_a_missing_call_sid_is_a_clear_422_and_an_unknown_check_in_hangs_up(placed, fake_twilio):
    checkin_id, sid, client = placed
    response, _ = _post(
        fake_twilio, client, f"/twilio/voice/checkin/{checkin_id}", {"AnsweredBy": "human"}
    )
    assert response.status_code == 422
    assert response.json["error"]["field"] == "CallSid"
    response, root = _post(
        fake_twilio, client, "/twilio/voice/checkin/999999", _call_params(fake_twilio, sid)
    )
    assert response.status_code == 200 and [el.tag for el in root] == ["Hangup"]
    response, root = _post(
        fake_twilio,
        client,
        f"/twilio/voice/gather/{checkin_id}",
        _call_params(fake_twilio, "CAnope", Digits="1"),
    )
    assert response.status_code == 200 and root[-1].tag == "Hangup"
    assert db.session.scalars(sa.select(Reply)).all() == []


# -- the answer ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "triage"),
    [({"Digits": "1"}, "positive"), ({"Digits": "2"}, "callback_requested")],
    ids=["key-1", "key-2"],
)
def test_the_key_pressed_is_stored_once_as_a_reply_and_the_check_in_is_answered(
    placed, fake_twilio, given, triage
):
    checkin_id, sid, client = placed
    path = f"/twilio/voice/gather/{checkin_id}"
    response, root = _post(fake_twilio, client, path, _call_params(fake_twilio, sid, **given))
    assert response.status_code == 200
    assert _says(root) and root[-1].tag == "Hangup" and root.find("Gather") is None
    _post(fake_twilio, client, path, _call_params(fake_twilio, sid, **given))  # Twilio retries

    db.session.expire_all()
    (reply,) = db.session.scalars(sa.select(Reply)).all()
    call = _call(sid)
    assert (reply.source, reply.call_id, reply.checkin_id) == ("voice", call.id, checkin_id)
    assert (reply.text, reply.triage_class) == (given["Digits"], triage)
    assert _reload(checkin_id).status == "answered"


def test_spoken_words_are_stored_as_the_reply_text(placed, fake_twilio):
    checkin_id, sid, client = placed
    params = _call_params(
        fake_twilio, sid, SpeechResult="It went great, thank you", Confidence="0.9"
    )
    _post(fake_twilio, client, f"/twilio/voice/gather/{checkin_id}", params)
    db.session.expire_all()
    (reply,) = db.session.scalars(sa.select(Reply)).all()
    assert reply.text == "It went great, thank you" and reply.triage_class == "positive"


def test_an_empty_gather_stores_nothing_and_says_goodbye(placed, fake_twilio):
    checkin_id, sid, client = placed
    response, root = _post(
        fake_twilio,
        client,
        f"/twilio/voice/gather/{checkin_id}",
        _call_params(fake_twilio, sid, Digits=""),
    )
    assert response.status_code == 200 and root[-1].tag == "Hangup"
    assert db.session.scalars(sa.select(Reply)).all() == []
    assert _reload(checkin_id).status == "sent"


def test_twiml_asked_before_the_sid_was_stored_adopts_the_call(
    twilio_app, fake_twilio, make_voice_checkin
):
    checkin = make_voice_checkin()
    call = Call(
        purpose="voice_checkin",
        checkin_id=checkin.id,
        customer_id=checkin.customer_id,
        to_number="+16125550177",
        status="queued",
        attempt_started_at=SEND_AT,
    )
    db.session.add(call)
    db.session.commit()
    client = isolated_client(twilio_app)
    _, root = _post(
        fake_twilio,
        client,
        f"/twilio/voice/checkin/{checkin.id}",
        _call_params(fake_twilio, "CAearly", AnsweredBy="human"),
    )
    assert root.find("Gather") is not None
    assert _call("CAearly").id == call.id


# -- status callbacks ------------------------------------------------------------------------


def test_call_status_callbacks_are_stored_and_move_the_check_in_forward_only(placed, fake_twilio):
    checkin_id, sid, client = placed
    for status in ("ringing", "in-progress", "completed", "ringing", "completed"):
        response = fake_twilio.call_callback(sid, status, client, extra={"AnsweredBy": "human"})
        assert response.status_code == 200
    call = _call(sid)
    assert (call.status, call.duration_seconds, call.answered_by) == ("completed", 42, "human")
    events = db.session.scalars(
        sa.select(CallStatusEvent.status).where(CallStatusEvent.call_id == call.id)
    ).all()
    assert events == ["ringing", "in-progress", "completed", "ringing", "completed"]
    checkin = _reload(checkin_id)
    assert checkin.status == "delivered"
    assert [t.to_status for t in checkin.transitions].count("delivered") == 1


@pytest.mark.parametrize(
    ("status", "expected"),
    [("no-answer", "undelivered"), ("busy", "undelivered"), ("failed", "failed")],
)
def test_a_call_nobody_answered_marks_the_check_in_with_the_reason(
    placed, fake_twilio, status, expected
):
    checkin_id, sid, client = placed
    fake_twilio.call_callback(sid, status, client)
    checkin = _reload(checkin_id)
    assert checkin.status == expected and status in checkin.status_reason


def test_an_answer_then_completed_leaves_the_check_in_answered(placed, fake_twilio):
    checkin_id, sid, client = placed
    _post(
        fake_twilio,
        client,
        f"/twilio/voice/gather/{checkin_id}",
        _call_params(fake_twilio, sid, Digits="1"),
    )
    fake_twilio.call_callback(sid, "completed", client)
    assert _reload(checkin_id).status == "answered"


# -- through the scheduler and a real worker ------------------------------------------------


def test_a_due_voice_check_in_is_called_by_a_real_worker_once(app, db, app_env, fake_twilio):
    seed = make_seeder(db)
    ids = seed(2, channel="voice")
    result = sweeper.run_pass()
    assert (result.claimed, result.jobs) == (2, 1)
    assert sweeper.run_pass().claimed == 0
    env = {**os.environ, **app_env, **fake_twilio.env(), "OUTREACH_SEND_RATE": "1000"}
    done = subprocess.run(
        [sys.executable, "-m", "outreach", "worker", "--burst"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    creates = fake_twilio.recorded("Calls", "create")
    assert len(creates) == 2
    assert {r.value("Url") for r in creates} == {
        f"{PUBLIC_BASE_URL}/twilio/voice/checkin/{i}" for i in ids
    }
    db.session.expire_all()
    statuses = db.session.scalars(sa.select(CheckIn.status).where(CheckIn.id.in_(ids))).all()
    assert statuses == ["sent", "sent"]


def test_calls_placed_concurrently_for_one_check_in_reach_twilio_once(
    make_app, fake_twilio, make_voice_checkin
):
    app = make_app(env=fake_twilio.env())
    with app.app_context():
        checkin_id = make_voice_checkin().id
    results = []

    def send():
        with app.app_context():
            results.append(send_voice_checkin(checkin_id, now=SEND_AT).result)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results).count("sent") == 1
    assert len(fake_twilio.recorded("Calls", "create")) == 1
