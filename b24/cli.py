"""``flask portals``: the portal registry from the command line."""

from __future__ import annotations

import click
from flask import Blueprint
from sqlalchemy import select

from b24 import lifecycle
from b24.errors import B24Error
from b24.lifecycle import portal_by_member
from b24.models import Portal
from database import db

cli = Blueprint("portals", __name__, cli_group="portals")
cli.cli.help = "Installed portals: list, show, check."


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


@cli.cli.command("list")
@click.option("--status", type=click.Choice(["new", "active", "uninstalled", "blocked"]), help="Only this status.")
def list_portals(status: str | None) -> None:
    """List every portal the app was installed on."""
    query = select(Portal).order_by(Portal.domain)
    if status:
        query = query.where(Portal.status == status)
    portals = db.session.execute(query).scalars().all()
    if not portals:
        click.echo("No portals yet.")
        return
    click.echo(f"{'MEMBER_ID':34} {'DOMAIN':40} {'STATUS':11} {'VER':>4} APP TOKEN        LAST SEEN")
    for p in portals:
        click.echo(
            f"{p.member_id:34} {p.domain[:40]:40} {p.status:11} {p.app_version or '-':>4} "
            f"{p.app_status or '-':3} {p.token_health:16} {_when(p.last_seen_at)}"
        )


@cli.cli.command("show")
@click.argument("member_id")
def show_portal(member_id: str) -> None:
    """Show one portal with its domain, version and lifecycle history."""
    portal = portal_by_member(member_id)
    if portal is None:
        raise click.ClickException(f"No portal with member_id {member_id}.")
    rows = [
        ("member_id", portal.member_id),
        ("domain", portal.domain),
        ("protocol", portal.protocol),
        ("REST endpoint", portal.client_endpoint or "-"),
        ("status", portal.status),
        ("app version", portal.app_version or "-"),
        ("app status", f"{portal.app_status or '-'} ({portal.app_status_name})"),
        ("licence", portal.license or "-"),
        ("scope", portal.scope or "-"),
        ("language", portal.language or "-"),
        ("installed", _when(portal.installed_at)),
        ("updated", _when(portal.updated_at)),
        ("uninstalled", _when(portal.uninstalled_at)),
        ("last seen", _when(portal.last_seen_at)),
        ("token", portal.token_health),
        ("token expires", _when(portal.token_expires_at)),
        ("token refreshed", _when(portal.token_refreshed_at)),
        ("token failure", f"{_when(portal.token_failed_at)} {portal.token_failure or ''}".strip()),
    ]
    for label, value in rows:
        click.echo(f"{label:16} {value}")
    click.echo("history:")
    for event in portal.history:
        change = " -> ".join(v for v in (event.old_value, event.new_value) if v)
        click.echo(f"  {_when(event.at)}  {event.kind:16} {change} {event.detail or ''}".rstrip())


@cli.cli.command("check")
@click.argument("member_id")
def check_portal(member_id: str) -> None:
    """Ask the portal for app.info with the stored token (refreshing it if expired) and record the answer."""
    portal = portal_by_member(member_id)
    if portal is None:
        raise click.ClickException(f"No portal with member_id {member_id}.")
    try:
        info = lifecycle.check_portal(portal)
    except B24Error as exc:
        db.session.commit()
        raise click.ClickException(exc.message) from None
    click.echo(f"{portal.domain}: version {info.get('VERSION')}, status {info.get('STATUS')}, "
               f"licence {info.get('LICENSE') or '-'}")
