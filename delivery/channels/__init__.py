"""The channel interface, the message a channel sends, and the registry of channels by name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from flask import current_app

from redactor import redact_text


class DeliveryFailed(Exception):
    """A send did not go through. ``permanent`` failures go dead at once: retrying cannot help."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass
class Outgoing:
    """One outbox message as a channel sees it, detached from the database session."""

    id: int
    channel: str
    event: str
    event_ref: str
    recipient: str
    idempotency_key: str
    payload: dict[str, Any]
    attempts: int
    # Whether any earlier try exists (attempts restart at 0 when a dead message is retried).
    tried_before: bool
    ticket_id: int | None
    vendor_record_id: str | None
    # Set by a channel that created a record on the receiver's side (the vendor Bitrix24 task id).
    created_record_id: str | None = field(default=None)

    @property
    def number(self) -> str:
        return self.payload["ticket"]["number"]


class Channel:
    """One way out. ``send`` raises DeliveryFailed; anything else it raises counts as a failure too."""

    name: ClassVar[str] = ""
    # Channels whose messages for one ticket must go out in order (a comment needs its task first).
    ordered: ClassVar[bool] = False

    def enabled(self, config: dict[str, Any]) -> bool:
        raise NotImplementedError

    def send(self, message: Outgoing) -> None:
        raise NotImplementedError

    def secrets(self, config: dict[str, Any]) -> list[str]:
        """Configured values that must never appear in a stored error or a log line."""
        return []


def registry() -> dict[str, Channel]:
    from delivery.channels.bitrix24 import VendorBitrix24
    from delivery.channels.email import Email
    from delivery.channels.telegram import Telegram
    from delivery.channels.webhook import Webhook

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
