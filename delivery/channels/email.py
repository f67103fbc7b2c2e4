"""Email over SMTP (STARTTLS, SSL or plain), text + HTML, threaded per ticket, Message-ID from the idempotency key."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr
from typing import Any

from flask import current_app

from delivery.channels.base import Channel, DeliveryFailed, Outgoing
from delivery.render import render

DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "plain": 25}


def _clean(value: str, what: str) -> str:
    """Header values come partly from user data: a CR or LF would let it add headers of its own."""
    if "\r" in value or "\n" in value:
        raise DeliveryFailed(f"refused: line break in the {what} header", permanent=True)
    return value


def _domain(config: dict[str, Any]) -> str:
    address = parseaddr(config["MAIL_FROM"])[1]
    return address.rpartition("@")[2] or "localhost"


def thread_root(number: str, audience: str, domain: str) -> str:
    """The Message-ID of a ticket thread's first mail; every later mail to that audience refers to it."""
    return f"<{number}.{audience}@{domain}>"


def message_id(message: Outgoing, domain: str) -> str:
    """Deterministic from the idempotency key: a re-send carries the same Message-ID, so clients drop it."""
    if message.event == "ticket_created":
        return thread_root(message.number, message.payload["audience"], domain)
    digest = hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}.{message.number}@{domain}>"


def build(message: Outgoing, config: dict[str, Any]) -> EmailMessage:
    rendered = render(message.payload["template"], message.payload)
    domain = _domain(config)
    mail = EmailMessage()
    mail["From"] = _clean(config["MAIL_FROM"], "From")
    name, address = parseaddr(_clean(message.recipient, "To"))
    if "@" not in address:
        raise DeliveryFailed("refused: the recipient is not an email address", permanent=True)
    mail["To"] = formataddr((name, address))
    mail["Subject"] = _clean(f"[{message.number}] {rendered.subject}", "Subject")
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id(message, domain)
    if message.event != "ticket_created":
        root = thread_root(message.number, message.payload["audience"], domain)
        mail["In-Reply-To"] = root
        mail["References"] = root
    mail["X-Ticket-Number"] = _clean(message.number, "X-Ticket-Number")
    mail["Idempotency-Key"] = message.idempotency_key
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(rendered.text)
    mail.add_alternative(rendered.html, subtype="html")
    mail["Content-Language"] = message.payload["lang"]  # after the body: set_content drops Content-* headers
    return mail


class Email(Channel):
    name = "email"

    def enabled(self, config: dict[str, Any]) -> bool:
        return bool(config["SMTP_HOST"] and config["MAIL_FROM"])

    def secrets(self, config: dict[str, Any]) -> list[str]:
        return [config["SMTP_PASSWORD"]]

    def send(self, message: Outgoing) -> None:
        config = current_app.config
        mail = build(message, config)
        security = (config["SMTP_SECURITY"] or "starttls").lower()
        port = int(config["SMTP_PORT"] or DEFAULT_PORTS.get(security, 587))
        timeout = float(config["SMTP_TIMEOUT"])
        tls = ssl.create_default_context(cafile=config["SMTP_CA_FILE"] or None)  # verifies host and certificate
        try:
            if security == "ssl":
                smtp = smtplib.SMTP_SSL(config["SMTP_HOST"], port, timeout=timeout, context=tls)
            else:
                smtp = smtplib.SMTP(config["SMTP_HOST"], port, timeout=timeout)
            with smtp:
                if security == "starttls":
                    smtp.starttls(context=tls)
                if config["SMTP_USER"]:
                    smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
                smtp.send_message(mail)
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryFailed(f"SMTP login refused ({exc.smtp_code})") from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = {code for code, _ in exc.recipients.values()}
            raise DeliveryFailed(f"SMTP refused the recipient ({', '.join(map(str, codes))})",
                                 permanent=all(c >= 500 for c in codes)) from None
        except smtplib.SMTPResponseException as exc:
            # 4xx is "try later"; 5xx is a refusal that a retry will only repeat.
            raise DeliveryFailed(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}",
                                 permanent=exc.smtp_code >= 500) from None
        except TimeoutError:
            raise DeliveryFailed(f"SMTP timed out after {timeout:g}s") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"SMTP {type(exc).__name__}: {exc}") from None


def _text(value: bytes | str) -> str:
    return (value.decode(errors="replace") if isinstance(value, bytes) else value)[:200]
