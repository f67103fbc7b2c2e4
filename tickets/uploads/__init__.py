"""Multipart uploads streamed to disk while they are parsed, with the size limits enforced mid-stream.

One job per module: ``limits`` (what is allowed), ``rejected`` (the refusal), ``names`` (a file name safe to
show), ``incoming`` (temp files on their way in), ``draining`` (the rest of a refused body), ``multipart`` (the
decoder fed to disk) and ``form`` (the request class and upload endpoints). The names callers use are here.
"""

from __future__ import annotations

from tickets.uploads.draining import drain_body
from tickets.uploads.form import UploadRequest, accepts_uploads, load_form, parse_upload_request, streams_uploads
from tickets.uploads.incoming import FileTooLarge, IncomingFile, attachment_dir, incoming_dir, sweep_incoming
from tickets.uploads.limits import CHUNK, MB, UploadLimits, megabytes, upload_limits
from tickets.uploads.multipart import FALLBACK_FIELD_BYTES, StreamingFormParser
from tickets.uploads.names import display_name
from tickets.uploads.rejected import AttachmentRejected

__all__ = [
    "CHUNK", "FALLBACK_FIELD_BYTES", "MB", "AttachmentRejected", "FileTooLarge", "IncomingFile", "StreamingFormParser",
    "UploadLimits", "UploadRequest", "accepts_uploads", "attachment_dir", "display_name", "drain_body",
    "incoming_dir", "load_form", "megabytes", "parse_upload_request", "streams_uploads", "sweep_incoming",
    "upload_limits",
]
