"""``flask delivery``: run the worker, retry what gave up, list the outbox."""

from __future__ import annotations

import signal
import threading

import click
from flask import Blueprint
from flask_babel import gettext, ngettext

from delivery import operations, worker
from delivery.models import MESSAGE_STATES

cli = Blueprint("delivery", __name__, cli_group="delivery")
cli.cli.help = "The outbox: run the worker, list and retry messages."


@cli.cli.command("run")
@click.option("--once", is_flag=True, help="One pass over what is due now, then exit.")
@click.option("--worker-name", default=None, help="Name recorded on claims and attempts (default host:pid).")
@click.option("--batch", type=int, default=None, help="Messages claimed at a time (default DELIVERY_BATCH).")
def run_worker(once: bool, worker_name: str | None, batch: int | None) -> None:
    """Send queued messages with retries; several workers may run at once."""
    stop = threading.Event()
    # SIGTERM/SIGINT: finish the message in hand, give back the rest of the batch, exit.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    name = worker_name or worker.default_worker_name()
    if once:
        click.echo(gettext("delivery worker %(name)s started (one pass)", name=name))
    else:
        click.echo(gettext("delivery worker %(name)s started", name=name))
    counts = worker.run(worker=name, batch=batch, once=once, stop=stop)
    click.echo(gettext("sent %(sent)s, waiting for retry %(pending)s, dead %(dead)s, recovered from stopped "
                       "workers %(reaped)s", **counts))


@cli.cli.command("retry")
@click.argument("message_id", type=int, required=False)
@click.option("--all-dead", is_flag=True, help="Retry every dead message.")
def retry(message_id: int | None, all_dead: bool) -> None:
    """Put a dead message (or all of them) back in line with a fresh set of attempts."""
    if all_dead == (message_id is not None):
        raise click.UsageError(gettext("Give a message ID or --all-dead."))
    if all_dead:
        count = operations.retry_dead()
        click.echo(ngettext("%(num)s dead message(s) queued again.", "%(num)s dead message(s) queued again.", count))
        return
    if not operations.retry(message_id):
        raise click.ClickException(gettext("No dead or waiting message with id %(id)s.", id=message_id))
    click.echo(gettext("Message %(id)s queued again.", id=message_id))


@cli.cli.command("list")
@click.option("--state", type=click.Choice(MESSAGE_STATES), help="Only messages in this state.")
@click.option("--limit", type=int, default=200, show_default=True)
def list_messages(state: str | None, limit: int) -> None:
    """List outbox messages, newest first."""
    rows = operations.messages(state, limit)
    if not rows:
        click.echo(gettext("No %(state)s messages.", state=state) if state else gettext("The outbox is empty."))
        return
    click.echo(f"{'ID':>6} {'STATE':8} {'CHANNEL':9} {'EVENT':15} {'TRIES':>5} {'TICKET':16} {'TO':28} LAST ERROR")
    for m in rows:
        number = (m.payload or {}).get("ticket", {}).get("number", "-")
        click.echo(f"{m.id:>6} {m.state:8} {m.channel:9} {m.event:15} {m.attempts:>5} {number[:16]:16} "
                   f"{(m.recipient or '-')[:28]:28} {(m.last_error or '')[:80]}")
