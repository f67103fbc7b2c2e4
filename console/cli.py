"""``flask console``: staff accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask import Blueprint
from flask_babel import gettext

from console.staff import StaffError, create_user
from database import db

cli = Blueprint("console_cli", __name__, cli_group="console")
cli.cli.help = "Staff accounts for the developer console."


def _password(password: str | None, from_stdin: bool) -> str:
    """The password from --password, from the first line of stdin, or asked for on a terminal."""
    if password is not None and from_stdin:
        raise click.UsageError(gettext("Give either --password or --password-stdin, not both."))
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise click.UsageError(gettext("No password: give --password PASSWORD or --password-stdin (e.g. from a pipe)."))
    return click.prompt(gettext("Password"), hide_input=True, confirmation_prompt=True)


@cli.cli.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="The person's name as the console shows it.")
@click.option("--password", default=None,
              help="The password (at least 10 characters). Without it and --password-stdin, it is asked for "
                   "(hidden, twice) on a terminal.")
@click.option("--password-stdin", "password_stdin", is_flag=True,
              help="Read the password from the first line of standard input (scripts: no password in argv).")
@click.option("--vulnerabilities", is_flag=True, help="May see vulnerability reports.")
@click.option("--admin", is_flag=True, help="Role admin rather than staff.")
def create_user_command(email: str, name: str, password: str | None, password_stdin: bool, vulnerabilities: bool,
                        admin: bool) -> None:
    """Create a staff account that can sign in to /console.

    \b
    flask console create-user dana@vendor.uz --name "Dana Dev" --password 'long enough secret'
    echo 'long enough secret' | flask console create-user dana@vendor.uz --name "Dana Dev" --password-stdin
    """
    try:
        user = create_user(email, name, _password(password, password_stdin), can_see_vulnerabilities=vulnerabilities,
                           role="admin" if admin else "staff")
    except StaffError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    if vulnerabilities:
        click.echo(gettext("Created staff account %(email)s (may see vulnerability reports)", email=user.email))
    else:
        click.echo(gettext("Created staff account %(email)s", email=user.email))
