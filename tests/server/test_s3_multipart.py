"""Issue 16: a big piece goes to the S3 store as a multipart upload (parts of
`MULTIPART_THRESHOLD`, never the whole file in one request), and comes back whole. Against
moto's S3 server on loopback."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cesp_server.storage import MULTIPART_THRESHOLD, S3Store
from tests.support.s3 import S3Endpoint


def test_a_big_piece_is_sent_in_parts_and_read_back_whole(s3: S3Endpoint, tmp_path: Path) -> None:
    settings = s3.new_bucket_settings()
    store = S3Store(str(settings["s3_bucket"]), "pieces/", endpoint_url=s3.url)
    big = tmp_path / "scan.pdf"
    content = b"%PDF-1.4\n" + os.urandom(MULTIPART_THRESHOLD + 1024 * 1024)
    big.write_bytes(content)
    store.put("a1b2c3", big)
    head = store.client.head_object(Bucket=store.bucket, Key="pieces/a1b2c3")
    # S3 names a multipart object's ETag "<md5 of the parts' md5s>-<number of parts>".
    assert head["ETag"].strip('"').endswith("-2"), head["ETag"]
    assert head["ContentLength"] == len(content)
    read = hashlib.sha256(b"".join(store.stream("a1b2c3"))).hexdigest()
    assert read == hashlib.sha256(content).hexdigest()


def test_a_small_piece_is_sent_in_one_request(s3: S3Endpoint, tmp_path: Path) -> None:
    settings = s3.new_bucket_settings()
    store = S3Store(str(settings["s3_bucket"]), "pieces/", endpoint_url=s3.url)
    small = tmp_path / "rib.pdf"
    small.write_bytes(b"%PDF-1.4\n" + os.urandom(1024))
    store.put("d4e5f6", small)
    head = store.client.head_object(Bucket=store.bucket, Key="pieces/d4e5f6")
    assert "-" not in head["ETag"].strip('"')
