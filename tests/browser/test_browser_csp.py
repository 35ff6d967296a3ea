"""The Content-Security-Policy blocks nothing the pages need: Chromium reports no violation on
the staff pages, the stylesheets apply, forms post; and it would report one if a page had an
inline style."""

from __future__ import annotations

from datetime import timedelta

from browser_helpers import sign_in
from playwright.sync_api import Page, expect
from web_helpers import make_checkin, make_customer, make_followup, make_user, now

from outreach.extensions import db
from outreach.models import Message

PAGES = [
    "/admin",
    "/admin/dashboard",
    "/admin/queue",
    "/admin/messages",
    "/admin/conversations",
    "/admin/conversations/{customer}",
    "/admin/followups",
    "/admin/optouts",
    "/admin/schedules",
    "/admin/settings",
    "/admin/alarm",
    "/admin/users",
    "/admin/tokens",
    "/admin/rq",
    "/simulator",
    "/simulator/customers/{customer}",
]


def csp_reports(page: Page) -> list[str]:
    """The console messages (growing as the page runs) where Chromium reports a CSP violation,
    and any script error."""
    reports: list[str] = []
    page.on(
        "console",
        lambda message: (
            reports.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: reports.append(str(error)))
    return reports


def _seed(live) -> tuple[str, int]:
    with live.app.app_context():
        admin = make_user("admin", name="Avery Admin")
        rep = make_user("rep", name="Riley Rep")
        customer = make_customer("Ada Lovelace")
        make_checkin(rep, now() + timedelta(hours=2), customer=customer)
        make_followup(rep, customer, now() + timedelta(days=1))
        db.session.add(
            Message(
                direction="inbound",
                kind="reply",
                customer_id=customer.id,
                to_number="+15005550006",
                from_number=customer.phone,
                body="Still leaking.\nSince this morning.",
                status="received",
            )
        )
        db.session.commit()
        return admin.email, customer.id


def test_the_staff_pages_break_no_rule_of_the_policy(live_server, new_page):
    live = live_server()
    email, customer_id = _seed(live)
    page = new_page()
    reports = csp_reports(page)

    sign_in(page, live.url, email)  # a form post: form-action 'self' lets it through
    for path in PAGES:
        response = page.goto(live.url + path.format(customer=customer_id))
        assert response is not None and response.status == 200, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]

    assert reports == []
    text = page.locator("p.text", has_text="Still leaking")
    expect(text).to_have_css("white-space", "pre-wrap")  # the stylesheet applied
    expect(page.locator("header.top")).to_have_css("display", "flex")


def test_an_inline_style_would_be_reported(live_server, new_page):
    live = live_server()
    page = new_page()
    page.goto(f"{live.url}/login")

    with page.expect_console_message(lambda m: "Content Security Policy" in m.text) as report:
        page.evaluate(
            """() => document.body.insertAdjacentHTML(
                'beforeend', '<p id="probe" style="color: rgb(255, 0, 0)">probe</p>')"""
        )

    assert "style-src" in report.value.text
    expect(page.locator("#probe")).not_to_have_css("color", "rgb(255, 0, 0)")
