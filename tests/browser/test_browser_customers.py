"""Customers in a real browser, on a desktop and a phone: search the directory, open a
customer, fix a phone number after an error, and merge a duplicate."""

from __future__ import annotations

import pytest
from browser_helpers import screenshot, sign_in
from playwright.sync_api import Page, expect
from web_helpers import make_customer, make_followup, make_user, now

from outreach.extensions import db
from outreach.models import Customer

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True}


def fits_across(page: Page) -> bool:
    """No horizontal scrolling on this page."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth"
        " && document.body.scrollWidth <= window.innerWidth"
    )


def seed(app) -> dict:
    """A manager, a customer with a typo in her number, her duplicate and someone else."""
    from datetime import timedelta

    with app.app_context():
        manager = make_user("manager", name="Morgan Manager")
        dana = make_customer(name="Dana O'Neil", zone="America/New_York")
        dana.phone, dana.external_id = "+12025550142", "crm-1001"
        twin = make_customer(name="Dana ONeil", zone=None)
        twin.phone, twin.external_id = "+12025550142", "crm-2002"
        other = make_customer(name="Grace Hopper", zone="America/Denver")
        other.phone, other.external_id = "+13035550101", "crm-3003"
        make_followup(None, twin, now() + timedelta(days=1), title="Send the warranty papers")
        db.session.commit()
        return {"manager": manager.email, "dana": dana.id, "twin": twin.id}


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_search_open_edit_with_an_error_then_merge_a_duplicate(live_server, new_page, size):
    live = live_server()
    ids = seed(live.app)
    page = new_page(**(DESKTOP if size == "desktop" else PHONE))
    sign_in(page, live.url, ids["manager"])

    page.goto(f"{live.url}/admin/customers")
    expect(page.get_by_role("link", name="Customers", exact=True)).to_be_visible()
    page.get_by_label("Find a customer").fill("202-555-01")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Dana O'Neil")).to_be_visible()
    expect(page.get_by_role("link", name="Grace Hopper")).to_have_count(0)
    expect(page.get_by_text("(202) 555-0142")).to_have_count(2)  # Dana and her duplicate
    assert fits_across(page)
    screenshot(page, f"customers-directory-{size}")

    page.get_by_role("link", name="Dana O'Neil").click()
    expect(page.get_by_role("heading", name="Dana O'Neil")).to_be_visible()
    page.get_by_role("link", name="Edit details").click()

    page.get_by_label("Name").fill("")
    page.get_by_label("Mobile phone").fill("(303) 555-0101")
    page.get_by_label("E-mail (optional)").fill("dana@")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter the customer's name.")).to_be_visible()
    expect(page.get_by_text("Grace Hopper already has this number.")).to_be_visible()
    expect(page.get_by_text("That is not an e-mail address")).to_be_visible()
    expect(page.get_by_role("link", name="merge the two customers")).to_be_visible()
    assert fits_across(page)
    screenshot(page, f"customers-edit-error-{size}")

    page.get_by_label("Name").fill("Dana O'Neil")
    page.get_by_label("Mobile phone").fill("202.555.0142")
    page.get_by_label("E-mail (optional)").fill("dana@example.com")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved Dana O'Neil: email changed.")).to_be_visible()

    expect(page.get_by_text("Same phone number as")).to_be_visible()
    page.get_by_role("link", name="Merge them…").click()

    expect(page.get_by_role("heading", name="Merge two customers")).to_be_visible()
    page.get_by_label("Keep Dana O'Neil").check()
    assert fits_across(page)
    screenshot(page, f"customers-merge-{size}")
    page.get_by_role("button", name="Merge").click()

    expect(page.get_by_text("Merged Dana ONeil into this customer.")).to_be_visible()
    expect(page.get_by_text("Morgan Manager merged Dana ONeil")).to_contain_text(
        "1 follow-up moved"
    )
    expect(page.get_by_text("Same phone number as")).to_have_count(0)
    expect(page.get_by_text("Send the warranty papers")).to_be_visible()
    assert fits_across(page)
    screenshot(page, f"customers-merged-timeline-{size}")
    with live.app.app_context():
        assert db.session.get(Customer, ids["twin"]) is None
