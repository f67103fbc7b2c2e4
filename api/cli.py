"""``flask api``: create, list and revoke API bearer tokens."""

from __future__ import annotations

import click
from flask import Blueprint
from flask_babel import gettext

from api import tokens
from database import db
from staff.models import staff_by_email

cli = Blueprint("api_cli", __name__, cli_group="api")
cli.cli.help = "Bearer tokens for the JSON API: create, list, revoke."


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


@cli.cli.command("create-token")
@click.argument("name")
@click.option("--staff", "staff_email", default=None,
              help="Email of the staff account the token acts for (needed to answer and change status).")
def create_token(name: str, staff_email: str | None) -> None:
    """Create a bearer token and print it once; only its hash is stored."""
    staff = None
    if staff_email:
        staff = staff_by_email(staff_email)
        if staff is None:
            raise click.ClickException(gettext("No staff account %(email)s.", email=staff_email))
    try:
        token, plain = tokens.issue(name, staff)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(gettext("Token %(id)s (%(name)s) created. Copy it now, it is not shown again:", id=token.id,
                       name=token.name))
    click.echo(plain)


@cli.cli.command("list-tokens")
def list_tokens() -> None:
    """List tokens by id, name and prefix (never the token)."""
    rows = tokens.all_tokens()
    if not rows:
        click.echo(gettext("No API tokens yet."))
        return
    click.echo(f"{'ID':>4} {'NAME':24} {'PREFIX':14} {'STAFF':28} {'CREATED':16} {'LAST USED':16} REVOKED")
    for t in rows:
        click.echo(
            f"{t.id:>4} {t.name[:24]:24} {t.prefix + '…':14} {(t.staff.email if t.staff else '-')[:28]:28} "
            f"{_when(t.created_at):16} {_when(t.last_used_at):16} {_when(t.revoked_at)}"
        )


@cli.cli.command("revoke-token")
@click.argument("token_id", type=int)
def revoke_token(token_id: int) -> None:
    """Revoke a token by id; requests with it are refused from now on."""
    token = tokens.revoke(token_id)
    if token is None:
        raise click.ClickException(gettext("No API token with id %(id)s.", id=token_id))
    db.session.commit()
    click.echo(gettext("Token %(id)s (%(name)s) revoked.", id=token.id, name=token.name))
