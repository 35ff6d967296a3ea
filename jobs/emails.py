"""E-mail jobs: send queued e-mail check-ins, and pending e-mails that are not check-ins."""

from __future__ import annotations

from rq import get_current_job

from jobs import app_context


def send_email_checkins(checkin_ids: list[int]) -> int:
    """Send the batch's e-mail check-ins still queued under this job; how many were handed on."""
    job = get_current_job()
    with app_context():
        from outreach.dispatch.sweeper import JobHeartbeat, ids_carried_by
        from outreach.messaging.emails import send_email_checkins as send

        ids = ids_carried_by(job.id if job else None, [int(i) for i in checkin_ids])
        if ids:
            send(ids, heartbeat=JobHeartbeat(job.id if job else None))
    return len(ids)


def send_emails(email_ids: list[int]) -> int:
    """Send the e-mails of the batch still pending; returns how many were sent."""
    with app_context():
        from outreach.messaging.emails import SENT
        from outreach.messaging.emails import send_emails as send

        return sum(result == SENT for result in send([int(i) for i in email_ids]))
