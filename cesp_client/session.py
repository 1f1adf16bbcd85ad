"""The logged-in state: which platform, which user, the session token and the account.

``server_key`` names the platform for the local stores: the configured URL for a shared
platform, ``"local"`` for the embedded one (its URL has a new port at every start, while
its drafts and its token must be found again). The draft store (`DraftStore.list`,
``LocalDossier.server_url``) and the token store are keyed by it.

The last user of each platform is remembered in ``<data_dir>/last_user.json`` (server key
and user name only, nothing secret) to prefill the login screen and find the token in the
keyring at the next start.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "LOCAL_SERVER_KEY",
    "Session",
    "forget_last_user",
    "last_user",
    "remember_last_user",
    "server_key_for",
]

LOCAL_SERVER_KEY = "local"
_LAST_USER_FILE = "last_user.json"

#: Roles that own dossiers, and the démarche each one applies to.
APPLICANT_DEMARCHE = {"candidat": "cesp", "etablissement": "asp"}


def server_key_for(server_url: str | None, *, embedded: bool) -> str:
    """The stable name of a platform for the local stores."""
    if embedded or not server_url:
        return LOCAL_SERVER_KEY
    return server_url.rstrip("/")


@dataclass
class Session:
    """A user logged in on a platform (``server_url`` is where to send requests now)."""

    server_url: str
    server_key: str
    username: str
    token: str
    account: dict[str, Any] = field(default_factory=dict)

    @property
    def role(self) -> str:
        return str(self.account.get("role") or "")

    @property
    def display_name(self) -> str:
        return str(self.account.get("display_name") or self.username)

    @property
    def applicant_demarche(self) -> str | None:
        """The démarche this account applies to (None for staff)."""
        return APPLICANT_DEMARCHE.get(self.role)


def _path(data_dir: Path) -> Path:
    return data_dir / _LAST_USER_FILE


def _read(data_dir: Path) -> dict[str, str]:
    try:
        content = json.loads(_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(content, dict):
        return {}
    return {str(k): str(v) for k, v in content.items() if isinstance(v, str)}


def last_user(data_dir: Path, server_key: str) -> str | None:
    """The user name last logged in on that platform from this data directory."""
    return _read(data_dir).get(server_key) or None


def remember_last_user(data_dir: Path, server_key: str, username: str) -> None:
    """Record ``username`` (written atomically, mode 0600). Blocking: call from a worker."""
    content = _read(data_dir)
    content[server_key] = username
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = _path(data_dir).with_suffix(".tmp")
    fd = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(content, handle, ensure_ascii=False, indent=1)
    temporary.replace(_path(data_dir))


def forget_last_user(data_dir: Path, server_key: str) -> None:
    content = _read(data_dir)
    if content.pop(server_key, None) is not None:
        remember_all = _path(data_dir)
        fd = os.open(remember_all, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(content, handle, ensure_ascii=False, indent=1)
