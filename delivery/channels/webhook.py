"""A signed JSON POST to an external incident store: `X-Signature: sha256=<HMAC of the body>`, `Idempotency-Key`."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from flask import current_app

from delivery.channels.base import Channel, Outgoing
from delivery.channels.http import post


def body(message: Outgoing) -> bytes:
    """The same bytes on every re-send of a message, so its signature and content never differ between tries."""
    payload = message.payload
    document = {
        "idempotency_key": message.idempotency_key,
        "event": message.event,
        "ticket": payload["ticket"],
        "reply": payload.get("reply"),
        "status": payload.get("status"),
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, raw: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


class Webhook(Channel):
    name = "webhook"

    def enabled(self, config: dict[str, Any]) -> bool:
        return bool(config["WEBHOOK_URL"])

    def secrets(self, config: dict[str, Any]) -> list[str]:
        return [config["WEBHOOK_SECRET"]]

    def send(self, message: Outgoing) -> None:
        config = current_app.config
        raw = body(message)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": message.idempotency_key,
            "X-Event": message.event,
            "User-Agent": f"{config['VENDOR_APP_NAME']}-support-desk",
        }
        if config["WEBHOOK_SECRET"]:
            headers["X-Signature"] = signature(config["WEBHOOK_SECRET"], raw)
        post(config["WEBHOOK_URL"], "webhook", float(config["WEBHOOK_TIMEOUT"]), data=raw, headers=headers)
