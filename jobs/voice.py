"""Voice jobs: place queued voice check-in calls. Each check-in is still its own compare-and-set."""

from __future__ import annotations

from rq import get_current_job

from jobs import app_context


def place_calls(checkin_ids: list[int]) -> int:
    """Call the batch's check-ins still queued under this job; returns how many were handed on."""
    job = get_current_job()
    with app_context():
        from outreach.dispatch.sweeper import JobHeartbeat, ids_carried_by
        from outreach.messaging.voice import send_voice_checkins

        ids = ids_carried_by(job.id if job else None, [int(i) for i in checkin_ids])
        if ids:
            send_voice_checkins(ids, heartbeat=JobHeartbeat(job.id if job else None))
    return len(ids)
