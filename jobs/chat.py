"""Chat jobs: post an alert to the company's chat webhook."""

from __future__ import annotations

from jobs import app_context


def send_chat_alert(alert_id: int) -> str:
    """Post the alert if it is still pending; returns what happened (sent, retry, failed…)."""
    with app_context():
        from outreach.messaging.chat import deliver
        from outreach.models import utcnow

        return deliver(int(alert_id), utcnow())
