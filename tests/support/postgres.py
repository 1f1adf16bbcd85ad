"""A throw-away PostgreSQL cluster for the tests, started from the machine's binaries.

PostgreSQL refuses to run as root; when the tests run as root (CI containers) the
cluster runs as the `postgres` system user through `runuser`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path


def find_pg_bindir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for directory in candidates:
        if Path(directory, "pg_ctl").exists():
            return Path(directory)
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).resolve().parent if pg_ctl else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresCluster:
    bindir: Path
    root: Path
    port: int
    user: str = "cesp"
    _run_as: str | None = None

    def _cmd(self, *args: str) -> list[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self._run_as:
            return ["runuser", "-u", self._run_as, "--", *cmd]
        return cmd

    def start(self) -> None:
        if os.geteuid() == 0:
            self._run_as = "postgres"
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        data = self.root / "data"
        subprocess.run(
            self._cmd(
                "initdb", "-D", str(data), "-A", "trust", "-U", self.user, "-E", "UTF8", "--no-sync"
            ),
            check=True,
            capture_output=True,
        )
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.root} -F "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=300"
        )
        subprocess.run(
            self._cmd(
                "pg_ctl",
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(self.root / "log"),
                "-w",
                "start",
            ),
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        subprocess.run(
            self._cmd("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "stop"),
            capture_output=True,
        )

    def create_database(self) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        name = "t_" + uuid.uuid4().hex[:12]
        subprocess.run(
            [
                *self._cmd(
                    "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, name
                )
            ],
            check=True,
            capture_output=True,
        )
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{name}"


def start_cluster() -> PostgresCluster | None:
    bindir = find_pg_bindir()
    if bindir is None:
        return None
    root = Path(tempfile.mkdtemp(prefix="cesp-pg-"))
    root.chmod(0o755)
    cluster = PostgresCluster(bindir=bindir, root=root, port=free_port())
    cluster.start()
    return cluster
