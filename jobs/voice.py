"""Voice jobs: place queued voice check-in calls; dial the others into a three-way call."""

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


def join_three_way(conference_id: int) -> int:
    """Dial the customer and the colleague into a confirmed three-way call (once); returns how
    many legs were dialed."""
    with app_context():
        from outreach.messaging.conference import join_others

        return join_others(int(conference_id))
