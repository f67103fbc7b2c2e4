"""What b24 announces about portals, so packages above it react without b24 importing them (layers point down)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the Portal as sender and ``old``/``new`` versions, inside the transaction that records the change;
# receivers add to that transaction and never commit.
portal_version_changed = _signals.signal("portal-version-changed")

# Sent with the posted frame (member_id, domain, protocol) once the OAuth server vouched for it, inside the request:
# ops lets that portal, and only it, frame the response and names the portal in the request's log line.
frame_verified = _signals.signal("frame-verified")
