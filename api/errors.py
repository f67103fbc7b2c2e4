"""API errors: every refusal is JSON ``{"error", "error_description"[, "details"]}`` with the right status."""

from __future__ import annotations

from flask import Response, jsonify


class ApiError(Exception):
    def __init__(self, status: int, code: str, description: str, details: dict[str, str] | None = None):
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description
        self.details = details

    def response(self) -> Response:
        body: dict[str, object] = {"error": self.code, "error_description": self.description}
        if self.details:
            body["details"] = self.details
        response = jsonify(body)
        response.status_code = self.status
        if self.status == 401:
            # RFC 6750 §3: tell the client which scheme, and why, in the header too.
            response.headers["WWW-Authenticate"] = f'Bearer realm="api", error="{self.code}"'
        return response


class Unauthorized(ApiError):
    def __init__(self, code: str, description: str):
        super().__init__(401, code, description)


class InvalidParameters(ApiError):
    """Query parameters that cannot be used: 400, one message per parameter."""

    def __init__(self, details: dict[str, str]):
        super().__init__(400, "invalid_request", "Some query parameters are not valid.", details)


class InvalidBody(ApiError):
    """A JSON body that parses but says something impossible: 422, one message per field."""

    def __init__(self, details: dict[str, str]):
        super().__init__(422, "validation_failed", "The request body is not valid.", details)


class NotFound(ApiError):
    def __init__(self, description: str):
        super().__init__(404, "not_found", description)
