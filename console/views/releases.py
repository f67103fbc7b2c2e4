"""The console's releases and known issues: list, add, edit; who still waits for a release; overdue promises."""

from __future__ import annotations

from flask import abort, g, redirect, request, url_for
from flask.typing import ResponseReturnValue

from console.blueprint import bp
from console.views import notice, render
from database import db
from releases import following, known_issues, registry
from releases.models import ISSUE_LANGUAGES, KnownIssue, Release, TicketFix
from releases.registry import Invalid


@bp.get("/releases")
def releases() -> ResponseReturnValue:
    return render("console/releases.html", releases=registry.all_releases(),
                  overdue=following.overdue_promises())


@bp.get("/releases/new")
def release_new() -> ResponseReturnValue:
    return render("console/release_form.html", release=None, form={}, errors={}, below=[])


def _release_form(release: Release | None) -> dict[str, str]:
    if release is None:
        return {}
    return {"version": str(release.version), "label": release.label, "notes": release.notes,
            "released_on": release.released_on.isoformat() if release.released_on else ""}


@bp.get("/releases/<int:release_id>")
def release_edit(release_id: int) -> ResponseReturnValue:
    release = db.get_or_404(Release, release_id, description="No such release.")
    return render("console/release_form.html", release=release, form=_release_form(release), errors={},
                  below=following.portals_below(release))


@bp.post("/releases")
@bp.post("/releases/<int:release_id>")
def release_save(release_id: int | None = None) -> ResponseReturnValue:
    release = db.get_or_404(Release, release_id, description="No such release.") if release_id is not None else None
    try:
        saved = registry.save_release(release, request.form)
    except Invalid as exc:
        db.session.rollback()
        return render("console/release_form.html", 400, release=release, form=request.form.to_dict(),
                      errors=exc.errors, below=[])
    db.session.commit()
    notice("success", "release_saved")
    return redirect(url_for("console.release_edit", release_id=saved.id))


@bp.post("/releases/promises/<int:fix_id>")
def promise_release(fix_id: int) -> ResponseReturnValue:
    """A planned promise gets the release that shipped it."""
    fix = db.session.get(TicketFix, fix_id)
    release = registry.release_by_id(request.form.get("release"))
    if fix is None or release is None:
        abort(400, description="Choose a release.")
    following.name_release(fix, release)
    if fix.ticket.portal.app_version is not None:
        following.resolve_fixed(fix.ticket.portal, fix.ticket.portal.app_version)
    db.session.commit()
    notice("success", "release_named")
    return redirect(url_for("console.releases"))


# --- known issues ----------------------------------------------------------------------------------------------


def _issue_page(issue, form: dict, errors: dict, status: int = 200) -> ResponseReturnValue:
    return render("console/known_issue_form.html", status, issue=issue, form=form, errors=errors,
                  releases=registry.all_releases(), languages=ISSUE_LANGUAGES,
                  deflections=known_issues.deflection_count(issue) if issue else 0,
                  tickets=known_issues.linked_tickets(issue) if issue else [],
                  slug=known_issues.slug)


def _issue_form(issue) -> dict[str, str]:
    return {
        "title": issue.title, "symptoms": issue.symptoms, "workaround": issue.workaround,
        "language": issue.language, "published": "1" if issue.published else "",
        "affected_from": str(issue.affected_from or ""), "affected_to": str(issue.affected_to or ""),
        "fixed_in": str(issue.fixed_in_id or ""),
        "planned_on": issue.planned_on.isoformat() if issue.planned_on else "",
    }


@bp.get("/known-issues")
def known_issue_list() -> ResponseReturnValue:
    return render("console/known_issues.html", rows=known_issues.issue_rows())


@bp.get("/known-issues/new")
def known_issue_new() -> ResponseReturnValue:
    return _issue_page(None, {"language": g.lang}, {})


@bp.get("/known-issues/<int:issue_id>")
def known_issue_edit(issue_id: int) -> ResponseReturnValue:
    issue = db.get_or_404(KnownIssue, issue_id, description="No such known issue.")
    return _issue_page(issue, _issue_form(issue), {})


@bp.post("/known-issues")
@bp.post("/known-issues/<int:issue_id>")
def known_issue_save(issue_id: int | None = None) -> ResponseReturnValue:
    issue = db.get_or_404(KnownIssue, issue_id, description="No such known issue.") if issue_id is not None else None
    try:
        saved = known_issues.save_issue(issue, request.form)
    except Invalid as exc:
        db.session.rollback()
        return _issue_page(issue, request.form.to_dict(), exc.errors, 400)
    db.session.commit()
    notice("success", "ki_saved")
    return redirect(url_for("console.known_issue_edit", issue_id=saved.id))


@bp.post("/known-issues/<int:issue_id>/tickets")
def known_issue_link(issue_id: int) -> ResponseReturnValue:
    issue = db.get_or_404(KnownIssue, issue_id, description="No such known issue.")
    try:
        known_issues.link_ticket(issue, request.form.get("ticket", ""), g.staff.can_see_vulnerabilities)
    except Invalid as exc:
        db.session.rollback()
        return _issue_page(issue, _issue_form(issue), exc.errors, 400)
    db.session.commit()
    notice("success", "ki_linked_done")
    return redirect(url_for("console.known_issue_edit", issue_id=issue.id))


@bp.post("/known-issues/<int:issue_id>/tickets/<int:ticket_id>/unlink")
def known_issue_unlink(issue_id: int, ticket_id: int) -> ResponseReturnValue:
    issue = db.get_or_404(KnownIssue, issue_id, description="No such known issue.")
    known_issues.unlink_ticket(issue, ticket_id)
    db.session.commit()
    return redirect(url_for("console.known_issue_edit", issue_id=issue.id))
