"""The console's releases and known issues: list, add, edit; who still waits for a release; overdue promises."""

from __future__ import annotations

from flask import g, redirect, url_for
from flask.typing import ResponseReturnValue

from console.blueprint import bp
from console.forms.releases import KnownIssueForm, LinkTicketForm, PromiseForm, ReleaseForm
from console.views import notice, render, submit
from database import db
from releases import following, known_issues, registry
from releases.models import ISSUE_LANGUAGES, KnownIssue, Release, TicketFix
from releases.registry import Invalid


def _releases_page(status: int = 200, promise_form: PromiseForm | None = None) -> ResponseReturnValue:
    return render("console/releases.html", status, releases=registry.all_releases(),
                  overdue=following.overdue_promises(), promise_form=promise_form)


@bp.get("/releases")
def releases() -> ResponseReturnValue:
    return _releases_page()


def _release_page(release: Release | None, form: ReleaseForm, status: int = 200) -> ResponseReturnValue:
    return render("console/release_form.html", status, release=release, form=form,
                  below=following.portals_below(release) if release is not None and status == 200 else [])


@bp.get("/releases/new")
def release_new() -> ResponseReturnValue:
    return _release_page(None, ReleaseForm.of(None))


@bp.get("/releases/<int:release_id>")
def release_edit(release_id: int) -> ResponseReturnValue:
    release = db.get_or_404(Release, release_id, description="No such release.")
    return _release_page(release, ReleaseForm.of(release))


@bp.post("/releases")
@bp.post("/releases/<int:release_id>")
def release_save(release_id: int | None = None) -> ResponseReturnValue:
    release = db.get_or_404(Release, release_id, description="No such release.") if release_id is not None else None
    form = ReleaseForm()
    if done := submit(form, lambda: registry.save_release(release, form.data), Invalid, "release_saved"):
        return redirect(url_for("console.release_edit", release_id=done.result.id))
    return _release_page(release, form, 400)


@bp.post("/releases/promises/<int:fix_id>")
def promise_release(fix_id: int) -> ResponseReturnValue:
    """A planned promise gets the release that shipped it."""
    fix = db.get_or_404(TicketFix, fix_id, description="No such promise.")
    form = PromiseForm(registry.all_releases())
    if not form.validate():
        return _releases_page(400, form)
    following.name_release(fix, form.chosen())
    if fix.ticket.portal.app_version is not None:
        following.resolve_fixed(fix.ticket.portal, fix.ticket.portal.app_version)
    db.session.commit()
    notice("success", "release_named")
    return redirect(url_for("console.releases"))


# --- known issues ----------------------------------------------------------------------------------------------


def _issue_page(issue: KnownIssue | None, form: KnownIssueForm, status: int = 200,
                link_form: LinkTicketForm | None = None) -> ResponseReturnValue:
    return render("console/known_issue_form.html", status, issue=issue, form=form,
                  link_form=link_form or LinkTicketForm(formdata=None),
                  releases=registry.all_releases(), languages=ISSUE_LANGUAGES,
                  deflections=known_issues.deflection_count(issue) if issue else 0,
                  tickets=known_issues.linked_tickets(issue) if issue else [],
                  slug=known_issues.slug)


@bp.get("/known-issues")
def known_issue_list() -> ResponseReturnValue:
    return render("console/known_issues.html", rows=known_issues.issue_rows())


@bp.get("/known-issues/new")
def known_issue_new() -> ResponseReturnValue:
    return _issue_page(None, KnownIssueForm.new(g.lang))


@bp.get("/known-issues/<int:issue_id>")
def known_issue_edit(issue_id: int) -> ResponseReturnValue:
    issue = db.get_or_404(KnownIssue, issue_id, description="No such known issue.")
    return _issue_page(issue, KnownIssueForm.of(issue))


@bp.post("/known-issues")
@bp.post("/known-issues/<int:issue_id>")
def known_issue_save(issue_id: int | None = None) -> ResponseReturnValue:
    issue = db.get_or_404(KnownIssue, issue_id, description="No such known issue.") if issue_id is not None else None
    form = KnownIssueForm()
    if done := submit(form, lambda: known_issues.save_issue(issue, form.data), Invalid, "ki_saved"):
        return redirect(url_for("console.known_issue_edit", issue_id=done.result.id))
    return _issue_page(issue, form, 400)


@bp.post("/known-issues/<int:issue_id>/tickets")
def known_issue_link(issue_id: int) -> ResponseReturnValue:
    issue = db.get_or_404(KnownIssue, issue_id, description="No such known issue.")
    form = LinkTicketForm()
    if submit(form, lambda: known_issues.link_ticket(issue, form.ticket.data, g.staff.can_see_vulnerabilities),
              Invalid, "ki_linked_done"):
        return redirect(url_for("console.known_issue_edit", issue_id=issue.id))
    return _issue_page(issue, KnownIssueForm.of(issue), 400, link_form=form)


@bp.post("/known-issues/<int:issue_id>/tickets/<int:ticket_id>/unlink")
def known_issue_unlink(issue_id: int, ticket_id: int) -> ResponseReturnValue:
    issue = db.get_or_404(KnownIssue, issue_id, description="No such known issue.")
    known_issues.unlink_ticket(issue, ticket_id)
    db.session.commit()
    return redirect(url_for("console.known_issue_edit", issue_id=issue.id))
