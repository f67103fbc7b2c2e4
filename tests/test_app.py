"""The factory, health check and the page shown outside a portal."""


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_opening_the_app_outside_bitrix24_explains_where_it_lives(client):
    response = client.get("/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "opens inside a Bitrix24 portal" in response.get_data(as_text=True)


def test_frame_request_without_fields_is_refused_with_a_clear_message(client):
    response = client.post("/", data={})
    assert response.status_code == 400
    assert "AUTH_ID" in response.get_data(as_text=True)


def test_unknown_path_answers_404_as_json_for_api_clients(client):
    response = client.get("/nowhere", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_error_pages_keep_the_headers_the_error_carries(client):
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_a_public_deployment_refuses_the_development_secret_key(app_config):
    import pytest

    from app import create_app

    app_config.update(PUBLIC_URL="https://support.vendor.example", SECRET_KEY="dev-only-change-me")
    with pytest.raises(RuntimeError, match="Set SECRET_KEY"):
        create_app(app_config)


def test_the_sandbox_refuses_to_run_on_a_public_https_address(app_config):
    import pytest

    from app import create_app

    app_config.update(PUBLIC_URL="https://support.vendor.example", SANDBOX=True)
    with pytest.raises(RuntimeError, match="SANDBOX is for development"):
        create_app(app_config)
