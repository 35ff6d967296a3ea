"""Delivery jobs: send queued check-ins. Each check-in is still its own compare-and-set."""

from __future__ import annotations

from rq import get_current_job

from jobs import app_context


def send_checkins(checkin_ids: list[int]) -> int:
    """Send the batch's check-ins still queued under this job; returns how many were handed on."""
    job = get_current_job()
    with app_context():
        from outreach.dispatch.sweeper import JobHeartbeat, ids_carried_by
        from outreach.messaging import send_checkins as send

        ids = ids_carried_by(job.id if job else None, [int(i) for i in checkin_ids])
        if ids:
            send(ids, heartbeat=JobHeartbeat(job.id if job else None))
    return len(ids)
