"""Logging in through the real login screen, as a user does (identifier, password,
Enter), then waiting for the session and its sync engine."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from cesp_tui.app import CespApp
from cesp_tui.screens.account.login import LoginScreen
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.tui import settle_app, until


async def log_in(
    app: CespApp, pilot: Pilot[Any], identifier: str, password: str = DEFAULT_PASSWORD
) -> None:
    await settle_app(app, pilot)
    login = app.screen
    assert isinstance(login, LoginScreen)
    login.query_one("#identifier", Input).value = identifier
    login.query_one("#password", Input).focus()
    await pilot.press(*password, "enter")
    await settle_app(app, pilot)
    await until(pilot, lambda: app.session is not None and app.sync_engine is not None)
