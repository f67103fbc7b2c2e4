"""Answers that name a release: the policy's "fixed in version", "update" and "planned release" (§3.2).

Wraps ``tickets.answers.answer``: the console picks a release from the registry instead of typing a version,
and the promise is recorded so the ticket follows the portal's updates. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import url_for

from releases import fixes, known_issues, registry
from tickets import answers
from tickets.models import Reply, Ticket

RELEASE_KINDS = ("fixed_in_version", "update_available")


def answer(ticket: Ticket, staff: answers.StaffMember, kind: str, body: str, form: Mapping[str, Any]) -> Reply:
    """Answer as ``tickets.answers.answer`` does, with ``form["release"]`` (an id) giving the version.

    Without a chosen release the typed version is kept as before, but nothing follows the portal's version.
    ``form["known_issue"]`` on a known-issues answer links the ticket and fills in the issue's public page.
    Raises ``answers.AnswerInvalid``.
    """
    data = {name: str(form.get(name) or "") for name in ("version", "date", "link")}
    release = None
    if str(form.get("release") or "").strip():
        release = registry.release_by_id(form.get("release"))
        if release is None:
            raise answers.AnswerInvalid({"release": "answer_release_unknown"})
        data["version"] = release.label
    issue = None
    if kind == "known_issues_link" and str(form.get("known_issue") or "").strip():
        issue = known_issues.issue_by_id(form.get("known_issue"), published_only=True)
        if issue is None:
            raise answers.AnswerInvalid({"known_issue": "answer_known_issue_unknown"})
        data["link"] = url_for("known_issues.public_page", issue_id=issue.id, slug=known_issues.slug(issue),
                               _external=True)
    reply = answers.answer(ticket, staff, kind, body, data)
    if kind in RELEASE_KINDS and release is not None:
        reply.data = {**reply.data, "release_version": release.version}
        fixes.promise(ticket, release, None)
    elif kind == "planned_release":
        fixes.promise(ticket, release, registry.parse_date(reply.data["date"]))
    if issue is not None:
        known_issues.link_ticket(issue, ticket.number, include_vulnerabilities=True)
    return reply
