"""Chat alerts: an urgent reply and each escalation are also posted to the company's
Slack-compatible webhook, by a real worker, against a real local HTTP server; failures are
recorded and retried, never in the request."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa
from conversation_helpers import (
    CUSTOMER_PHONE,
    TUE_10AM,
    inbound_params,
    make_conversation,
    make_staff,
)

from outreach.company.settings import get_company_settings
from outreach.conversations import escalation, record_inbound_sms
from outreach.dispatch.sweeper import run_pass
from outreach.extensions import db
from outreach.messaging.chat import MAX_ATTEMPTS, deliver, hand_over_due
from outreach.models import ChatAlert, utcnow

ROOT = Path(__file__).resolve().parent.parent
SOON = TUE_10AM + timedelta(minutes=1)  #: a scheduler pass before anything escalates
WATER = "Water all over the floor <since> your tech left & I want a refund"


class ChatServer:
    """A local HTTP server that records what is posted to it and answers with the statuses
    queued in `answers` (200 once they run out)."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        self.answers: list[int] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                owner.posts.append(
                    {
                        "path": self.path,
                        "type": self.headers.get("Content-Type"),
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                status = owner.answers.pop(0) if owner.answers else 200
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"no_service")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T000/B000/XXXX"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def chat(app):
    server = ChatServer()
    settings = get_company_settings()
    settings.chat_webhook_url = server.url
    db.session.commit()
    yield server
    server.close()


@pytest.fixture
def sam(app):
    jordan = make_staff(name="Jordan Lee")
    return make_staff(name="Sam Rivera", backup_id=jordan.id)


def work(app_env) -> None:
    """Run a real worker until the queues are empty."""
    done = subprocess.run(
        [sys.executable, "-m", "outreach", "worker", "--burst"],
        env={**os.environ, **app_env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr


def alerts() -> list[ChatAlert]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ChatAlert).order_by(ChatAlert.id)))


def test_an_urgent_reply_is_posted_to_the_chat_webhook_by_a_job(app, app_env, chat, sam):
    make_conversation(rep=sam, sent_at=TUE_10AM - timedelta(hours=2))

    record_inbound_sms(inbound_params(WATER), now=TUE_10AM)

    assert chat.posts == []  # nothing is posted while the reply is handled
    [alert] = alerts()
    assert (alert.kind, alert.status, alert.attempts) == ("urgent", "pending", 0)
    run_pass(SOON)
    work(app_env)

    [post] = chat.posts
    assert post["path"] == "/services/T000/B000/XXXX"
    assert post["type"] == "application/json"
    text = post["body"]["text"]
    assert set(post["body"]) == {"text"}
    assert text.startswith(":rotating_light: URGENT: Pat Example wrote ")
    assert "&lt;since&gt; your tech left &amp; I want a refund" in text
    assert "Paging Sam Rivera (rep)." in text
    assert "<https://outreach.test/admin/attention|Take it>" in text
    assert CUSTOMER_PHONE not in text and CUSTOMER_PHONE[2:] not in text
    [alert] = alerts()
    assert (alert.status, alert.attempts, alert.last_error) == ("sent", 1, None)
    assert alert.sent_at is not None


def test_each_escalation_is_posted_too(app, app_env, chat, sam):
    make_conversation(rep=sam, sent_at=TUE_10AM - timedelta(hours=2))
    record_inbound_sms(inbound_params(WATER), now=TUE_10AM)

    escalation.escalate_due(TUE_10AM + timedelta(minutes=11))

    kinds = [(a.kind, a.text) for a in alerts()]
    assert [k for k, _ in kinds] == ["urgent", "escalated"]
    assert kinds[1][1].startswith(
        "Still not taken: Pat Example's urgent reply now goes to Jordan Lee (backup)."
    )
    assert hand_over_due(TUE_10AM + timedelta(minutes=12)) == 2
    work(app_env)
    assert [p["body"]["text"] for p in chat.posts] == [t for _, t in kinds]


def test_a_failed_post_is_recorded_and_retried_later(app, app_env, chat, sam, caplog):
    caplog.set_level(logging.INFO)
    chat.answers = [500]
    make_conversation(rep=sam, sent_at=TUE_10AM - timedelta(hours=2))
    record_inbound_sms(inbound_params(WATER), now=TUE_10AM)

    run_pass(SOON)
    work(app_env)

    [alert] = alerts()
    assert (alert.status, alert.attempts, alert.last_error) == ("pending", 1, "HTTP 500")
    assert alert.next_try_at > utcnow()
    assert hand_over_due(utcnow()) == 0  # not before its time
    hand_over_due(alert.next_try_at + timedelta(seconds=1))
    work(app_env)

    [alert] = alerts()
    assert (alert.status, alert.attempts, alert.last_error) == ("sent", 2, None)
    assert len(chat.posts) == 2 and chat.posts[0]["body"] == chat.posts[1]["body"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert CUSTOMER_PHONE not in logged and chat.url not in logged and "floor" not in logged


def test_a_wrong_url_fails_at_once_and_a_dead_one_after_a_few_tries(app, app_env, chat, sam):
    chat.answers = [404]
    make_conversation(rep=sam, sent_at=TUE_10AM - timedelta(hours=2))
    record_inbound_sms(inbound_params(WATER), now=TUE_10AM)
    run_pass(SOON)
    work(app_env)
    [alert] = alerts()
    assert (alert.status, alert.attempts, alert.last_error) == ("failed", 1, "HTTP 404")

    chat.close()  # nobody answers any more: connection refused, retried MAX_ATTEMPTS times
    alert.status, alert.attempts, alert.next_try_at = "pending", 0, utcnow()
    db.session.commit()
    at = utcnow()
    outcomes = []
    for _ in range(MAX_ATTEMPTS):  # the job's service, in this process: a worker start each
        assert hand_over_due(at) == 1
        outcomes.append(deliver(alert.id, at))
        [alert] = alerts()
        at = (alert.next_try_at or at) + timedelta(seconds=1)
    assert outcomes == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed"]
    assert hand_over_due(at + timedelta(days=1)) == 0
    assert (alert.status, alert.attempts) == ("failed", MAX_ATTEMPTS)
    assert alert.last_error.startswith("could not connect")
    assert len(chat.posts) == 1


def test_without_a_chat_webhook_nothing_is_recorded(app, app_env, sam):
    make_conversation(rep=sam, sent_at=TUE_10AM - timedelta(hours=2))

    record_inbound_sms(inbound_params(WATER), now=TUE_10AM)

    assert alerts() == []
    assert escalation.escalate_due(TUE_10AM + timedelta(minutes=11)) == 1
    assert alerts() == []


def test_two_schedulers_hand_an_alert_over_once(app, chat, sam):
    make_conversation(rep=sam, sent_at=TUE_10AM - timedelta(hours=2))
    record_inbound_sms(inbound_params(WATER), now=TUE_10AM)
    now = utcnow()

    assert hand_over_due(now) == 1
    assert hand_over_due(now) == 0
