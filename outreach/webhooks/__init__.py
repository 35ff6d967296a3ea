"""Webhooks from Twilio and from event sources: signed requests only (403), CSRF-exempt."""

from flask import Blueprint

bp = Blueprint("webhooks", __name__)

# the modules register their routes on bp
from outreach.webhooks import hooks, inbound, views, voice  # noqa: E402, F401
