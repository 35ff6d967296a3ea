"""`outreach create-user`: the same password rule as the admin form."""

from __future__ import annotations

import sqlalchemy as sa

from outreach.auth.users import PASSWORD_MIN
from outreach.cli import cli
from outreach.models import User


def _emails(db) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(User.email)))


def test_a_password_shorter_than_the_web_forms_minimum_is_refused_and_nobody_is_created(runner, db):
    for short in ("x", "y" * (PASSWORD_MIN - 1)):
        args = ["create-user", "a@example.com", "--role", "admin", "--password-stdin"]
        result = runner.invoke(cli, args, input=short)
        assert result.exit_code == 1
        assert f"password: use at least {PASSWORD_MIN} characters" in result.output
    assert _emails(db) == []


def test_a_long_enough_password_creates_the_user(runner, db):
    result = runner.invoke(
        cli,
        ["create-user", "a@example.com", "--role", "admin", "--password-stdin"],
        input="z" * PASSWORD_MIN + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "created admin a@example.com" in result.output
    assert _emails(db) == ["a@example.com"]
