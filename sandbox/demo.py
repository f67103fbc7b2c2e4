"""What a newcomer needs in the first minute of ``scripts/dev``: a support contract for the demo portal and a
staff account for the console. Sandbox mode only (``sandbox.init_app``); both are made once and found after.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import click
from flask import Blueprint, current_app
from sqlalchemy import or_, select
from werkzeug.security import check_password_hash

from b24.registry import find_portal
from console.staff import create_user
from contracts.models import Contract
from contracts.operations import create_contract
from database import db, utcnow
from staff.models import StaffUser

DEMO_SLUG = "demo"
DEMO_CONTRACT = "DEMO-001"
DEMO_STAFF_EMAIL = "demo@sandbox.test"

cli = Blueprint("sandbox_cli", __name__, cli_group="sandbox")
cli.cli.help = "The sandbox's demo data (SANDBOX=1 only)."


def ensure_demo_contract(member_id: str) -> bool:
    """Give the demo portal an active contract once the app has registered it; True when one is on record."""
    portal = find_portal(member_id)
    if portal is None:
        return False  # not installed yet: the contract follows the first install
    exists = db.session.execute(
        select(Contract.id).where(or_(Contract.portal_id == portal.id, Contract.number == DEMO_CONTRACT)).limit(1)
    ).first()
    if exists:
        return True
    today = utcnow().date()
    create_contract({
        "number": DEMO_CONTRACT, "customer": "Demo customer (sandbox)", "portal": portal.member_id,
        "valid_from": today.isoformat(), "valid_to": (today + timedelta(days=365)).isoformat(),
        "reaction_hours": "24", "responsible_email": "", "responsible_telegram": "",
    })
    db.session.commit()
    return True


def demo_password() -> str:
    """The demo account's password: derived from SECRET_KEY, so it is the same after every restart, stored nowhere."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return "demo-" + hmac.new(secret, b"sandbox demo staff", hashlib.sha256).hexdigest()[:12]


@cli.cli.command("demo-staff")
def demo_staff_command() -> None:
    """Create the console's demo staff account if needed and print how to sign in."""
    password = demo_password()
    user = db.session.execute(select(StaffUser).where(StaffUser.email == DEMO_STAFF_EMAIL)).scalar_one_or_none()
    if user is None:
        create_user(DEMO_STAFF_EMAIL, "Demo Staff", password, can_see_vulnerabilities=True)
        db.session.commit()
    elif not check_password_hash(user.password_hash, password):
        click.echo(f"  Console sign-in: {DEMO_STAFF_EMAIL} (its password was changed; not shown)")
        return
    click.echo(f"  Console sign-in:          {DEMO_STAFF_EMAIL} / {password}")
