"""The app's main page inside the portal (PLACEMENT=DEFAULT): the Support home."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from b24 import lifecycle
from b24.frames import verify_frame
from database import db

bp = Blueprint("home", __name__)


@bp.get("/")
def outside_bitrix24():
    """Opened directly in a browser rather than inside a portal: say how to get here properly."""
    return render_template("placements/outside.html", lang=g.get("lang", "en"))


@bp.post("/")
def home():
    frame = verify_frame(request)
    g.lang = frame.ui_lang
    portal = lifecycle.touch(frame)
    db.session.commit()
    return render_template("placements/home.html", frame=frame, portal=portal, lang=frame.ui_lang)


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}
