"""``flask releases``: tell staff about planned releases whose date passed (run it daily, e.g. from cron)."""

from __future__ import annotations

import click
from flask import Blueprint
from flask_babel import gettext, ngettext

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
        click.echo(gettext("%(number)s: planned %(date)s, no release yet", number=fix.ticket.number,
                           date=fix.planned_on.isoformat()))
    click.echo(ngettext("%(num)s flagged", "%(num)s flagged", len(flagged)))
