"""The public, read-only page of a published known issue (ru/en, no login): the link answers and mails carry."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from database import db
from i18n import LANGUAGES, pick_language
from releases import known_issues

bp = Blueprint("known_issues", __name__)


@bp.get("/known-issues/<int:issue_id>")
@bp.get("/known-issues/<int:issue_id>-<slug>")
def public_page(issue_id: int, slug: str | None = None):
    issue = known_issues.issue_by_id(issue_id, published_only=True)
    if issue is None:
        abort(404)  # a draft is exactly as absent as an issue that never existed
    if slug != known_issues.slug(issue):
        return redirect(url_for(".public_page", issue_id=issue.id, slug=known_issues.slug(issue), **request.args), 301)
    g.lang = pick_language(request.args.get("lang") or request.accept_languages.best_match(LANGUAGES)
                           or issue.language)
    known_issues.count_view(issue)
    db.session.commit()
    return render_template("releases/public_issue.html", issue=issue, lang=g.lang)
