"""webargs' Flask parser with the API's refusals, in the API's error shape (api/errors.py)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Request
from webargs.flaskparser import FlaskParser

from api.errors import ApiError, InvalidBody, InvalidParameters

_WORDS = {"Unknown field.": "unknown field", "Missing data for required field.": "is required",
          "Field may not be null.": "is required", "Not a valid string.": "must be a string",
          "Invalid input type.": "must be a JSON object"}


def _flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    """marshmallow's nested messages as the API's details: one string per dotted field path, in the API's words."""
    if isinstance(messages, dict):
        out: dict[str, str] = {}
        for name, inner in messages.items():
            # _schema: about the object itself (the whole body at the top).
            path = (prefix.rstrip(".") or "body") if name == "_schema" else f"{prefix}{name or '(empty)'}"
            for key, text in _flatten(inner, f"{path}.").items():
                out[key] = f"{out[key]}; {text}" if key in out else text
        return out
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix.rstrip("."): "; ".join(dict.fromkeys(_WORDS.get(m, m) for m in messages))}
    if isinstance(messages, list):
        out = {}
        for inner in messages:
            out.update(_flatten(inner, prefix))
        return out
    return {prefix.rstrip("."): _WORDS.get(str(messages), str(messages))}


class ApiParser(FlaskParser):
    """webargs' Flask parser with the API's refusals: 415/400 for a body that is not JSON, then one message per
    bad query parameter (400) or body field (422), never webargs' own 422 shape."""

    # Unknown names are refused everywhere (the schemas say RAISE); webargs would otherwise drop unknown query names.
    DEFAULT_UNKNOWN_BY_LOCATION: dict[str, str | None] = {"query": None, "querystring": None, "json": None}

    def load_json(self, req: Request, schema: ma.Schema):
        if req.mimetype != "application/json":
            raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
        if not req.get_data(cache=True).strip():
            raise ApiError(400, "invalid_json", "The body is not valid JSON.")
        return super().load_json(req, schema)

    def _handle_invalid_json_error(self, error, req: Request, *args, **kwargs):
        raise ApiError(400, "invalid_json", "The body is not valid JSON.")

    def handle_error(self, error: ma.ValidationError, req: Request, schema: ma.Schema, *, error_status_code,
                     error_headers):
        messages = error.normalized_messages()
        location = next(iter(messages), "json") if isinstance(messages, dict) else "json"
        inner = messages.get(location, messages) if isinstance(messages, dict) else messages
        if location in ("query", "querystring"):
            raise InvalidParameters({name: text.replace("unknown field", "unknown parameter")
                                     for name, text in _flatten(inner).items()})
        raise InvalidBody(_flatten(inner))


parser = ApiParser()
