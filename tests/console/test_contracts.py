"""The contract registry and recommended operators: forms, per-field errors, nothing stored on bad input."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from contracts.models import Contract, Operator
from contracts.operations import recommended_operators
from database import db, utcnow

EN = {"Accept-Language": "en"}
GOOD = {"number": "TU-C-2026-7", "customer": "Shop LLC", "portal": "shop.bitrix24.ru", "valid_from": "2026-01-01",
        "valid_to": "2026-12-31", "reaction_hours": "6", "responsible_email": "Boss@Shop.test",
        "responsible_telegram": "shop_boss"}


def _contracts(app) -> list[Contract]:
    with app.app_context():
        rows = db.session.execute(select(Contract)).scalars().all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_a_contract_is_created_from_the_form(app, console, make_portal):
    portal = make_portal("shop.bitrix24.ru")
    assert console.get("/console/contracts/new").status_code == 200
    response = console.post("/console/contracts/new", GOOD)
    assert response.status_code == 302
    [contract] = _contracts(app)
    assert contract.portal_id == portal and contract.reaction_hours == 6
    assert contract.responsible_email == "boss@shop.test" and contract.responsible_telegram == "@shop_boss"
    html = console.get("/console/contracts", headers=EN).get_data(as_text=True)
    assert "TU-C-2026-7" in html and "shop.bitrix24.ru" in html


BAD_CONTRACTS = [
    ({"number": ""}, "number", "Give the contract number"),
    ({"customer": " "}, "customer", "Give the customer"),
    ({"valid_from": "31.12.2026"}, "valid_from", "YYYY-MM-DD"),
    ({"valid_to": "2025-01-01"}, "valid_to", "before the start"),
    ({"reaction_hours": "0"}, "reaction_hours", "from 1 to 720"),
    ({"reaction_hours": "soon"}, "reaction_hours", "from 1 to 720"),
    ({"responsible_email": "boss-at-shop"}, "responsible_email", "valid email"),
    ({"responsible_telegram": "@a b"}, "responsible_telegram", "Telegram login"),
    ({"portal": "nowhere.bitrix24.ru"}, "portal", "No such portal"),
]


def test_a_bad_contract_form_names_the_field_and_stores_nothing(app, console, make_portal):
    make_portal("shop.bitrix24.ru")
    for changes, field, message in BAD_CONTRACTS:
        response = console.post("/console/contracts/new", {**GOOD, **changes}, headers=EN)
        assert response.status_code == 400, changes
        html = response.get_data(as_text=True)
        assert f'id="{field}-error"' in html and message in html, changes
        assert html.count('class="field-error"') == 1, changes  # only the bad field is blamed
        if field != "number":
            assert 'value="TU-C-2026-7"' in html  # the rest of the form is kept
        assert _contracts(app) == []


def test_several_errors_are_reported_together(app, console):
    response = console.post("/console/contracts/new", {"number": "", "reaction_hours": "x"}, headers=EN)
    html = response.get_data(as_text=True)
    for field in ("number", "customer", "valid_from", "valid_to", "reaction_hours"):
        assert f'id="{field}-error"' in html
    assert _contracts(app) == []


def test_a_duplicate_number_is_refused(app, console, make_contract):
    make_contract("TU-C-2026-7")
    response = console.post("/console/contracts/new", {**GOOD, "portal": ""}, headers=EN)
    assert response.status_code == 400 and "exists" in response.get_data(as_text=True)
    assert len(_contracts(app)) == 1


def test_a_contract_is_edited_and_deleted(app, console, make_contract):
    contract_id = make_contract("C-1", hours=24)
    assert "C-1" in console.get(f"/console/contracts/{contract_id}").get_data(as_text=True)
    bad = console.post(f"/console/contracts/{contract_id}", {**GOOD, "number": "C-1", "portal": "",
                                                            "reaction_hours": "-1"})
    assert bad.status_code == 400 and _contracts(app)[0].reaction_hours == 24
    assert console.post(f"/console/contracts/{contract_id}", {**GOOD, "number": "C-1", "portal": ""}).status_code == 302
    assert _contracts(app)[0].reaction_hours == 6
    assert console.post(f"/console/contracts/{contract_id}/delete").status_code == 302
    assert _contracts(app) == []
    assert console.get(f"/console/contracts/{contract_id}").status_code == 404


def test_contract_changes_need_the_csrf_token(app, console, make_contract):
    contract_id = make_contract("C-2")
    assert console.client.post(f"/console/contracts/{contract_id}/delete").status_code == 400
    assert console.client.post("/console/contracts/new", data={**GOOD, "portal": ""}).status_code == 400
    assert [c.number for c in _contracts(app)] == ["C-2"]


def test_the_contracts_page_shows_reaction_against_the_promise(app, console, make_portal, make_ticket, make_contract):
    portal = make_portal()
    make_contract("C-R", portal, hours=4)
    now = utcnow()
    make_ticket(portal, contract_number="C-R", created_at=now - timedelta(hours=3), first_response_at=now)
    make_ticket(portal, contract_number="C-R", created_at=now - timedelta(hours=6), first_response_at=now)
    html = console.get("/console/contracts", headers=EN).get_data(as_text=True)
    row = html.split('data-contract="C-R"')[1].split("</tr>")[0]
    assert "4.5 h / 4.5 h" in row and "1 / 2" in row


def test_operators_are_added_edited_and_deleted(app, console):
    assert console.post("/console/operators/new", {"code": "payme", "name": "Payme", "recommended": "1"}
                        ).status_code == 302
    assert console.post("/console/operators/new", {"code": "cash", "name": "Cash desk"}).status_code == 302
    dup = console.post("/console/operators/new", {"code": "PAYME", "name": "Again"}, headers=EN)
    assert dup.status_code == 400 and "exists" in dup.get_data(as_text=True)
    bad = console.post("/console/operators/new", {"code": "no spaces", "name": ""}, headers=EN)
    assert bad.status_code == 400 and 'id="code-error"' in bad.get_data(as_text=True)
    with app.app_context():
        assert [o.code for o in recommended_operators()] == ["payme"]
        cash = db.session.execute(select(Operator).where(Operator.code == "cash")).scalar_one().id
    html = console.get("/console/operators", headers=EN).get_data(as_text=True)
    assert "Payme" in html and "Cash desk" in html
    console.post(f"/console/operators/{cash}", {"code": "cash", "name": "Cash desk", "recommended": "on"})
    with app.app_context():
        assert [o.code for o in recommended_operators()] == ["cash", "payme"]
    console.post(f"/console/operators/{cash}/delete")
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Operator)).scalar_one() == 1


def test_a_new_contract_runs_a_year_from_today_so_number_customer_and_portal_are_enough(app, console, make_portal):
    """The form as a browser sends it: its own defaults (dates, hours) plus what the person typed."""
    import re

    make_portal("shop.bitrix24.ru")
    page = console.get("/console/contracts/new", headers=EN).get_data(as_text=True)
    defaults = dict(re.findall(r'<input class="input" id="(\w+)" name="\w+" type="[a-z]+" value="([^"]*)"', page))
    today = utcnow().date()
    assert defaults["valid_from"] == today.isoformat()
    a_year_on = today.replace(year=today.year + 1, day=28 if (today.month, today.day) == (2, 29) else today.day)
    assert defaults["valid_to"] == a_year_on.isoformat()
    assert re.search(r'<label for="valid_from" class="required">', page)  # what is needed is marked
    typed = {**defaults, "number": "SUP-MIN-1", "customer": "Shop LLC", "portal": "shop.bitrix24.ru"}
    assert console.post("/console/contracts/new", typed).status_code == 302
    with app.app_context():
        contract = db.session.execute(select(Contract).where(Contract.number == "SUP-MIN-1")).scalar_one()
        assert (contract.valid_to - contract.valid_from).days in (365, 366) and contract.reaction_hours == 24
