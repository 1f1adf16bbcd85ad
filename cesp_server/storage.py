"""Where the pieces' files live: a local directory (default) or S3-compatible object storage.

Both stores take a file already received and checked in a local staging directory
(``<files_dir>/tmp``) and make it visible under its random key in one step: an
``os.replace`` for the directory, a (multipart past 8 MiB) upload for S3 that becomes
visible only when it completes. A store never holds a whole file in memory: reads are
streamed in chunks. See ADR 0018.

Errors: `StoreUnavailable` (network, credentials, missing bucket: the API answers 503),
`ObjectMissing` (the key has no object: 404).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from .settings import Settings

__all__ = [
    "CHUNK",
    "LocalStore",
    "ObjectMissing",
    "PieceStore",
    "S3Store",
    "StoreUnavailable",
    "make_store",
    "remove_stale_parts",
]

#: Bytes read at a time when a file is streamed out of a store.
CHUNK = 256 * 1024
#: S3 uploads switch to multipart past this size (and use parts of this size).
MULTIPART_THRESHOLD = 8 * 1024 * 1024
#: Private files: only the server's user reads them.
FILE_MODE = 0o600
DIR_MODE = 0o700


class StoreUnavailable(Exception):
    """The store cannot be reached or refuses us (network, credentials, bucket)."""


class ObjectMissing(Exception):
    """No object under this key."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: datetime  # naive UTC


class PieceStore(Protocol):
    kind: str

    def describe(self) -> str: ...
    def check(self) -> None: ...
    def init(self) -> None: ...
    def put(self, key: str, source: Path) -> None: ...
    def stream(self, key: str) -> Iterator[bytes]: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def objects(self) -> Iterator[StoredObject]: ...
    def abort_incomplete(self, older_than: datetime) -> int: ...


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _valid_key(key: str) -> str:
    if not key or not key.isalnum() or len(key) > 64:
        raise ObjectMissing(key)
    return key


class LocalStore:
    """Files named by their key in one directory (mode 0600, directory 0700)."""

    kind = "file"

    def __init__(self, root: Path) -> None:
        self.root = root

    def describe(self) -> str:
        return f"dossier {self.root}"

    def path(self, key: str) -> Path:
        return self.root / _valid_key(key)

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)

    def check(self) -> None:
        if not self.root.is_dir() or not os.access(self.root, os.W_OK | os.X_OK):
            raise StoreUnavailable(f"le dossier des pièces {self.root} est inaccessible")

    def put(self, key: str, source: Path) -> None:
        target = self.path(key)
        try:
            self.init()
            os.chmod(source, FILE_MODE)
            try:
                os.replace(source, target)
            except OSError:  # another file system (a migration's staging file)
                partial = target.with_suffix(".part")
                shutil.copyfile(source, partial)
                os.chmod(partial, FILE_MODE)
                os.replace(partial, target)
        except OSError as exc:
            raise StoreUnavailable(str(exc)) from exc

    def stream(self, key: str) -> Iterator[bytes]:
        try:
            handle = self.path(key).open("rb")
        except FileNotFoundError:
            raise ObjectMissing(key) from None
        except OSError as exc:
            raise StoreUnavailable(str(exc)) from exc

        def chunks() -> Iterator[bytes]:
            with handle:
                while block := handle.read(CHUNK):
                    yield block

        return chunks()

    def exists(self, key: str) -> bool:
        try:
            return self.path(key).is_file()
        except ObjectMissing:
            return False

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError, ObjectMissing):
            self.path(key).unlink()

    def objects(self) -> Iterator[StoredObject]:
        if not self.root.is_dir():
            return
        for entry in os.scandir(self.root):
            if entry.is_file() and entry.name.isalnum():
                stat = entry.stat()
                modified = datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None)
                yield StoredObject(entry.name, stat.st_size, modified)

    def abort_incomplete(self, older_than: datetime) -> int:
        """Remove `.part` files of interrupted copies (the staging ones: `remove_stale_parts`)."""
        removed = 0
        if self.root.is_dir():
            limit = older_than.replace(tzinfo=UTC).timestamp()
            for part in self.root.glob("*.part"):
                with contextlib.suppress(FileNotFoundError):
                    if part.stat().st_mtime < limit:
                        part.unlink()
                        removed += 1
        return removed


class S3Store:
    """Objects ``<prefix><key>`` in one bucket of an S3-compatible service (boto3)."""

    kind = "s3"

    def __init__(
        self, bucket: str, prefix: str = "", endpoint_url: str | None = None, region: str = ""
    ) -> None:
        import boto3
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix
        self.endpoint_url = endpoint_url
        config = Config(
            connect_timeout=3,
            read_timeout=30,
            retries={"max_attempts": 2, "mode": "standard"},
            s3={"addressing_style": "path"},
        )
        session = boto3.session.Session()
        self.client: Any = session.client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None, config=config
        )
        self.transfer = TransferConfig(
            multipart_threshold=MULTIPART_THRESHOLD,
            multipart_chunksize=MULTIPART_THRESHOLD,
            max_concurrency=2,
            use_threads=True,
        )

    def describe(self) -> str:
        where = f" sur {self.endpoint_url}" if self.endpoint_url else ""
        return f"compartiment S3 « {self.bucket} »{where}"

    def _name(self, key: str) -> str:
        return f"{self.prefix}{_valid_key(key)}"

    def _fail(self, exc: Exception, key: str | None = None) -> Exception:
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(exc, ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if key is not None and code in ("404", "NoSuchKey", "NotFound"):
                return ObjectMissing(key)
            if code in ("NoSuchBucket",) or (key is None and code in ("404", "NotFound")):
                return StoreUnavailable(
                    f"le compartiment « {self.bucket} » n'existe pas : créez-le avec "
                    "« cesp-server pieces init »"
                )
            if code in (
                "403",
                "AccessDenied",
                "InvalidAccessKeyId",
                "SignatureDoesNotMatch",
                "InvalidClientTokenId",
            ):
                return StoreUnavailable(
                    f"identifiants S3 refusés ({code}) pour le compartiment « {self.bucket} » : "
                    "vérifiez AWS_ACCESS_KEY_ID et AWS_SECRET_ACCESS_KEY"
                )
            return StoreUnavailable(f"erreur S3 {code}")
        if isinstance(exc, BotoCoreError):
            return StoreUnavailable(f"stockage S3 injoignable ({type(exc).__name__})")
        return exc

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            raise self._fail(exc) from exc

    def init(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return
        except Exception as exc:
            failure = self._fail(exc)
            if "n'existe pas" not in str(failure):
                raise failure from exc
        try:
            self.client.create_bucket(Bucket=self.bucket)
        except Exception as exc:
            raise self._fail(exc) from exc

    def put(self, key: str, source: Path) -> None:
        # boto3 aborts its multipart upload when a part fails: nothing half-written is visible.
        try:
            self.client.upload_file(str(source), self.bucket, self._name(key), Config=self.transfer)
        except Exception as exc:
            from boto3.exceptions import S3UploadFailedError

            if isinstance(exc, S3UploadFailedError):
                raise StoreUnavailable(f"envoi S3 échoué : {exc}") from exc
            raise self._fail(exc) from exc

    def stream(self, key: str) -> Iterator[bytes]:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"]
        except Exception as exc:
            raise self._fail(exc, key) from exc

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(CHUNK)
            finally:
                body.close()

        return chunks()

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except Exception as exc:
            failure = self._fail(exc, key)
            if isinstance(failure, ObjectMissing):
                return False
            raise failure from exc
        return True

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        except Exception as exc:
            failure = self._fail(exc, key)
            if not isinstance(failure, ObjectMissing):
                raise failure from exc

    def objects(self) -> Iterator[StoredObject]:
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    key = str(item["Key"])[len(self.prefix) :]
                    if key.isalnum():
                        yield StoredObject(key, int(item["Size"]), _naive_utc(item["LastModified"]))
        except Exception as exc:
            raise self._fail(exc) from exc

    def abort_incomplete(self, older_than: datetime) -> int:
        """Abort multipart uploads started before `older_than` (naive UTC) and never finished."""
        aborted = 0
        try:
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=self.prefix
            )
            for page in pages:
                for upload in page.get("Uploads", []):
                    if _naive_utc(upload["Initiated"]) < older_than:
                        self.client.abort_multipart_upload(
                            Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                        )
                        aborted += 1
        except Exception as exc:
            raise self._fail(exc) from exc
        return aborted


def make_store(settings: Settings, kind: str | None = None) -> PieceStore:
    """The store the settings name (`kind` overrides `pieces_store`, for migrations)."""
    kind = kind or settings.pieces_store
    if kind == "s3":
        if not settings.s3_bucket:
            raise StoreUnavailable("CESP_S3_BUCKET n'est pas renseigné")
        return S3Store(
            settings.s3_bucket,
            settings.s3_prefix,
            settings.s3_endpoint_url or None,
            settings.s3_region,
        )
    return LocalStore(settings.resolved_files_dir)


def remove_stale_parts(staging: Path, older_than: timedelta) -> int:
    """Remove staging files (``*.part``) of uploads interrupted more than `older_than` ago."""
    if not staging.is_dir():
        return 0
    limit = time.time() - older_than.total_seconds()
    removed = 0
    for part in staging.glob("*.part"):
        with contextlib.suppress(FileNotFoundError):
            if part.stat().st_mtime < limit:
                part.unlink()
                removed += 1
    return removed
