"""A real S3 API on loopback: moto's standalone server (ThreadedMotoServer), started once per test session."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

KEYS = {"S3_ACCESS_KEY_ID": "test-access-key", "S3_SECRET_ACCESS_KEY": "test-secret-key", "S3_REGION": "us-east-1"}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_client(endpoint: str):
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name=KEYS["S3_REGION"],
                        aws_access_key_id=KEYS["S3_ACCESS_KEY_ID"], aws_secret_access_key=KEYS["S3_SECRET_ACCESS_KEY"])


def use_s3(app_config: dict, endpoint: str) -> str:
    """Point the app's attachment store at a fresh bucket on the loopback S3 server; returns the bucket."""
    bucket = f"desk-{uuid.uuid4().hex[:12]}"
    s3_client(endpoint).create_bucket(Bucket=bucket)
    app_config.update(KEYS, ATTACHMENT_STORAGE=f"s3://{bucket}/attachments", S3_ENDPOINT_URL=endpoint, S3_PART_MB=5)
    return bucket


@pytest.fixture(params=["local", "s3"])
def store(request, app_config) -> str:
    """Runs a test once on the local folder and once on S3; name it before ``app`` in the test's arguments."""
    if request.param == "s3":
        use_s3(app_config, request.getfixturevalue("s3_endpoint"))
    return request.param
