"""Text jobs: send pending texts (manager alerts, follow-up reminders, reassurance)."""

from __future__ import annotations

from jobs import app_context


def send_texts(message_ids: list[int]) -> int:
    """Send the texts of the batch still pending; returns how many were sent."""
    with app_context():
        from outreach.messaging.texts import SENT
        from outreach.messaging.texts import send_texts as send

        return sum(result == SENT for result in send([int(i) for i in message_ids]))
