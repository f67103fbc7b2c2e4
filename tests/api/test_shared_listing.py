"""The listing queries the console and the API share, as reshaped for scale: same answers, bounded counts."""

from __future__ import annotations

from datetime import date, timedelta

from database import db
from paging import paginate
from readmodels.portals import CONTRACT_STATES, PortalFilters, decorate, portal_page, portal_query
from tickets.inbox import InboxFilters, inbox_count_query, inbox_query


def test_contract_state_filter_agrees_with_the_state_shown_for_every_shape_of_history(make_portal, make_contract):
    today = date.today()
    day = timedelta(days=1)
    shapes = {
        "none": [],
        "active": [(today - 10 * day, today + 10 * day)],
        "active_today_ends": [(today - 10 * day, today)],
        "expired": [(today - 100 * day, today - day)],
        "renewed": [(today - 400 * day, today - 35 * day), (today - 34 * day, today + 300 * day)],
        "lapsed_then_future": [(today - 400 * day, today - 35 * day), (today + 5 * day, today + 300 * day)],
        "future": [(today + day, today + 100 * day)],
        "active_and_later_future": [(today - 5 * day, today + 5 * day), (today + 6 * day, today + 200 * day)],
        "same_end_tie": [(today - 5 * day, today + 5 * day), (today + 2 * day, today + 5 * day)],
    }
    for name, spans in shapes.items():
        portal = make_portal(domain=f"{name.replace('_', '-')}.test")
        for valid_from, valid_to in spans:
            make_contract(portal, valid_from=valid_from, valid_to=valid_to)
    portals = list(db.session.execute(portal_query(PortalFilters(), today)).scalars())
    shown = {row.portal.domain: row.contract_state for row in decorate(portals, today=today)}
    assert shown["none.test"] == "none" and shown["renewed.test"] == "active"
    assert shown["same-end-tie.test"] == "future"  # the newest of two contracts ending the same day
    for state in CONTRACT_STATES:
        filtered = {p.domain for p in db.session.execute(portal_query(PortalFilters(contract=state), today)).scalars()}
        assert filtered == {domain for domain, s in shown.items() if s == state}, state


def test_totals_stop_counting_at_the_cap_and_still_offer_the_next_page(make_portal, make_ticket):
    for n in range(7):
        make_ticket(make_portal(domain=f"cap{n}.test"))
    page = portal_page(PortalFilters(), 1, 2, cap=4)
    assert page.total == 4 and page.total_capped and page.has_next
    assert [row.portal.domain for row in page.items] == ["cap0.test", "cap1.test"]
    last = portal_page(PortalFilters(), 4, 2)
    assert last.total == 7 and not last.total_capped and not last.has_next
    assert [row.portal.domain for row in last.items] == ["cap6.test"]
    inbox = paginate(inbox_query(InboxFilters()), 1, 3, lambda r: r[0], inbox_count_query(InboxFilters()), cap=5)
    assert inbox.total == 5 and inbox.total_capped and len(inbox.items) == 3
