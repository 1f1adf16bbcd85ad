"""A worker's unexpected failure is told in French and the client stays up."""

from __future__ import annotations

from pathlib import Path

from textual.screen import Screen
from textual.widgets import Static

from cesp_tui.app import CespApp
from cesp_tui.workers import run_guarded, work
from tests.support.tui import tui_app


class _Failing(Screen[None]):
    def compose(self):  # type: ignore[no-untyped-def]
        yield Static("écran de test")

    @work(thread=True, description="la lecture du disque")
    def read_in_thread(self) -> None:
        raise OSError("disque plein")

    @work(description="la liste des campagnes")
    async def read_async(self) -> None:
        raise ValueError("réponse illisible")


def _messages(app: CespApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_failing_workers_are_reported_and_the_app_stays_up(tmp_path: Path) -> None:
    app = tui_app(tmp_path, server_url="http://127.0.0.1:9")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = _Failing()
        await app.push_screen(screen)
        await app.workers.wait_for_complete(list(app.workers))  # start-up workers
        screen.read_in_thread()
        screen.read_async()

        async def failing() -> None:
            raise RuntimeError("coupure")

        run_guarded(screen, failing(), "la synchronisation")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and app.return_code is None
        texts = _messages(app)
        assert any("Échec de la lecture du disque (OSError: disque plein)" in t for t in texts)
        assert any("Échec de la liste des campagnes (ValueError" in t for t in texts)
        assert any("Échec de la synchronisation (RuntimeError: coupure)" in t for t in texts)
        assert all("vos saisies sont conservées" in t for t in texts if t.startswith("Échec"))
        # And the client still answers keys.
        await pilot.press("f1")
        assert app.is_running
