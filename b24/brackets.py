"""A strict reader of PHP-style bracket keys (``auth[member_id]=...``): events arrive in this form (protocol §1).

Our own, rather than b24pysdk's private ``parse_flattened_keys`` (protocol §7): it refuses what PHP would
silently merge or overwrite, so a forged body can neither clash two keys into one nor nest without end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MAX_DEPTH = 4  # event[data][...] is two deep; four leaves room and still stops a key thousands deep
MAX_KEYS = 200
MAX_KEY_LENGTH = 256

_NAME = re.compile(r"[A-Za-z0-9_.\-]+")
_KEY = re.compile(r"^(?P<head>[^\[\]]+)(?P<tail>(?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")


class BracketFormError(ValueError):
    """The body is not a well-formed bracket form; the message says what is wrong, in plain words."""


def parse_bracket_form(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """``[("auth[member_id]", "m1"), ("event", "X")]`` -> ``{"auth": {"member_id": "m1"}, "event": "X"}``.

    Refused with BracketFormError: a key without a name (``[x]``, ``auth[]``, ``auth[][y]``), a key that is
    both a value and a group (``auth=x`` with ``auth[member_id]=y``), the same key twice, more than MAX_DEPTH
    levels, more than MAX_KEYS keys, and keys with characters a Bitrix24 event never sends.
    """
    tree: dict[str, Any] = {}
    for count, (key, value) in enumerate(pairs, start=1):
        if count > MAX_KEYS:
            raise BracketFormError(f"The form has more than {MAX_KEYS} fields.")
        path = _path(key)
        node = tree
        for depth, name in enumerate(path[:-1]):
            child = node.setdefault(name, {})
            if not isinstance(child, dict):
                raise BracketFormError(f"The field {_shown(path, depth + 1)} is both a value and a group.")
            node = child
        leaf = path[-1]
        if leaf in node:
            what = "both a value and a group" if isinstance(node[leaf], dict) else "sent twice"
            raise BracketFormError(f"The field {_shown(path, len(path))} is {what}.")
        node[leaf] = value
    return tree


def _path(key: str) -> list[str]:
    if len(key) > MAX_KEY_LENGTH:
        raise BracketFormError("A field name is too long.")
    match = _KEY.match(key)
    if not match:
        raise BracketFormError("A field name is malformed or has no name.")
    path = [match["head"], *_PART.findall(match["tail"])]
    if len(path) > MAX_DEPTH:
        raise BracketFormError(f"A field is nested more than {MAX_DEPTH} levels deep.")
    for name in path:
        if not _NAME.fullmatch(name):
            raise BracketFormError("A field name is empty or has characters Bitrix24 does not send.")
    return path


def _shown(path: list[str], upto: int) -> str:
    head, *rest = path[:upto]
    return head + "".join(f"[{name}]" for name in rest)
