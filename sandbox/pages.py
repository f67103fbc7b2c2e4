"""The sandbox's own pages: a list of portals and a portal that frames the app as Bitrix24 does."""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from sandbox import platform
from sandbox.state import SandboxPortal, SandboxState

bp = Blueprint("sandbox", __name__, template_folder="../templates")


def _state() -> SandboxState:
    return current_app.extensions["sandbox"]


def _portal(slug: str) -> SandboxPortal:
    portal = _state().by_slug(slug)
    if portal is None:
        abort(404, "No such sandbox portal.")
    return portal


@bp.get("/")
def index():
    state = _state()
    return render_template("sandbox/index.html", portals=list(state.portals.values()), state=state)


@bp.post("/portals")
def create_portal():
    name = request.form.get("name", "").strip() or None
    lang = request.form.get("lang", "ru") if request.form.get("lang") in ("ru", "en") else "ru"
    portal = _state().add_portal(name, lang=lang)
    return redirect(url_for("sandbox.portal_page", slug=portal.slug))


@bp.get("/p/<slug>/")
def portal_page(slug: str):
    portal = _portal(slug)
    view = request.args.get("view", "app" if portal.installed else "market")
    return render_template("sandbox/portal.html", portal=portal, view=view, state=_state())


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

    return render_template("sandbox/frame_post.html", action=f"{url}?{urlencode(query)}", form=form)


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
    return redirect(url_for("sandbox.portal_page", slug=portal.slug))
