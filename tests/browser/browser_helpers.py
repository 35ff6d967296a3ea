"""Helpers for the browser tests: the live server, screenshots, signing in, the CLI."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
#: Debian's Chromium when installed (Playwright downloads nothing there), else None: the
#: Chromium `python -m playwright install chromium` put in Playwright's own cache
CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"  #: web_helpers.make_user's default password
TIMEOUT_MS = 10_000  #: Playwright's wait for any one element or navigation


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without a log line per request (errors are still logged)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class LiveServer:
    """The app on 127.0.0.1, a free port, served by werkzeug in threads.

    The socket is bound first so its URL can be the app's PUBLIC_BASE_URL (Twilio signatures
    and callback URLs are built from it); the app is attached before serving starts.
    """

    def __init__(self) -> None:
        self.app: Flask | None = None
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def _wsgi(self, environ, start_response):
        assert self.app is not None, "attach the app before serving"
        return self.app(environ, start_response)

    def start(self, app: Flask) -> LiveServer:
        """Serve this app until stop()."""
        self.app = app
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=10)
        self._server.server_close()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as tests/artifacts/<name>.png and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0
    return path


def sign_in(page: Page, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the /login form as a person would."""
    page.goto(f"{base_url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def outreach_command(env: dict, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run `outreach <args>` as its own process with this environment, to completion."""
    return subprocess.run(
        [sys.executable, "-m", "outreach", *args],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@contextlib.contextmanager
def outreach_process(env: dict, *args: str, timeout: float = 60) -> Iterator[subprocess.Popen]:
    """Start `outreach <args>` in the background; on leaving, wait for it (killed after
    `timeout` seconds). Read .returncode and .stderr_text after the block."""
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "outreach", *args],
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=err,
            text=True,
        )
        try:
            yield proc
        finally:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            err.seek(0)
            proc.stderr_text = err.read()  # type: ignore[attr-defined]
