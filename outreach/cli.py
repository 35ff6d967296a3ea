"""The `outreach` command group (a Flask CLI group: `outreach db upgrade`, `outreach run`…)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup

from outreach import ROOT, create_app
from outreach.config import ConfigError, load_settings
from outreach.events.importer import CLI_HELP as IMPORT_HELP


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
    """Create a user; a password from standard input follows the web form's rule."""
    from outreach.auth.accounts import create_user
    from outreach.auth.users import check_password
    from outreach.errors import OutreachError

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    if password_stdin and not password:
        raise click.ClickException("no password on standard input")
    try:
        if password_stdin:
            check_password(password)
    except OutreachError as exc:
        raise click.ClickException(f"password: {exc.message}") from None
    try:
        user = create_user(email, role, name=name, phone=phone, password=password)
    except OutreachError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"created {user.role} {user.email} (id {user.id})")


@cli.command("create-token")
@click.argument("name")
def create_token_command(name) -> None:
    """Print a new API token once (only its hash is stored)."""
    from outreach.auth.accounts import create_token

    _, token = create_token(name)
    click.echo(token)


@cli.command("import-events", help=IMPORT_HELP, short_help="Import service events from a CSV.")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--verbose", "-v", is_flag=True, help="Also log every stored event.")
def import_events_command(file, verbose) -> None:
    """Import service events from a CSV file."""
    import contextlib

    from outreach.events.importer import UnusableFile, import_events, open_csv, quiet_row_logs

    try:
        source = open_csv(file)
        with (
            contextlib.nullcontext() if verbose else quiet_row_logs(),
            click.progressbar(length=source.rows, label="Importing", file=sys.stderr) as bar,
        ):
            report = import_events(source, progress=bar.update)
    except UnusableFile as exc:
        raise click.ClickException(f"{file}: {exc.message}") from None
    for rejection in report.rejections:
        click.echo(str(rejection))
    for warning in report.warnings:
        click.echo(str(warning))
    click.echo(report.summary())
    if report.aborted:
        raise click.ClickException(report.aborted)


@cli.command("rebuild-figures")
def rebuild_figures_command() -> None:
    """Recount the dashboard's sent/replied rollup and each customer's latest message time."""
    from outreach.customers import activity
    from outreach.scheduling import rollup

    buckets = rollup.rebuild()
    click.echo(f"check-in figures rebuilt: {buckets} 15-minute buckets")
    customers = activity.rebuild()
    click.echo(f"latest message time recounted for {customers} customers")


@cli.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo company, users, schedules, customers and events (safe to run twice)."""
    from outreach.dev.demo import login_lines, seed_demo
    from outreach.errors import OutreachError

    try:
        seed = seed_demo()
    except OutreachError as exc:
        raise click.ClickException(f"{exc.field or 'demo data'}: {exc.message}") from None
    click.echo(
        f"demo data: created {seed.users} users, {seed.policies} schedules, "
        f"{seed.events} events with {seed.checkins} check-ins"
    )
    click.echo("Demo logins:")
    for line in login_lines():
        click.echo(line)


@cli.command("dev")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to serve on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
def dev_command(host, port) -> None:
    """Run embedded Redis, the web app, the worker and the scheduler until Ctrl-C."""
    from flask import current_app

    from outreach.dev.server import run_dev

    sys.exit(run_dev(current_app._get_current_object(), host, port))


@cli.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
def worker_command(burst) -> None:
    """Run an RQ worker for the app's queues (SimpleWorker, one app per process)."""
    from flask import current_app

    from outreach.runtime.worker import run_worker

    run_worker(current_app._get_current_object(), burst=burst)


@cli.command("scheduler")
@click.option("--once", is_flag=True, help="Run one pass, then exit (1 if a step failed).")
def scheduler_command(once) -> None:
    """Move due check-ins into the queue every OUTREACH_SCHEDULER_INTERVAL seconds."""
    from outreach.dispatch.sweeper import run_scheduler

    sys.exit(run_scheduler(once=once))


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
