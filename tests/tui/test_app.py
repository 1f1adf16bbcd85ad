"""The client's configuration, command line, embedded platform and application shell."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx
import pytest

from cesp_client.config import ConfigError, load_config
from cesp_client.embedded import EmbeddedPlatform
from cesp_tui.__main__ import build_parser, main
from cesp_tui.app import CespApp
from cesp_tui.screens.account.login import LoginScreen
from cesp_tui.widgets.status_line import StatusLine
from tests.support.tui import tui_app

# --- configuration ------------------------------------------------------------------------


def test_defaults_mean_the_embedded_platform(tmp_path: Path) -> None:
    config = load_config(environ={}, config_path=tmp_path / "none.toml")
    assert config.server_url is None and config.embedded
    assert config.data_dir.name == "cesp"
    assert not config.no_mouse
    assert config.drafts_path == config.data_dir / "drafts.db"
    assert config.platform_dir == config.data_dir / "platform"


def test_command_line_beats_environment_beats_file(tmp_path: Path) -> None:
    toml = tmp_path / "client.toml"
    toml.write_text(
        'server_url = "https://fichier.example.org/"\ndata_dir = "~/cesp-fichier"\n'
        "no_mouse = true\n",
        encoding="utf-8",
    )
    from_file = load_config(environ={}, config_path=toml)
    assert from_file.server_url == "https://fichier.example.org"
    assert from_file.data_dir == Path("~/cesp-fichier").expanduser()
    assert from_file.no_mouse is True

    env = {
        "CESP_SERVER_URL": "https://env.example.org:8443",
        "CESP_CLIENT_DATA_DIR": str(tmp_path / "env"),
        "CESP_CLIENT_NO_MOUSE": "non",
    }
    from_env = load_config(environ=env, config_path=toml)
    assert from_env.server_url == "https://env.example.org:8443"
    assert from_env.data_dir == tmp_path / "env"
    assert from_env.no_mouse is False

    from_cli = load_config(
        server_url="https://cli.example.org",
        data_dir=tmp_path / "cli",
        no_mouse=True,
        environ=env,
        config_path=toml,
    )
    assert from_cli.server_url == "https://cli.example.org"
    assert from_cli.data_dir == tmp_path / "cli"
    assert from_cli.no_mouse is True


def test_bad_values_are_explained_in_french(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Adresse de serveur invalide"):
        load_config(server_url="cesp.example.org", environ={}, config_path=tmp_path / "x")
    broken = tmp_path / "client.toml"
    broken.write_text("server_url = ", encoding="utf-8")
    with pytest.raises(ConfigError, match="illisible"):
        load_config(environ={}, config_path=broken)


def test_plain_http_only_on_this_computer_unless_insecure_http(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 15: passwords never cross a network unencrypted by default."""
    none = tmp_path / "none.toml"
    for url in ("http://cesp.example.org", "http://10.1.2.3:8000", "http://[2001:db8::1]/"):
        with pytest.raises(ConfigError, match="Adresse non chiffrée refusée"):
            load_config(server_url=url, environ={}, config_path=none)
    with pytest.raises(ConfigError, match="--insecure-http"):
        load_config(environ={"CESP_SERVER_URL": "http://cesp.example.org"}, config_path=none)
    for url in ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"):
        assert load_config(server_url=url, environ={}, config_path=none).server_url == url
    accepted = load_config(
        server_url="http://cesp.example.org/", insecure_http=True, environ={}, config_path=none
    )
    assert accepted.server_url == "http://cesp.example.org"

    assert main(["--server", "http://cesp.example.org"]) == 2
    assert "Adresse non chiffrée refusée" in capsys.readouterr().err
    assert build_parser().parse_args(["--insecure-http"]).insecure_http is True


def test_command_line_help_is_french(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--server URL" in out and "plateforme" in out and "afficher cette aide" in out
    assert main(["--server", "pas-une-url"]) == 2
    assert "Adresse de serveur invalide" in capsys.readouterr().err


# --- embedded platform ----------------------------------------------------------------------


def test_embedded_platform_starts_on_loopback_and_stops(tmp_path: Path) -> None:
    platform = EmbeddedPlatform(log_to_file=False)
    url = platform.start(tmp_path / "platform")
    try:
        assert url.startswith("http://127.0.0.1:")
        response = httpx.get(url + "/api/v1/health", timeout=10)
        assert response.status_code == 200
        assert response.json()["status"] == "ok"
        assert platform.start(tmp_path / "platform") == url  # already running
        assert platform.maildir_path == tmp_path / "platform" / "maildir"
        assert (tmp_path / "platform" / "cesp.db").exists()
    finally:
        platform.stop()
    assert not platform.running
    port = int(url.rsplit(":", 1)[1])
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


# --- the application shell ------------------------------------------------------------------


async def test_app_shows_its_first_screen_then_the_embedded_platform(tmp_path: Path) -> None:
    app = tui_app(tmp_path, platform=EmbeddedPlatform(log_to_file=False))
    async with app.run_test(size=(80, 24)) as pilot:
        status = app.screen.query_one("#platform-status")
        assert "Démarrage" in str(status.render()) or app.platform_state == "ready"
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()  # the health check started on ready
        await pilot.pause()
        assert app.platform_state == "ready"
        assert app.server_url is not None
        assert "Plateforme locale prête" in str(status.render())
        assert app.online is True
        assert app.screen.query_one(StatusLine).online is True
    assert not app.platform.running  # type: ignore[union-attr]


async def test_a_login_sent_while_the_platform_starts_waits_for_it(tmp_path: Path) -> None:
    """Typed faster than the embedded platform starts, a login is answered by the platform
    (here: unknown account), not refused with "pas encore prête" to be sent again."""

    class SlowStart(EmbeddedPlatform):  # the real platform, on a slow machine
        def start(self, data_dir: Path, *, timeout: float = 30.0) -> str:
            time.sleep(1.5)
            return super().start(data_dir, timeout=timeout)

    app = tui_app(tmp_path, platform=SlowStart(log_to_file=False))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.platform_state == "starting"
        await pilot.press(*"personne", "tab", *"Motdepasse-1", "enter")
        banner = app.screen.query_one("#banner")
        screen = app.screen
        for _ in range(1200):  # the platform starts, then answers (at most 60 s)
            answered = str(banner.render()).strip() and not getattr(screen, "busy", False)
            if answered:
                break
            await pilot.pause(0.05)
        text = str(banner.render())
        assert "incorrect" in text, text
        assert "pas encore prête" not in text


async def test_app_with_an_unreachable_server_says_hors_ligne(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = tui_app(tmp_path, server_url=f"http://127.0.0.1:{port}")
    assert app.platform is None
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.online is False
        platform_line = app.screen.query_one("#platform-status")
        assert "Serveur : http://127.0.0.1" in str(platform_line.render())
        status = app.screen.query_one(StatusLine)
        assert status.online is False


async def test_global_keys_have_ids_and_french_descriptions(tmp_path: Path) -> None:
    app = tui_app(tmp_path, server_url="http://127.0.0.1:9")
    async with app.run_test(size=(80, 24)) as pilot:
        bindings = {b.id: b for b in CespApp.BINDINGS}  # type: ignore[union-attr]
        assert set(bindings) == {
            "app.quit",
            "app.help",
            "app.command_palette",
            "app.logout",
            "app.mailbox",
            "app.help_quit",
        }
        assert bindings["app.quit"].description == "Quitter"
        # Textual's own app keys (English "Quit") are not inherited.
        assert all(b.description != "Quit" for _, b, _, _ in app.screen.active_bindings.values())
        await pilot.press("f1")
        await pilot.pause()
        assert app.screen.query("HelpPanel")
        await pilot.press("f1")
        await pilot.pause()
        assert not app.screen.query("HelpPanel")
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert app.screen.id == "--command-palette"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


async def test_the_global_keys_are_named_once_at_the_status_line(tmp_path: Path) -> None:
    """F1 and Ctrl+P are named once, at the status line's right end, following the user's
    keymap; the footers keep their width for the screen's own keys (at 80 columns they
    were cut: "^q Quit▏^p Commandes")."""
    from textual.widgets import Footer, Static

    app = tui_app(tmp_path, server_url="http://127.0.0.1:9")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        footer = str(app.screen.query_one(Footer).render())
        keys = [w for w in app.screen.query(".status-keys") if isinstance(w, Static)]
        assert len(keys) == 1
        assert str(keys[0].render()) == "f1 aide · ^p commandes"
        assert "commandes" not in footer.lower()
        app.set_keymap({"app.help": "f12"})
        app.push_screen(LoginScreen())
        await pilot.pause()
        await pilot.pause()
        shown = app.screen.query_one(".status-keys", Static)
        assert str(shown.render()) == "f12 aide · ^p commandes"
