"""The fire alarm in a real browser: an urgent reply while the office is closed (a Saturday, or
whatever day it is closed) pages the rep on call; nobody answers, so a real scheduler pass pages
the backup; the backup texts "1" through the signed webhook; the manager's attention list shows
who took it. Times are set a few minutes back, so what the pages say is what a manager would
read on the day."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from browser_helpers import outreach_command, screenshot, sign_in
from flask import Flask
from playwright.sync_api import expect
from web_helpers import make_user

from outreach.company.settings import get_company_settings
from outreach.conversations import record_inbound_sms
from outreach.extensions import db
from outreach.models import (
    CheckIn,
    Customer,
    Escalation,
    Message,
    Page,
    Policy,
    ServiceEvent,
    utcnow,
)

ZONE = "America/Chicago"
CUSTOMER_PHONE = "+12025550142"
REP_PHONE, BACKUP_PHONE, MANAGER_PHONE = "+12025550171", "+12025550172", "+12025550188"
CUSTOMER = "Dana O'Neil"
WATER = "There's water all over the floor since your tech left, I want a refund"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def rows(app: Flask, statement):
    """The rows a SELECT returns, read in a fresh app context (a fresh session)."""
    with app.app_context():
        return db.session.execute(statement).all()


def customer_texts(app: Flask, fake_twilio, body: str, at) -> tuple[str, str | None]:
    """Dana's reply as Twilio would post it, recorded at `at`: its class and the answer sent."""
    params = {
        "MessageSid": "SM" + secrets.token_hex(16),
        "From": CUSTOMER_PHONE,
        "To": fake_twilio.from_number,
        "Body": body,
        "NumMedia": "0",
    }
    with app.app_context():
        result = record_inbound_sms(params, now=at)
        return result.reply.triage_class, result.answer


def closed_today(now) -> dict[str, list[str]]:
    """Business hours that leave today out (Monday to Friday when today is a weekend day)."""
    today = DAYS[now.astimezone(ZoneInfo(ZONE)).weekday()]
    return {d: ["09:00", "17:00"] for d in DAYS[:5] if d != today}


def seed(app: Flask, now) -> dict:
    """Sam (a rep, on call this week, backed up by Jordan), Morgan the manager, an admin, and
    Dana, Sam's customer, who got a check-in yesterday."""
    with app.app_context():
        morgan = make_user("manager", name="Morgan Diaz", phone=MANAGER_PHONE)
        jordan = make_user("rep", name="Jordan Lee", phone=BACKUP_PHONE)
        sam = make_user("rep", name="Sam Rivera", phone=REP_PHONE, backup_id=jordan.id)
        settings = get_company_settings()
        settings.default_timezone = ZONE
        settings.business_week = closed_today(now)
        settings.on_call_user_ids = [sam.id]
        customer = Customer(
            external_id="cust-dana", name=CUSTOMER, phone=CUSTOMER_PHONE, timezone="America/Denver"
        )
        event = ServiceEvent(
            external_id="evt-" + secrets.token_hex(4),
            type="repair",
            occurred_at=now - timedelta(days=1),
            customer=customer,
            rep=sam,
            summary="Replaced the water heater valve",
        )
        sent = now - timedelta(hours=3)
        policy = Policy(
            name="SMS after a repair",
            event_type="repair",
            channel="sms",
            delay="PT20H",
            template="Hi",
        )
        checkin = CheckIn(
            event=event,
            customer=customer,
            policy=policy,
            rep=sam,
            channel="sms",
            status="sent",
            due_at=sent,
            earliest_at=sent,
            timezone="America/Denver",
            timing_reason="test",
        )
        db.session.add(checkin)
        db.session.flush()
        db.session.add(
            Message(
                direction="outbound",
                kind="checkin",
                checkin_id=checkin.id,
                customer_id=customer.id,
                to_number=CUSTOMER_PHONE,
                body="How did it go?",
                twilio_sid="SM" + secrets.token_hex(16),
                status="delivered",
                created_at=sent,
                updated_at=sent,
            )
        )
        db.session.commit()
        return {"manager": morgan.email, "backup": jordan.email, "customer_id": customer.id}


def test_an_urgent_reply_while_closed_pages_on_call_then_backup_who_takes_it_by_text(
    live_server, new_page, app_env, fake_twilio
):
    now = utcnow()
    live = live_server(env={**fake_twilio.env(), "OUTREACH_SEND_RATE": "1000"})
    env = {
        **app_env,
        **fake_twilio.env(),
        "PUBLIC_BASE_URL": live.url,
        "OUTREACH_SEND_RATE": "1000",
    }
    people = seed(live.app, now)

    # 12 minutes ago Dana texted something urgent; Sam, on call, was paged at once.
    assert customer_texts(live.app, fake_twilio, WATER, now - timedelta(minutes=12)) == (
        "urgent",
        "Thanks — our on-call technician will call you within 30 minutes.",
    )
    paged = sa.select(Page.level, Message.to_number).join(Message, Message.id == Page.message_id)
    [(level, to)] = rows(live.app, paged)
    assert (level, to) == ("on_call", REP_PHONE)

    # Sam opens the link in his text on his phone, but does not take it.
    [(body,)] = rows(live.app, sa.select(Message.body).where(Message.kind == "page"))
    link = re.search(r"https?://\S+/a/[\w-]+$", body).group(0)
    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.goto(link)
    expect(phone.get_by_role("heading")).to_have_text(f"Urgent: {CUSTOMER}")
    expect(phone.get_by_role("button", name="I'll take it")).to_be_visible()
    screenshot(phone, "alarm-link-on-the-reps-phone")

    # Nobody took it: ten minutes later the scheduler pages the backup (a real pass, real clock).
    with live.app.app_context():
        esc = db.session.scalars(sa.select(Escalation)).one()
        esc.next_at = now - timedelta(minutes=2)  # Sam was paged 12 minutes ago, N = 10
        db.session.commit()
    swept = outreach_command(env, "scheduler", "--once")
    assert swept.returncode == 0, swept.stderr
    levels = rows(live.app, sa.select(Page.level).order_by(Page.id))
    assert [lv for (lv,) in levels] == ["on_call", "backup"]
    worked = outreach_command(env, "worker", "--burst")
    assert worked.returncode == 0, worked.stderr
    sent = {r.value("To"): r.value("Body") for r in fake_twilio.created_messages()}
    assert re.match(
        rf"URGENT, not taken in 1[23] min \(Sam paged\): {CUSTOMER} wrote", sent[BACKUP_PHONE]
    )
    assert sent[REP_PHONE].startswith(f'URGENT: {CUSTOMER} wrote "{WATER}"')
    assert sent[CUSTOMER_PHONE].startswith("Thanks — our on-call technician will call you")
    for logged in (swept.stderr, worked.stderr, worked.stdout):
        assert CUSTOMER_PHONE not in logged and "water" not in logged

    # The manager signs in and lands on the attention list: who is paged, for how long.
    desk = new_page(viewport={"width": 1280, "height": 900})
    sign_in(desk, live.url, people["manager"])
    expect(desk).to_have_url(re.compile(r"/admin$"))
    card = desk.locator("article.card").first
    expect(card).to_contain_text(CUSTOMER)
    expect(card).to_contain_text(WATER)
    expect(card).to_contain_text("Sam Rivera (on call), paged")
    expect(card).to_contain_text(re.compile(r"no answer for 1[23] min"))
    expect(card).to_contain_text("Jordan Lee (backup), paged")
    expect(card).to_contain_text("Next: the managers at")
    expect(card).to_contain_text("for the customer")  # Dana's own time beside the manager's
    screenshot(desk, "alarm-attention-waiting")

    # Jordan, the backup, texts "1" back: Twilio posts it, signed.
    inbound = {
        "AccountSid": fake_twilio.account_sid,
        "MessageSid": "SM" + secrets.token_hex(16),
        "From": BACKUP_PHONE,
        "To": fake_twilio.from_number,
        "Body": "1",
        "NumMedia": "0",
    }
    answered = fake_twilio.post_signed(f"{live.url}/twilio/sms/inbound", inbound, live.url)
    assert answered.status_code == 200, answered.text
    answers = rows(
        live.app,
        sa.select(Message.body, Message.to_number)
        .where(Message.kind == "page_answer")
        .order_by(Message.id),
    )
    [(told, told_to), (answer, answer_to)] = answers  # Sam is told first, then Jordan answered
    assert (told, told_to) == (f"Taken by Jordan Lee: {CUSTOMER}. Nothing to do.", REP_PHONE)
    assert answer.startswith(f"It's yours: call {CUSTOMER} at {CUSTOMER_PHONE} by ")
    assert answer_to == BACKUP_PHONE

    # The manager's list now shows who took it, how and when; nothing is waiting.
    desk.reload()
    expect(desk.get_by_text("Nothing is waiting")).to_be_visible()
    taken = desk.locator("tr[id^=taken-]")
    expect(taken).to_contain_text(CUSTOMER)
    expect(taken).to_contain_text("Jordan Lee by text")
    expect(taken).to_contain_text(re.compile(r"1[23] min after the reply"))
    expect(taken).to_contain_text("Sam Rivera (on call, no answer), Jordan Lee (backup, took it)")
    screenshot(desk, "alarm-attention-taken")

    # The customer's timeline tells the whole story.
    taken.get_by_role("link", name=CUSTOMER).click()
    expect(desk.locator("ol.timeline")).to_contain_text("Paged Sam Rivera (on call) by text")
    expect(desk.locator("ol.timeline")).to_contain_text("Jordan Lee took the urgent reply by text")
    expect(desk.locator("ol.timeline")).to_contain_text("Taken by Jordan Lee")
    screenshot(desk, "alarm-customer-timeline")

    # Jordan's list has the follow-up, now his, promising the call.
    rep_phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    sign_in(rep_phone, live.url, people["backup"])
    expect(rep_phone.locator("article.card").first).to_contain_text(CUSTOMER)
    expect(rep_phone.locator("article.card").first).to_contain_text(
        "The on-call technician (Sam Rivera) will call the customer within 30 minutes"
    )
    screenshot(rep_phone, "alarm-backup-rep-list")

    # The fire alarm page: the chain, who is on call, examples and the try box.
    desk.get_by_role("link", name="Fire alarm").click()
    desk.get_by_label("A reply, as a customer would write it").fill("The breaker keeps tripping")
    desk.get_by_label("must raise the alarm", exact=True).check()
    desk.get_by_role("button", name="Add the example").click()
    expect(desk.locator(".flash.success")).to_contain_text("now raises the alarm")
    desk.get_by_label("A reply", exact=True).fill("The breaker keeps tripping since Tuesday")
    desk.get_by_role("button", name="Try it").click()
    expect(desk.locator("#try-result")).to_contain_text("This raises the alarm.")
    expect(desk.locator("#try-result")).to_contain_text("manager's example")
    screenshot(desk, "alarm-settings")
