"""``flask attachments export|import DIR``: copy the finished attachments out of the store and back (backups).

For the local folder rsync does the same (deploy/backup.sh uses it); for S3 this is the way the backup script
copies the bucket into a dated tree on the backup host. Stored files never change once written (random names),
so ``--link-dest`` hard-links a file the previous backup already holds instead of downloading it again.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext, ngettext

from tickets.storage import current_store

attachments_cli = AppGroup("attachments", help="Copy stored attachments out of the store and back (backups).")


@attachments_cli.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--link-dest", type=click.Path(file_okay=False), help="A previous export to hard-link files from.")
def export_command(directory: str, link_dest: str | None) -> None:
    """Write every finished attachment into DIRECTORY (created if needed)."""
    store = current_store()
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    copied = linked = 0
    for name in store.names():
        out = target / name
        size = store.size(name)
        if out.is_file() and out.stat().st_size == size:
            continue
        earlier = Path(link_dest, name) if link_dest else None
        if earlier is not None and earlier.is_file() and earlier.stat().st_size == size:
            os.link(earlier, out)
            linked += 1
            continue
        part = out.with_suffix(".part")
        with open(part, "wb") as sink:
            for data in store.chunks(name):
                sink.write(data)
        os.replace(part, out)
        copied += 1
    click.echo(gettext("%(exported)s, %(linked)s from %(earlier)s into %(directory)s",
                       exported=ngettext("exported %(num)s file(s)", "exported %(num)s file(s)", copied),
                       linked=ngettext("linked %(num)s", "linked %(num)s", linked), earlier=link_dest or "-",
                       directory=target))


@attachments_cli.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
def import_command(directory: str) -> None:
    """Put every file of DIRECTORY (an export) back into the store; files already there are kept."""
    store = current_store()
    present = set(store.names())
    restored = 0
    for path in sorted(Path(directory).iterdir()):
        if not (path.is_file() and path.name.isalnum()) or path.name in present:
            continue
        restored += _copy_in(store, path)
    click.echo(ngettext("imported %(num)s file(s) into the %(kind)s store",
                        "imported %(num)s file(s) into the %(kind)s store", restored, kind=store.kind))


def _copy_in(store, path: Path) -> int:
    # keep_file may move its argument (the local store renames): hand it a copy, never the backup itself.
    # Beside the local store (same filesystem, so its keep_file can rename); a name its listing ignores.
    folder = Path(current_app.config["ATTACHMENT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(suffix=".part", dir=folder)
    os.close(fd)
    try:
        shutil.copyfile(path, temp)
        if not store.keep_file(temp, path.name):
            os.unlink(temp)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return 1
