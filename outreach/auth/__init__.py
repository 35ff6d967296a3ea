"""Sign-in and sign-out pages, roles, and the session user loader."""

from flask import Blueprint

bp = Blueprint("auth", __name__)


@bp.record_once
def _template_helpers(state) -> None:
    from outreach.web.helpers import register_helpers

    register_helpers(state.app)


from outreach.auth import views  # noqa: E402,F401
