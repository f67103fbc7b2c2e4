"""webargs' Flask parser with the API's refusals, in the API's error shape (api/errors.py)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Request
from webargs.flaskparser import FlaskParser

from api.errors import ApiError, InvalidBody, InvalidParameters


def _flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    """marshmallow's nested messages as the API's details: one string per dotted field path."""
    if isinstance(messages, dict):
        out: dict[str, str] = {}
        for name, inner in messages.items():
            path = "body" if name == "_schema" and not prefix else f"{prefix}{name or '(empty)'}"
            out.update(_flatten(inner, f"{path}."))
        return out
    if isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        return {prefix.rstrip("."): "; ".join(messages)}
    if isinstance(messages, list):
        out = {}
        for inner in messages:
            out.update(_flatten(inner, prefix))
        return out
    return {prefix.rstrip("."): str(messages)}


_WORDS = {"Unknown field.": "unknown field", "Missing data for required field.": "is required",
          "Field may not be null.": "is required", "Not a valid string.": "must be a string",
          "Invalid input type.": "must be a JSON object"}


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
            details = {name: _WORDS.get(text, text).replace("unknown field", "unknown parameter")
                       for name, text in _flatten(inner).items()}
            raise InvalidParameters(details)
        raise InvalidBody({name: _WORDS.get(text, text) for name, text in _flatten(inner).items()})


parser = ApiParser()
