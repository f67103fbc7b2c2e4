"""The console writes dates, times and large numbers in the staff member's language, in UTC; CSV stays ISO."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from b24.calls import RestCall
from database import db
from releases.models import TicketFix
from tickets.models import Reply, Ticket

ARRIVED = datetime(2026, 12, 3, 10, 20)
FLAGGED = datetime(2026, 11, 30, 18, 5)
NNBSP, NBSP = "\u202f", "\xa0"  # CLDR: before "г." and "AM"; Russian's group separator
SHOWN = {
    "ru": {"arrived": f"3 дек. 2026{NNBSP}г., 10:20 UTC", "flagged": f"30 нояб. 2026{NNBSP}г., 18:05 UTC",
           "planned": f"15 янв. 2027{NNBSP}г.", "promised": f"20 нояб. 2026{NNBSP}г.", "ends": f"31 дек. 2027{NNBSP}г.",
           "ms": f"12{NBSP}345", "reaction": "1,5 ч"},
    "en": {"arrived": f"Dec 3, 2026, 10:20{NNBSP}AM UTC", "flagged": f"Nov 30, 2026, 6:05{NNBSP}PM UTC",
           "planned": "Jan 15, 2027", "promised": "Nov 20, 2026", "ends": "Dec 31, 2027", "ms": "12,345",
           "reaction": "1.5 h"},
}


@pytest.fixture
def dated_desk(app, make_portal, make_ticket, make_contract, staff):
    """A ticket that arrived at a known moment, answered 1.5 h later with a planned date; a contract; a slow call."""
    portal = make_portal()
    number = make_ticket(portal, contract_number="C-DATES", created_at=ARRIVED)
    make_contract("C-DATES", portal, valid_from=date(2026, 1, 1), valid_to=date(2027, 12, 31))
    with app.app_context():
        ticket = db.session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        ticket.first_response_at = datetime(2026, 12, 3, 11, 50)
        ticket.replies.append(Reply(author="staff", staff_user_id=staff.id, kind="planned_release",
                                    data={"date": "2027-01-15"}, body="Soon", created_at=ARRIVED))
        db.session.add(TicketFix(ticket_id=ticket.id, portal_id=portal, planned_on=date(2026, 11, 20),
                                 overdue_flagged_at=FLAGGED))
        db.session.add(RestCall(portal_id=portal, method="app.info", http_status=200, duration_ms=12345,
                                at=ARRIVED))
        db.session.commit()
    return portal, number


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_console_pages_write_dates_and_numbers_in_the_chosen_language(console, dated_desk, lang):
    portal, number = dated_desk
    said = SHOWN[lang]
    console.get(f"/console/lang/{lang}")

    ticket = console.get(f"/console/tickets/{number}").get_data(as_text=True)
    assert f'<dd><time datetime="2026-12-03T10:20:00Z">{said["arrived"]}</time></dd>' in ticket  # Arrived
    assert f'<time datetime="2027-01-15">{said["planned"]}</time>' in ticket  # the answer's planned date
    assert f'{said["reaction"]}' in ticket.split('class="reaction"')[1].split("</dd>")[0]

    inbox = console.get("/console/tickets").get_data(as_text=True)
    row = inbox.split(f'data-ticket="{number}"')[1].split("</tr>")[0]
    assert f'<time datetime="2026-12-03T10:20:00Z">{said["arrived"]}</time>' in row and said["reaction"] in row

    contracts = console.get("/console/contracts").get_data(as_text=True)
    assert f'<time datetime="2027-12-31">{said["ends"]}</time>' in contracts

    page = console.get(f"/console/portals/{portal}").get_data(as_text=True)
    calls = page.split('id="rest-calls"')[1].split("</table>")[0]
    assert said["arrived"] in calls and f'<td>{said["ms"]}</td>' in calls

    releases = console.get("/console/releases").get_data(as_text=True)
    overdue = releases.split(f'data-ticket="{number}"')[1].split("</tr>")[0]
    assert f'<time datetime="2026-11-20">{said["promised"]}</time>' in overdue
    assert f'<time datetime="2026-11-30T18:05:00Z">{said["flagged"]}</time>' in overdue
    assert "2026-11-30 18:05" not in releases


def test_the_csv_export_stays_iso_in_any_language(app, console, dated_desk):
    console.get("/console/lang/ru")
    csv = console.get("/console/portals.csv").get_data(as_text=True)
    assert ",2027-12-31," in csv  # the contract's end, for a spreadsheet, not a reader
    assert "дек." not in csv
