"""The built wheel, installed into a fresh venv, gives a working `cesp` and `cesp-server`.

A wheel (or `pip install .`, or `pipx install`) has no repository around it: whatever the
installed package reads at run time (the referentials, mail templates, Alembic scripts,
stylesheets) must be inside it, found relative to the installed modules. These tests build
the wheel from a copy of the sources, install it with the runtime lock
(`requirements-runtime.lock`, hash-checked) into a new venv, and start both commands from
a directory outside the repository. pip's cache is reused, so a second run downloads
nothing; the first run on a new machine reaches PyPI, as `scripts/bootstrap.sh` does.
Select them with `-m wheel`, leave them out with `-m "not wheel"` (ADR 0020).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.postgres import free_port

pytestmark = [pytest.mark.wheel, pytest.mark.timeout(900)]

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cesp_core", "cesp_server", "cesp_client", "cesp_tui")
RUNTIME_LOCK = "requirements-runtime.lock"
COMMUNES = 37_590


def _source_files() -> set[str]:
    """Every file of the packages in the source tree, as paths inside the wheel."""
    found = set()
    for package in PACKAGES:
        for path in (REPO_ROOT / package).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                found.add(path.relative_to(REPO_ROOT).as_posix())
    return found


def _run(args: list[str | Path], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@dataclass(frozen=True)
class Installed:
    wheel: Path
    bin: Path  # the fresh venv's bin/
    outside: Path  # a working directory outside the repository
    env: dict[str, str]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("wheel")
    # Build from a copy: the build writes build/ and *.egg-info next to the sources.
    source = base / "src"
    shutil.copytree(
        REPO_ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".*cache"
        ),
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CESP_", "PYTHON"))}
    dist = base / "dist"
    # The build backend (setuptools) is pinned in requirements.lock and installed in the
    # test's own venv: no isolated build environment to download.
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
    _run([*pip_wheel, "--no-build-isolation", "--wheel-dir", dist, source], cwd=base, env=env)
    (wheel,) = dist.glob("cesp-*.whl")
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=base, env=env)
    pip = [venv / "bin" / "python", "-m", "pip", "--quiet", "--disable-pip-version-check"]
    _run(
        [*pip, "install", "--no-compile", "--require-hashes", "-r", REPO_ROOT / RUNTIME_LOCK],
        cwd=base,
        env=env,
    )
    _run([*pip, "install", "--no-deps", wheel], cwd=base, env=env)
    outside = base / "elsewhere"
    outside.mkdir()
    home = base / "home"
    env |= {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    yield Installed(wheel=wheel, bin=venv / "bin", outside=outside, env=env)


def test_wheel_holds_every_file_of_the_packages(installed: Installed) -> None:
    """Referentials (*.csv), mail templates (*.txt, *.html), Alembic (env.py, *.mako,
    versions/), stylesheets (*.tcss): everything under the package folders ships."""
    with zipfile.ZipFile(installed.wheel) as archive:
        shipped = {name for name in archive.namelist() if ".dist-info/" not in name}
    source = _source_files()
    assert source - shipped == set()
    assert shipped - source == set()
    for expected in (
        "cesp_core/referentials/data/communes.csv",
        "cesp_core/referentials/data/departements.csv",
        "cesp_core/referentials/data/pays.csv",
        "cesp_server/mail/templates/signup_code.txt",
        "cesp_server/migrations/env.py",
        "cesp_server/migrations/script.py.mako",
        "cesp_server/migrations/versions/0001_initial_schema.py",
    ):
        assert expected in shipped
    assert any(name.endswith(".tcss") for name in shipped)


def test_installed_dependencies_are_consistent(installed: Installed) -> None:
    """The wheel's declared requirements are all met by the runtime lock."""
    result = _run(
        [installed.bin / "python", "-m", "pip", "check"], cwd=installed.outside, env=installed.env
    )
    assert "No broken requirements" in result.stdout


def test_referentials_load_from_the_installed_package(installed: Installed) -> None:
    code = textwrap.dedent(
        """
        import cesp_core
        from cesp_core import referentials
        from cesp_core.filtering import CommuneIndex
        print(cesp_core.__file__)
        print(referentials.data_dir())
        print(len(referentials.communes()), len(referentials.departements()),
              len(referentials.pays()))
        print(CommuneIndex().search("limoges")[0].code)
        """
    )
    result = _run([installed.bin / "python", "-c", code], cwd=installed.outside, env=installed.env)
    module, data_dir, counts, limoges = result.stdout.splitlines()
    site_packages = str(installed.bin.parent / "lib")
    assert module.startswith(site_packages)
    assert data_dir.startswith(site_packages)
    assert counts.split()[0] == str(COMMUNES)
    assert limoges == "87085"


def test_cesp_help(installed: Installed) -> None:
    result = _run([installed.bin / "cesp", "--help"], cwd=installed.outside, env=installed.env)
    assert "utilisation : cesp" in result.stdout


def test_cesp_starts_headless_on_its_embedded_platform(installed: Installed) -> None:
    """The real `cesp` entry point, its Textual app run headless (Textual's public
    `App.run(headless=..., auto_pilot=...)`): the stylesheets, the referential indexes
    (built by a start-up worker) and the embedded platform (SQLite, Alembic) all come from
    the installed package; an error in any of them makes the app exit with code 1."""
    code = textwrap.dedent(
        """
        import sys
        from importlib.metadata import entry_points
        from textual.app import App

        run = App.run

        def headless(app, **_options):
            async def pilot(driver):
                for _ in range(2):  # the platform's start, then the health check it starts
                    await app.workers.wait_for_complete()
                    await driver.pause()
                print(type(app.screen).__name__, getattr(app, "platform_state", None))
                app.exit()

            return run(app, headless=True, size=(80, 24), auto_pilot=pilot)

        App.run = headless
        (cesp,) = entry_points(group="console_scripts", name="cesp")
        sys.exit(cesp.load()(["--data-dir", sys.argv[1]]))
        """
    )
    data = installed.outside / "client-data"
    result = _run(
        [installed.bin / "python", "-c", code, data], cwd=installed.outside, env=installed.env
    )
    assert result.stdout.split()[-2:] == ["LoginScreen", "ready"], result.stdout
    assert (data / "platform" / "cesp.db").exists()


def test_cesp_server_help(installed: Installed) -> None:
    result = _run(
        [installed.bin / "cesp-server", "--help"], cwd=installed.outside, env=installed.env
    )
    assert "cesp-server" in result.stdout and "serve" in result.stdout


def test_cesp_server_serves_health(installed: Installed) -> None:
    port = free_port()
    data = installed.outside / "server-data"
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen(
        [installed.bin / "cesp-server", "--data-dir", data, *serve],
        cwd=installed.outside,
        env=installed.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        response = None
        deadline = time.monotonic() + 120  # a wait for start-up, not a timing assert
        while time.monotonic() < deadline and server.poll() is None:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert server.poll() is None, server.communicate()[0]
        assert response is not None and response.status_code == 200, response
        assert response.json()["status"] == "ok"
        assert (data / "cesp.db").exists()  # migrated by the packaged Alembic scripts
    finally:
        server.terminate()
        server.wait(timeout=30)
