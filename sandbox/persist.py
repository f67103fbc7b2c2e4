"""The sandbox remembers: its portals, installs, tokens and moved addresses saved to a JSON file and loaded at start.

Development only (``SANDBOX=1`` mounts it; the test sandboxes stay in memory). The dataclasses of
``sandbox/state.py`` are written field by field through ``dataclasses.fields``, so a plain field added there
persists without an edit here, and a field missing from an older file takes its default. The record of calls
and pending faults are not kept: they describe one run.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import types
import typing
from pathlib import Path
from typing import Any

from sandbox.state import Grant, SandboxPortal, SandboxState

FORMAT = 1
log = logging.getLogger(__name__)


_SKIP = object()  # a value JSON cannot hold (a lock, a deque): left out, so it takes its default when loaded


def encode(value: Any) -> Any:
    """A dataclass, dict, list or plain value as JSON-ready data; a field with ``metadata={"persist": False}``
    and any value of another type are left out."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        items = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)
                 if f.metadata.get("persist", True)}
        return {k: v for k, v in items.items() if v is not _SKIP}
    if isinstance(value, dict):
        items = {str(k): encode(v) for k, v in value.items()}
        return {k: v for k, v in items.items() if v is not _SKIP}
    if isinstance(value, list | tuple | set):
        return [v for v in (encode(v) for v in value) if v is not _SKIP]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return _SKIP


def decode(data: Any, kind: Any) -> Any:
    """Data back into ``kind`` (a dataclass, ``dict[K, V]``, ``list[T]``, ``X | None``, or a plain type)."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        if data is None:
            return None
        options = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return decode(data, options[0]) if len(options) == 1 else data
    if dataclasses.is_dataclass(kind) and isinstance(data, dict):
        try:
            hints = typing.get_type_hints(kind)
        except (NameError, TypeError):  # an annotation this module cannot resolve: take the data as it is
            hints = {}
        known = {f.name: f for f in dataclasses.fields(kind) if f.init}
        values = {name: decode(data[name], hints.get(name, Any)) for name in known if name in data}
        return kind(**values)  # missing fields take their defaults
    if origin is dict and isinstance(data, dict):
        key_type, value_type = (typing.get_args(kind) or (str, Any))
        return {decode(k, key_type): decode(v, value_type) for k, v in data.items()}
    if origin in (list, tuple, set) and isinstance(data, list):
        args = typing.get_args(kind)
        items = [decode(v, args[0] if args else Any) for v in data]
        return origin(items) if origin is not list else items
    if kind in (int, float) and isinstance(data, str):
        return kind(data)  # a dict key read back from JSON
    return data


def snapshot(state: SandboxState) -> dict[str, Any]:
    """What survives a restart. Refresh tokens are kept as the set still unspent (a grant is shared by both maps)."""
    with state.lock:
        return {
            "format": FORMAT,
            "portals": [encode(p) for p in state.portals.values()],
            "grants": [encode(g) for g in state.grants.values()],
            "live_refresh_tokens": sorted(state.refresh_index),
            "moved": dict(state.moved),
        }


def restore(state: SandboxState, data: dict[str, Any]) -> None:
    """Load a snapshot into an empty state."""
    with state.lock:
        for item in data.get("portals", []):
            portal = decode(item, SandboxPortal)
            state.portals[portal.member_id] = portal
        live = set(data.get("live_refresh_tokens", []))
        for item in data.get("grants", []):
            grant = decode(item, Grant)
            if grant.member_id not in state.portals:
                continue
            state.grants[grant.access_token] = grant
            if grant.refresh_token in live:
                state.refresh_index[grant.refresh_token] = grant
        state.moved.update(data.get("moved", {}))


class Keeper:
    """Loads the file once and writes it again whenever the state it would hold has changed."""

    def __init__(self, state: SandboxState, path: Path):
        self.state = state
        self.path = path
        self._last = ""

    def load(self) -> bool:
        """Restore from the file if there is one; True when something was loaded."""
        if not self.path.is_file():
            return False
        try:
            restore(self.state, json.loads(self.path.read_text(encoding="utf-8")))
        except (ValueError, TypeError, KeyError) as exc:
            # Start afresh but keep the unreadable file for whoever wants to look at it.
            aside = self.path.with_name(self.path.name + ".unreadable")
            os.replace(self.path, aside)
            log.warning("sandbox: %s could not be read (%s); starting afresh, the file is kept as %s",
                        self.path, exc, aside)
            return False
        self._last = json.dumps(snapshot(self.state), sort_keys=True)
        return True

    def save_if_changed(self) -> bool:
        """Write atomically (a temporary file renamed over the old one) when the state differs from the file."""
        with self.state.lock:
            text = json.dumps(snapshot(self.state), sort_keys=True)
            if text == self._last:
                return False
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.chmod(tmp, 0o600)  # it holds the sandbox's tokens
            os.replace(tmp, self.path)
            self._last = text
            return True
