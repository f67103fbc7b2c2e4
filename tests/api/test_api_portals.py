"""GET /api/v1/portals and /portals/{member_id}: fields, filters, search, pages, errors, no secrets."""

from __future__ import annotations

from datetime import date, timedelta


def _get(client, auth, path, **params):
    response = client.get(path, headers=auth, query_string=params)
    return response, response.get_json()


def test_portal_list_shows_registry_fields_contract_and_open_ticket_count(client, auth, make_portal, make_contract,
                                                                         make_ticket):
    portal = make_portal(domain="alpha.bitrix24.test", app_version=7, app_status="T", license="ru_start")
    make_contract(portal, number="C-ALPHA", reaction_hours=4)
    make_ticket(portal, status="new")
    make_ticket(portal, status="waiting_for_user")
    make_ticket(portal, status="closed")
    make_portal(domain="beta.bitrix24.test", refresh_token=None)
    response, body = _get(client, auth, "/api/v1/portals")
    assert response.status_code == 200
    assert [item["domain"] for item in body["items"]] == ["alpha.bitrix24.test", "beta.bitrix24.test"]
    alpha, beta = body["items"]
    assert alpha["member_id"] == portal.member_id
    assert (alpha["version"], alpha["app_status"], alpha["app_status_name"]) == (7, "T", "trial")
    assert alpha["licence"] == "ru_start" and alpha["token_health"] == "ok"
    assert alpha["open_tickets"] == 2
    assert alpha["contract"]["number"] == "C-ALPHA" and alpha["contract_state"] == "active"
    assert alpha["installed_at"].endswith("Z")
    assert beta["open_tickets"] == 0 and beta["contract"] is None and beta["contract_state"] == "none"
    assert beta["token_health"] == "none"
    text = response.get_data(as_text=True)
    assert "secret" not in text


def test_portal_filters_status_version_contract_and_search(client, auth, make_portal, make_contract):
    today = date.today()
    active = make_portal(domain="active.test", app_version=5)
    future = make_portal(domain="future.test", app_version=5)
    expired = make_portal(domain="expired.test", app_version=4)
    make_portal(domain="nocontract.test", status="uninstalled", app_version=4)
    make_contract(active)
    make_contract(future, valid_from=today + timedelta(days=10), valid_to=today + timedelta(days=300))
    make_contract(expired, valid_from=today - timedelta(days=400), valid_to=today - timedelta(days=1))

    def domains(**params):
        response, body = _get(client, auth, "/api/v1/portals", **params)
        assert response.status_code == 200, body
        return [item["domain"] for item in body["items"]]

    assert domains(status="uninstalled") == ["nocontract.test"]
    assert domains(version=5) == ["active.test", "future.test"]
    assert domains(contract="active") == ["active.test"]
    assert domains(contract="future") == ["future.test"]
    assert domains(contract="expired") == ["expired.test"]
    assert domains(contract="none") == ["nocontract.test"]
    assert domains(q="TUR") == ["future.test"]
    assert domains(q=expired.member_id) == ["expired.test"]
    assert domains(version=4, contract="none") == ["nocontract.test"]


def test_portal_pages_by_offset_and_by_cursor_agree(client, auth, make_portal):
    for n in range(7):
        make_portal(domain=f"p{n}.test")
    _, first = _get(client, auth, "/api/v1/portals", limit=3)
    assert [i["domain"] for i in first["items"]] == ["p0.test", "p1.test", "p2.test"]
    assert first["next_offset"] == 3 and first["next_cursor"]
    _, by_offset = _get(client, auth, "/api/v1/portals", limit=3, offset=3)
    _, by_cursor = _get(client, auth, "/api/v1/portals", limit=3, cursor=first["next_cursor"])
    assert [i["domain"] for i in by_offset["items"]] == [i["domain"] for i in by_cursor["items"]]
    assert by_cursor["offset"] is None and by_cursor["next_offset"] is None
    _, last = _get(client, auth, "/api/v1/portals", limit=3, cursor=by_cursor["next_cursor"])
    assert [i["domain"] for i in last["items"]] == ["p6.test"]
    assert last["next_cursor"] is None


def test_bad_portal_parameters_are_400_with_details(client, auth):
    response, body = _get(client, auth, "/api/v1/portals", status="dead", limit=0, version="x", contract="maybe")
    assert response.status_code == 400
    assert body["error"] == "invalid_request"
    assert set(body["details"]) == {"status", "limit", "version", "contract"}
    response, body = _get(client, auth, "/api/v1/portals", limit=500)
    assert response.status_code == 400 and "limit" in body["details"]
    response, body = _get(client, auth, "/api/v1/portals", cursor="!!nonsense")
    assert response.status_code == 400 and "cursor" in body["details"]
    response, body = _get(client, auth, "/api/v1/portals", cursor="WyJhIiwxXQ", offset=5)
    assert response.status_code == 400 and "cursor" in body["details"]
    response, body = _get(client, auth, "/api/v1/portals", q="x" * 101)
    assert response.status_code == 400 and "q" in body["details"]


def test_portal_detail_has_history_contracts_recent_tickets_and_no_secrets(client, auth, make_portal, make_contract,
                                                                          make_ticket, security_auth):
    portal = make_portal(domain="detail.test")
    portal.record("installed", None, "3")
    portal.record("domain_changed", "old.test", "detail.test")
    from database import db

    db.session.commit()
    today = date.today()
    make_contract(portal, number="C-OLD", valid_from=today - timedelta(days=800), valid_to=today - timedelta(days=400))
    make_contract(portal, number="C-NOW")
    ticket = make_ticket(portal)
    make_ticket(portal, category="vulnerability", number="TU-VULN-1")
    response, body = _get(client, auth, f"/api/v1/portals/{portal.member_id}")
    assert response.status_code == 200
    assert body["domain"] == "detail.test" and body["protocol"] == "https"
    assert [e["kind"] for e in body["history"]] == ["installed", "domain_changed"]
    assert body["history"][1]["old_value"] == "old.test"
    assert [c["number"] for c in body["contracts"]] == ["C-NOW", "C-OLD"]
    assert body["contract"]["number"] == "C-NOW" and body["contract_state"] == "active"
    assert [t["number"] for t in body["recent_tickets"]] == [ticket.number]  # the vulnerability report is private
    assert body["open_tickets"] == 1
    assert "secret" not in response.get_data(as_text=True).lower()
    allowed = client.get(f"/api/v1/portals/{portal.member_id}", headers=security_auth).get_json()
    assert allowed["open_tickets"] == 2 and "TU-VULN-1" in [t["number"] for t in allowed["recent_tickets"]]


def test_unknown_portal_is_404_json(client, auth):
    response, body = _get(client, auth, "/api/v1/portals/nope")
    assert response.status_code == 404
    assert body == {"error": "not_found", "error_description": "No portal with member_id nope."}
