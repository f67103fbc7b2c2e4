"""``flask releases``: tell staff about planned releases whose date passed (run it daily, e.g. from cron)."""

from __future__ import annotations

import click
from flask import Blueprint

from database import db
from releases import following

cli = Blueprint("releases_cli", __name__, cli_group="releases")
cli.cli.help = "Releases and known issues: overdue planned fixes."


@cli.cli.command("flag-overdue")
def flag_overdue_command() -> None:
    """Mail staff once about every open ticket whose planned release date passed with no release named."""
    flagged = following.flag_overdue()
    db.session.commit()
    for fix in flagged:
        click.echo(f"{fix.ticket.number}: planned {fix.planned_on.isoformat()}, no release yet")
    click.echo(f"{len(flagged)} flagged")
