"""The `outreach` command group (a Flask CLI group: `outreach db upgrade`, `outreach run`…)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup

from outreach import ROOT, create_app
from outreach.config import ConfigError, load_settings


@click.group(cls=FlaskGroup, create_app=create_app)
def cli() -> None:
    """Outreach: check-ins after every service event, and follow-ups that get kept."""


@cli.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "manager", "rep"]), required=True)
@click.option("--name", default="")
@click.option("--phone", default=None, help="E.164 number for reminders and alerts.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email, role, name, phone, password_stdin) -> None:
    """Create a user."""
    from outreach.accounts import create_user
    from outreach.errors import OutreachError

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    if password_stdin and not password:
        raise click.ClickException("no password on standard input")
    try:
        user = create_user(email, role, name=name, phone=phone, password=password)
    except OutreachError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"created {user.role} {user.email} (id {user.id})")


@cli.command("create-token")
@click.argument("name")
def create_token_command(name) -> None:
    """Print a new API token once (only its hash is stored)."""
    from outreach.accounts import create_token

    _, token = create_token(name)
    click.echo(token)


def _instance_path() -> Path:
    return Path(os.environ.get("OUTREACH_INSTANCE_PATH") or ROOT / "instance")


def main() -> None:
    """Console-script entry: validate configuration first, with one clear line on failure."""
    try:
        load_settings(_instance_path())
    except ConfigError as exc:
        click.echo(f"outreach: configuration error: {exc}", err=True)
        sys.exit(2)
    cli(prog_name="outreach")
