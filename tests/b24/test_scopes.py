"""Scopes are one fact: B24_SCOPES covers what the app binds and calls, or the app does not start."""

from __future__ import annotations

import re

import pytest

from app import create_app
from b24.scopes import ScopeMisconfigured, allows, needed, placement_scope


def test_the_default_scopes_start_the_app(app):
    assert app.config["B24_SCOPES"] == "crm,placement,user_basic"


@pytest.mark.parametrize(("placements", "scopes", "says"), [
    ("CRM_DEAL_DETAIL_TOOLBAR,USER_PROFILE_MENU", "crm,placement,user_basic",
     "placement USER_PROFILE_MENU needs the scope `user`"),
    ("CRM_DEAL_DETAIL_TOOLBAR", "placement,user_basic", "placement CRM_DEAL_DETAIL_TOOLBAR needs the scope `crm`"),
    ("CRM_DEAL_DETAIL_TOOLBAR", "crm,placement,user_brief", "user.current needs the scope `user_basic`"),
    ("SOMETHING_ELSE", "crm,placement,user_basic", "placement SOMETHING_ELSE is not one the app knows"),
])
def test_a_placement_or_method_outside_the_declared_scopes_stops_the_start(app_config, placements, scopes, says):
    with pytest.raises(ScopeMisconfigured) as refused:
        create_app({**app_config, "B24_PLACEMENTS": placements, "B24_SCOPES": scopes})
    assert says in str(refused.value)
    assert "Declare " in str(refused.value)  # and it names the list that would do


def test_a_wider_scope_covers_the_narrower_ones(app_config):
    started = create_app({**app_config, "B24_PLACEMENTS": "CRM_DEAL_DETAIL_TOOLBAR,USER_PROFILE_MENU",
                          "B24_SCOPES": "crm,placement,user"})
    assert started.config["B24_SCOPES"] == "crm,placement,user"
    assert needed(["CRM_DEAL_DETAIL_TOOLBAR", "USER_PROFILE_MENU"]) == ["crm", "placement", "user"]


def test_the_placement_table():
    assert placement_scope("CRM_LEAD_DETAIL_TOOLBAR") == "crm"
    assert placement_scope("user_profile_toolbar") == "user"
    assert placement_scope("LEFT_MENU") == "placement"
    assert allows(["crm"], "CRM_DEAL_DETAIL_TAB") and not allows(["user_basic"], "USER_PROFILE_MENU")


def test_the_contact_email_is_prefilled_from_user_current(app, sandbox):
    acme = sandbox.add_portal("acme", lang="en")
    sandbox.install(acme)
    page = sandbox.open(acme, "CRM_DEAL_DETAIL_TOOLBAR", options={"ID": "8061"})
    assert page.status_code == 200
    field = re.search(r'<input[^>]*name="contact_email"[^>]*>', page.text).group(0)
    assert f'value="{acme.admin.email}"' in field
