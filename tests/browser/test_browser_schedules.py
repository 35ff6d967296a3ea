"""The schedule form in a real browser: durations typed in words, the live preview updating as
you type (before saving) for customers in three zones, every error at once, then saving."""

from __future__ import annotations

import pytest
from browser_helpers import screenshot, sign_in
from playwright.sync_api import Page, expect
from web_helpers import make_user

from outreach.extensions import db
from outreach.models import Policy

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True}


def fits_across(page: Page) -> bool:
    """No horizontal scrolling on this page."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth"
        " && document.body.scrollWidth <= window.innerWidth"
    )


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_typing_a_delay_updates_the_live_preview(live_server, new_page, size):
    live = live_server()
    with live.app.app_context():
        email = make_user("manager", name="Morgan Manager").email
    page = new_page(**(DESKTOP if size == "desktop" else PHONE))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))  # a script error, a CSP refusal
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )
    sign_in(page, live.url, email)

    page.goto(f"{live.url}/admin/schedules/new")
    preview = page.locator("#live-preview")
    # first open: the preview lists what is missing, no red page error
    expect(preview).to_contain_text("Fix these to see the preview")
    expect(page.locator(".flash.error")).to_have_count(0)

    page.get_by_label("Name").fill("Day-after text")
    page.get_by_label("Event type").fill("install")
    page.get_by_label("Message template").fill("Hi {{ customer.name }}, how is it going?")
    page.get_by_label("Delay after the event").fill("2 hours")
    expect(preview).to_contain_text("event + 2 hours")
    expect(preview.locator("li")).to_have_count(3)
    for zone in ("America/New_York", "America/Los_Angeles", "Europe/Madrid"):
        expect(preview).to_contain_text(zone)
    screenshot(page, f"schedule-preview-{size}-2-hours")

    page.get_by_label("Delay after the event").fill("1 day 4 hours")
    expect(preview).to_contain_text("event + 1 day 4 hours")
    page.get_by_label("Delay after the event").fill("2 months")
    expect(preview).to_contain_text("months and years are not allowed")
    screenshot(page, f"schedule-preview-{size}-error")
    page.get_by_label("Delay after the event").fill("20 hours")
    expect(preview).to_contain_text("event + 20 hours")
    if size == "phone":
        assert fits_across(page)

    page.get_by_role("button", name="Create").click()
    expect(page.locator("table")).to_contain_text("20 hours")
    with live.app.app_context():
        assert db.session.query(Policy.delay).scalar() == "PT20H"
    screenshot(page, f"schedule-list-{size}")
    assert errors == []
