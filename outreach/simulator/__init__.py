"""/simulator: the demo's phone simulator pages (staff only, outbox transport only)."""

from flask import Blueprint, Flask

from outreach.auth.roles import STAFF, protect_blueprint

bp = Blueprint("simulator", __name__)
protect_blueprint(bp, *STAFF)


def register_simulator(app: Flask) -> None:
    """Add /simulator to the app when it runs the outbox transport (the demo)."""
    from outreach.simulator import phone
    from outreach.web.helpers import nav_item

    if phone.is_available(app):
        app.register_blueprint(bp, url_prefix="/simulator")
        nav_item("simulator.index", "Phone simulator")


from outreach.simulator import views  # noqa: E402,F401
