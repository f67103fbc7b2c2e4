"""What every channel shares: the interface, the message a channel sends, and the failure it raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


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
