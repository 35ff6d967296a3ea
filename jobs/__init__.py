"""RQ entry points: take ids, reload rows, call a service, nothing else.

Every job runs inside an application context of the one app of its worker process: the
worker command hands its app over with set_app(); a worker started some other way builds
one on the first job. No app is built at import time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

_app: Flask | None = None
_lock = threading.Lock()


def set_app(app: Flask) -> None:
    """Make `app` the app every job of this process runs in."""
    global _app
    _app = app


def get_app() -> Flask:
    """The app of this process, built once on first use."""
    global _app
    if _app is None:
        with _lock:
            if _app is None:
                from outreach import create_app

                _app = create_app()
    return _app


@contextmanager
def app_context() -> Iterator[Flask]:
    """Run a job's body inside an application context of the process's app."""
    app = get_app()
    with app.app_context():
        yield app
