"""Policy validation (the one used by the API and the admin form), CRUD and JSON."""

import pytest

from outreach.company.templating import TemplateRenderError, render_message, validate_template
from outreach.errors import Conflict, NotFound, ValidationError
from outreach.models import Policy
from outreach.scheduling.policies import (
    create_policy,
    delete_policy,
    get_policy,
    list_policies,
    policy_to_json,
    update_policy,
    validate_policy,
)

SMS = {
    "name": "Evening-after text",
    "event_type": "install",
    "channel": "sms",
    "delay": "PT20H",
    "window": {"start": "09:00", "end": "19:00", "days": ["mon", "tue", "wed", "thu", "fri"]},
    "template": "Hi {{ customer.first_name }}, how is the new {{ event.type }}?",
    "expire_after": "P3D",
    "frequency_cap": "P1D",
}


def rep_call(**extra):
    return {
        "name": "Rep calls",
        "event_type": "install",
        "channel": "rep_call",
        "delay": "PT4H",
        "template": "Call {{ customer.name }}",
        "deadline": "P1D",
        **extra,
    }


def field_of(data, **kwargs):
    with pytest.raises(ValidationError) as info:
        validate_policy(data, **kwargs)
    return info.value.field


def test_valid_policy_gives_column_values_with_canonical_durations():
    values = validate_policy({**SMS, "delay": "pt1200m", "expire_after": "P1W"})
    assert values["delay"] == "PT20H"
    assert values["expire_after"] == "P7D"
    assert values["window_start"] == "09:00"
    assert values["window_days"] == "mon,tue,wed,thu,fri"
    assert values["is_active"] is True
    assert values["skip_if_answered"] is False
    assert values["deadline"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": 5}, "name"),
        ({"event_type": "x" * 65}, "event_type"),
        ({"channel": "fax"}, "channel"),
        ({"channel": "email"}, "subject"),
        ({"subject": "How did it go?"}, "subject"),
        ({"delay": "P1M"}, "delay"),
        ({"delay": None}, "delay"),
        ({"delay": "tomorrow"}, "delay"),
        ({"window": {"start": "25:00", "end": "19:00"}}, "window.start"),
        ({"window": {"start": "09:00", "end": "08:00"}}, "window.end"),
        ({"window": {"start": "09:00", "end": "17:00", "days": ["mon", "xyz"]}}, "window.days"),
        ({"window": {"start": "09:00", "end": "17:00", "tz": "UTC"}}, "window.tz"),
        ({"window": "9-5"}, "window"),
        ({"window": {"start": "21:30", "end": "23:00"}}, "window"),
        ({"template": "Hi {{ customer.name"}, "template"),
        ({"template": "{% for x in %}"}, "template"),
        ({"template": ""}, "template"),
        ({"expire_after": "PT10H"}, "expire_after"),
        ({"expire_after": "PT0S"}, "expire_after"),
        ({"frequency_cap": "P1Y"}, "frequency_cap"),
        ({"deadline": "P1D"}, "deadline"),
        ({"skip_if_answered": "yes"}, "skip_if_answered"),
        ({"active": 1}, "active"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_each_bad_field_is_named(change, field):
    assert field_of({**SMS, **change}) == field


def test_required_fields_are_named():
    for key in ("name", "event_type", "channel", "delay", "template"):
        data = {k: v for k, v in SMS.items() if k != key}
        assert field_of(data) == key


def test_not_an_object_is_refused():
    with pytest.raises(ValidationError, match="JSON object"):
        validate_policy(["not", "a", "dict"])


def test_template_error_message_carries_the_line():
    with pytest.raises(ValidationError) as info:
        validate_policy({**SMS, "template": "Hello\n{{ customer.name "})
    assert "line 2" in info.value.message


def test_read_only_fields_are_ignored_so_a_get_can_be_put_back(app):
    policy = create_policy(SMS)
    body = policy_to_json(policy)
    again = update_policy(policy.id, body)
    assert policy_to_json(again) | {"updated_at": None} == body | {"updated_at": None}


def test_fallback_rules(app):
    sms = create_policy(SMS)
    call = create_policy(rep_call(fallback_policy_id=sms.id))
    assert call.fallback_policy_id == sms.id
    assert field_of(rep_call(fallback_policy_id=call.id)) == "fallback_policy_id"  # a rep_call
    assert field_of(rep_call(fallback_policy_id=sms.id, deadline=None)) == "deadline"
    assert field_of({**SMS, "fallback_policy_id": sms.id}) == "fallback_policy_id"  # not rep_call
    assert field_of(rep_call(fallback_policy_id=call.id), policy_id=call.id) == (
        "fallback_policy_id"
    )
    assert field_of(rep_call(fallback_policy_id=True)) == "fallback_policy_id"
    assert field_of(rep_call(fallback_policy_id=999)) == "fallback_policy_id"  # no such policy


def test_a_fallback_cannot_become_a_rep_call_nor_be_deleted(app):
    sms = create_policy(SMS)
    create_policy(rep_call(fallback_policy_id=sms.id))
    with pytest.raises(ValidationError) as info:
        update_policy(sms.id, {**SMS, "channel": "rep_call"})
    assert info.value.field == "channel"
    with pytest.raises(Conflict):
        delete_policy(sms.id)


def test_create_get_list(app, db):
    first = create_policy(SMS)
    second = create_policy({**SMS, "name": "Week later", "event_type": "repair"})
    assert get_policy(first.id).name == "Evening-after text"
    assert [p.id for p in list_policies()] == [first.id, second.id]
    assert [p.id for p in list_policies(event_type="repair")] == [second.id]
    assert db.session.get(Policy, first.id).window_end == "19:00"


def test_update_is_a_full_replace(app):
    policy = create_policy({**SMS, "skip_if_answered": True})
    updated = update_policy(
        policy.id, {k: v for k, v in SMS.items() if k not in ("window", "frequency_cap")}
    )
    assert updated.window_start is None
    assert updated.frequency_cap is None
    assert updated.skip_if_answered is False


def test_bad_update_changes_nothing(app, db):
    policy = create_policy(SMS)
    with pytest.raises(ValidationError):
        update_policy(policy.id, {**SMS, "name": "New", "delay": "P1M"})
    db.session.expire_all()
    assert get_policy(policy.id).name == "Evening-after text"


def test_delete_is_soft(app, db):
    policy = create_policy(SMS)
    delete_policy(policy.id)
    db.session.expire_all()
    row = db.session.get(Policy, policy.id)
    assert row.is_deleted and not row.is_active
    with pytest.raises(NotFound):
        get_policy(policy.id)
    with pytest.raises(NotFound):
        update_policy(policy.id, SMS)
    assert list_policies() == []
    assert [p.id for p in list_policies(include_deleted=True)] == [policy.id]


def test_json_shape(app):
    policy = create_policy({**SMS, "window": None, "expire_after": "P1W"})
    body = policy_to_json(policy)
    assert body["window"] is None
    assert body["expire_after"] == "P7D"
    assert body["active"] is True
    assert body["created_at"].endswith("+00:00")
    assert set(body) == {
        "id",
        "name",
        "event_type",
        "channel",
        "delay",
        "window",
        "template",
        "subject",
        "expire_after",
        "frequency_cap",
        "deadline",
        "fallback_policy_id",
        "skip_if_answered",
        "active",
        "created_at",
        "updated_at",
    }
    with_window = policy_to_json(create_policy(SMS))
    assert with_window["window"] == SMS["window"]


# -- templates


def test_template_sees_simple_objects_and_missing_attributes_render_empty():
    customer = {"name": "Pat  Smith", "phone": "+13125550100"}
    text = render_message(
        "Hi {{ customer.first_name }}{{ customer.phone }}{{ customer.no.such }}, "
        "{{ rep.first_name }} at {{ company.name }}.",
        customer,
        {"name": "Sam Rep"},
        {"type": "install"},
        "Acme",
    )
    assert text == "Hi Pat, Sam at Acme."


def test_event_local_date_is_in_the_customer_zone():
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    event = {"type": "install", "occurred_at": datetime(2026, 3, 10, 3, 0, tzinfo=UTC)}
    text = render_message(
        "{{ event.weekday }} {{ event.local_date }}",
        None,
        None,
        event,
        None,
        ZoneInfo("America/Chicago"),
    )
    assert text == "Monday March 9"


@pytest.mark.parametrize(
    "src",
    [
        "{{ 1 / 0 }}",
        "{{ 'x' * 100000 }}",
        "{{ 9 ** 999999 }}",
        "{{ '%99999999s' % 'a' }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}x{{ [].pop() }}",
        "{% for i in range(1000) %}{{ customer.name }} and more text{% endfor %}",
        "{{ customer.name",
        "   ",
    ],
)
def test_bad_templates_raise_a_render_error_not_a_crash(src):
    with pytest.raises(TemplateRenderError):
        render_message(src, {"name": "Pat"}, None, None, None)


def test_sandbox_hides_internals():
    text = render_message(
        "{{ customer.__class__.__init__.__globals__ }}{{ customer._asdict }}ok",
        {"name": "Pat"},
        None,
        None,
        None,
    )
    assert text == "ok"
    with pytest.raises(TemplateRenderError):
        render_message("{{ 'a'.format('b') }}", None, None, None, None)
    with pytest.raises(ValueError, match="sample data"):
        validate_template("{{ 'a'.format('b') }}")
