"""Messaging: transports (twilio, outbox), exactly-once sending, rate limits, signatures,
status callbacks.

Entry points for the scheduler and the jobs: send_checkin, send_checkins, reconcile_stale.
"""

from outreach.messaging.sending import (
    SendOutcome,
    reconcile_stale,
    send_checkin,
    send_checkins,
)

__all__ = ["SendOutcome", "reconcile_stale", "send_checkin", "send_checkins"]
