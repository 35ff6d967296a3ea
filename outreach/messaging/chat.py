"""Chat alerts: urgent replies and escalations also posted to a Slack-compatible incoming
webhook (`chat_webhook_url` in company settings) as JSON `{"text": …}`.

An alert is a row written in the transaction that paged someone; the sweeper hands due ones
to a job (`jobs.chat.send_chat_alert`), never the request. A failed post is recorded on the row
and tried again later (429, 5xx, no answer) up to MAX_ATTEMPTS times; a 4xx other than 429 (a
wrong or revoked URL) is not retried. The URL is a credential: it is never logged.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import requests
import sqlalchemy as sa
from redis.exceptions import RedisError
from rq import Queue

from outreach.company.settings import get_company_settings
from outreach.extensions import db
from outreach.models import ChatAlert, CompanySettings

log = logging.getLogger(__name__)

CHAT_JOB = "jobs.chat.send_chat_alert"
CHAT_QUEUE = "outreach-high"
MAX_ATTEMPTS = 4
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))
LEASE = timedelta(minutes=2)  #: a handed-over alert waits this long for its job before again
TIMEOUT = 5.0  #: seconds for the chat service to answer
HAND_OVER_LIMIT = 100
SENT, RETRY, FAILED, SKIPPED = "sent", "retry", "failed", "skipped"


def escape(text: str) -> str:
    """Text as Slack's mrkdwn shows it literally (&, < and > escaped)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def queue_chat_alert(
    settings: CompanySettings, kind: str, text: str, escalation_id: int | None, now: datetime
) -> ChatAlert | None:
    """Record an alert to post (flushed, not committed); None when no chat webhook is set."""
    if not settings.chat_webhook_url:
        return None
    alert = ChatAlert(
        escalation_id=escalation_id, kind=kind, text=text, next_try_at=now, created_at=now
    )
    db.session.add(alert)
    db.session.flush()
    return alert


def hand_over_due(now: datetime) -> int:
    """Lease the alerts due at `now` and enqueue a job for each (compare-and-set, so two
    schedulers hand each over once); returns how many were enqueued."""
    ids = list(
        db.session.scalars(
            sa.select(ChatAlert.id)
            .where(ChatAlert.status == "pending", ChatAlert.next_try_at <= now)
            .order_by(ChatAlert.next_try_at, ChatAlert.id)
            .limit(HAND_OVER_LIMIT)
        )
    )
    leased = []
    for alert_id in ids:
        moved = db.session.execute(
            sa.update(ChatAlert)
            .where(
                ChatAlert.id == alert_id,
                ChatAlert.status == "pending",
                ChatAlert.next_try_at <= now,
            )
            .values(next_try_at=now + LEASE)
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved:
            leased.append(alert_id)
    db.session.commit()
    if not leased:
        return 0
    from outreach.runtime.queues import get_redis

    try:
        queue = Queue(CHAT_QUEUE, connection=get_redis())
        for alert_id in leased:
            queue.enqueue_call(
                CHAT_JOB, args=(alert_id,), timeout=30, description=f"chat alert {alert_id}"
            )
    except RedisError:
        log.warning("chat alerts %s: not enqueued (Redis unavailable); tried again", leased)
        return 0
    return len(leased)


def _post(url: str, text: str) -> tuple[bool, bool, str | None]:
    """(sent, worth retrying, what went wrong)."""
    try:
        response = requests.post(url, json={"text": text}, timeout=TIMEOUT, allow_redirects=False)
    except requests.Timeout:
        return False, True, "no answer in time"
    except requests.RequestException as exc:
        return False, True, f"could not connect ({type(exc).__name__})"
    if 200 <= response.status_code < 300:
        return True, False, None
    retry = response.status_code == 429 or response.status_code >= 500
    return False, retry, f"HTTP {response.status_code}"


def deliver(alert_id: int, now: datetime) -> str:
    """Post one pending alert; record the outcome (sent, a later retry, or failed)."""
    alert = db.session.get(ChatAlert, alert_id)
    if alert is None or alert.status != "pending":
        return SKIPPED
    url = get_company_settings().chat_webhook_url
    seen = alert.attempts
    claimed = db.session.execute(
        sa.update(ChatAlert)
        .where(ChatAlert.id == alert_id, ChatAlert.status == "pending", ChatAlert.attempts == seen)
        .values(attempts=seen + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed:
        return SKIPPED
    if url:
        sent, retry, error = _post(url, alert.text)
    else:
        sent, retry, error = False, False, "no chat webhook set"
    attempts = seen + 1
    if sent:
        values, outcome = {"status": "sent", "sent_at": now, "next_try_at": None}, SENT
    elif retry and attempts < MAX_ATTEMPTS:
        later = now + BACKOFF[min(attempts, len(BACKOFF)) - 1]
        values, outcome = {"next_try_at": later}, RETRY
    else:
        values, outcome = {"status": "failed", "next_try_at": None}, FAILED
    db.session.execute(
        sa.update(ChatAlert)
        .where(ChatAlert.id == alert_id)
        .values(last_error=error, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    level = logging.INFO if sent else logging.WARNING
    log.log(
        level,
        "chat alert %s: %s (attempt %d%s)",
        alert_id,
        outcome,
        attempts,
        f", {error}" if error else "",
    )
    return outcome
