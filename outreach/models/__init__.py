"""Typed SQLAlchemy models, one module per aggregate."""

from outreach.models.base import db_now, utcnow
from outreach.models.checkins import CheckIn, CheckInFigures, CheckInTransition
from outreach.models.customers import Consent, Customer, CustomerMerge, ServiceEvent
from outreach.models.escalations import Escalation, Page
from outreach.models.followups import FollowUp, FollowUpNote
from outreach.models.messages import (
    Call,
    CallStatusEvent,
    Conference,
    Email,
    Message,
    MessageStatusEvent,
    Reply,
)
from outreach.models.policies import Policy
from outreach.models.settings import CompanySettings, TriageExample, TriagePhrase
from outreach.models.sources import ChatAlert, EventSource
from outreach.models.users import ApiToken, User

__all__ = [
    "ApiToken",
    "Call",
    "CallStatusEvent",
    "ChatAlert",
    "CheckIn",
    "CheckInFigures",
    "CheckInTransition",
    "CompanySettings",
    "Conference",
    "Consent",
    "Customer",
    "CustomerMerge",
    "Email",
    "Escalation",
    "EventSource",
    "FollowUp",
    "FollowUpNote",
    "Message",
    "MessageStatusEvent",
    "Page",
    "Policy",
    "Reply",
    "ServiceEvent",
    "TriageExample",
    "TriagePhrase",
    "User",
    "db_now",
    "utcnow",
]
