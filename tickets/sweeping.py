"""``flask sweep-uploads``: delete what unfinished uploads left behind (run it hourly from cron or a timer)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from tickets.resumable import sweep_expired
from tickets.uploads import sweep_incoming


@click.command("sweep-uploads")
@click.option("--hours", default=24.0, show_default=True, help="Delete multipart temp parts older than this.")
@with_appcontext
def sweep_uploads_command(hours: float) -> None:
    """Delete multipart temp parts a killed worker left, and tus uploads past UPLOAD_EXPIRE_HOURS."""
    click.echo(f"removed {sweep_incoming(hours * 3600)} unfinished upload part(s)")
    expire = current_app.config["UPLOAD_EXPIRE_HOURS"]
    click.echo(f"removed {sweep_expired()} resumable upload(s) idle for more than {expire} hours")
