"""Filing tickets the way the Support form does, for the HTTP benchmark and the load and fault tests."""

from __future__ import annotations

import html
import re
import secrets
from datetime import date, timedelta
from typing import Any
from urllib.parse import urljoin

import requests

FORM_ACTION = re.compile(r'<form id="support-form"[^>]*action="([^"]+)"', re.S)
FILED = re.compile(r"/requests/([^/?]+)/filed")
PLACEMENT, DEAL = "CRM_DEAL_DETAIL_TOOLBAR", {"ID": "8061"}


def _app(setup):
    from app import create_app

    return create_app({"DATABASE_URL": setup.env["DATABASE_URL"], "SECRET_KEY": setup.env["SECRET_KEY"],
                       "LOG_LEVEL": "WARNING"})


def give_contracts(setup) -> None:
    """An active support contract for every installed portal, so the form accepts error reports."""
    from b24.lifecycle import portal_by_member
    from contracts.models import Contract
    from database import db

    app = _app(setup)
    with app.app_context():
        for n, sandbox_portal in enumerate(setup.portals):
            portal = portal_by_member(sandbox_portal.member_id)
            if db.session.execute(db.select(Contract).where(Contract.portal_id == portal.id)).first():
                continue
            db.session.add(Contract(number=f"SUP-LOAD-{n:03d}", portal_id=portal.id, customer=f"Customer {n}",
                                    valid_from=date.today() - timedelta(days=30),
                                    valid_to=date.today() + timedelta(days=300)))
        db.session.commit()
        db.engine.dispose()


def open_form(setup, n: int, user: int = 1) -> str:
    """Open the Support placement as portal ``n % portals`` does and return the form's (single-use) action URL."""
    portal = setup.portals[n % len(setup.portals)]
    url, form = setup.sandbox.frame(portal, PLACEMENT, options=DEAL, user=user)
    page = requests.post(url, data=form, timeout=60)
    if page.status_code != 200:
        raise RuntimeError(f"the placement answered {page.status_code}: {page.text[:300]}")
    return form_action(page)


def form_action(page: requests.Response) -> str:
    """The absolute action URL of the Support page's request form."""
    match = FORM_ACTION.search(page.text)
    if not match:
        raise RuntimeError("no request form on the Support page")
    return urljoin(page.url, html.unescape(match.group(1)))


def contract_number(setup, n: int) -> str:
    """The contract give_contracts() recorded for the portal filing request ``n``."""
    return f"SUP-LOAD-{n % len(setup.portals):03d}"


def fields(n: int, contract: str) -> dict[str, str]:
    return {
        "category": "error",
        "contract_number": contract,
        "operator": "payme",
        "operator_connection": f"merchant_id=load-{n}; secret_key=LOAD-SECRET-{n:04d}",
        "what_done": f"Load request {n}: opened a deal and pressed Send invoice.",
        "what_expected": "The customer receives a payment link.",
        "what_obtained": "The button spins forever.",
        "video_url": f"https://video.example/load-{n}",
        "contact_email": f"user{n}@load.example",
        "contact_telegram": "",
        "contact_phone": "",
        "page": "https://portal.example/crm/deal/details/8061/",
    }


def submission(setup, n: int) -> list[tuple[str, Any]]:
    """The multipart parts a browser sends: every field, an unchosen video input, the marker after it."""
    values = fields(n, contract_number(setup, n))
    parts: list[tuple[str, Any]] = [(name, (None, value)) for name, value in values.items()]
    parts.append(("video", ("", b"", "application/octet-stream")))
    parts.append(("after_video", (None, "1")))
    return parts


def file_ticket(setup, n: int, session: requests.Session | None = None) -> requests.Response:
    """Open the form and send it; the answer is the 303 to the filed page (not followed)."""
    action = open_form(setup, n)
    return (session or requests).post(action, files=submission(setup, n), timeout=120, allow_redirects=False)


def number_of(response: requests.Response) -> str | None:
    match = FILED.search(response.headers.get("Location", "") or response.url)
    return match.group(1) if match else None


def api_token(setup) -> str:
    """A bearer token for /api/v1."""
    from api.tokens import issue
    from database import db

    app = _app(setup)
    with app.app_context():
        _, secret = issue("bench")
        db.session.commit()
        db.engine.dispose()
    return secret


def console_session(setup) -> dict[str, str]:
    """Headers carrying a signed-in console session (a staff account made for the benchmark)."""
    from console.staff import create_user
    from database import db

    email = f"bench-{secrets.token_hex(4)}@vendor.example"
    app = _app(setup)
    with app.app_context():
        create_user(email, "Bench", "bench-password-1234")
        db.session.commit()
        db.engine.dispose()
    browser = requests.Session()
    login = browser.get(f"{setup.gunicorn.url}/console/login", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    if token is None:
        raise RuntimeError("the console login page carries no CSRF field")
    signed_in = browser.post(f"{setup.gunicorn.url}/console/login", timeout=30, allow_redirects=False,
                             data={"email": email, "password": "bench-password-1234",
                                   "csrf_token": html.unescape(token.group(1))})
    if signed_in.status_code != 302:
        raise RuntimeError(f"console sign-in answered {signed_in.status_code}")
    return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in browser.cookies)}
