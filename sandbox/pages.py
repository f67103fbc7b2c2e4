"""The sandbox's own pages: a list of portals, a portal that frames the app as Bitrix24 does, and the mail caught."""

from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

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
DONE = ("created", "installed", "expire", "revoke", "rename", "update", "uninstall", "payment_on", "payment_off", "pay",
        "overload_on", "overload_off")


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
    state, portal = _state(), _portal(slug)
    view = request.args.get("view", "app" if portal.installed else "market")
    done = request.args.get("done")
    main_frame = frame_payload(state, portal, platform.DEFAULT) if view == "app" else None
    return render_template("sandbox/portal.html", portal=portal, view=view, state=state, main_frame=main_frame,
                           lang=portal.lang, done=done if done in DONE else None)


@bp.post("/p/<slug>/frames")
def open_frame(slug: str):
    """A new frame request for the portal page to post into a fresh iframe, and what its frame library will ask.

    Bitrix24 renders the same pair into its page: a form posted into the iframe, and the AppLayout params that
    answer getInitData (modules/rest/install/js/rest/applayout.js, BX.rest.AppLayout and getInitData).
    """
    state, portal = _state(), _portal(slug)
    placement = request.form.get("placement", platform.DEFAULT)
    try:
        options = json.loads(request.form["options"]) if request.form.get("options") else None
        user_id = int(request.form.get("user", "1"))
    except ValueError:
        abort(400, "options must be JSON and user a number.")
    if user_id not in portal.users or (options is not None and not isinstance(options, dict)):
        abort(400, "No such user, or options that are not an object.")
    return frame_payload(state, portal, placement, options=options, user_id=user_id)


def frame_payload(state: SandboxState, portal: SandboxPortal, placement: str, *,
                  options: dict | None = None, user_id: int = 1) -> dict:
    try:
        url, query, form = platform.frame_request(state, portal, placement, options=options, user_id=user_id)
    except LookupError as exc:
        abort(404, str(exc))
    parts = urlsplit(url)
    return {
        "action": f"{url}?{urlencode(query)}",
        "form": form,
        "app_sid": query["APP_SID"],
        # The parent takes messages only from the handler's origin and answers only to it (applayout.js
        # receiveMessage: e.origin != appProto + '://' + appHost).
        "app_origin": f"{parts.scheme}://{parts.netloc}",
        # getInitData's answer but DOMAIN and PROTOCOL, which the page adds from its own location (applayout.js
        # getInitData: DOMAIN: location.host).
        "init": {
            "LANG": portal.lang, "PATH": "/rest/", "AUTH_ID": form["AUTH_ID"], "AUTH_EXPIRES": form["AUTH_EXPIRES"],
            "REFRESH_ID": form["REFRESH_ID"], "MEMBER_ID": portal.member_id, "FIRST_RUN": False,
            "IS_ADMIN": portal.users[user_id].admin, "INSTALL": placement == platform.INSTALL,
            "USER_OPTIONS": {}, "APP_OPTIONS": {},
            "PLACEMENT": form["PLACEMENT"], "PLACEMENT_OPTIONS": options or {},
        },
    }


@bp.post("/p/<slug>/refresh-auth")
def refresh_auth(slug: str):
    """refreshAuth from the frame: the portal issues the user a new token pair (applayout.js refreshAuth)."""
    state, portal = _state(), _portal(slug)
    grant = state.refresh(request.form.get("refresh_id", ""))
    if grant is None or grant.member_id != portal.member_id:
        abort(400, "Unknown refresh token.")
    return {"AUTH_ID": grant.access_token, "AUTH_EXPIRES": "3600", "REFRESH_ID": grant.refresh_token}


@bp.post("/p/<slug>/install-finished")
def install_finished(slug: str):
    """setInstallFinish from the installer's frame (applayout.js: action set_installed), then ONAPPINSTALL."""
    state, portal = _state(), _portal(slug)
    state.log("frame_in", portal.member_id, "setInstallFinish", {})
    platform.finish_install(state, portal)
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
    elif what == "payment":
        platform.require_payment(state, portal, request.form.get("on") == "1")
    elif what == "pay":
        platform.pay(state, portal, status="P", days=365)
    elif what == "overload":
        with state.lock:
            portal.overloaded = request.form.get("on") == "1"
    else:
        abort(400, "Unknown action.")
    view = "market" if what == "uninstall" else None
    done = f"{what}_{'on' if request.form.get('on') == '1' else 'off'}" if what in ("payment", "overload") else what
    return redirect(url_for("sandbox.portal_page", slug=portal.slug, view=view, done=done))
