"""Webhooks are accepted only with a valid X-Twilio-Signature for PUBLIC_BASE_URL + path."""

from __future__ import annotations

import sqlalchemy as sa
from testenv import PUBLIC_BASE_URL
from twilio.request_validator import RequestValidator

from outreach.extensions import db
from outreach.messaging.signatures import sign, signing_key
from outreach.models import MessageStatusEvent

PATH = "/twilio/sms/status"
PARAMS = {
    "MessageSid": "SM" + "1" * 32,
    "MessageStatus": "delivered",
    "AccountSid": "AC" + "2" * 32,
}


def _post(client, path, params, signature, base_url="http://localhost"):
    headers = {"X-Twilio-Signature": signature} if signature is not None else {}
    return client.post(path, data=params, headers=headers, base_url=base_url)


def _events():
    return db.session.scalar(sa.select(sa.func.count()).select_from(MessageStatusEvent))


def test_twilio_transport_accepts_a_signature_made_with_the_auth_token(twilio_app, fake_twilio):
    client = twilio_app.test_client()
    signature = fake_twilio.sign(PUBLIC_BASE_URL + PATH, PARAMS)
    assert _post(client, PATH, PARAMS, signature).status_code == 200
    assert signing_key() == fake_twilio.auth_token
    assert _events() == 1


def test_signature_is_checked_against_public_base_url_not_the_url_the_app_sees(
    twilio_app, fake_twilio
):
    client = twilio_app.test_client()
    # Behind a TLS-terminating proxy the app sees http://10.0.0.5:8000; Twilio signed the public URL
    signed_public = fake_twilio.sign(PUBLIC_BASE_URL + PATH, PARAMS)
    assert _post(client, PATH, PARAMS, signed_public, "http://10.0.0.5:8000").status_code == 200
    signed_seen = fake_twilio.sign("http://10.0.0.5:8000" + PATH, PARAMS)
    assert _post(client, PATH, PARAMS, signed_seen, "http://10.0.0.5:8000").status_code == 403
    assert _events() == 1


def test_missing_wrong_or_tampered_signatures_are_403_and_store_nothing(twilio_app, fake_twilio):
    client = twilio_app.test_client()
    good = fake_twilio.sign(PUBLIC_BASE_URL + PATH, PARAMS)
    tampered = {**PARAMS, "MessageStatus": "failed"}
    wrong_key = RequestValidator("not-the-token").compute_signature(PUBLIC_BASE_URL + PATH, PARAMS)
    assert _post(client, PATH, PARAMS, None).status_code == 403
    assert _post(client, PATH, PARAMS, "").status_code == 403
    assert _post(client, PATH, PARAMS, wrong_key).status_code == 403
    assert _post(client, PATH, tampered, good).status_code == 403
    assert _post(client, "/twilio/voice/status", PARAMS, good).status_code == 403  # other path
    assert _events() == 0


def test_the_query_string_is_part_of_the_signed_url(twilio_app, fake_twilio):
    client = twilio_app.test_client()
    signed = fake_twilio.sign(PUBLIC_BASE_URL + PATH + "?attempt=2", PARAMS)
    assert _post(client, PATH + "?attempt=2", PARAMS, signed).status_code == 200
    assert _post(client, PATH + "?attempt=3", PARAMS, signed).status_code == 403
    assert _post(client, PATH, PARAMS, signed).status_code == 403


def test_added_parameters_are_covered_by_the_signature(twilio_app, fake_twilio):
    client = twilio_app.test_client()
    params = {**PARAMS, "SomethingNew": "v", "RawDlrDoneDate": "2603101500"}
    signed = fake_twilio.sign(PUBLIC_BASE_URL + PATH, params)
    assert _post(client, PATH, params, signed).status_code == 200
    event = db.session.scalar(sa.select(MessageStatusEvent))
    assert event.params["SomethingNew"] == "v"


def test_outbox_signs_with_a_key_derived_from_secret_key(app, client, db, make_app):
    assert signing_key() not in ("", "test-secret")
    signature = sign(PATH, PARAMS)
    assert _post(client, PATH, PARAMS, signature).status_code == 200
    other = make_app(env={"SECRET_KEY": "another-secret"})
    assert signing_key(other) != signing_key()
    assert _post(other.test_client(), PATH, PARAMS, signature).status_code == 403
    assert _events() == 1
