"""Bearer tokens: created once by the CLI, stored only as a hash, refused when missing, unknown or revoked."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from api.models import ApiToken
from database import db


def _created_token(output: str) -> str:
    return output.strip().splitlines()[-1].strip()


def test_create_token_prints_it_once_and_stores_only_its_hash(app, runner):
    result = runner.invoke(args=["api", "create-token", "ci robot"])
    assert result.exit_code == 0, result.output
    plain = _created_token(result.output)
    assert plain.startswith("b24d_") and len(plain) > 40
    with app.app_context():
        token = db.session.execute(select(ApiToken)).scalar_one()
        assert token.name == "ci robot"
        assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
        assert plain not in (token.prefix, token.name, token.token_hash)
        assert plain.startswith(token.prefix)
    listing = runner.invoke(args=["api", "list-tokens"])
    assert "ci robot" in listing.output and token.prefix in listing.output
    assert plain not in listing.output


def test_create_token_refuses_an_empty_name(app, runner):
    result = runner.invoke(args=["api", "create-token", "  "])
    assert result.exit_code != 0
    assert "needs a name" in result.output
    with app.app_context():
        assert db.session.execute(select(ApiToken)).first() is None


def test_a_created_token_opens_the_api_and_records_its_use(app, runner, client):
    plain = _created_token(runner.invoke(args=["api", "create-token", "reader"]).output)
    response = client.get("/api/v1/portals", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.execute(select(ApiToken)).scalar_one().last_used_at is not None


def test_no_token_is_401_json_with_bearer_challenge(client):
    for path in ("/api/v1/portals", "/api/v1/portals/x", "/api/v1/tickets", "/api/v1/tickets/TU-1"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        body = response.get_json()
        assert body["error"] == "invalid_request" and "Bearer" in body["error_description"]
    response = client.post("/api/v1/tickets/TU-1/status", json={"status": "closed"})
    assert response.status_code == 401


def test_wrong_scheme_and_unknown_token_are_401(client, api_token):
    assert client.get("/api/v1/portals", headers={"Authorization": f"Basic {api_token}"}).status_code == 401
    response = client.get("/api/v1/portals", headers={"Authorization": "Bearer b24d_not-a-real-token"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_revoked_token_is_401(app, runner, client):
    plain = _created_token(runner.invoke(args=["api", "create-token", "leaving"]).output)
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/tickets", headers=headers).status_code == 200
    with app.app_context():
        token_id = db.session.execute(select(ApiToken.id)).scalar_one()
    result = runner.invoke(args=["api", "revoke-token", str(token_id)])
    assert result.exit_code == 0 and "revoked" in result.output
    response = client.get("/api/v1/tickets", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"
    line = [row for row in runner.invoke(args=["api", "list-tokens"]).output.splitlines() if "leaving" in row][0]
    assert not line.rstrip().endswith(" -")  # the REVOKED column holds a date now
    assert runner.invoke(args=["api", "revoke-token", "999"]).exit_code != 0


def test_openapi_document_needs_no_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_unknown_api_path_and_method_answer_json(client, auth):
    response = client.get("/api/v1/nothing", headers=auth)
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    response = client.delete("/api/v1/portals", headers=auth)
    assert response.status_code == 405 and "error" in response.get_json()


def test_a_token_acts_for_a_named_staff_member_and_dies_with_their_account(app, runner, client, make_staff):
    refused = runner.invoke(args=["api", "create-token", "ghost", "--staff", "nobody@vendor.test"])
    assert refused.exit_code != 0 and "No staff account" in refused.output
    staff = make_staff("Agent@Vendor.test".lower())
    created = runner.invoke(args=["api", "create-token", "agent", "--staff", "AGENT@vendor.test"])
    assert created.exit_code == 0, created.output
    headers = {"Authorization": f"Bearer {_created_token(created.output)}"}
    assert "agent@vendor.test" in runner.invoke(args=["api", "list-tokens"]).output
    assert client.get("/api/v1/tickets", headers=headers).status_code == 200
    staff.active = False
    db.session.commit()
    response = client.get("/api/v1/tickets", headers=headers)
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_token"
