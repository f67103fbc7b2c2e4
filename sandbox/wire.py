"""The platform's side of the wire: PHP bracket keys out (events) and in (REST form bodies, batch commands)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl


def flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """``{"auth": {"member_id": "x"}}`` -> ``[("auth[member_id]", "x")]``, as PHP's http_build_query does."""
    pairs: list[tuple[str, str]] = []
    for key, value in data.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, dict):
            pairs.extend(flatten(value, name))
        elif isinstance(value, list | tuple):
            pairs.extend(flatten({str(i): v for i, v in enumerate(value)}, name))
        elif isinstance(value, bool):
            pairs.append((name, "Y" if value else "N"))
        elif value is not None:
            pairs.append((name, str(value)))
    return pairs


def nest(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """``auth[member_id]=x`` pairs back into nested dicts."""
    result: dict[str, Any] = {}
    for raw_key, value in pairs:
        parts = re.findall(r"[^\[\]]+", raw_key) or [raw_key]
        level = result
        for part in parts[:-1]:
            nxt = level.get(part)
            if not isinstance(nxt, dict):
                nxt = level[part] = {}
            level = nxt
        level[parts[-1]] = value
    return result


def parse_command(command: str) -> tuple[str, dict[str, Any]]:
    """A batch command ``method?a=1&b[c]=2`` as (method, params)."""
    method, _, query = command.partition("?")
    return method.strip(), nest(parse_qsl(query, keep_blank_values=True))
