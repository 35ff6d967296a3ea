"""The factory, configuration validation and the health check."""

import subprocess
import sys

import pytest

from outreach.config import ConfigError, load_settings


def test_healthz_reports_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_healthz_is_503_when_redis_is_unreachable(make_app):
    app = make_app({"REDIS_URL": "redis://127.0.0.1:1/0"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["redis"].startswith("error")
    assert response.json["checks"]["database"] == "ok"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://localhost"}, "REDIS_URL"),
        ({"PUBLIC_BASE_URL": "ftp://x"}, "PUBLIC_BASE_URL"),
        ({"OUTREACH_TRANSPORT": "pigeon"}, "OUTREACH_TRANSPORT"),
        ({"TWILIO_ACCOUNT_SID": "AC123"}, "TWILIO_AUTH_TOKEN"),
        ({"TWILIO_ACCOUNT_SID": "XX1", "TWILIO_AUTH_TOKEN": "t"}, "TWILIO_ACCOUNT_SID"),
        (
            {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "OUTREACH_TRANSPORT": "twilio"},
            "TWILIO_FROM_NUMBER",
        ),
        ({"TWILIO_FROM_NUMBER": "12"}, "TWILIO_FROM_NUMBER"),
        ({"OUTREACH_SEND_RATE": "-3"}, "OUTREACH_SEND_RATE"),
    ],
)
def test_bad_configuration_names_the_variable(tmp_path, env, variable):
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, env={"SECRET_KEY": "x", **env})
    assert info.value.variable == variable
    assert str(info.value).startswith(variable + ":")


def test_cli_stops_with_one_line_on_bad_configuration(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "outreach", "--help"],
        env={"OUTREACH_INSTANCE_PATH": str(tmp_path), "REDIS_URL": "http://nope", "PATH": ""},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "outreach: configuration error: REDIS_URL: expected a URL starting with redis or rediss"
        " or unix://"
    ]


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = load_settings(tmp_path, env={})
    second = load_settings(tmp_path, env={})
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_unknown_page_is_a_json_404_under_the_api(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_the_icon_is_served_to_anyone_from_memory_and_every_page_links_it(client):
    icon = client.get("/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.data.startswith(b"<svg")
    assert 'href="/favicon.svg"' in client.get("/login").get_data(as_text=True)
