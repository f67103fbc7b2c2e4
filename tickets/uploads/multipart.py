"""Multipart bodies through Werkzeug's sans-IO decoder: fields in memory, file data straight to disk, limits
enforced mid-stream."""

from __future__ import annotations

from io import BytesIO
from typing import IO, Any

from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from tickets.uploads.draining import drain_body
from tickets.uploads.incoming import FileTooLarge, IncomingFile, incoming_dir
from tickets.uploads.limits import CHUNK, UploadLimits, megabytes
from tickets.uploads.names import display_name
from tickets.uploads.rejected import AttachmentRejected

# Without a field limit the decoder would buffer a boundary-less body whole; never run without one.
FALLBACK_FIELD_BYTES = 500_000


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
