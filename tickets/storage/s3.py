"""Attachments in S3-compatible object storage (AWS S3, MinIO, Yandex Object Storage) through boto3.

``ATTACHMENT_STORAGE=s3://bucket/prefix``: a finished file is the object ``prefix/<name>``. A resumable upload is
an S3 multipart upload into that key: the bytes of each PATCH are buffered in a local temp file and sent as a
part whenever S3_PART_MB have gathered (S3 refuses parts under 5 MB except the last), so no more than one part
is ever held, and on disk, not in memory. What is left over when a PATCH ends (or its connection drops) is kept
as a small "tail" object under ``prefix/.incoming/`` and becomes the start of the next part. Parts and the tail
are named in the upload's state in the database; a tail is replaced only after the database has the new state,
so a crash at any point leaves a consistent upload to resume.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

MB = 1024 * 1024
MIN_PART = 5 * MB  # S3's smallest part, except the last one
CHUNK = 64 * 1024


class S3Appender:
    def __init__(self, store: S3Store, name: str, offset: int, state: dict[str, Any]) -> None:
        self.store = store
        self.name = name
        self.state = state
        self.parts: list[dict[str, Any]] = list(state.get("parts") or [])
        self.new_parts: list[dict[str, Any]] = []
        self.written = 0
        self.old_tail: str | None = state.get("tail")
        self.new_tail: str | None = None
        self._buffer: IO[bytes] = tempfile.TemporaryFile(dir=store.temp_dir)  # noqa: SIM115 (closed in commit)
        self._buffered = 0
        in_parts = sum(part["size"] for part in self.parts)
        tail = offset - in_parts
        if tail < 0 or (tail > 0 and not self.old_tail):
            raise RuntimeError("upload state does not match its offset")
        if tail:
            self._take_tail(self.old_tail or "", tail)

    def _take_tail(self, key: str, size: int) -> None:
        body = self.store.client.get_object(Bucket=self.store.bucket, Key=key, Range=f"bytes=0-{size - 1}")["Body"]
        for data in body.iter_chunks(CHUNK):
            self._buffer.write(data)
            self._buffered += len(data)
        if self._buffered != size:
            raise RuntimeError("the upload's tail object is shorter than its state says")

    def write(self, data: bytes) -> None:
        self.written += len(data)
        while data:
            room = self.store.part_size - self._buffered
            self._buffer.write(data[:room])
            self._buffered += min(room, len(data))
            data = data[room:]
            if self._buffered >= self.store.part_size:
                self._send_part()

    def _send_part(self) -> None:
        number = len(self.parts) + len(self.new_parts) + 1
        self._buffer.seek(0)
        answer = self.store.client.upload_part(
            Bucket=self.store.bucket, Key=self.store.key(self.name), UploadId=self.state["upload_id"],
            PartNumber=number, Body=self._buffer, ContentLength=self._buffered,
        )
        self.new_parts.append({"n": number, "etag": answer["ETag"], "size": self._buffered})
        self._buffer.seek(0)
        self._buffer.truncate()
        self._buffered = 0

    def commit(self, complete: bool) -> dict[str, Any]:
        try:
            if complete and self._buffered:
                self._send_part()  # the last part may be small
            elif self._buffered:
                self.new_tail = self.store.key(f".incoming/{self.name}.{secrets.token_hex(4)}.tail", checked=False)
                self._buffer.seek(0)
                self.store.client.put_object(Bucket=self.store.bucket, Key=self.new_tail, Body=self._buffer,
                                             ContentLength=self._buffered)
        finally:
            self._buffer.close()
        state = {"upload_id": self.state["upload_id"], "parts": self.parts + self.new_parts}
        if self.new_tail:
            state["tail"] = self.new_tail
        elif not complete and not self.new_parts and self.old_tail:
            state["tail"] = self.old_tail  # nothing new arrived: the old tail still holds the bytes
        return state

    def settled(self) -> None:
        """The database holds the new state: the tail it replaced can go."""
        if self.old_tail and (self.new_tail or self.new_parts):
            self.store.client.delete_object(Bucket=self.store.bucket, Key=self.old_tail)

    def rollback(self) -> None:
        # Parts sent by this request stay unlisted in the state; the next PATCH overwrites their numbers.
        self._buffer.close()
        self.new_parts = []
        self.written = 0
        if self.new_tail:
            self.store.client.delete_object(Bucket=self.store.bucket, Key=self.new_tail)


class S3Store:
    kind = "s3"

    def __init__(self, client: Any, bucket: str, prefix: str, part_size: int, temp_dir: str | None) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.part_size = max(part_size, MIN_PART)
        self.temp_dir = temp_dir

    @classmethod
    def from_config(cls, target: str, config: Any) -> S3Store:
        import boto3
        from botocore.config import Config

        bucket, _, prefix = target.removeprefix("s3://").partition("/")
        if not bucket:
            raise ValueError("ATTACHMENT_STORAGE=s3://bucket/prefix needs a bucket")
        endpoint = config.get("S3_ENDPOINT_URL") or None
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=config.get("S3_REGION") or None,
            aws_access_key_id=config.get("S3_ACCESS_KEY_ID") or None,
            aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY") or None,
            config=Config(
                # MinIO, Yandex and local servers are addressed by path; AWS itself picks what it needs.
                s3={"addressing_style": "path" if endpoint else "auto"},
                retries={"max_attempts": 5, "mode": "standard"},
                connect_timeout=10, read_timeout=60,
                # Checksums only when the service asks: S3-compatible stores differ in what they accept.
                request_checksum_calculation="when_required", response_checksum_validation="when_required",
            ),
        )
        incoming = config.get("ATTACHMENT_DIR") or None
        if incoming:
            Path(incoming, ".incoming").mkdir(parents=True, exist_ok=True)
            incoming = str(Path(incoming, ".incoming"))
        return cls(client, bucket, prefix, int(float(config.get("S3_PART_MB") or 8) * MB), incoming)

    def key(self, name: str, checked: bool = True) -> str:
        if checked and not (name and name.isalnum()):
            raise ValueError("bad storage name")
        return f"{self.prefix}/{name}" if self.prefix else name

    def _missing(self, error: Exception) -> bool:
        code = str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))
        return code in ("404", "NoSuchKey", "NotFound")

    # --- finished files ---
    def keep_file(self, path: str, name: str) -> bool:
        self.client.upload_file(path, self.bucket, self.key(name))  # a managed multipart transfer from disk
        return False  # copied: the temp file is deleted by its owner

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(name))

    def size(self, name: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=self.key(name))["ContentLength"])
        except ClientError as error:
            if self._missing(error):
                return None
            raise

    def chunks(self, name: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        extra = {}
        if start or end is not None:
            extra["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
        body = self.client.get_object(Bucket=self.bucket, Key=self.key(name), **extra)["Body"]
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()

    def tool_input(self, name: str) -> tuple[str, str]:
        """How an external tool (ffmpeg) reads the object: a presigned URL valid for five minutes."""
        url = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self.key(name)}, ExpiresIn=300)
        return url, "http,https,tcp,tls,crypto"

    def _objects(self) -> Iterator[dict[str, Any]]:
        prefix = f"{self.prefix}/" if self.prefix else ""
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            yield from page.get("Contents", [])

    def names(self) -> list[str]:
        prefix = f"{self.prefix}/" if self.prefix else ""
        found = (item["Key"][len(prefix):] for item in self._objects())
        return sorted(name for name in found if name.isalnum())

    def inventory(self) -> dict[str, int]:
        """Every object under the prefix and every multipart upload in progress with its parts' bytes."""
        held = {item["Key"]: int(item["Size"]) for item in self._objects()}
        prefix = f"{self.prefix}/" if self.prefix else ""
        for upload in self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=prefix).get("Uploads", []):
            parts = self.client.list_parts(Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
            held[f"multipart:{upload['Key']}"] = sum(int(p["Size"]) for p in parts.get("Parts", []))
        return held

    # --- resumable uploads ---
    def begin(self, name: str) -> dict[str, Any]:
        answer = self.client.create_multipart_upload(Bucket=self.bucket, Key=self.key(name))
        return {"upload_id": answer["UploadId"], "parts": []}

    def appender(self, name: str, offset: int, state: dict[str, Any]) -> S3Appender:
        return S3Appender(self, name, offset, state)

    def finish(self, name: str, state: dict[str, Any]) -> None:
        parts = [{"PartNumber": part["n"], "ETag": part["etag"]} for part in state.get("parts") or []]
        self.client.complete_multipart_upload(
            Bucket=self.bucket, Key=self.key(name), UploadId=state["upload_id"], MultipartUpload={"Parts": parts},
        )
        if state.get("tail"):
            self.client.delete_object(Bucket=self.bucket, Key=state["tail"])

    def abort(self, name: str, state: dict[str, Any]) -> None:
        from botocore.exceptions import ClientError

        if state.get("upload_id"):
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key(name), UploadId=state["upload_id"])
            except ClientError as error:
                if not self._missing(error) and "NoSuchUpload" not in str(error):
                    raise
        if state.get("tail"):
            self.client.delete_object(Bucket=self.bucket, Key=state["tail"])
