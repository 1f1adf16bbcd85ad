"""Issue 15, item 4: the platform's data is private to its account, whatever the umask.

The server runs in a subprocess started with umask 022 (the in-process test servers share
pytest's umask, which an earlier test may already have tightened): ``cesp-server serve``
on SQLite and PostgreSQL, and the client's embedded platform (``server.log`` included).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from cesp_server.settings import Settings
from tests.support.accounts import create_cesp_account, maildir_messages
from tests.support.dossiers import TINY_PDF, create_dossier, upload
from tests.support.postgres import free_port


def _umask_022() -> None:
    os.umask(0o022)


@dataclass
class _Subprocess:
    """What `tests.support.accounts` needs of a server: its URL and settings."""

    url: str
    settings: Settings

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.api, headers=headers, timeout=30.0)


def _cli(data_dir: Path, database_url: str, *args: str) -> list[str]:
    base = [sys.executable, "-m", "cesp_server.cli", "--data-dir", str(data_dir)]
    if database_url:
        base += ["--database-url", database_url]
    return [*base, *args]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CESP_")}
    env["CESP_MAIL_BACKEND"] = "maildir"
    return env


def _modes(root: Path) -> dict[str, str]:
    """Every path under `root` (itself included) with group/other bits, as ``path: mode``."""
    loose: dict[str, str] = {}
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        expected = 0o700 if path.is_dir() else 0o600
        if mode != expected:
            loose[str(path.relative_to(root.parent))] = oct(mode)
    return loose


def _wait_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "cesp-server serve did not answer"
        time.sleep(0.1)


def test_served_data_is_private_with_umask_022(tmp_path: Path, database_url: str) -> None:
    data_dir = tmp_path / "donnees"
    if database_url.startswith("sqlite"):
        database_url = ""  # the default: data_dir/cesp.db
    now = datetime.now()
    created = subprocess.run(
        _cli(
            data_dir,
            database_url,
            "campaign",
            "create",
            "--demarche=cesp",
            f"--year={now.year}",
            "--label=Campagne privée",
            f"--opens={(now - timedelta(days=2)):%Y-%m-%d %H:%M}",
            f"--closes={(now + timedelta(days=30)):%Y-%m-%d %H:%M}",
        ),
        env=_env(),
        preexec_fn=_umask_022,
        capture_output=True,
        text=True,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    campaign_id = int(created.stdout.split()[1])

    port = free_port()
    process = subprocess.Popen(
        _cli(data_dir, database_url, "serve", "--port", str(port), "--log-level", "warning"),
        env=_env(),
        preexec_fn=_umask_022,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        server = _Subprocess(
            f"http://127.0.0.1:{port}", Settings(data_dir=data_dir, database_url=database_url)
        )
        _wait_up(server.url, process)
        token = create_cesp_account(server, None, "prive@exemple.fr")  # type: ignore[arg-type]
        with server.client(token) as client:
            dossier = create_dossier(client, campaign_id)
            assert upload(client, dossier["id"], "piece_identite", TINY_PDF).status_code == 201
        assert maildir_messages(server)  # type: ignore[arg-type]
        pieces = [p for p in server.settings.resolved_files_dir.rglob("*") if p.is_file()]
        assert pieces
        if not database_url:
            assert (data_dir / "cesp.db-wal").exists()
        running = _modes(data_dir)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert running == {}
    assert _modes(data_dir) == {}


_EMBEDDED = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import httpx
    from cesp_client.embedded import EmbeddedPlatform

    platform = EmbeddedPlatform(log_to_file=True)
    url = platform.start(Path(sys.argv[1]))
    email = "embarque@exemple.fr"
    body = {"civilite": "F", "nom": "Dupont", "prenom": "Jeanne",
            "date_naissance": "2001-04-12", "email": email,
            "email_confirmation": email, "accepte_conditions": True}
    r = httpx.post(f"{url}/api/v1/accounts/signup", json=body, timeout=30)
    assert r.status_code == 202, r.text
    new = Path(sys.argv[1]) / "maildir" / "new"
    deadline = time.monotonic() + 30
    while not (new.exists() and any(new.iterdir())):
        assert time.monotonic() < deadline, "no mail"
        time.sleep(0.05)
    platform.stop()
    """
)


def test_embedded_platform_is_private_with_umask_022(tmp_path: Path) -> None:
    data_dir = tmp_path / "client" / "platform"
    done = subprocess.run(
        [sys.executable, "-c", _EMBEDDED, str(data_dir)],
        env=_env(),
        preexec_fn=_umask_022,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (data_dir / "server.log").exists()
    assert (data_dir / "cesp.db").exists()
    assert _modes(data_dir) == {}


def test_the_maildir_is_whole_before_the_first_mail(tmp_path: Path) -> None:
    """The outbox's Maildir exists with tmp, new and cur as soon as the platform's storage
    is set up: a reader polling it while the first mail was delivered found the directory
    without "cur" (FileNotFoundError in `test_mail.py::test_maildir_delivery`, once)."""
    from cesp_server.private_files import secure_storage

    settings = Settings(data_dir=tmp_path / "donnees", mail_backend="maildir")
    secure_storage(settings)
    maildir = settings.resolved_maildir
    assert sorted(p.name for p in maildir.iterdir()) == ["cur", "new", "tmp"]
    assert stat.S_IMODE(maildir.stat().st_mode) == 0o700
    assert maildir_messages(_Subprocess("http://127.0.0.1:9", settings)) == []  # type: ignore[arg-type]


def test_workers_starting_together_all_set_up_the_maildir(tmp_path: Path) -> None:
    """The workers of one server set up the same storage at the same moment: none fails
    because another made the Maildir first."""
    from concurrent.futures import ThreadPoolExecutor

    from cesp_server.private_files import secure_storage

    for attempt in range(20):
        settings = Settings(data_dir=tmp_path / f"donnees-{attempt}", mail_backend="maildir")
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(secure_storage, [settings] * 4))
        assert sorted(p.name for p in settings.resolved_maildir.iterdir()) == ["cur", "new", "tmp"]
