"""Server settings, read from the environment with the prefix ``CESP_``.

Example: ``CESP_DATABASE_URL=postgresql+psycopg://cesp@127.0.0.1/cesp``.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return platformdirs.user_data_path("cesp", appauthor=False)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CESP_", extra="ignore")

    #: Where the embedded platform keeps its SQLite database, files and Maildir.
    data_dir: Path = Field(default_factory=default_data_dir)
    #: SQLAlchemy URL; empty means SQLite in `data_dir`.
    database_url: str = ""
    #: Connections each worker keeps to PostgreSQL, and how many more it may open at a peak:
    #: workers x (pool + overflow) must stay under the server's `max_connections` (or use
    #: PgBouncer in transaction mode).
    db_pool_size: int = 10
    db_max_overflow: int = 20
    #: Where uploaded pieces are stored (never served directly); default `data_dir/pieces`.
    files_dir: Path | None = None

    mail_backend: Literal["maildir", "smtp"] = "maildir"
    #: Maildir of the embedded outbox; default `data_dir/maildir`.
    maildir_path: Path | None = None
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "CESP <noreply@cesp.localhost>"
    #: Base URL written in e-mailed links (the client also accepts the bare token).
    public_url: str = "http://127.0.0.1:8000"

    timezone: str = "Europe/Paris"
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    code_ttl_minutes: int = 15
    code_max_tries: int = 5
    code_max_sends_per_hour: int = 5
    link_ttl_minutes: int = 15
    login_max_failures: int = 5
    login_lock_minutes: int = 15

    #: Where the pieces' files are: a local directory (``file``) or S3-compatible storage.
    pieces_store: Literal["file", "s3"] = "file"
    #: S3 endpoint (empty: AWS); credentials from the standard ``AWS_*`` variables.
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_prefix: str = "pieces/"
    s3_region: str = ""
    #: Age past which an upload's leftovers (staging files, objects without a row,
    #: unfinished multipart uploads) are removed: an upload in flight is younger.
    upload_grace_minutes: int = 60
    #: A virus scanner reading the file on its standard input (``clamdscan --no-summary -``):
    #: exit 0 clean, 1 infected; empty: no scan.
    scan_command: str = ""

    #: Prometheus metrics at ``/metrics`` (off by default); a token, when set, is required
    #: as ``Authorization: Bearer <token>``.
    metrics_enabled: bool = False
    metrics_token: SecretStr | None = None
    #: One JSON object per log line (NIR and IBAN masked as in text logs).
    log_json: bool = False

    max_file_bytes: int = 10 * 1024 * 1024
    max_dossier_bytes: int = 50 * 1024 * 1024

    #: Life of the link mailed to the applicant of a paper dossier to claim it.
    claim_ttl_days: int = 90
    #: Size cap of an import file (CSV or JSON).
    max_import_bytes: int = 5 * 1024 * 1024

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'cesp.db'}"

    @cached_property
    def resolved_files_dir(self) -> Path:
        return self.files_dir or self.data_dir / "pieces"

    @cached_property
    def resolved_maildir(self) -> Path:
        return self.maildir_path or self.data_dir / "maildir"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")
