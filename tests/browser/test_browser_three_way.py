"""The three-way call in a real browser: a rep starts it from a follow-up card on /rep; the
fake Twilio rings the rep, who answers and presses 1, then a burst worker calls the customer
and the manager, each announced as they join; when the rep hangs up the outcome is on the
card's history and every leg is on the customer's timeline."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from browser_helpers import screenshot, sign_in
from playwright.sync_api import expect
from testenv import run_worker
from web_helpers import make_customer, make_followup, make_reply, make_user, now, zone_where

from outreach.extensions import db
from outreach.models import Call

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


def seed(app) -> dict:
    with app.app_context():
        sam = make_user("rep", name="Sam Rivera", phone="+16125550142")
        morgan = make_user("manager", name="Morgan Manager", phone="+16125550143")
        dana = make_customer(name="Dana O'Neil", zone=zone_where(range(10, 17)))
        reply = make_reply(dana, "The unit is leaking again, can someone call me?", "negative")
        followup = make_followup(
            sam, dana, now() - timedelta(hours=1), reply_id=reply.id, priority="high"
        )
        db.session.commit()
        return {"sam": sam.email, "morgan": morgan.email, "followup": followup.id, "dana": dana.id}


def _legs(app) -> dict[str, str]:
    with app.app_context():
        return {c.party: c.twilio_sid for c in db.session.scalars(sa.select(Call))}


def test_a_rep_starts_a_three_way_call_from_a_follow_up_card(
    live_server, new_page, fake_twilio, app_env
):
    env = {**fake_twilio.env(), "OUTREACH_SEND_RATE": "1000"}
    live = live_server(env=env)
    env["PUBLIC_BASE_URL"] = live.url
    ids = seed(live.app)
    page = new_page(**PHONE)
    sign_in(page, live.url, ids["sam"])
    page.goto(f"{live.url}/rep")
    card = page.locator(f"#followup-{ids['followup']}")
    card.locator("summary", has_text="Three-way call").click()
    card.get_by_label("Also join").select_option(label="Morgan Manager (manager)")
    screenshot(page, "three-way-call-card-phone")
    card.get_by_role("button", name="Call all three").click()

    expect(page.get_by_text("Calling your phone now: answer it")).to_be_visible()
    (rep_call,) = fake_twilio.recorded("Calls", "create")
    assert rep_call.value("To") == "+16125550142"

    fake_twilio.answer_call(_legs(live.app)["rep"], live.url, digits="1")
    assert fake_twilio.heard[_legs(live.app)["rep"]][0] == (
        "Three-way call with Dana O'Neil and Morgan Manager. Press 1 to start."
    )
    done = run_worker({**app_env, **env})
    assert done.returncode == 0, done.stderr
    fake_twilio.deliver(live.url)
    legs = _legs(live.app)
    assert set(legs) == {"rep", "customer", "guest"}
    fake_twilio.answer_call(legs["customer"], live.url)
    fake_twilio.answer_call(legs["guest"], live.url)
    (room,) = fake_twilio.conferences
    assert fake_twilio.announced[room] == [
        "Outreach: joining Dana O'Neil.",
        "Outreach: joining Morgan Manager.",
    ]
    fake_twilio.hang_up(legs["rep"], live.url)

    page.goto(f"{live.url}/rep")
    card = page.locator(f"#followup-{ids['followup']}")
    card.locator("summary", has_text="Notes and changes").click()
    expect(
        card.get_by_text(
            "Three-way call with Dana O'Neil and Morgan Manager: all parties were on the call."
        )
    ).to_be_visible()
    screenshot(page, "three-way-call-logged-phone")

    manager = new_page(**DESKTOP)
    sign_in(manager, live.url, ids["morgan"])
    manager.goto(f"{live.url}/admin/conversations/{ids['dana']}")
    timeline = manager.locator("ol.timeline")
    expect(
        timeline.get_by_text("Three-way call started by Sam Rivera: all parties were on the call")
    ).to_be_visible()
    leg = re.compile(r"Morgan Manager's leg: completed, joined, \d+ s")
    expect(timeline.get_by_text(leg)).to_be_visible()
    expect(timeline.get_by_text("Dana O'Neil's leg: completed, joined")).to_be_visible()
    screenshot(manager, "three-way-call-timeline-desktop")
