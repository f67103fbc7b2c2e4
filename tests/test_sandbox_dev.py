"""The sandbox as ``scripts/dev`` mounts it: it remembers, its demo portal is a cloud portal with a contract, the
console has a demo account, and its Mail page shows what the app sent (and nothing outside its folder)."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from app import create_app
from contracts.eligibility import eligibility, is_box_domain
from contracts.models import Contract
from database import db
from sandbox import demo, mailbox, persist
from sandbox.state import SandboxPortal
from tests.support_factories import make_portal


@dataclass
class Bucket:
    level: float = 0.0


@dataclass
class NewerPortal:
    """A portal as another branch may grow it: new plain fields, a nested dataclass, int-keyed maps."""

    member_id: str
    scopes: list[str] = field(default_factory=lambda: ["crm"])
    paid_until: str | None = None
    bucket: Bucket = field(default_factory=Bucket)
    users: dict[int, Bucket] = field(default_factory=dict)


def test_persistence_writes_every_field_generically_and_defaults_what_an_older_file_lacks():
    portal = NewerPortal("m1", scopes=["crm", "pay_system"], paid_until="2027-01-01", bucket=Bucket(1.5),
                         users={7: Bucket(2.0)})
    assert persist.decode(persist.encode(portal), NewerPortal) == portal
    older = {"member_id": "m2"}  # written before the new fields existed
    assert persist.decode(older, NewerPortal) == NewerPortal("m2")
    sandbox_portal = persist.decode({"member_id": "m3", "slug": "x", "domain": "x.bitrix24.test"}, SandboxPortal)
    assert sandbox_portal.deals and sandbox_portal.lang == "ru"


def test_a_value_json_cannot_hold_is_left_out_and_an_unreadable_file_is_kept_aside(tmp_path):
    import threading

    from sandbox.state import SandboxState

    @dataclass
    class WithLock:
        name: str
        guard: object = field(default_factory=threading.Lock)

    assert persist.encode(WithLock("x")) == {"name": "x"}
    saved = tmp_path / "sandbox.json"
    saved.write_text("{not json")
    state = SandboxState("http://127.0.0.1/sandbox", "c", "s", "http://127.0.0.1")
    assert persist.Keeper(state, saved).load() is False and state.portals == {}
    assert (tmp_path / "sandbox.json.unreadable").read_text() == "{not json" and not saved.exists()


def _dev_app(app_config, directory):
    """The app as scripts/dev starts it: SANDBOX on, SQLite in ``directory``."""
    app = create_app({**app_config, "SANDBOX": True, "DATABASE_URL": f"sqlite:///{directory}/desk.sqlite3"})
    with app.app_context():
        db.create_all()
    return app


def test_the_sandbox_remembers_its_portals_and_the_demo_portal_is_a_cloud_portal(app_config, tmp_path):
    first = _dev_app(app_config, tmp_path)
    demo_portal = first.extensions["sandbox"].by_slug("demo")
    saved = tmp_path / "sandbox.json"
    assert saved.is_file() and stat.S_IMODE(os.stat(saved).st_mode) == 0o600  # it holds tokens
    grant = first.extensions["sandbox"].issue(demo_portal, 1)
    first.test_client().get("/sandbox/")  # a sandbox request writes what changed

    again = _dev_app(app_config, tmp_path)
    state = again.extensions["sandbox"]
    assert [p.member_id for p in state.portals.values()] == [demo_portal.member_id]
    assert state.grant_for(grant.access_token) is not None
    assert state.refresh(grant.refresh_token) is not None  # the refresh token still works after the restart
    with again.app_context():
        assert not is_box_domain("demo.bitrix24.test")
        registered = make_portal("demo.bitrix24.test", member_id=demo_portal.member_id)
        assert eligibility(registered).box is False


def test_outside_sandbox_mode_the_test_zone_is_a_box_portal(app):
    with app.app_context():
        assert is_box_domain("demo.bitrix24.test")
        assert not is_box_domain("shop.bitrix24.ru")
    assert "bitrix24.test" not in app.config["B24_CLOUD_DOMAINS"]


def test_the_demo_contract_is_made_once_and_the_demo_account_signs_in(app_config, tmp_path):
    app = _dev_app(app_config, tmp_path)
    member = app.extensions["sandbox"].by_slug("demo").member_id
    with app.app_context():
        assert demo.ensure_demo_contract(member) is False  # not installed yet: nothing to attach it to
        portal = make_portal("demo.bitrix24.test", member_id=member)
        assert demo.ensure_demo_contract(member) and demo.ensure_demo_contract(member)
        (contract,) = db.session.execute(select(Contract)).scalars().all()
        assert contract.number == demo.DEMO_CONTRACT and contract.portal_id == portal.id
        assert eligibility(portal).contract_active
    runner = app.test_cli_runner()
    once, twice = (runner.invoke(args=["sandbox", "demo-staff"]).output for _ in range(2))
    assert once == twice
    email, password = re.search(r"(\S+@\S+) / (\S+)", once).groups()
    client = app.test_client()
    page = client.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    signed_in = client.post("/console/login", data={"email": email, "password": password, "csrf_token": token})
    assert signed_in.status_code == 302
    with app.app_context():
        from staff.models import StaffUser

        assert db.session.execute(select(func.count()).select_from(StaffUser)).scalar_one() == 1


@pytest.fixture
def caught(app_config, tmp_path):
    app = _dev_app(app_config, tmp_path)
    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"] = "[TU-2026-000001] Заявка зарегистрирована", "s@v.test", "anna@a.test"
    mail.set_content("Номер TU-2026-000001")
    mail.add_alternative("<p>Номер <b>TU-2026-000001</b></p><script>alert(1)</script>", subtype="html")
    mail["Content-Language"] = "ru"  # after the body, as delivery/channels/email.py does
    stored = mailbox.store(mailbox.mail_dir(tmp_path), mail.as_bytes(), ["anna@a.test"])
    return app.test_client(), stored.name


def test_the_mail_page_lists_each_message_with_its_text_and_html(caught):
    client, name = caught
    listing = client.get("/sandbox/mail?lang=ru").get_data(as_text=True)
    assert "TU-2026-000001" in listing and "anna@a.test" in listing and ">ru<" in listing
    message = client.get(f"/sandbox/mail/{name}").get_data(as_text=True)
    assert "Номер TU-2026-000001" in message and f"/sandbox/mail/{name}/html" in message


def test_the_mail_html_cannot_run_scripts_and_no_name_reaches_outside_the_folder(caught, tmp_path):
    client, name = caught
    html = client.get(f"/sandbox/mail/{name}/html")
    policy = html.headers["Content-Security-Policy"]
    assert policy.startswith("default-src 'none';") and "script-src" not in policy  # scripts fall back to none
    (tmp_path / "secret.eml").write_text("Subject: secret\n\nno")
    for bad in ("..%2Fsecret.eml", "../sandbox.json", "secret.eml", ".%2E%2Fdesk.sqlite3", "x" * 300):
        response = client.get(f"/sandbox/mail/{bad}")
        assert response.status_code == 404, bad
