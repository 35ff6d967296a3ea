"""Twilio's webhooks: signed requests only (403 otherwise), CSRF-exempt."""

from flask import Blueprint

bp = Blueprint("webhooks", __name__)

# the modules register their routes on bp
from outreach.webhooks import inbound, views, voice  # noqa: E402, F401
