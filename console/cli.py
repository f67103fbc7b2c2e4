"""``flask console``: staff accounts from the command line."""

from __future__ import annotations

import click
from flask import Blueprint

from console.staff import StaffError, create_user
from database import db

cli = Blueprint("console_cli", __name__, cli_group="console")
cli.cli.help = "Staff accounts for the developer console."


@cli.cli.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="The person's name as the console shows it.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for (hidden, twice) when not given.")
@click.option("--vulnerabilities", is_flag=True, help="May see vulnerability reports.")
@click.option("--admin", is_flag=True, help="Role admin rather than staff.")
def create_user_command(email: str, name: str, password: str, vulnerabilities: bool, admin: bool) -> None:
    """Create a staff account that can sign in to /console."""
    try:
        user = create_user(email, name, password, can_see_vulnerabilities=vulnerabilities,
                           role="admin" if admin else "staff")
    except StaffError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Created staff account {user.email}" + (" (may see vulnerability reports)" if vulnerabilities else ""))
