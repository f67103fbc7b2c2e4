"""The recorder window: a small top-level page of the app where the user records the error on screen.

The portal's iframe may not capture the screen (its ``allow=`` has no ``display-capture``, protocol §4), so the
form opens this page with ``window.open`` on the app's own origin. It carries a recorder token (a signed app
token for the form's portal, user and nonce, never a Bitrix24 token), records with getDisplayMedia and
MediaRecorder (static/js/recorder.js), uploads the recording over tus (placements/tus.py) and tells the form
in the iframe by postMessage to that exact origin, so nothing typed there is lost.
"""

from __future__ import annotations

from flask import Blueprint, Flask, g, render_template, request, url_for

from placements import frame_tokens
from placements.frame_tokens import RECORDER

bp = Blueprint("support_recorder", __name__, url_prefix="/placements/support/recorder")


@bp.after_request
def _private(response):
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["Referrer-Policy"] = "same-origin"  # the URL carries the token
    return response


@bp.get("")
def page():
    token = request.args.get("r")
    visitor = frame_tokens.read(token, RECORDER)
    return render_template(
        "placements/recorder.html", visitor=visitor, lang=g.lang,
        endpoint=url_for("support_uploads.create", r=token), recorder_token=token,
    )


def recorder_url(recorder_token: str) -> str:
    """The recorder window's address for a recorder token (``frame_tokens.issue_form`` gives it with its form's)."""
    return url_for("support_recorder.page", r=recorder_token)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
