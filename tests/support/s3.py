"""An S3-compatible server on loopback for the tests: moto's server mode, on a free port.

Moto is a test double of S3, not a production store; it speaks the same HTTP API, so the
platform's boto3 code runs unchanged against it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .postgres import free_port

#: What boto3 reads (moto accepts any credentials unless told otherwise).
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "cesp-test",
    "AWS_SECRET_ACCESS_KEY": "cesp-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass
class S3Endpoint:
    url: str
    port: int
    server: object

    def new_bucket_settings(self, create: bool = True) -> dict[str, object]:
        """Settings for a fresh bucket (created unless `create` is false)."""
        bucket = f"cesp-{uuid.uuid4().hex[:12]}"
        if create:
            import boto3

            boto3.client("s3", endpoint_url=self.url).create_bucket(Bucket=bucket)
        return {
            "pieces_store": "s3",
            "s3_endpoint_url": self.url,
            "s3_bucket": bucket,
            "s3_prefix": "pieces/",
        }

    def stop(self) -> None:
        self.server.stop()  # type: ignore[attr-defined]


def set_aws_env() -> None:
    for key, value in AWS_ENV.items():
        os.environ.setdefault(key, value)


def start_s3() -> S3Endpoint:
    from moto.server import ThreadedMotoServer

    set_aws_env()
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return S3Endpoint(f"http://127.0.0.1:{port}", port, server)


@contextmanager
def s3_endpoint() -> Iterator[S3Endpoint]:
    endpoint = start_s3()
    try:
        yield endpoint
    finally:
        endpoint.stop()
