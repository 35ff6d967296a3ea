"""The rep's pages (/rep, phone-friendly) and the private calendar feed (/calendar/<token>.ics)."""

from flask import Blueprint

from outreach.auth.roles import REP_PAGES, protect_blueprint

bp = Blueprint("rep", __name__)
protect_blueprint(bp, *REP_PAGES)

#: public, but only with the rep's secret token in the URL
feed_bp = Blueprint("calendar", __name__)

from outreach.rep import call, feed, views  # noqa: E402,F401
