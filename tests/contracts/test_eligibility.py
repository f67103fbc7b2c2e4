"""Policy §2 eligibility: contract by date, recommended operator, box portal reachability, licence."""

from __future__ import annotations

from datetime import timedelta

from contracts.eligibility import eligibility, is_box_domain
from contracts.models import Operator
from database import db, utcnow
from tests.support_factories import make_contract, make_portal
from tickets.filing import open_categories


def test_active_contract_is_found_by_date_and_allows_every_category(app):
    with app.app_context():
        portal = make_portal()
        make_contract(portal, "OLD-1", active=False)
        make_contract(portal, "NOW-1", active=True)
        result = eligibility(portal, "payme")
        assert result.contract_active is True
        assert result.contract_number == "NOW-1"
        assert open_categories(result) == ("error", "consultation", "vulnerability", "contract")
        assert result.operator_recommended is True
        assert result.eligible is True


def test_expired_contract_leaves_only_the_contract_question(app):
    with app.app_context():
        portal = make_portal()
        old = make_contract(portal, "OLD-2", active=False)
        result = eligibility(portal)
        assert result.contract_active is False
        assert result.contract_expired_on == old.valid_to
        assert open_categories(result) == ("contract",)
        assert result.eligible is False


def test_another_portals_contract_does_not_count(app):
    with app.app_context():
        mine, other = make_portal(), make_portal()
        make_contract(other, "THEIRS")
        result = eligibility(mine)
        assert result.contract is None and result.contract_active is False


def test_operators_come_from_the_table_and_fall_back_to_the_setting(app):
    with app.app_context():
        portal = make_portal()
        assert [op.code for op in eligibility(portal).recommended_operators] == ["payme", "click", "uzum", "paynet"]
        assert eligibility(portal, "Click").operator_recommended is True
        assert eligibility(portal, "SomeBank").operator_recommended is False
        assert eligibility(portal).operator_recommended is None
        db.session.add_all([Operator(code="alif", name="Alif", recommended=True),
                            Operator(code="payme", name="Payme", recommended=False)])
        db.session.commit()
        result = eligibility(portal, "payme")
        assert [op.code for op in result.recommended_operators] == ["alif"]
        assert result.operator_recommended is False


def test_cloud_and_box_domains(app):
    with app.app_context():
        assert not is_box_domain("shop.bitrix24.ru")
        assert not is_box_domain("acme.bitrix24.com")
        assert not is_box_domain("firma.bitrix24.de:443")
        assert is_box_domain("crm.acme.uz")
        assert is_box_domain("127.0.0.1:8080")
        assert is_box_domain("bitrix24.ru.evil.example")


def test_box_portal_reachability_follows_the_last_rest_call(app):
    with app.app_context():
        fresh = make_portal("crm.fresh.uz")
        stale = make_portal("crm.stale.uz", last_seen_at=utcnow() - timedelta(days=60))
        failed = make_portal("crm.failed.uz", last_seen_at=utcnow() - timedelta(hours=2),
                             token_failed_at=utcnow() - timedelta(hours=1))
        cloud = make_portal("never.bitrix24.ru", last_seen_at=None)
        assert eligibility(fresh).box and eligibility(fresh).reachable is True
        assert eligibility(stale).reachable is False
        assert eligibility(failed).reachable is False
        assert eligibility(stale, reached_now=True).reachable is True
        assert eligibility(fresh, reached_now=False).reachable is False
        assert eligibility(cloud).box is False and eligibility(cloud).reachable is True


def test_licence_is_known_only_when_the_portal_reported_one(app):
    with app.app_context():
        assert eligibility(make_portal()).licensed is None
        assert eligibility(make_portal(license="ru_basic", license_family="basic")).licensed is True
