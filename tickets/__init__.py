"""The incident store: tickets, numbering, attachments and the operations on them."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    import tickets.counts  # noqa: F401  (open tickets per portal, kept by triggers)
    import tickets.models  # noqa: F401  (tables)
    import tickets.search  # noqa: F401  (the full-text index DDL)
    from tickets.filing import open_categories
    from tickets.media import poster_available
    from tickets.storage.cli import attachments_cli
    from tickets.sweeping import sweep_uploads_command
    from tickets.uploads import UploadRequest

    # Every request.form / request.files in the app streams uploads to disk under the attachment limits.
    app.request_class = UploadRequest
    app.cli.add_command(sweep_uploads_command)
    app.cli.add_command(attachments_cli)
    app.jinja_env.globals["poster_available"] = poster_available
    app.jinja_env.globals["open_categories"] = open_categories  # the Support form greys out the others
