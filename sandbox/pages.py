"""The sandbox's own pages: a list of portals, a portal that frames the app as Bitrix24 does, and the mail caught."""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from i18n import LANGUAGES, pick_language
from sandbox import mailbox, platform
from sandbox.state import SandboxPortal, SandboxState

bp = Blueprint("sandbox", __name__, template_folder="../templates")


def _state() -> SandboxState:
    return current_app.extensions["sandbox"]


def _portal(slug: str) -> SandboxPortal:
    portal = _state().by_slug(slug)
    if portal is None:
        abort(404, "No such sandbox portal.")
    return portal


# What each control did, said on the page it lands on (a flash line; ?done= keeps it stateless).
DONE = ("created", "installed", "expire", "revoke", "rename", "update", "uninstall")


@bp.before_request
def _language() -> None:
    """A portal's pages speak the portal's language; the others ?lang= or the browser's."""
    slug = (request.view_args or {}).get("slug")
    portal = _state().by_slug(slug) if slug else None
    wanted = request.args.get("lang") or request.accept_languages.best_match(LANGUAGES)
    g.lang = portal.lang if portal else pick_language(wanted)


@bp.get("/")
def index():
    state = _state()
    return render_template("sandbox/index.html", portals=list(state.portals.values()), state=state, lang=g.lang)


def _mail_dir():
    directory = current_app.extensions.get("sandbox_mail_dir")
    if directory is None:
        abort(404, "This sandbox keeps no mail.")
    return directory


@bp.get("/mail")
def mail():
    """Every message the app sent while scripts/dev ran its mail catcher."""
    return render_template("sandbox/mail.html", messages=mailbox.messages(_mail_dir()), lang=g.lang,
                           catching=bool(current_app.config.get("SMTP_HOST")))


@bp.get("/mail/<name>")
def mail_message(name: str):
    message = mailbox.message(_mail_dir(), name)
    if message is None:
        abort(404, "No such message.")
    return render_template("sandbox/mail_message.html", message=message, lang=g.lang)


@bp.get("/mail/<name>/html")
def mail_html(name: str):
    """The HTML part on its own, for the message page's frame: no scripts, nothing fetched."""
    message = mailbox.message(_mail_dir(), name)
    if message is None:
        abort(404, "No such message.")
    response = current_app.response_class(message.html, mimetype="text/html")
    # No script runs and nothing is fetched (default-src 'none'); inline styles are how mail is styled.
    response.headers["Content-Security-Policy"] = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                                                   "base-uri 'none'; form-action 'none'")
    return response


@bp.post("/portals")
def create_portal():
    name = request.form.get("name", "").strip() or None
    lang = request.form.get("lang", "ru") if request.form.get("lang") in ("ru", "en") else "ru"
    portal = _state().add_portal(name, lang=lang)
    return redirect(url_for("sandbox.portal_page", slug=portal.slug, done="created"))


@bp.get("/p/<slug>/")
def portal_page(slug: str):
    portal = _portal(slug)
    view = request.args.get("view", "app" if portal.installed else "market")
    done = request.args.get("done")
    return render_template("sandbox/portal.html", portal=portal, view=view, state=_state(), lang=portal.lang,
                           done=done if done in DONE else None)


@bp.get("/p/<slug>/frame")
def frame(slug: str):
    """The iframe's first document: a form that posts the frame request to the app, as the portal does."""
    state, portal = _state(), _portal(slug)
    placement = request.args.get("placement", platform.DEFAULT)
    options = json.loads(request.args["options"]) if request.args.get("options") else None
    user_id = int(request.args.get("user", "1"))
    try:
        url, query, form = platform.frame_request(state, portal, placement, options=options, user_id=user_id)
    except LookupError as exc:
        abort(404, str(exc))
    from urllib.parse import urlencode

    return render_template("sandbox/frame_post.html", action=f"{url}?{urlencode(query)}", form=form, lang=portal.lang)


@bp.post("/p/<slug>/install-finished")
def install_finished(slug: str):
    platform.finish_install(_state(), _portal(slug))
    return {"installed": True}


@bp.post("/p/<slug>/action")
def action(slug: str):
    """The sandbox's controls for what a real portal does to an app: expire, revoke, rename, update, remove."""
    state, portal = _state(), _portal(slug)
    what = request.form.get("what")
    if what == "expire":
        state.expire_access_tokens(portal)
    elif what == "revoke":
        state.revoke_refresh_tokens(portal)
    elif what == "rename":
        state.rename(portal, request.form.get("name") or f"{portal.slug}-renamed")
    elif what == "update":
        platform.update_app(state, portal, portal.app_version + 1)
    elif what == "uninstall":
        platform.uninstall(state, portal, clean=request.form.get("clean") == "1")
    else:
        abort(400, "Unknown action.")
    view = "market" if what == "uninstall" else None
    return redirect(url_for("sandbox.portal_page", slug=portal.slug, view=view, done=what))
