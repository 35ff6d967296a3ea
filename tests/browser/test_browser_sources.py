"""Event sources in a real browser: an admin starts from the Zendesk preset, pastes a sample
payload and previews the event (then a broken one, with its errors per field), saves, copies the
secret shown once, and a webhook signed with it is accepted by the live server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from browser_helpers import screenshot, sign_in
from playwright.sync_api import expect
from web_helpers import make_user

from outreach.models import utcnow

SAMPLE = Path(__file__).parent.parent / "data" / "sources" / "zendesk_ticket_solved.json"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True}


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_an_admin_previews_a_sample_payload_and_connects_zendesk(live_server, new_page, size):
    live = live_server()
    with live.app.app_context():
        email = make_user("admin", name="Ada Admin").email
    page = new_page(**(DESKTOP if size == "desktop" else PHONE))
    sign_in(page, live.url, email)

    page.goto(f"{live.url}/admin/settings/sources")
    page.get_by_role("link", name="Helpdesk: ticket solved (Zendesk trigger webhook)").click()
    expect(page.get_by_label("Signature header")).to_have_value("X-Zendesk-Webhook-Signature")
    page.get_by_label("Sample payload (not stored)").fill(SAMPLE.read_text())
    page.get_by_role("button", name="Preview the event").click()

    preview = page.locator("#preview")
    expect(preview).to_contain_text("This payload becomes an event")
    expect(preview).to_contain_text('"external_id": "zendesk:35436"')
    expect(preview).to_contain_text('"name": "Grace Hopper"')
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    preview.scroll_into_view_if_needed()
    screenshot(page, f"sources-preview-{size}")

    broken = json.loads(SAMPLE.read_text())
    del broken["ticket"]["requester"]["phone"], broken["ticket"]["via"]
    page.get_by_label("Sample payload (not stored)").fill(json.dumps(broken))
    page.get_by_role("button", name="Preview the event").click()
    expect(preview.locator("tr.has-error")).to_have_count(1)
    expect(preview).to_contain_text("customer.phone")
    expect(preview).to_contain_text("no value at ticket.requester.phone or ticket.via.from.phone")
    preview.scroll_into_view_if_needed()
    screenshot(page, f"sources-preview-errors-{size}")

    page.get_by_role("button", name="Save source").click()
    secret = page.locator('input[aria-label="Signing secret"]').input_value()
    assert len(secret) >= 32
    screenshot(page, f"sources-saved-{size}")

    body = SAMPLE.read_bytes().replace(b"2024-05-02T14:03:10Z", _iso(-1).encode())
    stamp = _iso(0)
    signature = base64.b64encode(
        hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
    ).decode()
    headers = {
        "Content-Type": "application/json",
        "X-Zendesk-Webhook-Signature": signature,
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
    }
    answer = requests.post(f"{live.url}/hooks/zendesk", data=body, headers=headers, timeout=10)
    assert answer.status_code == 201, answer.text
    forged = requests.post(
        f"{live.url}/hooks/zendesk", data=body + b" ", headers=headers, timeout=10
    )
    assert forged.status_code == 403

    page.goto(f"{live.url}/admin/settings/sources")
    row = page.locator("tr", has_text="Helpdesk: ticket solved")
    expect(row).to_contain_text("1")
    expect(row).not_to_contain_text("never")


def _iso(hours: int) -> str:
    return (utcnow() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
