"""One place renders errors for every blueprint: JSON for machine clients, the error page for people.

Each package says which of its paths machine clients call (``machine_paths``: the API, the event handler, the
tus endpoint, health); there, and for a client that prefers JSON, an error is ``{"error", "error_description",
...}``. Everyone else gets ``templates/error.html`` (or the template a handler names) in the request's language.
Packages register handlers for their own exceptions and answer them with ``error_response``; the API keeps its
own shape (api/errors.py) on its blueprint. The last resort (any HTTPException, any other exception) is here.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from database import db

log = logging.getLogger(__name__)
_EXTENSION = "errors.machine_paths"


def machine_paths(app: Flask, *prefixes: str) -> None:
    """Paths under these prefixes are called by programs: their errors are always JSON."""
    app.extensions.setdefault(_EXTENSION, set()).update(prefixes)


def wants_json() -> bool:
    """A machine path, or a client that prefers JSON to HTML."""
    if request.path.startswith(tuple(current_app.extensions.get(_EXTENSION, ()))):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, code: str, message: str, *, headers: list[tuple[str, str]] | None = None,
                   template: str = "error.html", **fields: object) -> Response:
    """The app's answer to a failed request: JSON (with ``fields``) or ``template`` with ``message``."""
    if wants_json():
        response = jsonify(error=code, error_description=message, **fields)
    else:
        page = render_template(template, status=status, message=message, lang=g.get("lang", "en"))
        response = Response(page, mimetype="text/html")
    response.status_code = status
    for name, value in headers or []:
        response.headers[name] = value
    return response


def retry_later(status: int, code: str, message: str, retry_after: int) -> Response:
    """A refusal the client may retry (503 outage, 429 limit): with ``retry_after`` and a Retry-After header."""
    return error_response(status, code, message, headers=[("Retry-After", str(retry_after))], retry_after=retry_after)


def _http_error(exc: HTTPException) -> Response:
    # Keep what the error says in its headers (Allow on 405, Retry-After on 429, Content-Range on 416).
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    code = (exc.name or "error").lower().replace(" ", "_")
    return error_response(exc.code or 500, code, exc.description or "", headers=headers)


def _server_error(_exc: Exception) -> Response:
    db.session.rollback()
    log.exception("unhandled error on %s", request.path)
    return error_response(500, "internal_error", gettext(
        "Something went wrong on our side. Nothing was lost; try again."))


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)
