"""A reply in words the classifier cannot read, in a real browser: the customer's automated
texts are paused, the manager's attention list says the words could not be read (not "reads
like stop"), and "Keep texting" lifts the pause."""

from __future__ import annotations

import sqlalchemy as sa
from browser_helpers import screenshot, sign_in
from playwright.sync_api import expect
from test_browser_alarm import CUSTOMER, customer_texts, rows, seed

from outreach.models import Customer, utcnow

# Tibetan, which no training reply has: "please don't send me messages"
TIBETAN = "ཁྱེད་ཀྱིས་ང་ལ་འཕྲིན་ཐུང་མ་གཏོང་རོགས།"


def test_a_reply_we_cannot_read_pauses_texts_until_the_manager_keeps_texting(
    live_server, new_page, fake_twilio
):
    now = utcnow()
    live = live_server(env=fake_twilio.env())
    people = seed(live.app, now)
    assert customer_texts(live.app, fake_twilio, TIBETAN, now)[0] == "needs_review"
    [(paused_at,)] = rows(live.app, sa.select(Customer.paused_at))
    assert paused_at is not None

    desk = new_page(viewport={"width": 1280, "height": 900})
    sign_in(desk, live.url, people["manager"])
    card = desk.locator("article.card").first
    expect(card).to_contain_text(CUSTOMER)
    expect(card.locator(".badge")).to_have_text("words we can't read — automated texts paused")
    expect(card).to_contain_text("The classifier cannot read these words")
    expect(card).to_contain_text(TIBETAN)
    screenshot(desk, "attention-unreadable-reply")

    card.get_by_role("button", name="Keep texting").click()
    expect(desk.locator("article.card", has_text=TIBETAN)).to_have_count(0)
    [(paused_at,)] = rows(live.app, sa.select(Customer.paused_at))
    assert paused_at is None
