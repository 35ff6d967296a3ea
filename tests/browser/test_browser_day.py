"""The working day in Chromium, on a phone (390x844) and a desktop: times in the reader's zone
with the customer's beside, each party's own phone in the simulator, the rep's short list."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from browser_helpers import screenshot, sign_in
from playwright.sync_api import Page, expect
from web_helpers import make_checkin, make_customer, make_followup, make_policy, make_user, now

from outreach.dev.demo import seed_demo
from outreach.extensions import db
from outreach.messaging.outbox import outbox_sid
from outreach.models import Message

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
SIZES = pytest.mark.parametrize("size", ["phone", "desktop"])
NAMES = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov"]


def _open(new_page, size: str) -> Page:
    return new_page(**(PHONE if size == "phone" else DESKTOP))


def _text(customer, body: str, at, direction: str = "outbound", **values) -> Message:
    """A text as the outbox transport leaves it: sent (a SID) or received."""
    message = Message(
        direction=direction,
        kind=values.pop("kind", "checkin" if direction == "outbound" else "reply"),
        customer_id=customer.id if customer is not None else None,
        to_number=values.pop("to_number", customer.phone if customer is not None else ""),
        from_number=values.pop("from_number", None),
        body=body,
        twilio_sid=outbox_sid("SM"),
        status="delivered" if direction == "outbound" else "received",
        created_at=at,
        updated_at=at,
        **values,
    )
    db.session.add(message)
    db.session.flush()
    return message


@SIZES
def test_the_queue_shows_the_readers_zone_with_the_customers_time_beside(
    live_server, new_page, size
):
    live = live_server()
    with live.app.app_context():
        manager = make_user("manager", name="Morgan Diaz", timezone="America/New_York")
        rep = make_user("rep", name="Sam Rivera")
        due = now() + timedelta(hours=3)
        west = make_customer("Ada Lovelace", zone="America/Los_Angeles")
        make_checkin(rep, due, customer=west, zone="America/Los_Angeles")
        make_checkin(rep, due + timedelta(hours=1), customer=make_customer("Grace Hopper", None))
        db.session.commit()
        email = manager.email
    page = _open(new_page, size)
    sign_in(page, live.url, email)

    page.goto(f"{live.url}/admin/queue")

    main = page.locator("main")
    expect(main).to_contain_text("America/New_York")
    first = page.locator("tbody tr").first
    expect(first).to_contain_text("Ada Lovelace")
    expect(first).to_contain_text("for the customer")
    assert "EST" in first.inner_text() and "PST for the customer" in first.inner_text()
    screenshot(page, f"day-{size}-queue-times")


@SIZES
def test_each_party_reads_their_own_phone_in_the_simulator(live_server, new_page, size):
    live = live_server()  # the outbox transport: the demo, with its phone simulator
    with live.app.app_context():
        admin = make_user("admin", name="Ada Admin")
        manager = make_user("manager", name="Morgan Diaz", phone="+16125550777")
        customer = make_customer("Dana O'Neil", zone="America/Denver")
        at = now() - timedelta(hours=1)
        _text(customer, "Hi Dana, how is the new water heater? Reply 1-5.", at)
        reply = _text(
            customer,
            "It is leaking all over the floor",
            at + timedelta(minutes=5),
            direction="inbound",
            from_number=customer.phone,
            to_number="+15005550006",
        )
        _text(
            customer,
            "Thanks — we're on it: someone will call you shortly.",
            at + timedelta(minutes=5),
            kind="acknowledgement",
            in_reply_to_id=reply.id,
        )
        _text(
            customer,
            "URGENT: Dana O'Neil wrote “It is leaking all over the floor”. Reply 1 to take it.",
            at + timedelta(minutes=5),
            kind="page",
            user_id=manager.id,
            to_number=manager.phone,
        )
        db.session.commit()
        email, manager_id = admin.email, manager.id
    page = _open(new_page, size)
    sign_in(page, live.url, email)

    page.goto(f"{live.url}/simulator")
    page.get_by_role("link", name="Dana O'Neil").click()

    thread = page.locator(".phone-thread")
    expect(thread).to_contain_text("leaking all over the floor")
    expect(thread).not_to_contain_text("URGENT")
    bubbles = thread.locator(".bubble")
    texts = [bubbles.nth(i).inner_text() for i in range(bubbles.count())]
    assert [("Reply 1-5" in t, "leaking" in t, "on it" in t) for t in texts] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ], texts  # the answer below the text it answers
    assert "MST" in texts[0]  # Dana's phone, Dana's clock
    expect(page.locator(".bubble.mine")).to_contain_text("from Dana O'Neil")
    screenshot(page, f"day-{size}-simulator-customer")

    page.goto(f"{live.url}/simulator")
    page.get_by_role("link", name="Morgan Diaz").click()
    expect(page).to_have_url(f"{live.url}/simulator/staff/{manager_id}")
    expect(page.locator(".phone-thread")).to_contain_text("URGENT: Dana O'Neil wrote")
    page.get_by_label("Text from this phone").fill("1")
    page.get_by_role("button", name="Send as Morgan Diaz").click()
    expect(page.locator(".bubble.mine")).to_contain_text("1")
    screenshot(page, f"day-{size}-simulator-manager")


@SIZES
def test_the_rep_list_is_short_filtered_and_says_each_deadline(live_server, new_page, size):
    live = live_server()
    with live.app.app_context():
        rep = make_user("rep", name="Sam Rivera")
        sms = make_policy("sms")
        policy = make_policy()
        policy.deadline, policy.fallback_policy_id = "PT4H", sms.id
        at = now()
        first_call = None
        for i in range(40):
            customer = make_customer(f"{NAMES[i % len(NAMES)]} {i + 1}")
            call = make_checkin(
                rep,
                at - timedelta(hours=1) + timedelta(days=i % 8),
                customer=customer,
                policy=policy,
            )
            call.deadline_at = call.due_at + timedelta(hours=4)
            first_call = first_call or call
            make_followup(
                rep,
                customer,
                at + timedelta(hours=i % 30),
                kind=("callback", "issue")[i % 2],
                priority=("urgent", "normal", "high")[i % 3],
            )
        db.session.commit()
        email, first_id = rep.email, first_call.id
    page = _open(new_page, size)
    sign_in(page, live.url, email)

    page.goto(f"{live.url}/rep")

    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 12_000, height  # was one 15,000 px scroll of every card
    expect(page.locator("#coming-up")).to_be_visible()
    expect(page.locator("details.list ul.rows").first).to_be_hidden()  # collapsed
    screenshot(page, f"day-{size}-rep-list")

    filters = page.get_by_role("navigation", name="Show")
    filters.get_by_role("link", name="Calls").click()
    expect(page).to_have_url(f"{live.url}/rep?show=calls")
    card = page.locator(f"#call-{first_id}")
    expect(card.locator(".deadline")).to_contain_text("A text goes out at")
    expect(card.locator(".deadline")).to_contain_text("if you don't call")
    screenshot(page, f"day-{size}-rep-calls")
    assert page.locator("section[aria-labelledby=today] article[id^=followup-]").count() == 0
    assert page.locator("section[aria-labelledby=today] article[id^=call-]").count() >= 1
    filters.get_by_role("link", name="Urgent").click()
    urgent = page.locator("section[aria-labelledby=today] article")
    assert urgent.count() >= 1 and all(
        "urgent" in urgent.nth(i).inner_text() for i in range(urgent.count())
    )
    filters.get_by_role("link", name=re.compile(r"^All ")).click()
    if page.get_by_role("link", name="Next →").count():
        page.get_by_role("link", name="Next →").click()
        expect(page.locator("nav.pager")).to_contain_text("Page 2 of")
    page.locator("#coming-up").click()
    expect(page.locator("details.list ul.rows").first).to_be_visible()

    page.get_by_role("button", name="Create a calendar address").click()
    subscribe = page.get_by_role("link", name="Subscribe")
    assert subscribe.get_attribute("href").startswith("webcal://")
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    screenshot(page, f"day-{size}-rep-calendar")


@SIZES
def test_error_pages_speak_plainly_and_the_tab_has_an_icon(live_server, new_page, size):
    live = live_server()
    with live.app.app_context():
        email = make_user("rep", name="Sam Rivera").email
    page = _open(new_page, size)
    sign_in(page, live.url, email)

    forbidden = page.goto(f"{live.url}/admin/queue")
    assert forbidden.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("This page is not for your role")
    expect(page.get_by_role("link", name="Go to My calls")).to_be_visible()
    screenshot(page, f"day-{size}-error-403")
    missing = page.goto(f"{live.url}/no/such/page")
    assert missing.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("There is nothing here")
    assert "Not Found" not in page.content()
    icon = page.locator("link[rel=icon]").get_attribute("href")
    fetched = page.request.get(f"{live.url}{icon}")
    assert fetched.status == 200 and fetched.headers["content-type"].startswith("image/svg")
    screenshot(page, f"day-{size}-error-404")


@SIZES
def test_a_queue_cancel_is_confirmed_and_can_be_undone(live_server, new_page, size):
    live = live_server()
    with live.app.app_context():
        manager = make_user("manager", name="Morgan Diaz")
        rep = make_user("rep", name="Sam Rivera")
        checkin = make_checkin(rep, now() + timedelta(hours=3), customer=make_customer("Ada Byron"))
        db.session.commit()
        email, checkin_id = manager.email, checkin.id
    page = _open(new_page, size)
    sign_in(page, live.url, email)
    page.goto(f"{live.url}/admin/queue")

    row = page.locator(f"#checkin-{checkin_id}")
    row.get_by_text("Cancel…").click()
    expect(row).to_contain_text("Cancel the check-in call to Ada Byron?")
    row.get_by_role("button", name="Yes, cancel it").click()

    expect(page.locator(".flash.success")).to_contain_text("call to Ada Byron is canceled")
    screenshot(page, f"day-{size}-queue-canceled")
    page.get_by_role("button", name="Undo the cancel").click()
    expect(page.locator(".flash.success")).to_contain_text("Back on the queue")
    expect(page.locator(f"#checkin-{checkin_id}")).to_contain_text("scheduled")


@SIZES
def test_an_opted_out_customer_cannot_be_texted_and_the_page_says_why_once(
    live_server, new_page, size
):
    live = live_server()
    with live.app.app_context():
        manager = make_user("manager", name="Morgan Diaz")
        customer = make_customer("Ada Byron")
        customer.is_opted_out = True
        db.session.commit()
        email, customer_id = manager.email, customer.id
    page = _open(new_page, size)
    sign_in(page, live.url, email)

    page.goto(f"{live.url}/admin/conversations/{customer_id}")

    section = page.locator("section[aria-labelledby=sms]")
    expect(section.get_by_role("button", name="Send")).to_be_disabled()
    expect(section.locator("textarea")).to_be_disabled()
    assert section.inner_text().count("opted out") == 1
    screenshot(page, f"day-{size}-opted-out-send")


@SIZES
def test_the_dashboard_tells_a_story_right_after_the_demo_seed(live_server, new_page, size):
    live = live_server()
    with live.app.app_context():
        seed_demo()
    page = _open(new_page, size)
    sign_in(page, live.url, "manager@example.com", "demo")

    page.goto(f"{live.url}/admin/dashboard")

    charts = page.locator("svg.chart")
    expect(charts.first).to_be_visible()
    assert page.locator("svg.chart rect[height]").count() > 40  # bars on most days
    expect(page.locator("main")).to_contain_text("Sam Rivera")
    screenshot(page, f"day-{size}-dashboard-history")
