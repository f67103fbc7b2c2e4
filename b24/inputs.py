"""Strict reading of what a portal (or someone pretending to be one) posts: one value per field, no control
characters, numbers in range, JSON within bounds. Anything else is BadFrameRequest (400), never a 500."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from b24.brackets import BracketFormError, parse_bracket_form
from b24.errors import BadFrameRequest

INT32_MAX = 2**31 - 1  # the widest integer column a posted number may land in
INT64_MAX = 2**63 - 1
MAX_OPTIONS_BYTES = 16 * 1024
MAX_OPTIONS_DEPTH = 4
MAX_OPTIONS_KEYS = 50
# C0 controls and DEL: PostgreSQL refuses NUL in text, and none belongs in a Bitrix24 field.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def single(store: MultiDict, name: str, limit: int = 4096) -> str | None:
    """The one value of a field, or None; BadFrameRequest when sent twice, too long or with control characters."""
    values = store.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise BadFrameRequest(f"The field {name} is sent more than once.", "bad_field")
    return text(values[0], name, limit)


def text(value: Any, name: str, limit: int = 4096) -> str:
    """A posted scalar as text: a group or list where one value belongs is refused, as are control characters."""
    if not isinstance(value, str):
        raise BadFrameRequest(f"The field {name} must be a single value.", "bad_field")
    if len(value) > limit:
        raise BadFrameRequest(f"The field {name} is too long.", "bad_field")
    if _CONTROL.search(value):
        raise BadFrameRequest(f"The field {name} contains control characters.", "bad_field")
    return value


def bounded_int(value: Any, name: str, low: int = 0, high: int = INT32_MAX) -> int | None:
    """A posted whole number within [low, high], None when absent; BadFrameRequest otherwise."""
    if value is None or value == "":
        return None
    raw = text(value, name, 32)
    if not re.fullmatch(r"-?[0-9]+", raw.strip()):
        raise BadFrameRequest(f"The field {name} is not a whole number.", "bad_field")
    number = int(raw)
    if not low <= number <= high:
        raise BadFrameRequest(f"The field {name} is out of range.", "bad_field")
    return number


def bracket_form(form: MultiDict) -> dict[str, Any]:
    """A bracket-key body (events) as nested dicts, refused with a clear message when malformed."""
    try:
        return parse_bracket_form(form.items(multi=True))
    except BracketFormError as exc:
        raise BadFrameRequest(str(exc), "bad_form") from None


def flat_fields(value: Any, name: str) -> dict[str, str]:
    """A group such as ``auth[...]`` or ``data[...]`` whose every member must be one plain value."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise BadFrameRequest(f"The field {name} must be a group of fields.", "bad_field")
    return {key: text(item, f"{name}[{key}]") for key, item in value.items()}


def json_object(raw: str | None, name: str) -> dict[str, Any]:
    """A small JSON object (PLACEMENT_OPTIONS): bounded in size, depth, keys and numbers; {} when absent."""
    if raw is None or not raw.strip():
        return {}
    if len(raw) > MAX_OPTIONS_BYTES:
        raise BadFrameRequest(f"{name} is too long.", "bad_placement_options")
    if _depth(raw) > MAX_OPTIONS_DEPTH:
        raise BadFrameRequest(f"{name} is nested too deeply.", "bad_placement_options")
    try:
        value = json.loads(raw, parse_int=_int64, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise BadFrameRequest(f"{name} is not valid JSON.", "bad_placement_options") from None
    if isinstance(value, list) and not value:
        return {}  # PHP's json_encode of an empty array
    if not isinstance(value, dict):
        raise BadFrameRequest(f"{name} must be a JSON object.", "bad_placement_options")
    if len(value) > MAX_OPTIONS_KEYS:
        raise BadFrameRequest(f"{name} has too many keys.", "bad_placement_options")
    return value


def _depth(raw: str) -> int:
    """How deep brackets nest outside strings: counted before parsing, so json never recurses that far."""
    depth = deepest = 0
    in_string = escaped = False
    for char in raw:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _int64(literal: str) -> int:
    if len(literal) > 20 or not -INT64_MAX - 1 <= int(literal) <= INT64_MAX:
        raise ValueError("number out of range")
    return int(literal)


def _no_constant(literal: str) -> Any:
    raise ValueError(f"{literal} is not JSON")
