"""The platform's data stays private to the account that runs it, whatever the umask.

`secure_storage(settings)` (called by `db.make_engine`, so by the server, the embedded
platform and every `cesp-server` command) does three things:

- adds ``077`` to the process umask: every file written afterwards (the SQLite database
  and its WAL, stored pieces, Maildir messages, logs) is created ``0600`` and every
  directory ``0700``, whoever writes it (SQLite, `mailbox`, a logging handler);
- creates the data directory, the pieces directory and the Maildir ``0700`` and brings
  existing ones back to ``0700`` (an install made before this rule);
- creates the SQLite database file ``0600`` before SQLite opens it (its ``-wal`` and
  ``-shm`` files take the database's mode) and brings existing ones back to ``0600``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from .settings import Settings

__all__ = ["PRIVATE_DIR", "PRIVATE_FILE", "private_dir", "private_file", "secure_storage"]

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
_SQLITE_SIDECARS = ("-wal", "-shm", "-journal")


def restrict_umask() -> None:
    """No permission for group and others on anything this process creates from now on."""
    current = os.umask(0o077)
    os.umask(current | 0o077)


def private_dir(path: Path) -> None:
    """`path` (and missing parents) exists and is ``0700``."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    os.chmod(path, PRIVATE_DIR)


def private_file(path: Path) -> None:
    """`path` exists (empty if new) and is ``0600``."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0), PRIVATE_FILE)
    os.close(fd)
    os.chmod(path, PRIVATE_FILE)


def _sqlite_path(url: str) -> Path | None:
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    rest = url[len(prefix) :].split("?", 1)[0]
    if not rest or rest == ":memory:":
        return None
    return Path(rest)


def secure_storage(settings: Settings) -> None:
    restrict_umask()
    private_dir(settings.data_dir)
    private_dir(settings.resolved_files_dir)
    maildir = settings.resolved_maildir
    if settings.mail_backend == "maildir":
        # Whole before the first mail: `mailbox` creates the directory, then tmp, new and
        # cur one by one, and a reader (the client's mailbox, a test) looking in between
        # found no "cur" (FileNotFoundError). `exist_ok`: the workers of one server start
        # together (`mailbox.Maildir(create=True)` raised FileExistsError in the second).
        for sub in ("tmp", "new", "cur"):
            (maildir / sub).mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    if maildir.exists():
        os.chmod(maildir, PRIVATE_DIR)
        for sub in ("cur", "new", "tmp"):
            with contextlib.suppress(FileNotFoundError):
                os.chmod(maildir / sub, PRIVATE_DIR)
    database = _sqlite_path(settings.resolved_database_url)
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        private_file(database)
        for suffix in _SQLITE_SIDECARS:
            with contextlib.suppress(FileNotFoundError):
                os.chmod(database.with_name(database.name + suffix), PRIVATE_FILE)
