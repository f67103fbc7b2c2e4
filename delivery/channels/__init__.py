"""The registry of channels by name (one module per channel, each behind delivery.channels.base.Channel)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from delivery.channels.base import Channel, DeliveryFailed, Outgoing
from delivery.channels.bitrix24 import VendorBitrix24
from delivery.channels.email import Email
from delivery.channels.telegram import Telegram
from delivery.channels.webhook import Webhook
from redactor import redact_text

__all__ = ["Channel", "DeliveryFailed", "Outgoing", "configured_secrets", "get", "ordered_channels", "redact"]


def registry() -> dict[str, Channel]:
    return {c.name: c for c in (Email(), Telegram(), Webhook(), VendorBitrix24())}


CHANNELS: dict[str, Channel] = {}


def get(name: str) -> Channel:
    if not CHANNELS:
        CHANNELS.update(registry())
    return CHANNELS[name]


def ordered_channels() -> list[str]:
    get("email")
    return [name for name, channel in CHANNELS.items() if channel.ordered]


def configured_secrets(config: dict[str, Any]) -> list[str]:
    get("email")
    return [secret for channel in CHANNELS.values() for secret in channel.secrets(config) if secret]


def redact(text: str) -> str:
    """``text`` through the one redactor, every channel's configured secret included (errors from HTTP libraries
    quote URLs with tokens in them)."""
    return redact_text(text, configured_secrets(current_app.config))
