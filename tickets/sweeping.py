"""``flask sweep-uploads``: delete what unfinished uploads left behind (run it hourly from cron or a timer)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import ngettext

from tickets.resumable import sweep_expired
from tickets.uploads import sweep_incoming


@click.command("sweep-uploads")
@click.option("--hours", default=24.0, show_default=True, help="Delete multipart temp parts older than this.")
@with_appcontext
def sweep_uploads_command(hours: float) -> None:
    """Delete multipart temp parts a killed worker left, and tus uploads past UPLOAD_EXPIRE_HOURS."""
    parts = sweep_incoming(hours * 3600)
    click.echo(ngettext("removed %(num)s unfinished upload part(s)", "removed %(num)s unfinished upload part(s)",
                        parts))
    expire = current_app.config["UPLOAD_EXPIRE_HOURS"]
    uploads = sweep_expired()
    click.echo(ngettext("removed %(num)s resumable upload(s) idle for more than %(hours)s hours",
                        "removed %(num)s resumable upload(s) idle for more than %(hours)s hours", uploads,
                        hours=expire))
