"""Jobs that check the queue itself: a no-op (what RQ costs) and a ping (which process, app)."""

from __future__ import annotations

import os

from jobs import app_context


def noop() -> None:
    """Do nothing: measures what RQ itself costs per job."""


def ping() -> dict[str, int]:
    """The worker's process id and the identity of its app (one app per process, reused)."""
    with app_context() as app:
        return {"pid": os.getpid(), "app": id(app)}
