"""/api/v1/openapi.json is generated from the routes and their schemas: complete, and the refusals keep one shape."""

from __future__ import annotations

from api.views import bp


def _document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_every_api_route_is_documented_with_its_parameters_answers_and_the_bearer_scheme(app, client):
    document = _document(client)
    assert document["security"] == [{"bearer": []}]
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": "A token from `flask api create-token NAME`."}
    routes = {(rule.rule.replace("<", "{").replace(">", "}"), method.lower())
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith(f"{bp.name}.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in document["paths"].items() for method in item
                  if method != "parameters"}
    assert routes == documented and len(routes) == 6
    error = {"$ref": "#/components/schemas/Error"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            answers = operation["responses"]
            assert "401" in answers and operation["summary"], (path, method)
            for status, answer in answers.items():
                if status.startswith(("4", "5")):
                    assert answer["content"]["application/json"]["schema"] == error, (path, method, status)
    listing = document["paths"]["/api/v1/tickets"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {
        "status", "portal", "category", "overdue", "assignee_id", "q", "limit", "offset", "cursor"}
    body = document["paths"]["/api/v1/tickets/{number}/replies"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ReplyInput"}
    kinds = document["components"]["schemas"]["ReplyInput"]["discriminator"]["mapping"]
    assert "note" in kinds and "fixed_in_version" in kinds
    assert document["components"]["schemas"]["Error"]["required"] == ["error", "error_description"]


def test_pages_outside_the_api_keep_their_own_error_pages(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_odd_inputs_are_refused_with_a_named_reason(client, auth, make_portal, make_ticket):
    ticket = make_ticket(make_portal())
    url = f"/api/v1/tickets/{ticket.number}/replies"
    response = client.post(url, headers=auth, json={"kind": "planned_release", "data": {"date": "2027-01-15\n"}})
    assert response.status_code == 422 and set(response.get_json()["details"]) == {"data.date"}
    response = client.post(url, headers={**auth, "Content-Type": "application/json"}, data="")
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_json"
    response = client.get("/api/v1/tickets?=x&limit=1.0&overdue=yes", headers=auth)
    body = response.get_json()
    assert response.status_code == 400 and body["error"] == "invalid_request"
    assert body["details"] == {"(empty)": "unknown parameter", "limit": "must be a whole number",
                               "overdue": "must be true or false"}
    response = client.get(f"/api/v1/tickets/{ticket.number}?verbose=1", headers=auth)
    assert response.status_code == 400 and response.get_json()["details"] == {"verbose": "unknown parameter"}
