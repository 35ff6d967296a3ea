"""An urgent reply nobody takes, in a real browser: after the rep, the backup, the managers and
two rounds of paging again, the manager's attention list and the dashboard show it in red as
unanswered until someone takes it; the admin sets business hours per weekday and the form
refuses a closing before the opening beside the day."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from browser_helpers import screenshot, sign_in
from playwright.sync_api import expect
from test_browser_alarm import CUSTOMER, WATER, customer_texts, rows, seed
from web_helpers import make_user

from outreach.conversations import escalation
from outreach.extensions import db
from outreach.models import Escalation, Page, User, utcnow


def test_an_unanswered_alarm_is_red_until_taken_and_the_week_is_set_day_by_day(
    live_server, new_page, fake_twilio
):
    now = utcnow()
    live = live_server(env=fake_twilio.env())
    people = seed(live.app, now)
    start = now - timedelta(minutes=55)
    assert customer_texts(live.app, fake_twilio, WATER, start)[0] == "urgent"
    with live.app.app_context():
        for minutes in (10, 20, 30, 40, 50):  # backup, managers, again twice, unanswered
            assert escalation.escalate_due(start + timedelta(minutes=minutes)) == 1
        admin = make_user("admin", name="Ada Admin")
        db.session.commit()
        admin_email = admin.email
    [(unanswered_at,)] = rows(live.app, sa.select(Escalation.unanswered_at))
    assert unanswered_at is not None
    rounds = rows(live.app, sa.select(Page.repage_round, User.name).join(User).order_by(Page.id))
    assert [r for r, _ in rounds] == [0, 0, 0, 1, 1, 2, 2]

    desk = new_page(viewport={"width": 1280, "height": 1000})
    sign_in(desk, live.url, people["manager"])
    card = desk.locator("article.card").first
    expect(card.locator(".badge.unanswered")).to_have_text("UNANSWERED")
    expect(card.locator("p.unanswered")).to_contain_text("Unanswered since")
    expect(card.locator("p.unanswered")).to_have_css("color", "rgb(180, 35, 24)")
    expect(card).to_contain_text("Morgan Diaz (manager, paged again: round 2), paged")
    screenshot(desk, "alarm-unanswered-attention")

    desk.goto(f"{live.url}/admin/dashboard")
    tile = desk.locator("#tile-unanswered")
    expect(tile).to_contain_text("Unanswered alarms")
    expect(tile).to_contain_text("1 nobody took them")
    expect(tile).to_have_css("border-left-color", "rgb(180, 35, 24)")
    screenshot(desk, "alarm-unanswered-dashboard")

    desk.goto(f"{live.url}/admin")
    desk.locator("article.card").first.get_by_role("button", name="Take it").click()
    expect(desk.locator(".flash.success")).to_contain_text(f"You took it: {CUSTOMER}")
    expect(desk.locator("tr[id^=taken-]")).to_contain_text("after going unanswered")

    office = new_page(viewport={"width": 1280, "height": 1400})
    sign_in(office, f"{live.url}", admin_email)
    office.goto(f"{live.url}/admin/settings")
    office.get_by_label("Saturday opens").fill("13:00")
    office.get_by_label("Saturday closes").fill("09:00")
    office.get_by_role("button", name="Save settings").click()
    expect(office.locator("#business-hours")).to_contain_text(
        "Saturday: closing (09:00) must be later than opening (13:00)"
    )
    expect(office.get_by_label("Saturday closes")).to_have_css("border-color", "rgb(180, 35, 24)")
    expect(office.get_by_label("Friday closes")).not_to_have_css("border-color", "rgb(180, 35, 24)")
    screenshot(office, "settings-week-refused")
    office.get_by_label("Saturday opens").fill("09:00")
    office.get_by_label("Saturday closes").fill("13:00")
    office.get_by_role("button", name="Save settings").click()
    expect(office.locator(".flash.success")).to_contain_text("Settings saved.")
    expect(office.get_by_label("Saturday closes")).to_have_value("13:00")
    expect(office.locator("#business-hours")).to_contain_text(re.compile(r"Sunday\s+closed"))
    screenshot(office, "settings-week")
