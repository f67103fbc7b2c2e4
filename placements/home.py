"""The app's main page inside the portal (PLACEMENT=DEFAULT): the Support home, leading to the form and My requests."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from placements import frame_tokens
from placements.visit import open_visit, verify_opening

bp = Blueprint("home", __name__)


@bp.get("/")
def outside_bitrix24():
    """Opened directly in a browser rather than inside a portal: say how to get here properly."""
    return render_template("placements/outside.html", lang=g.get("lang", "en"))


@bp.post("/")
def home():
    frame, opening = verify_opening(request)
    g.lang = frame.ui_lang
    portal = frame.portal
    view_token = None
    if portal is not None:
        visit = open_visit(frame, opening)  # records the frame's news (lifecycle.touch) and commits
        portal, view_token = visit.portal, frame_tokens.issue(visit.visitor, frame_tokens.VIEW)
    return render_template(
        "placements/home.html", frame=frame, portal=portal, view_token=view_token, lang=frame.ui_lang
    )


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}
