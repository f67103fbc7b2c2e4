"""``flask portals``: the portal registry from the command line."""

from __future__ import annotations

import click
from flask import Blueprint, current_app
from flask_babel import gettext, ngettext
from sqlalchemy import select

from b24 import bindings, lifecycle
from b24.calls import prune_calls, recent_calls
from b24.errors import B24Error
from b24.lifecycle import portal_by_member
from b24.models import Portal
from b24.renewal import renew_old_tokens
from b24.tokens import client_for
from database import db

cli = Blueprint("portals", __name__, cli_group="portals")
cli.cli.help = "Installed portals: list, show, check, bind, renew tokens, the REST call log."


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
        click.echo(gettext("No portals yet."))
        return
    click.echo(f"{'MEMBER_ID':34} {'DOMAIN':40} {'STATUS':11} {'VER':>4} APP TOKEN        AGE  STANDING   LAST SEEN")
    for p in portals:
        age = "-" if p.token_age_days is None else f"{p.token_age_days}d"
        click.echo(
            f"{p.member_id:34} {p.domain[:40]:40} {p.status:11} {p.app_version or '-':>4} "
            f"{p.app_status or '-':3} {p.token_health:16} {age:>4} {p.standing:10} {_when(p.last_seen_at)}"
        )


@cli.cli.command("show")
@click.argument("member_id")
def show_portal(member_id: str) -> None:
    """Show one portal with its domain, version and lifecycle history."""
    portal = portal_by_member(member_id)
    if portal is None:
        raise click.ClickException(gettext("No portal with member_id %(member_id)s.", member_id=member_id))
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
        ("token age", "-" if portal.token_age_days is None else f"{portal.token_age_days} days"),
        ("payment", f"expired {portal.payment_expired or '-'}, days {_or_dash(portal.payment_days)}"),
        ("standing", portal.standing + (f" since {_when(portal.unpaid_at or portal.overloaded_at)}"
                                        if portal.standing != "ok" else "")),
        ("bound", ", ".join(portal.placements_bound or []) or "-"),
        ("refused", ", ".join(f"{k} ({v})" for k, v in sorted((portal.placements_refused or {}).items())) or "-"),
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
        raise click.ClickException(gettext("No portal with member_id %(member_id)s.", member_id=member_id))
    try:
        info = lifecycle.check_portal(portal)
    except B24Error as exc:
        db.session.commit()
        raise click.ClickException(exc.message) from None
    click.echo(gettext("%(domain)s: version %(version)s, status %(status)s, licence %(licence)s",
                       domain=portal.domain, version=info.get("VERSION"), status=info.get("STATUS"),
                       licence=info.get("LICENSE") or "-"))


def _or_dash(value) -> str:
    return "-" if value is None else str(value)


@cli.cli.command("bind")
@click.argument("member_id")
def bind_portal(member_id: str) -> None:
    """Bind the Support placements and lifecycle events again with the stored token; say what was refused."""
    portal = portal_by_member(member_id)
    if portal is None:
        raise click.ClickException(gettext("No portal with member_id %(member_id)s.", member_id=member_id))
    try:
        outcome = bindings.rebind(portal, client_for(portal), by="flask portals bind")
    except B24Error as exc:
        db.session.commit()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    if outcome.bound:
        click.echo(gettext("%(domain)s: bound %(placements)s", domain=portal.domain,
                           placements=", ".join(outcome.bound)))
    else:
        click.echo(gettext("%(domain)s: bound nothing", domain=portal.domain))
    for key, code in sorted(outcome.refused.items()):
        click.echo("  " + gettext("refused %(placement)s: %(code)s", placement=key, code=code))


@cli.cli.command("renew")
@click.option("--older-than", "older_than", type=click.IntRange(min=0), default=None,
              help="Refresh tokens not refreshed for this many days (default: TOKEN_RENEW_DAYS, 30).")
def renew_tokens(older_than: int | None) -> None:
    """Refresh the tokens of idle portals so none reaches the refresh token's 180-day end; prune the REST log."""
    days = older_than if older_than is not None else current_app.config["TOKEN_RENEW_DAYS"]
    report = renew_old_tokens(days)
    pruned = prune_calls()
    for member_id in report.renewed:
        click.echo(gettext("renewed %(member_id)s", member_id=member_id))
    for member_id, reason in report.failed.items():
        click.echo(gettext("failed %(member_id)s: %(reason)s", member_id=member_id, reason=reason))
    click.echo(gettext(
        "%(renewed)s, %(fresh)s, %(failed)s; %(pruned)s.",
        renewed=ngettext("%(num)s renewed", "%(num)s renewed", len(report.renewed)),
        fresh=ngettext("%(num)s already fresh", "%(num)s already fresh", len(report.skipped)),
        failed=ngettext("%(num)s failed", "%(num)s failed", len(report.failed)),
        pruned=ngettext("%(num)s old REST log rows pruned", "%(num)s old REST log rows pruned", pruned),
    ))


@cli.cli.command("calls")
@click.argument("member_id")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
def list_calls(member_id: str, limit: int) -> None:
    """The portal's latest REST calls: time, method, HTTP status, error code, duration (never a token)."""
    portal = portal_by_member(member_id)
    if portal is None:
        raise click.ClickException(gettext("No portal with member_id %(member_id)s.", member_id=member_id))
    calls = recent_calls(portal.id, limit)
    if not calls:
        click.echo(gettext("No REST calls logged."))
        return
    click.echo(f"{'TIME':19} {'METHOD':48} {'HTTP':>4} {'MS':>6} ERROR")
    for call in calls:
        click.echo(f"{call.at:%Y-%m-%d %H:%M:%S} {call.method[:48]:48} {_or_dash(call.http_status):>4} "
                   f"{call.duration_ms:>6} {call.error_code or ''}".rstrip())
