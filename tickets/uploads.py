"""Multipart uploads streamed to disk while they are parsed, with the size limits enforced mid-stream."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from flask import Request, current_app, g
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import ClientDisconnected, HTTPException, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from i18n import label
from tickets.sniffing import HEAD_SIZE, TextCheck

MB = 1024 * 1024
# Werkzeug's own read size; the decoder refuses a chunk bigger than MAX_FORM_MEMORY_SIZE, so keep it small.
CHUNK = 64 * 1024
# Without a field limit the decoder would buffer a boundary-less body whole; never run without one.
FALLBACK_FIELD_BYTES = 500_000


class AttachmentRejected(HTTPException):
    """An upload refused with a clear, translated reason; nothing of it is left on disk.

    ``status`` is 400 (empty, malformed, interrupted), 413 (over a size or count limit) or 415 (type not
    allowed). ``message_key`` is a code of ``i18n_labels.LABELS`` and ``params`` its values;
    ``form`` holds the text fields that arrived before the rejection, so a view can re-render what the user
    typed. Uncaught, the app's HTTP error handler renders it as a page (or JSON) with that status.
    """

    def __init__(self, status: int, message_key: str, form: MultiDict | None = None, **params: Any) -> None:
        super().__init__()
        self.code = status
        self.message_key = message_key
        self.params = params
        self.form: MultiDict = form if form is not None else MultiDict()

    @property
    def status(self) -> int:
        return self.code

    @property  # type: ignore[override]
    def description(self) -> str:  # translated when rendered, in the language of that request
        return label(self.message_key, **self.params)

    def __str__(self) -> str:
        return f"{self.code} {self.message_key} {self.params}"


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


def display_name(filename: str | None) -> str:
    """The uploader's file name made safe to show: last path component, no control characters, bounded length.

    Never used to build a path (storage names are random); "../../etc/passwd" becomes "passwd".
    """
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if len(name) > 200:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[: 200 - len(suffix) - 1] + dot + suffix) if dot and len(suffix) <= 10 else name[:200]
    return name or "file"


def upload_limits() -> UploadLimits:
    """The limits in force for this app, e.g. for a form to warn about a too-big file before sending it."""
    return UploadLimits.from_config(current_app.config)


def sweep_incoming(older_than: float = 24 * 3600) -> int:
    """Delete temp parts a killed worker left behind in ATTACHMENT_DIR/.incoming; returns how many went."""
    cutoff = time.time() - older_than
    removed = 0
    for part in incoming_dir().glob("*.part"):
        try:
            if part.stat().st_mtime < cutoff:
                part.unlink()
                removed += 1
        except FileNotFoundError:  # finished or swept by someone else meanwhile
            continue
    return removed


def attachment_dir() -> Path:
    path = Path(current_app.config["ATTACHMENT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def incoming_dir() -> Path:
    # Same filesystem as the store, so keeping an upload is an atomic rename, not a second copy.
    path = attachment_dir() / ".incoming"
    path.mkdir(parents=True, exist_ok=True)
    return path


class FileTooLarge(Exception):
    """A file part grew past the per-file limit while being received."""

    pass


class IncomingFile:
    """One uploaded part on its way in: written straight to a private temp file, counted, hashed and sniffed.

    Closing it deletes the temp file unless the attachment store has claimed it (renamed it into the store);
    Flask closes every request's files when the request ends, so an upload nobody kept never lingers.
    """

    def __init__(self, directory: Path, limit: int) -> None:
        fd, name = tempfile.mkstemp(dir=directory, suffix=".part")
        self.path = Path(name)
        self._file: IO[bytes] = os.fdopen(fd, "w+b")
        self.limit = limit
        self.size = 0
        self.claimed = False
        # Examined as it arrives, so keeping it needs no second pass over a gigabyte.
        self.digest = hashlib.sha256()
        self.head = bytearray()
        self.text = TextCheck()

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise FileTooLarge
        if len(self.head) < HEAD_SIZE:
            self.head += data[: HEAD_SIZE - len(self.head)]
        self.digest.update(data)
        self.text.feed(data)
        return self._file.write(data)

    def claim(self, store: Any, name: str) -> None:
        """Hand the finished upload to the attachment store; if the store moved it, closing no longer deletes it."""
        self._file.close()
        self.claimed = store.keep_file(os.fspath(self.path), name)

    def close(self) -> None:
        self._file.close()
        if not self.claimed:
            self.path.unlink(missing_ok=True)

    @property
    def closed(self) -> bool:
        return self._file.closed

    def __iter__(self):
        return iter(self._file)

    def __getattr__(self, name: str) -> Any:  # read, seek, tell, flush... as the temp file does them
        return getattr(self._file, name)


class _MultipartReceiver:
    """Feeds the body through Werkzeug's sans-IO decoder, file data straight to IncomingFile, under limits."""

    def __init__(self, limits: UploadLimits, max_field_bytes: int | None, max_parts: int | None, cls: type) -> None:
        self.limits = limits
        self.max_field_bytes = max_field_bytes
        self.max_parts = max_parts
        self.cls = cls
        self.fields: list[tuple[str, str]] = []
        self.files: list[tuple[str, FileStorage]] = []
        self.created: list[IncomingFile] = []
        self.file_in_flight = ""

    def parse(self, stream: IO[bytes], boundary: bytes, content_length: int | None) -> tuple[MultiDict, MultiDict]:
        if content_length is not None and content_length > self.limits.request_bytes:
            # Refuse before reading a byte: the client said how much it will send.
            self._reject(stream, 413, "attachment_request_too_large", limit=megabytes(self.limits.request_bytes))
        try:
            self._receive(stream, boundary)
        except AttachmentRejected as exc:
            self._reject(stream, exc.code, exc.message_key, **exc.params)
        except FileTooLarge:
            name, limit = display_name(self.file_in_flight), megabytes(self.limits.file_bytes)
            self._reject(stream, 413, "attachment_too_large", name=name, limit=limit)
        except RequestEntityTooLarge:
            self._reject(stream, 413, "form_too_large")
        except ClientDisconnected:
            self._reject(stream, 400, "attachment_incomplete", drain=False)
        except ValueError:
            self._reject(stream, 400, "form_malformed")
        except BaseException:
            self._discard_all()
            raise
        return self.cls(self.fields), self.cls(self.files)

    def _receive(self, stream: IO[bytes], boundary: bytes) -> None:
        decoder = MultipartDecoder(boundary, max_form_memory_size=self.max_field_bytes, max_parts=self.max_parts)
        part: Field | File | None = None
        field_chunks: list[bytes] = []
        field_size = 0
        sink: IncomingFile | None = None
        received = 0
        finished = False
        while not finished:
            chunk = stream.read(CHUNK)
            received += len(chunk)
            if received > self.limits.request_bytes:
                limit = megabytes(self.limits.request_bytes)
                raise AttachmentRejected(413, "attachment_request_too_large", limit=limit)
            decoder.receive_data(chunk or None)
            event = decoder.next_event()
            while not isinstance(event, NeedData):
                if isinstance(event, Epilogue):
                    finished = True
                    break
                if isinstance(event, Field):
                    part, field_chunks, field_size, sink = event, [], 0, None
                elif isinstance(event, File):
                    if len(self.created) >= self.limits.max_files:
                        raise AttachmentRejected(413, "attachment_too_many_files", limit=self.limits.max_files)
                    part, sink = event, IncomingFile(incoming_dir(), self.limits.file_bytes)
                    self.file_in_flight = event.filename or ""
                    self.created.append(sink)
                elif isinstance(event, Data):
                    if sink is None:
                        field_size += len(event.data)
                        if self.max_field_bytes is not None and field_size > self.max_field_bytes:
                            raise RequestEntityTooLarge
                        field_chunks.append(event.data)
                    else:
                        sink.write(event.data)
                    if not event.more_data:
                        self._finish_part(part, field_chunks, sink)
                event = decoder.next_event()
            if not chunk and not finished:
                raise AttachmentRejected(400, "attachment_incomplete")

    def _finish_part(self, part: Field | File | None, chunks: list[bytes], sink: IncomingFile | None) -> None:
        if isinstance(part, File) and sink is not None:
            sink.flush()
            sink.seek(0)
            self.files.append((part.name, FileStorage(sink, part.filename, part.name, headers=part.headers)))
        elif isinstance(part, Field):
            charset = _part_charset(part)
            self.fields.append((part.name, b"".join(chunks).decode(charset, "replace")))

    def _reject(self, stream: IO[bytes], status: int, key: str, drain: bool = True, **params: Any) -> None:
        self._discard_all()
        if drain:
            drain_body(stream, self.limits.drain_bytes)
        raise AttachmentRejected(status, key, form=self.cls(self.fields), **params)

    def _discard_all(self) -> None:
        for incoming in self.created:
            incoming.close()
        self.files.clear()


def _part_charset(part: Field) -> str:
    options = parse_options_header(part.headers.get("content-type", ""))[1]
    charset = options.get("charset", "").lower()
    return charset if charset in {"ascii", "us-ascii", "utf-8", "iso-8859-1"} else "utf-8"


def drain_body(stream: IO[bytes], limit: int, seconds: float = 10.0) -> None:
    """Read and drop what the client is still sending, up to a bound.

    A server that answers 413 and closes while the body is still arriving makes the client see a connection
    reset instead of our message; swallowing a bounded remainder lets it read the answer. Past the bound
    (or the time), the connection is simply closed.
    """
    deadline = time.monotonic() + seconds
    left = limit
    try:
        while left > 0 and time.monotonic() < deadline:
            chunk = stream.read(min(CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
    except (OSError, ClientDisconnected):
        return


class StreamingFormParser(FormDataParser):
    """Werkzeug's form parser with multipart bodies received by _MultipartReceiver (files to disk, limited)."""

    def __init__(self, limits: UploadLimits, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.limits = limits

    def parse(self, stream, mimetype, content_length, options=None):  # type: ignore[override]
        if mimetype == "multipart/form-data":
            boundary = (options or {}).get("boundary", "").encode("ascii", "replace")
            if not boundary:
                raise AttachmentRejected(400, "form_malformed")
            receiver = _MultipartReceiver(self.limits, self.max_form_memory_size, self.max_form_parts, self.cls)
            form, files = receiver.parse(stream, boundary, content_length)
            return stream, form, files
        if mimetype == "application/x-www-form-urlencoded" and content_length is None:
            # A chunked body declares no length, and Werkzeug would read it whole: bound it first.
            limit = self.max_form_memory_size or FALLBACK_FIELD_BYTES
            data = stream.read(limit + 1)
            if len(data) > limit:
                raise AttachmentRejected(413, "form_too_large")
            stream = BytesIO(data)
        return super().parse(stream, mimetype, content_length, options)


def load_form(request: Request) -> None:
    """Parse the request body once, streaming files to disk; remember a rejection so every later access sees it."""
    rejected = request.__dict__.get("_upload_rejected")
    if rejected is not None:
        raise rejected
    if "form" in request.__dict__:
        return
    if not request.want_form_data_parsed:
        request.__dict__.update(form=request.parameter_storage_class(), files=request.parameter_storage_class())
        return
    parser = StreamingFormParser(
        upload_limits(),
        max_form_memory_size=request.max_form_memory_size or FALLBACK_FIELD_BYTES,
        max_form_parts=request.max_form_parts,
        cls=request.parameter_storage_class,
    )
    try:
        stream, form, files = parser.parse(
            request._get_stream_for_parsing(), request.mimetype, request.content_length, request.mimetype_params
        )
    except AttachmentRejected as exc:
        request.__dict__["_upload_rejected"] = exc
        raise
    request.__dict__.update(stream=stream, form=form, files=files)


def accepts_uploads(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view as an upload endpoint: its multipart body may stream to disk past MAX_BODY_KB.

    Only after the view has checked the request's signed form token (``g.form_token_checked``); before that,
    and on every unmarked view, a body is an ordinary one and ops.security bounds it by MAX_BODY_KB.
    """
    view.accepts_uploads = True  # type: ignore[attr-defined]
    return view


def streams_uploads(request: Request) -> bool:
    """Whether this request may write files to ATTACHMENT_DIR: a marked view whose form token was checked."""
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "accepts_uploads", False) and g.get("form_token_checked"))


class UploadRequest(Request):
    """The app's request class: a multipart upload is streamed to disk, never buffered in memory, and only where
    allowed.

    Installed by ``tickets.init_app``. On an upload endpoint, once its form token is checked, ``request.form``
    streams files to ATTACHMENT_DIR/.incoming under the attachment limits, or raises AttachmentRejected (413/400)
    that the app's error handler renders as a clear message. Anywhere else the body is parsed as Werkzeug does,
    within MAX_BODY_KB, and nothing reaches the attachment folder.
    """

    def _load_form_data(self) -> None:
        if streams_uploads(self):
            load_form(self)
            return
        if self.max_content_length is None:
            self.max_content_length = current_app.config["MAX_BODY_KB"] * 1024
        super()._load_form_data()


def parse_upload_request(request: Request) -> tuple[MultiDict, MultiDict]:
    """The request's (form, files), files streamed to temp files under ATTACHMENT_DIR while parsed.

    Raises AttachmentRejected (413 over ATTACHMENT_MAX_MB per file, ATTACHMENT_MAX_REQUEST_MB per request or
    ATTACHMENT_MAX_FILES files; 400 malformed or interrupted), having deleted every byte already written.
    Files nobody stores are deleted when the request ends. Works on any Flask request object, so a separate
    app (the benchmark) can use it without UploadRequest.
    """
    load_form(request)
    return request.form, request.files
