"""Server settings, read from the environment with the prefix ``CESP_``.

Example: ``CESP_DATABASE_URL=postgresql+psycopg://cesp@127.0.0.1/cesp``.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return platformdirs.user_data_path("cesp", appauthor=False)


#: The client's setting for its data directory (`cesp_client.config.ENV_DATA_DIR`).
CLIENT_DATA_DIR_ENV = "CESP_CLIENT_DATA_DIR"


def embedded_platform_dir() -> Path:
    """Where the client's embedded platform keeps its data: ``<client data dir>/platform``
    (`cesp_client.config.ClientConfig.platform_dir`), the client's data directory being
    ``$CESP_CLIENT_DATA_DIR`` or the platformdirs user data directory of ``cesp``
    (``~/.local/share/cesp`` on Linux). ``cesp-server`` uses it when no database and no
    data directory are configured, so that staff accounts made on the command line land
    in the platform the client starts."""
    configured = os.environ.get(CLIENT_DATA_DIR_ENV, "").strip()
    base = Path(configured).expanduser() if configured else default_data_dir()
    return base / "platform"


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
    #: Base URL written in e-mailed links (the token goes after a ``#``, which browsers
    #: never send; the client also accepts the bare token).
    public_url: str = "http://127.0.0.1:8000"
    #: Fernet key (urlsafe base64, 32 bytes) sealing the secrets of mails waiting in the
    #: outbox; empty: a key generated once in `data_dir/mail.key` (mode 0600). Set it when
    #: several hosts deliver the same outbox (ADR 0016).
    mail_key: SecretStr | None = None
    #: Addresses of the reverse proxies whose ``X-Forwarded-For``/``-Proto`` are believed
    #: (comma-separated IPs or networks, as uvicorn's ``forwarded_allow_ips``); empty: none,
    #: the client address is the TCP peer's.
    trusted_proxies: str = ""

    timezone: str = "Europe/Paris"
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    code_ttl_minutes: int = 15
    code_max_tries: int = 5
    code_max_sends_per_hour: int = 5
    link_ttl_minutes: int = 15
    #: Failures before new login attempts must wait (a growing delay, never a hard lock).
    login_max_failures: int = 5
    #: The first wait; each further failure doubles it...
    login_throttle_seconds: int = 30
    #: ...up to this many minutes.
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

    #: Cap of every request body but the uploads (a piece, an import file), checked as the
    #: body arrives and before it is parsed (413); a tab's values weigh a few KiB.
    max_body_bytes: int = 512 * 1024
    max_file_bytes: int = 10 * 1024 * 1024
    #: Dossiers one account may create in one campaign: a candidat, an établissement,
    #: a staff member (keying paper dossiers). 409 `dossier_quota` past it.
    max_dossiers_per_campaign: int = 20
    max_dossiers_per_campaign_etablissement: int = 200
    max_dossiers_per_campaign_staff: int = 5000
    #: Total bytes of the pieces of every dossier one account owns (409 past it).
    max_account_bytes: int = 1024 * 1024 * 1024
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
