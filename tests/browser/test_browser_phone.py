"""The pages people use on a phone fit a phone's screen (375x667, touch)."""

from __future__ import annotations

from datetime import timedelta

from browser_helpers import screenshot, sign_in
from playwright.sync_api import Page, expect
from web_helpers import make_checkin, make_customer, make_followup, make_reply, make_user, now

from outreach.extensions import db

PHONE = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True}
LONG_WORD = "https://tickets.example.com/" + "x" * 120  #: an unbreakable run of text


def overflow(page: Page) -> dict[str, int]:
    """How wide the page is against the screen: anything wider scrolls sideways."""
    return page.evaluate(
        """() => ({
            document: document.documentElement.scrollWidth,
            body: document.body.scrollWidth,
            screen: window.innerWidth,
        })"""
    )


def assert_fits_across(page: Page) -> None:
    """No horizontal scrolling on this page."""
    widths = overflow(page)
    assert max(widths["document"], widths["body"]) <= widths["screen"], widths


def test_the_login_page_is_usable_on_a_phone(live_server, new_page):
    live = live_server()
    with live.app.app_context():
        rep = make_user("rep", name="Riley Rep")
        email = rep.email
    page = new_page(**PHONE)

    page.goto(f"{live.url}/login")

    assert_fits_across(page)
    screen = page.viewport_size
    for control in (
        page.get_by_label("E-mail"),
        page.get_by_label("Password"),
        page.get_by_role("button", name="Sign in"),
    ):
        expect(control).to_be_visible()
        box = control.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= screen["width"], box
        assert box["y"] + box["height"] <= screen["height"], box  # no scrolling to sign in
        assert box["height"] >= 32, box  # a finger can hit it
    assert page.get_by_label("E-mail").bounding_box()["width"] >= 0.6 * screen["width"]
    screenshot(page, "phone-login")
    page.get_by_label("E-mail").tap()
    page.keyboard.type(email)
    page.get_by_label("Password").tap()
    page.keyboard.type("correct horse battery")
    page.get_by_role("button", name="Sign in").tap()
    expect(page.get_by_role("heading", name="My calls")).to_be_visible()


def test_the_rep_list_does_not_scroll_sideways_on_a_phone(live_server, new_page):
    live = live_server()
    with live.app.app_context():
        rep = make_user("rep", name="Riley Rep")
        customer = make_customer(name="Bartholomew Fitzgerald-Montgomery-Smythe III")
        call = make_checkin(
            rep,
            now() - timedelta(minutes=10),  # due: on today's list at any hour
            customer=customer,
            summary=f"Replaced the water heater; notes at {LONG_WORD}",
        )
        make_checkin(rep, now() + timedelta(days=2))
        make_reply(customer, f"Still leaking, see {LONG_WORD}", "negative", checkin_id=call.id)
        make_followup(
            rep, customer, now() - timedelta(hours=2), title=f"Check the valve {LONG_WORD}"
        )
        db.session.commit()
        email, call_id = rep.email, call.id
    page = new_page(**PHONE)
    sign_in(page, live.url, email)

    page.goto(f"{live.url}/rep")
    card = page.locator(f"#call-{call_id}")
    expect(card).to_contain_text("Bartholomew")
    card.get_by_text("Log the outcome").tap()
    expect(card.get_by_role("button", name="Save outcome")).to_be_visible()

    assert_fits_across(page)
    screenshot(page, "phone-rep-list")


def test_the_phone_simulator_shows_the_demo_customers_to_staff(live_server, new_page):
    live = live_server()  # the outbox transport: the demo, with its phone simulator
    with live.app.app_context():
        admin = make_user("admin", name="Ada Admin")
        customer = make_customer(name="Dana O'Neil")
        make_reply(customer, "All good, thanks!", "positive")
        db.session.commit()
        email = admin.email
    page = new_page(**PHONE)
    sign_in(page, live.url, email)

    page.goto(f"{live.url}/simulator")

    expect(page.locator("main")).to_contain_text("Dana O'Neil")
    screenshot(page, "phone-simulator")
