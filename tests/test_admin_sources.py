"""/admin/settings/sources: admins add and edit event sources, preview a pasted sample payload
as the event it becomes, and see the secret once; managers and reps are refused; CSRF."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa
from web_helpers import isolated_client, make_user, sign_in

from outreach.events.presets import PRESETS
from outreach.events.sources import reveal_secret
from outreach.extensions import db
from outreach.models import EventSource, ServiceEvent

DATA = Path(__file__).parent / "data" / "sources"


def form(preset: str = "jobber", **overrides) -> dict:
    p = PRESETS[preset]
    data = {
        "name": "Jobber",
        "slug": "jobber",
        "secret": "",
        "signature_header": p.signature_header,
        "signature_encoding": p.signature_encoding,
        "timestamp_header": p.timestamp_header,
        "tolerance_seconds": "300",
        "is_active": "y",
        "mapping": json.dumps(p.mapping),
        "sample": (DATA / "jobber_job_completed.json").read_text(),
        "action": "save",
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin(app, db):
    client = isolated_client(app)
    sign_in(client, make_user("admin"))
    return client


def sources() -> list[EventSource]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(EventSource)))


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_managers_and_reps_are_refused(app, db):
    for role in ("manager", "rep"):
        client = isolated_client(app)
        sign_in(client, make_user(role))
        assert client.get("/admin/settings/sources").status_code == 403
        assert client.post("/admin/settings/sources/new", data=form()).status_code == 403
    assert sources() == []


def test_the_list_offers_the_shipped_presets(admin):
    page = text(admin.get("/admin/settings/sources"))
    assert "No sources yet" in page
    for preset in PRESETS.values():
        assert preset.label in page


def test_a_preset_fills_the_new_source_form(admin):
    page = text(admin.get("/admin/settings/sources/new?preset=zendesk"))
    assert 'value="X-Zendesk-Webhook-Signature"' in page
    assert 'value="X-Zendesk-Webhook-Signature-Timestamp"' in page
    assert "ticket.requester.phone" in page
    assert "https://outreach.test/hooks/zendesk" in page


def test_preview_shows_the_event_and_stores_nothing(admin):
    response = admin.post("/admin/settings/sources/new", data=form(action="preview"))

    assert response.status_code == 200
    page = text(response)
    assert "This payload becomes an event" in page
    shown = json.loads(re.search(r'<pre class="code">(.*?)</pre>', page, re.S).group(1))
    assert shown["external_id"] == "jobber:Z2lkOi8vSm9iYmVyL0pvYi85ODc2NTQz"
    assert shown["customer"]["name"] == "Katherine Johnson"
    assert shown["type"] == "job_completed"
    assert shown["customer"]["phone"] == "+12065550188"  # as it would be stored
    assert sources() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ServiceEvent)) == 0


def test_preview_shows_the_errors_per_field(admin):
    sample = json.loads((DATA / "jobber_job_completed.json").read_text())
    del sample["data"]["job"]["client"]["phones"]
    sample["data"]["job"]["client"]["firstName"] = ["K"]

    page = text(
        admin.post(
            "/admin/settings/sources/new",
            data=form(action="preview", sample=json.dumps(sample)),
        )
    )

    assert "<code>customer.phone</code></td><td>no value at data.job.client.phones.0" in page
    assert "<code>customer.name</code></td><td>data.job.client.firstName is a list" in page
    assert "becomes an event" not in page


def test_preview_names_a_bad_mapping_and_a_bad_sample(admin):
    page = text(
        admin.post(
            "/admin/settings/sources/new",
            data=form(action="preview", mapping='{"fields": {"colour": "x"}}', sample="{oops"),
        )
    )
    assert "<code>fields.colour</code></td><td>'colour' is not an event field" in page
    assert "<code>payload</code></td><td>the sample is not JSON" in page


def test_preview_says_when_a_payload_is_ignored(admin):
    page = text(
        admin.post(
            "/admin/settings/sources/new",
            data=form(action="preview", sample='{"event": "job.created"}'),
        )
    )
    assert "This payload is ignored: event does not match only_when" in page


def test_saving_a_new_source_shows_its_made_up_secret_once(admin):
    response = admin.post("/admin/settings/sources/new", data=form())

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    [source] = sources()
    secret = reveal_secret(source)
    assert secret and f'value="{secret}"' in text(response)
    again = admin.get(f"/admin/settings/sources/{source.id}")
    assert secret not in text(again)
    assert (
        source.mapping["fields"]["customer.name"]
        == PRESETS["jobber"].mapping["fields"]["customer.name"]
    )


def test_editing_keeps_the_secret_unless_a_new_one_is_given(admin):
    admin.post("/admin/settings/sources/new", data=form())
    [source] = sources()
    first = reveal_secret(source)

    kept = admin.post(f"/admin/settings/sources/{source.id}", data=form(name="Jobber (HVAC)"))
    assert kept.status_code == 303
    [source] = sources()
    assert (source.name, reveal_secret(source)) == ("Jobber (HVAC)", first)

    admin.post(
        f"/admin/settings/sources/{source.id}", data=form(secret="pasted-from-jobber-0123456789")
    )
    assert reveal_secret(sources()[0]) == "pasted-from-jobber-0123456789"
    assert "Jobber (HVAC)" in text(admin.get("/admin/settings/sources"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"slug": "Has Spaces"}, "lower-case letters, digits and dashes"),
        ({"mapping": "{}"}, "fields must be an object"),
        (
            {"mapping": '{"fields": {"type": "x"}}'},
            "every event needs a rule for each of: external_id, occurred_at, "
            "customer.external_id, customer.name, customer.phone",
        ),
        ({"signature_header": "X Bad"}, "an HTTP header name"),
        ({"tolerance_seconds": "99999"}, "between 10 and 3600 seconds"),
        ({"secret": "short"}, "16 to 200 characters"),
    ],
)
def test_a_bad_source_is_refused_with_the_reason_and_nothing_is_saved(admin, overrides, message):
    response = admin.post("/admin/settings/sources/new", data=form(**overrides))

    assert response.status_code == 422
    assert message in text(response)
    assert sources() == []


def test_a_second_source_at_the_same_address_is_refused(admin):
    admin.post("/admin/settings/sources/new", data=form())
    response = admin.post("/admin/settings/sources/new", data=form(name="Other"))
    assert response.status_code == 422
    assert "another source already uses /hooks/jobber" in text(response)
    assert len(sources()) == 1


def test_an_unknown_source_is_404(admin):
    assert admin.get("/admin/settings/sources/999").status_code == 404


def test_forms_need_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = isolated_client(app)
        sign_in(client, make_user("admin"))
        assert client.post("/admin/settings/sources/new", data=form()).status_code == 400
        preview = client.post("/admin/settings/sources/new", data=form(action="preview"))
        assert preview.status_code == 400
        page = client.get("/admin/settings/sources/new?preset=jobber").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        saved = client.post("/admin/settings/sources/new", data={**form(), "csrf_token": token})
        assert saved.status_code == 200
        assert len(sources()) == 1


def field_errors(response, name: str) -> list[str]:
    """The inline errors under one form field."""
    html = text(response)
    block = html[html.index(f'name="{name}"') :]
    block = block[: block.index("</div>")]
    return re.findall(r'<p class="error" role="alert">(.*?)</p>', block, re.S)


@pytest.mark.parametrize(
    ("mapping", "place"),
    [
        ('{"fields": {"type": {"const": "x"}}}', "fields.external_id"),
        ('{"fields": {"colour": "x"}}', "fields.colour"),
        ('{"fields": {}, "only_when": [{"path": "a", "matches": ".*"}]}', "only_when.0"),
    ],
)
def test_a_wrong_mapping_is_shown_under_the_mapping_naming_the_place(admin, mapping, place):
    response = admin.post("/admin/settings/sources/new", data=form(mapping=mapping))

    assert response.status_code == 422
    errors = field_errors(response, "mapping")
    assert len(errors) == 1 and errors[0].startswith(f"{place}: "), errors
    assert sources() == []
