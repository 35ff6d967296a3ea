"""Browser fixtures: Debian's Chromium driven by Playwright, the app on a real HTTP server.

Chromium is the system's (/usr/bin/chromium, installed by .ci/run); Playwright's own browser
downloads are never used. Screenshots go to tests/artifacts/ (ignored by git, kept by CI).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, LiveServer
from playwright.sync_api import Browser, Page, sync_playwright


@pytest.fixture
def live_server(make_app) -> Iterator:
    """A callable starting the app (app_env plus `env`) on a live server; CSRF is on, as in
    production. Returns the LiveServer (`.url`, `.app`)."""
    started: list[LiveServer] = []

    def start(env: dict | None = None, **config) -> LiveServer:
        server = LiveServer()
        started.append(server)
        app = make_app(
            env={"PUBLIC_BASE_URL": server.url, **(env or {})},
            WTF_CSRF_ENABLED=True,
            **config,
        )
        return server.start(app)

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, one per test module (closed before other tests run)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator:
    """A callable opening a page in a fresh browser context (its own cookies: one user each);
    keyword arguments go to Browser.new_context (viewport, is_mobile…)."""
    contexts = []

    def open_page(**options) -> Page:
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
