"""Fixtures of the placement tests: the attachment store a test runs against (local folder or loopback S3)."""

from tests.s3_peer import s3_endpoint, store  # noqa: F401 (fixtures)
