"""The whole loop in a real browser: schedule, event, check-in SMS, urgent reply, rep follow-up."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import requests
import sqlalchemy as sa
from browser_helpers import outreach_command, outreach_process, screenshot, sign_in
from flask import Flask
from playwright.sync_api import Page, expect
from web_helpers import make_user

from outreach.auth.accounts import create_token
from outreach.company.settings import get_company_settings
from outreach.extensions import db
from outreach.models import CheckIn, FollowUp, Message

#: zones whose UTC offsets leave no gap over 2.5 hours, so one of them is mid-afternoon now
ZONES = (
    "Pacific/Honolulu",
    "America/Los_Angeles",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Moscow",
    "Asia/Kolkata",
    "Asia/Bangkok",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)
CUSTOMER_PHONE = "+12025550142"
MANAGER_PHONE = "+12025550188"
REP_PHONE = "+12025550177"
CUSTOMER_NAME = "Dana O'Neil"
TEMPLATE = "Hi {{ customer.name }}, how is the {{ event.type }} holding up? Just reply here."
URGENT_REPLY = "There's a gas smell since your tech left"


def afternoon_zone(now: datetime) -> str:
    """The zone of ZONES where `now` is closest to 14:00 local: well inside 08:00-21:00."""

    def distance(name: str) -> float:
        local = now.astimezone(ZoneInfo(name))
        return abs(local.hour + local.minute / 60 - 14)

    return min(ZONES, key=distance)


def rows(app: Flask, statement):
    """The rows a SELECT returns, read in a fresh app context (a fresh session)."""
    with app.app_context():
        return db.session.execute(statement).all()


def look_around_as_admin(page: Page, followup_id: int) -> None:
    """The admin finds the reply in messages, the customer's conversation and the board."""
    page.get_by_role("link", name="Messages").click()
    expect(page.locator("tbody")).to_contain_text("page")
    expect(page.locator("tbody")).to_contain_text(URGENT_REPLY)
    screenshot(page, "admin-messages")
    page.get_by_role("link", name="Conversations").click()
    screenshot(page, "admin-conversations")
    page.get_by_role("link", name=CUSTOMER_NAME).first.click()
    expect(page.locator("main")).to_contain_text(URGENT_REPLY)
    screenshot(page, "admin-conversation")
    page.get_by_role("link", name="Follow-ups").click()
    expect(page.locator(f"#followup-{followup_id}")).to_contain_text(CUSTOMER_NAME)
    screenshot(page, "admin-followups")


def close_followup_as_rep(new_page, base_url: str, followup_id: int) -> None:
    """The rep signs in on a phone, finds the urgent follow-up and logs what was done."""
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    sign_in(page, base_url, "riley@example.com")
    expect(page).to_have_url(re.compile(r"/rep$"))
    card = page.locator(f"#followup-{followup_id}")
    expect(card).to_contain_text(CUSTOMER_NAME)
    expect(card.locator(".badge").first).to_contain_text("urgent")
    expect(card).to_contain_text(f"{CUSTOMER_NAME} wrote")  # the customer's own words, quoted
    expect(card).to_contain_text(URGENT_REPLY)
    expect(card.get_by_role("link", name=re.compile("Call"))).to_have_attribute(
        "href", f"tel:{CUSTOMER_PHONE}"
    )
    screenshot(page, "rep-list")
    card.get_by_text("Mark done").click()
    card.get_by_label("What you did").fill("Called, sent a tech back: gas line valve reseated.")
    card.get_by_role("button", name="Done").click()
    expect(page.locator(".flash.success")).to_contain_text("Follow-up marked done")
    expect(page.locator(f"#followup-{followup_id}")).to_have_count(0)
    screenshot(page, "rep-list-after")


def test_afternoon_zone_is_inside_the_customer_sending_hours_at_any_hour():
    day = datetime(2026, 3, 8, 0, 0, tzinfo=UTC)  # a US DST change day
    for minutes in range(0, 48 * 60, 20):
        now = day + timedelta(minutes=minutes)
        local = now.astimezone(ZoneInfo(afternoon_zone(now)))
        assert 12 <= local.hour < 16, (now, local)


def test_a_check_in_goes_from_admin_schedule_to_an_urgent_reply_the_rep_closes(
    live_server, new_page, app_env, fake_twilio
):
    now = datetime.now(UTC)
    zone = afternoon_zone(now)
    live = live_server(env={**fake_twilio.env(), "OUTREACH_SEND_RATE": "1000"})
    env = {
        **app_env,
        **fake_twilio.env(),
        "PUBLIC_BASE_URL": live.url,
        "OUTREACH_SEND_RATE": "1000",
    }
    with live.app.app_context():
        admin = make_user("admin", name="Ada Admin")
        make_user("manager", name="Max Manager", phone=MANAGER_PHONE)
        rep = make_user("rep", name="Riley Rep", email="riley@example.com", phone=REP_PHONE)
        settings = get_company_settings()
        settings.on_call_user_ids = [rep.id]  # Riley is paged in business hours and after
        db.session.commit()
        admin_email, rep_id = admin.email, rep.id
        _, token = create_token("browser test")

    # An admin signs in and creates an SMS schedule for repairs through the form.
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live.url}/login")
    screenshot(page, "login")
    sign_in(page, live.url, admin_email)
    expect(page).to_have_url(re.compile(r"/admin$"))  # the attention list
    page.get_by_role("link", name="Dashboard").click()
    screenshot(page, "admin-dashboard")

    page.goto(f"{live.url}/admin/schedules")
    page.get_by_role("link", name="New schedule").click()
    page.get_by_label("Name", exact=True).fill("Repair check-in by SMS")
    page.get_by_label("Event type").fill("repair")
    page.get_by_label("Channel").select_option("sms")
    page.get_by_label("Delay after the event").fill("PT0S")
    page.get_by_label("Message template").fill(TEMPLATE)
    page.get_by_role("button", name="Create").click()
    expect(page.locator(".flash.success")).to_contain_text("Repair check-in by SMS")
    row = page.locator("tr", has_text="Repair check-in by SMS")
    expect(row).to_contain_text("repair")
    expect(row).to_contain_text("any time outside quiet hours")
    screenshot(page, "admin-schedules")

    # An event arrives through the API and plans one SMS check-in, due now.
    response = requests.post(
        f"{live.url}/api/v1/events",
        json={
            "external_id": "repair-" + secrets.token_hex(4),
            "type": "repair",
            "occurred_at": (now - timedelta(minutes=1)).isoformat(),
            "customer": {
                "external_id": "cust-dana",
                "name": CUSTOMER_NAME,
                "phone": CUSTOMER_PHONE,
                "timezone": zone,
            },
            "rep": {"email": "riley@example.com"},
            "summary": "Replaced the furnace igniter",
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    [planned] = response.json()["checkins"]
    assert planned["status"] == "scheduled"

    # The check-in shows in the admin queue.
    page.get_by_role("link", name="Queue").click()
    page.get_by_label("Show").select_option("all")
    page.get_by_role("button", name="Filter").click()
    queued_row = page.locator(f"#checkin-{planned['id']}")
    expect(queued_row).to_contain_text(CUSTOMER_NAME)
    expect(queued_row).to_contain_text("Repair check-in by SMS")
    expect(queued_row.locator("td").nth(6)).to_contain_text("scheduled")  # the Status column
    screenshot(page, "admin-queue")

    # The scheduler queues it and a real worker sends it to the (fake) Twilio.
    swept = outreach_command(env, "scheduler", "--once")
    assert swept.returncode == 0, swept.stderr
    worked = outreach_command(env, "worker", "--burst")
    assert worked.returncode == 0, worked.stderr
    [sent] = fake_twilio.created_messages()
    assert sent.value("To") == CUSTOMER_PHONE
    assert sent.value("Body") == (
        f"Hi {CUSTOMER_NAME}, how is the repair holding up? Just reply here."
    )
    [(status,)] = rows(live.app, sa.select(CheckIn.status).where(CheckIn.id == planned["id"]))
    assert status == "sent"
    [sid] = fake_twilio.messages
    for callback in ("sent", "delivered"):
        assert fake_twilio.message_callback(sid, callback, live.url).status_code == 200
    [(status,)] = rows(live.app, sa.select(CheckIn.status).where(CheckIn.id == planned["id"]))
    assert status == "delivered"

    # The customer answers something urgent; Twilio posts it, signed.
    reply_sid = "SM" + secrets.token_hex(16)
    reply = {
        "AccountSid": fake_twilio.account_sid,
        "ApiVersion": "2010-04-01",
        "MessageSid": reply_sid,
        "SmsSid": reply_sid,
        "From": CUSTOMER_PHONE,
        "To": fake_twilio.from_number,
        "Body": URGENT_REPLY,
        "NumMedia": "0",
        "NumSegments": "1",
    }
    answered = fake_twilio.post_signed(f"{live.url}/twilio/sms/inbound", reply, live.url)
    assert answered.status_code == 200, answered.text
    assert "<Message" not in answered.text  # the answer is a text of its own, sent by a worker

    # Riley is paged (the fire alarm); a worker sends the page while the people below look
    # around.
    [(alert_to, alert_status)] = rows(
        live.app,
        sa.select(Message.to_number, Message.status).where(Message.kind == "page"),
    )
    assert (alert_to, alert_status) == (REP_PHONE, "pending")
    [(followup_id,)] = rows(
        live.app,
        sa.select(FollowUp.id).where(FollowUp.owner_id == rep_id, FollowUp.state == "open"),
    )
    with outreach_process(env, "worker", "--burst") as alert_worker:
        look_around_as_admin(page, followup_id)
        close_followup_as_rep(new_page, live.url, followup_id)
    assert alert_worker.returncode == 0, alert_worker.stderr_text
    to_rep = [r for r in fake_twilio.created_messages() if r.value("To") == REP_PHONE]
    assert len(to_rep) == 1
    assert "URGENT" in to_rep[0].value("Body") and "Reply 1 to take it" in to_rep[0].value("Body")
    [(state,)] = rows(live.app, sa.select(FollowUp.state).where(FollowUp.id == followup_id))
    assert state == "done"
