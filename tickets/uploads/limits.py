"""The upload limits in force (ATTACHMENT_MAX_MB, _MAX_REQUEST_MB, _MAX_FILES, _DRAIN_MB) and how users see them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

MB = 1024 * 1024
# Werkzeug's own read size; the decoder refuses a chunk bigger than MAX_FORM_MEMORY_SIZE, so keep it small.
CHUNK = 64 * 1024


@dataclass(frozen=True)
class UploadLimits:
    file_bytes: int
    request_bytes: int
    max_files: int
    drain_bytes: int

    @classmethod
    def from_config(cls, config: Any) -> UploadLimits:
        return cls(
            file_bytes=int(float(config["ATTACHMENT_MAX_MB"]) * MB),
            request_bytes=int(float(config["ATTACHMENT_MAX_REQUEST_MB"]) * MB),
            max_files=int(config["ATTACHMENT_MAX_FILES"]),
            drain_bytes=int(float(config["ATTACHMENT_DRAIN_MB"]) * MB),
        )


def megabytes(size: int) -> str:
    """A byte count as the MB figure users see in limits: "1024", or "0.01" for a test's tiny limit."""
    return f"{size / MB:.3g}" if size < MB else f"{size / MB:g}"


def upload_limits() -> UploadLimits:
    """The limits in force for this app, e.g. for a form to warn about a too-big file before sending it."""
    return UploadLimits.from_config(current_app.config)
