"""What b24 announces about portals, so packages above it react without b24 importing them (layers point down)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the Portal as sender and ``old``/``new`` versions, inside the transaction that records the change;
# receivers add to that transaction and never commit.
portal_version_changed = _signals.signal("portal-version-changed")
