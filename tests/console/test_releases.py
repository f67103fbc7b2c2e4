"""The console's releases and known issues: add, edit, refuse bad input, answer with a release, who is below it."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from database import db
from releases.models import KnownIssue, Release, TicketFix

EN = {"Accept-Language": "en"}


def test_releases_are_added_and_edited_and_bad_input_changes_nothing(app, console):
    created = console.post("/console/releases", {"version": "4", "label": "2.5.0", "released_on": "2026-11-30",
                                                 "notes": "Didox invoices"})
    assert created.status_code == 302
    for bad, field, words in (({"version": "four", "label": "2.5.1"}, "version", "whole number"),
                              ({"version": "4", "label": "2.5.1"}, "version", "exists"),
                              ({"version": "5", "label": "bad label!"}, "label", "32 characters"),
                              ({"version": "5", "label": "2.6", "released_on": "soon"}, "released_on", "YYYY")):
        refused = console.post("/console/releases", bad, headers=EN)
        assert refused.status_code == 400, bad
        assert f'id="{field}-error"' in refused.get_data(as_text=True) and words in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Release)).scalar_one() == 1
        release_id = db.session.execute(select(Release.id)).scalar_one()
    edited = console.post(f"/console/releases/{release_id}", {"version": "4", "label": "2.5.0-hotfix"})
    assert edited.status_code == 302
    listing = console.get("/console/releases", headers=EN).get_data(as_text=True)
    assert 'data-version="4"' in listing and "2.5.0-hotfix" in listing
    assert "Релизы" in console.get("/console/releases", headers={"Accept-Language": "ru"}).get_data(as_text=True)


def test_an_answer_picks_a_release_and_the_release_lists_portals_still_below(app, console, make_portal,
                                                                            make_ticket):
    console.post("/console/releases", {"version": "4", "label": "2.5.0"})
    with app.app_context():
        release_id = db.session.execute(select(Release.id)).scalar_one()
    shop = make_portal("shop.bitrix24.ru", app_version=3)
    number = make_ticket(shop)
    page = console.get(f"/console/tickets/{number}", headers=EN).get_data(as_text=True)
    assert re.search(rf'<option value="{release_id}"[^>]*>2\.5\.0 \(4\)</option>', page)

    answered = console.post(f"/console/tickets/{number}/answer", {"kind": "fixed_in_version", "release":
                                                                   str(release_id), "body": "Update, please."})
    unknown = console.post(f"/console/tickets/{number}/answer", {"kind": "fixed_in_version", "release": "999"},
                           headers=EN)

    assert answered.status_code == 302 and unknown.status_code == 400
    with app.app_context():
        fix = db.session.execute(select(TicketFix)).scalar_one()
        answer = next(r for r in fix.ticket.replies if r.kind == "fixed_in_version")
        assert (fix.release_id, answer.data) == (release_id, {"version": "2.5.0", "release_version": 4})
    below = console.get(f"/console/releases/{release_id}", headers=EN).get_data(as_text=True)
    assert 'data-portal="shop.bitrix24.ru"' in below


def test_known_issues_are_drafted_linked_and_published_from_the_console(app, console, make_portal, make_ticket):
    number = make_ticket(make_portal())
    draft = console.post("/console/known-issues", {"title": "QR code never appears", "symptoms": "Blank QR",
                                                   "language": "en", "affected_from": "1", "affected_to": "3"})
    assert draft.status_code == 302
    with app.app_context():
        issue_id = db.session.execute(select(KnownIssue.id)).scalar_one()
    assert console.post("/console/known-issues", {"title": "", "symptoms": "", "language": "xx"},
                        headers=EN).status_code == 400
    assert console.post(f"/console/known-issues/{issue_id}", {"title": "T", "symptoms": "S", "language": "en",
                                                              "affected_from": "5", "affected_to": "2"}
                        ).status_code == 400
    assert console.post(f"/console/known-issues/{issue_id}/tickets", {"ticket": "TU-1999-000001"},
                        headers=EN).status_code == 400
    assert console.post(f"/console/known-issues/{issue_id}/tickets", {"ticket": number}).status_code == 302
    assert app.test_client().get(f"/known-issues/{issue_id}").status_code == 404  # still a draft
    console.post(f"/console/known-issues/{issue_id}", {"title": "QR code never appears", "symptoms": "Blank QR",
                                                       "language": "en", "published": "1", "affected_to": "3"})
    listing = console.get("/console/known-issues", headers=EN).get_data(as_text=True)
    row = listing.split(f'data-issue="{issue_id}"')[1].split("</tr>")[0]
    assert 'class="ki-linked">1<' in row and 'class="ki-deflections">0<' in row and "Draft" not in row
    assert app.test_client().get(f"/known-issues/{issue_id}").status_code == 301
