"""Conversations: inbound replies, consent (STOP/START/HELP), triage actions, promises,
follow-ups and the fire alarm (paging, escalation, the on-call rotation).

Entry points: record_inbound_sms (the SMS webhook), record_voice_reply (the voice Gather
result), record_email_reply (the inbound e-mail hook), complete_followup, sweep_followups
and escalation.escalate_due (steps of each scheduler pass).
"""

from outreach.conversations.email_replies import EmailReplyResult, record_email_reply
from outreach.conversations.followups import SweepResult, complete_followup, sweep_followups
from outreach.conversations.inbound import (
    InboundResult,
    VoiceReplyResult,
    record_inbound_sms,
    record_voice_reply,
)

__all__ = [
    "EmailReplyResult",
    "InboundResult",
    "SweepResult",
    "VoiceReplyResult",
    "complete_followup",
    "record_email_reply",
    "record_inbound_sms",
    "record_voice_reply",
    "sweep_followups",
]
