"""Turning a message's stored facts into words: subject, plain text and HTML from templates/email/."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale

from i18n import label, pick_language


@dataclass
class Rendered:
    subject: str
    text: str
    html: str


def _context(payload: dict[str, Any], lang: str) -> dict[str, Any]:
    ticket = payload["ticket"]
    config = current_app.config
    status = (payload.get("status") or {}).get("to") or ticket["status"]
    return {
        "lang": lang,
        "ticket": ticket,
        "reply": payload.get("reply"),
        "status_name": label(f"delivery_status_{status}"),
        "category_name": label(f"delivery_category_{ticket['category']}"),
        "app_name": config["VENDOR_APP_NAME"],
        "vendor_name": config["VENDOR_NAME"],
    }


def render(template: str, payload: dict[str, Any], lang: str | None = None, html: bool = True) -> Rendered:
    """Render ``templates/email/<template>.txt`` (and ``.html``) in ``lang`` (default: the payload's)."""
    lang = pick_language(lang or payload.get("lang"))
    with force_locale(lang):  # the recipient's language, whatever the request (or worker) speaks
        context = _context(payload, lang)
        subject = label(f"mail_subject_{template}", portal=payload["ticket"]["portal"] or "-",
                        status=context["status_name"])
        text = render_template(f"email/{template}.txt", **context)
        body_html = render_template(f"email/{template}.html", **context) if html else ""
    return Rendered(subject=subject, text=text.strip() + "\n", html=body_html)
