"""Follow-ups in a real browser at desktop size: a manager reads what the customer asked and
what was already texted, gives the follow-up to a colleague and adds a note."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from browser_helpers import screenshot, sign_in
from playwright.sync_api import expect
from web_helpers import make_customer, make_followup, make_reply, make_user, now

from outreach.extensions import db
from outreach.messaging.texts import queue_text

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
CHICAGO = ZoneInfo("America/Chicago")


def _tomorrow_noon_in_chicago() -> datetime:
    """Due tomorrow for Kim at any hour the test runs (now + 20 hours is later today when it
    runs just after midnight in Chicago, and the card is then not under Coming up)."""
    today = now().astimezone(CHICAGO).date()
    return datetime.combine(today + timedelta(days=1), time(12), CHICAGO)


def seed(app) -> dict:
    with app.app_context():
        manager = make_user("manager", name="Morgan Manager", timezone="America/Chicago")
        sam = make_user("rep", name="Sam Rivera")
        kim = make_user("rep", name="Kim Park", timezone="America/Chicago")
        dana = make_customer(name="Dana O'Neil", zone="America/New_York")
        reply = make_reply(dana, "Is the warranty still good if I move the unit?", "question")
        reply.created_at = now() - timedelta(hours=3)
        followup = make_followup(
            sam,
            dana,
            _tomorrow_noon_in_chicago(),
            reply_id=reply.id,
            title="Question: question: '?'",
            promise="Sam Rivera will get back to you by tomorrow 5 pm",
            created_at=now() - timedelta(hours=3),
        )
        ack = queue_text(
            dana.phone,
            "Thanks Dana, Sam will get back to you by tomorrow 5 pm.",
            "acknowledgement",
            customer_id=dana.id,
            now=now() - timedelta(hours=3),
        )
        ack.status = "delivered"
        db.session.commit()
        return {"manager": manager.email, "kim": kim.email, "followup": followup.id}


def test_a_manager_reassigns_and_adds_a_note(live_server, new_page):
    live = live_server()
    ids = seed(live.app)
    page = new_page(**DESKTOP)
    sign_in(page, live.url, ids["manager"])
    page.goto(f"{live.url}/admin/followups")
    card = page.locator(f"#followup-{ids['followup']}")
    expect(card.get_by_text("“Is the warranty still good if I move the unit?”")).to_be_visible()
    expect(card.get_by_text("Thanks Dana, Sam will get back to you")).to_be_visible()
    expect(card.get_by_text("question: '?'")).to_have_count(0)

    card.locator("summary", has_text="Reassign").click()
    card.get_by_label("Give it to").select_option(label="Kim Park")
    card.get_by_role("button", name="Reassign").click()
    expect(page.get_by_text("Follow-up for Dana O'Neil: reassigned.")).to_be_visible()
    card = page.locator(f"#followup-{ids['followup']}")
    expect(card.get_by_text("from Sam Rivera to Kim Park")).to_be_visible()

    card.locator("summary", has_text="Add a note").click()
    card.get_by_label("Note").fill("Called Dana: the move is covered, sending the form.")
    card.get_by_role("button", name="Add note").click()
    expect(page.get_by_text("Follow-up for Dana O'Neil: note added.")).to_be_visible()
    card = page.locator(f"#followup-{ids['followup']}")
    expect(card.get_by_text("Called Dana: the move is covered")).to_be_visible()
    expect(card.locator("small.muted", has_text="Due ")).to_contain_text("Kim Park")
    expect(card.get_by_text("Notes and changes")).to_be_visible()
    screenshot(page, "followups-reassigned-noted-desktop")

    rep = new_page(**DESKTOP)
    sign_in(rep, live.url, ids["kim"])
    rep.goto(f"{live.url}/rep")
    rep.locator("#coming-up").click()  # due tomorrow: a short row under Coming up, opened
    rep.locator(f"#followup-{ids['followup']}").get_by_role("link", name="Dana O'Neil").click()
    card = rep.locator(f"article#followup-{ids['followup']}")
    expect(card.get_by_text("“Is the warranty still good if I move the unit?”")).to_be_visible()
    expect(card.get_by_text("Thanks Dana, Sam will get back to you")).to_be_visible()
    card.locator("summary", has_text="Notes and changes").click()
    expect(card.get_by_text("Called Dana: the move is covered")).to_be_visible()
    screenshot(rep, "followups-rep-card-desktop")
