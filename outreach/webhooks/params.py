"""The parameters of a Twilio webhook, as the services take them."""

from __future__ import annotations

from flask import request


def form_params() -> dict[str, str]:
    """The signed form as a dict, NUL bytes stripped: PostgreSQL cannot store them, and a
    customer's message must never be lost over one (the signature is checked on the raw form)."""
    return {
        key.replace("\x00", ""): value.replace("\x00", "")
        for key, value in request.form.to_dict(flat=True).items()
    }
