"""Placeholder home screen: which platform the client uses, and whether it answers.

Temporary: the login flow and "Mes demandes" replace it in the next step.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from cesp_tui.widgets.status_line import StatusLine


class HomeScreen(Screen[None]):
    """Shows the platform's state; nothing else yet."""

    def compose(self) -> ComposeResult:
        with Vertical(id="home"):
            yield Static("CESP — dossiers de candidature", id="home-title")
            yield Static("", id="home-platform", markup=False)
            yield Static(
                "Écran provisoire : la connexion et la liste « Mes demandes » ne sont pas "
                "encore disponibles dans ce client.",
                id="home-note",
            )
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        for name in ("platform_state", "server_url", "platform_error"):
            self.watch(self.app, name, self._refresh_platform)
        self.watch(self.app, "online", self._refresh_online)

    def _refresh_platform(self) -> None:
        app = self.app
        state = getattr(app, "platform_state", "starting")
        url = getattr(app, "server_url", None)
        embedded = getattr(getattr(app, "config", None), "embedded", True)
        if state == "failed":
            text = getattr(app, "platform_error", None) or "La plateforme n'a pas démarré."
        elif state == "ready" and embedded:
            text = f"Plateforme locale prête : {url}"
        elif state == "ready":
            text = f"Serveur : {url}"
        else:
            text = "Démarrage de la plateforme locale…"
        label = self.query_one("#home-platform", Static)
        label.update(text)
        label.set_class(state == "failed", "-error")

    def _refresh_online(self, online: bool | None) -> None:
        self.query_one(StatusLine).online = online
