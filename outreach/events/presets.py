"""Shipped source settings for common tools: the signature scheme and a field mapping for a
helpdesk ticket solved, a CRM deal closed and a field-service job completed.

Zendesk signs base64(HMAC-SHA256(timestamp + body)) in X-Zendesk-Webhook-Signature with the
time in X-Zendesk-Webhook-Signature-Timestamp
(https://developer.zendesk.com/documentation/webhooks/verifying/). The HubSpot and field-service
mappings read the shape of their sample payloads (tests/data/sources), which the tool or an
integration platform must send: neither tool's own webhook carries the whole record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Preset:
    """A starting point for a new source; everything stays editable."""

    key: str
    label: str
    signature_header: str
    signature_encoding: str
    timestamp_header: str
    mapping: dict[str, Any]


ZENDESK = Preset(
    key="zendesk",
    label="Helpdesk: ticket solved (Zendesk trigger webhook)",
    signature_header="X-Zendesk-Webhook-Signature",
    signature_encoding="base64",
    timestamp_header="X-Zendesk-Webhook-Signature-Timestamp",
    mapping={
        "only_when": [{"path": "ticket.status", "in": ["solved", "Solved", "closed", "Closed"]}],
        "fields": {
            "external_id": "ticket.id",
            "type": {"const": "ticket_solved"},
            "occurred_at": {"first": ["ticket.solved_at", "ticket.updated_at"]},
            "summary": "ticket.subject",
            "customer.external_id": "ticket.requester.id",
            "customer.name": "ticket.requester.name",
            "customer.phone": {"first": ["ticket.requester.phone", "ticket.via.from.phone"]},
            "customer.email": "ticket.requester.email",
            "customer.timezone": "ticket.requester.iana_time_zone",
            "rep.email": "ticket.assignee.email",
            "rep.name": "ticket.assignee.name",
        },
    },
)

HUBSPOT = Preset(
    key="hubspot",
    label="CRM: deal closed won (HubSpot workflow webhook)",
    signature_header="X-Outreach-Signature",
    signature_encoding="hex",
    timestamp_header="",
    mapping={
        "only_when": [{"path": "properties.dealstage.value", "equals": "closedwon"}],
        "fields": {
            "external_id": "objectId",
            "type": {"const": "deal_closed"},
            "occurred_at": {"path": "properties.closedate.value", "as": "epoch_ms"},
            "summary": "properties.dealname.value",
            "customer.external_id": "associatedContact.vid",
            "customer.name": {
                "join": [
                    "associatedContact.properties.firstname.value",
                    "associatedContact.properties.lastname.value",
                ]
            },
            "customer.phone": {
                "first": [
                    "associatedContact.properties.mobilephone.value",
                    "associatedContact.properties.phone.value",
                ]
            },
            "customer.email": "associatedContact.properties.email.value",
            "rep.email": "properties.hubspot_owner_email.value",
        },
    },
)

JOBBER = Preset(
    key="jobber",
    label="Field service: job completed (the job, its client and technician in one webhook)",
    signature_header="X-Jobber-Hmac-SHA256",
    signature_encoding="base64",
    timestamp_header="",
    mapping={
        "only_when": [{"path": "event", "equals": "job.completed"}],
        "fields": {
            "external_id": "data.job.id",
            "type": {"const": "job_completed"},
            "occurred_at": {"first": ["data.job.completedAt", "occurredAt"]},
            "summary": {"join": ["data.job.jobNumber", "data.job.title"], "sep": " - "},
            "customer.external_id": "data.job.client.id",
            "customer.name": {"join": ["data.job.client.firstName", "data.job.client.lastName"]},
            "customer.phone": {
                "first": ["data.job.client.phones.0.number", "data.job.client.phone"]
            },
            "customer.email": "data.job.client.emails.0.address",
            "customer.timezone": "data.job.property.timeZone",
            "rep.email": "data.job.assignedTo.0.email",
            "rep.name": "data.job.assignedTo.0.name",
        },
    },
)

PRESETS = {p.key: p for p in (ZENDESK, HUBSPOT, JOBBER)}
