"""GET /calendar/<token>.ics: the rep's private feed (the token is the only credential)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, abort, current_app

from outreach.models import utcnow
from outreach.rep import feed_bp
from outreach.reporting.calendar import feed_for, user_for_feed_token


@feed_bp.get("/calendar/<token>.ics")
def feed(token: str):
    """The rep's upcoming calls and open follow-ups as iCalendar; 404 once revoked."""
    user = user_for_feed_token(token)
    if user is None:
        abort(404)
    host = urlsplit(current_app.extensions["settings"].public_base_url).hostname or "outreach"
    return Response(
        feed_for(user, utcnow(), host),
        mimetype="text/calendar",
        headers={
            "Cache-Control": "private, no-cache",
            "Content-Disposition": 'inline; filename="outreach.ics"',
            "X-Robots-Tag": "noindex",
        },
    )
