"""Webhooks from Twilio, from event sources and from Mailgun (e-mail): signed requests only
(403), CSRF-exempt."""

from flask import Blueprint

bp = Blueprint("webhooks", __name__)

# the modules register their routes on bp
from outreach.webhooks import emails, hooks, inbound, views, voice  # noqa: E402, F401
