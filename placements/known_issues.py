"""Known issues inside the Support placement: suggestions while the user types, "this solves it", confirm/reopen.

A placement view over `releases` (which knows releases, issues and fixes and nothing of frames or tokens).

Every request carries the signed view (or one-time form) token the placement issued (placements.frame_tokens):
the iframe has no cookies, and the token names the portal and user the OAuth server vouched for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, jsonify, redirect, request, url_for
from flask_babel import gettext

from b24.models import Portal
from database import db
from i18n_dates import day
from placements import frame_tokens
from placements.frame_tokens import FORM, VIEW, FrameTokenRefused, Visitor
from process_cache import cached_per_process
from releases import following, known_issues, search
from releases.models import KnownIssue, Release
from tickets import queries

bp = Blueprint("known_issues_frame", __name__, url_prefix="/placements/known-issues")
MAX_QUERY = 2000


@bp.after_request
def _private(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _portal(visitor: Visitor) -> Portal:
    portal = db.session.get(Portal, visitor.portal_id)
    if portal is None or portal.member_id != visitor.member_id:
        raise FrameTokenRefused("err_token_invalid", visitor.lang)
    return portal


def issue_json(issue) -> dict[str, Any]:
    return {
        "id": issue.id,
        "title": issue.title,
        "symptoms": issue.symptoms,
        "workaround": issue.workaround,
        "fixed_in": issue.fixed_in.label if issue.fixed_in is not None else None,
        "planned_on": issue.planned_on.isoformat() if issue.planned_on else None,
        "planned_on_text": day(issue.planned_on) or None,  # in the visitor's language, as the pages write dates
        "url": url_for("known_issues.public_page", issue_id=issue.id, slug=known_issues.slug(issue)),
    }


@bp.get("/suggest")
def suggest():
    """Published issues affecting the portal's installed release that match what the user typed so far."""
    visitor = frame_tokens.read(request.args.get("t"), VIEW)
    q = request.args.get("q", "")
    if len(q) > MAX_QUERY:
        return jsonify(error="query_too_long", error_description=gettext(
            "The text is too long to search.")), 400
    portal = _portal(visitor)
    return jsonify(issues=[issue_json(i) for i in search.suggestions(q, portal.app_version)])


def _issue_for(visitor: Visitor, issue_id: int):
    issue = known_issues.issue_by_id(issue_id, published_only=True)
    if issue is None:
        abort(404)
    return issue


@bp.post("/<int:issue_id>/viewed")
def viewed(issue_id: int):
    visitor = frame_tokens.read(request.args.get("t"), VIEW)
    known_issues.count_view(_issue_for(visitor, issue_id))
    db.session.commit()
    return jsonify(ok=True)


@bp.post("/<int:issue_id>/solved")
def solved(issue_id: int):
    """*This solves it*: one deflection per user and issue; nothing is filed."""
    visitor = frame_tokens.read(request.args.get("t"), VIEW)
    _portal(visitor)
    new = known_issues.deflect(_issue_for(visitor, issue_id), visitor.portal_id, visitor.user_id)
    db.session.commit()
    return jsonify(ok=True, counted=new, message=gettext(
        "Glad it helped. No request was filed; if the problem comes back, open "
        "Support again."))


def _answer_update(number: str, action: str):
    visitor = frame_tokens.read(request.args.get("f"), FORM)
    if frame_tokens.already_spent(visitor):
        raise FrameTokenRefused("err_token_used", visitor.lang)
    ticket = queries.ticket_of_portal(visitor.portal_id, number)
    if ticket is None:
        abort(404, description=gettext("This portal has no such request."))
    frame_tokens.spend(visitor)
    try:
        if action == "confirm":
            following.confirm(ticket)
        else:
            following.reopen(ticket, visitor.user_id, visitor.user_name)
    except following.NotAwaiting:
        db.session.rollback()
        abort(409, description=gettext(
            "This request is not waiting for a confirmation."))
    db.session.commit()
    return redirect(url_for("support.show_request", number=ticket.number, t=frame_tokens.issue(visitor, VIEW)), 303)


@bp.post("/requests/<number>/confirm")
def confirm(number: str):
    return _answer_update(number, "confirm")


@bp.post("/requests/<number>/reopen")
def reopen(number: str):
    return _answer_update(number, "reopen")


@dataclass(frozen=True)
class IssueLink:
    """What the form's list of known issues shows of one (kept per process, so no session row)."""

    id: int
    title: str


@cached_per_process(10, forget_on_write=(KnownIssue, Release))
def _issue_links(version: int | None) -> list[IssueLink]:
    """The published issues affecting ``version``: the same for every portal on it, so kept a few seconds."""
    return [IssueLink(issue.id, issue.title) for issue in search.published_for(version)]


def support_knowledge(visitor: Visitor) -> dict[str, Any]:
    """What the Support form shows beside it: the update banner, fixes to confirm, the portal's known issues."""
    portal = db.session.get(Portal, visitor.portal_id)
    if portal is None:
        return {"newer": [], "awaiting": [], "issues": [], "version": None}
    newer, awaiting = following.pending_fixes(portal)  # one query for both
    return {
        "version": portal.app_version,
        "newer": newer,
        # Each button is a one-time form; a fresh token per button so confirming one leaves the others usable.
        "awaiting": [(fix, frame_tokens.issue(visitor, FORM), frame_tokens.issue(visitor, FORM)) for fix in awaiting],
        "issues": _issue_links(portal.app_version),
        "slug": known_issues.slug,
    }
