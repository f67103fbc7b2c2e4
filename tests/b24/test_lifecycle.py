"""Updates, token refresh, domain moves and uninstalls, driven by the sandbox exactly as the platform does."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from b24.models import Portal, PortalEvent
from database import db

ROOT = Path(__file__).resolve().parents[2]


def _portal(app, member_id: str) -> Portal:
    with app.app_context():
        portal = db.session.execute(select(Portal).where(Portal.member_id == member_id)).scalar_one()
        history = [(e.kind, e.old_value, e.new_value, e.detail) for e in portal.history]
        db.session.expunge(portal)
        portal.events_seen = history
        return portal


def _flask(app, *args: str) -> subprocess.CompletedProcess:
    """Run the app's CLI in a separate process on the same database and sandbox."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT, env=_env(app), capture_output=True, text=True, timeout=60,
    )


def _wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_update_records_version_change_and_binds_handlers_again(app, sandbox, live_app):
    acme = sandbox.add_portal("acme")
    sandbox.install(acme)

    responses = sandbox.update(acme, 2)

    assert [r.status_code for r in responses] == [200]
    portal = _portal(app, acme.member_id)
    assert portal.app_version == 2
    assert ("version_updated", "1", "2", None) in portal.events_seen
    # the platform dropped the handlers on update; the app binds them again after answering
    assert _wait_for(lambda: any(e["key"] == "ONAPPUNINSTALL" for e in acme.events))
    assert any(p["key"] == "CRM_DEAL_DETAIL_TOOLBAR" for p in acme.placements)


def test_expired_token_is_refreshed_once_and_persisted_for_other_processes(app, sandbox):
    acme = sandbox.add_portal("acme")
    sandbox.install(acme)
    before = _portal(app, acme.member_id)
    sandbox.expire_tokens(acme)

    # two processes find the token expired at the same moment
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "portals", "check", acme.member_id],
            cwd=ROOT, env=_env(app), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]

    assert [p.returncode for p in procs] == [0, 0], outputs
    assert all("version 1" in out for out, _ in outputs)
    assert len(sandbox.calls("oauth.token", "refresh_token")) == 1
    after = _portal(app, acme.member_id)
    assert after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token
    assert after.token_refreshed_at is not None
    # the stored token is the live one: a third process uses it without refreshing again
    result = _flask(app, "portals", "check", acme.member_id)
    assert result.returncode == 0, result.stderr
    assert len(sandbox.calls("oauth.token", "refresh_token")) == 1


def _env(app) -> dict[str, str]:
    return {
        **os.environ,
        "LC_ALL": "C.UTF-8",  # the tests read the commands' English (i18n.cli_language)
        "DATABASE_URL": app.config["DATABASE_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "B24_CLIENT_ID": app.config["B24_CLIENT_ID"],
        "B24_CLIENT_SECRET": app.config["B24_CLIENT_SECRET"],
        "B24_OAUTH_URL": app.config["B24_OAUTH_URL"],
        "B24_TRUSTED_OAUTH_URLS": "",
        "PUBLIC_URL": app.config["PUBLIC_URL"],
    }


def test_refused_refresh_flags_the_portal_instead_of_failing_forever(app, sandbox):
    acme = sandbox.add_portal("acme")
    sandbox.install(acme)
    sandbox.expire_tokens(acme)
    sandbox.revoke_refresh(acme)

    result = _flask(app, "portals", "check", acme.member_id)

    assert result.returncode != 0
    assert "refused" in result.stderr.lower()
    portal = _portal(app, acme.member_id)
    assert portal.needs_reauth and portal.token_health == "needs_reauth"
    assert portal.token_failure == "invalid_grant"
    # later calls fail fast without asking the OAuth server again
    calls = len(sandbox.calls("oauth.token"))
    again = _flask(app, "portals", "check", acme.member_id)
    assert again.returncode != 0 and "authorisation was refused" in again.stderr
    assert len(sandbox.calls("oauth.token")) == calls
    shown = _flask(app, "portals", "show", acme.member_id)
    assert "needs_reauth" in shown.stdout


def test_renamed_portal_is_followed_and_recorded(app, sandbox):
    acme = sandbox.add_portal("acme")
    sandbox.install(acme)
    sandbox.rename(acme, "acme-group")

    result = _flask(app, "portals", "check", acme.member_id)

    assert result.returncode == 0, result.stderr
    portal = _portal(app, acme.member_id)
    assert portal.domain == "acme-group.bitrix24.test"
    assert portal.client_endpoint == f"{sandbox.url}/p/acme-group/rest/"
    assert ("domain_changed", "acme.bitrix24.test", "acme-group.bitrix24.test", None) in portal.events_seen
    # and the next frame request from the new domain is accepted
    assert sandbox.open(acme).status_code == 200


def test_uninstall_without_clean_keeps_settings_and_drops_tokens(app, sandbox):
    acme = sandbox.add_portal("acme")
    sandbox.install(acme)
    with app.app_context():
        portal = db.session.execute(select(Portal)).scalar_one()
        portal.settings = {"contact": "ops@acme.test"}
        db.session.commit()

    responses = sandbox.uninstall(acme)

    assert [r.status_code for r in responses] == [200]
    portal = _portal(app, acme.member_id)
    assert portal.status == "uninstalled"
    assert portal.access_token is None and portal.refresh_token is None
    assert portal.settings == {"contact": "ops@acme.test"}
    assert portal.uninstalled_at is not None


def test_uninstall_with_clean_drops_app_settings(app, sandbox):
    acme = sandbox.add_portal("acme")
    sandbox.install(acme)
    with app.app_context():
        portal = db.session.execute(select(Portal)).scalar_one()
        portal.settings = {"contact": "ops@acme.test"}
        db.session.commit()

    sandbox.uninstall(acme, clean=True)

    portal = _portal(app, acme.member_id)
    assert portal.status == "uninstalled"
    assert portal.settings == {}
    assert ("uninstalled", None, None, "clean") in portal.events_seen


def test_portals_cli_lists_and_shows(app, sandbox, runner):
    acme = sandbox.add_portal("acme")
    sandbox.install(acme)
    listed = runner.invoke(args=["portals", "list"])
    assert "acme.bitrix24.test" in listed.output and "active" in listed.output
    shown = runner.invoke(args=["portals", "show", acme.member_id])
    assert "acme.bitrix24.test" in shown.output and "installed" in shown.output
    assert acme.application_token not in shown.output
    row = next(line for line in listed.output.splitlines() if acme.member_id in line)
    assert " 0d ok " in row  # token age and standing
    lines = dict(line.split(None, 1) if " " in line else (line, "") for line in shown.output.splitlines())
    assert lines["bound"].strip().startswith("CRM_DEAL_DETAIL_TOOLBAR, CRM_LEAD_DETAIL_TOOLBAR")
    assert lines["refused"].strip() == "-" and lines["standing"].strip() == "ok"
    missing = runner.invoke(args=["portals", "show", "nope"])
    assert missing.exit_code != 0 and "No portal with member_id nope" in missing.output


def test_history_lists_install_and_update(app, sandbox):
    acme = sandbox.add_portal("acme")
    sandbox.install(acme)
    sandbox.update(acme, 2)
    with app.app_context():
        kinds = db.session.execute(select(PortalEvent.kind).order_by(PortalEvent.id)).scalars().all()
    assert kinds[:3] == ["created", "installed", "install_event"]
    assert "version_updated" in kinds
