"""Every console page in Russian and English, with no string left untranslated."""

from __future__ import annotations

import re

import pytest

from database import db
from tickets.models import Reply, Ticket

KEY_IN_TEXT = re.compile(r">[^<]*\bc_[a-z_]+")


@pytest.mark.parametrize(("lang", "word"), [("ru", "Порталы"), ("en", "Portals")])
def test_every_page_speaks_the_chosen_language(app, console, make_portal, make_ticket, make_contract, staff,
                                               lang, word):
    portal = make_portal()
    number = make_ticket(portal, contract_number="C-1")
    contract = make_contract("C-1", portal)
    with app.app_context():
        ticket = db.session.execute(db.select(Ticket).where(Ticket.number == number)).scalar_one()
        ticket.replies.append(Reply(author="staff", staff_user_id=staff.id, kind="planned_release",
                                    data={"date": "2026-12-01"}, body="Soon"))
        ticket.replies.append(Reply(author="system", staff_user_id=staff.id, kind="status_changed",
                                    data={"from": "new", "to": "in_progress"}, internal=True))
        db.session.commit()
    console.post("/console/operators/new", {"code": "payme", "name": "Payme", "recommended": "1"})
    console.get(f"/console/lang/{lang}")
    pages = ["/console/portals", f"/console/portals/{portal}", "/console/tickets", f"/console/tickets/{number}",
             "/console/contracts", "/console/contracts/new", f"/console/contracts/{contract}", "/console/operators",
             "/console/operators/new", "/console/tickets?overdue=1&status=open"]
    for url in pages:
        html = console.get(url).get_data(as_text=True)
        assert word in html, url
        assert f'<html lang="{lang}">' in html, url
        assert not KEY_IN_TEXT.search(html), (url, KEY_IN_TEXT.search(html).group(0))
    bad = console.post("/console/contracts/new", {"number": ""}).get_data(as_text=True)
    assert not KEY_IN_TEXT.search(bad)
