"""Issue 13, property 3: keys sent in one burst (over SSH, a paste, `tmux send-keys`)
give what the same keys typed one by one give: the same draft store for a whole tab,
the same fields for the login."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cesp_client.store import DraftStore
from cesp_tui.app import CespApp
from tests.support.dossiers import CESP_NIR
from tests.support.tui import run_app
from tests.tui.keywalk import (
    account_observer,
    dossier_screen,
    freeze_cursors,
    new_dossier_app,
    ordered_account_app,
    press,
    send_at_once,
    settle,
)

SIZE = (80, 24)

#: "État civil" from its first field to its last, as a candidate types it (Enter and Tab
#: move on, the lists filtered then picked with Enter).
ETAT_CIVIL = [
    *["enter", "tab", *"Durand", "enter", "enter", *"Jean Pierre", "enter", *"15031999"],
    *["enter", "tab", *"087", "enter", *"L", *"imoges", "enter", "tab", *CESP_NIR],
]
#: The same tab keyed by an agent (a letter picks the civilité and moves on, a full
#: date moves on by itself).
ETAT_CIVIL_AGENT = [
    *["m", *"Durand", "enter", "enter", *"Jean Pierre", "enter", *"15031999"],
    *["tab", *"87", "enter", *"lim", "enter", "tab", *CESP_NIR],
]
EXPECTED = {
    "civilite": "M",
    "nom_naissance": "Durand",
    "prenoms": "Jean Pierre",
    "date_naissance": "1999-03-15",
    "departement_naissance": "87",
    "commune_naissance": "87085",
    "nir": CESP_NIR,
}


async def _keyed_tab(data_dir: Path, role: str, keys: list[str], *, burst: bool) -> dict[str, Any]:
    app: CespApp = new_dossier_app(data_dir, "cesp", "etat_civil", role=role, field="civilite")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        freeze_cursors(app)
        if burst:
            await send_at_once(app, pilot, keys)
        else:
            for key in keys:
                await press(app, key)
        await settle(app, pilot)
        dossier_id = dossier_screen(app).dossier_id
    store = DraftStore(data_dir / "drafts.db")
    try:
        dossier = store.get(dossier_id)
        assert dossier is not None
        return {key: value for key, value in dossier.data.items() if value}
    finally:
        store.close()


@pytest.mark.parametrize(
    ("role", "keys"),
    [
        pytest.param("candidat", ETAT_CIVIL, id="candidat"),
        pytest.param("agent", ETAT_CIVIL_AGENT, id="agent"),
    ],
)
async def test_a_tab_typed_in_one_burst_is_stored_as_typed_key_by_key(
    role: str, keys: list[str], tmp_path: Path
) -> None:
    one_by_one = await _keyed_tab(tmp_path / "slow", role, keys, burst=False)
    in_a_burst = await _keyed_tab(tmp_path / "burst", role, keys, burst=True)
    typed = {k: v for k, v in one_by_one["etat_civil"].items() if k in EXPECTED}
    assert typed == EXPECTED
    assert in_a_burst == one_by_one


LOGIN = [*"jdurand", "tab", *"Motdepasse1!"]


async def _login_fields(tmp_path: Path, burst: bool) -> dict[str, Any]:
    from cesp_tui.screens.account.login import LoginScreen

    app = ordered_account_app(tmp_path, LoginScreen)
    observe = account_observer(["identifier", "password"])
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        app.screen.query_one("#identifier").focus()
        await settle(app, pilot)
        if burst:
            await send_at_once(app, pilot, LOGIN)
        else:
            for key in LOGIN:
                await press(app, key)
        await settle(app, pilot)
        return dict(observe(app).values)


async def test_the_login_typed_in_one_burst_is_the_login_typed_key_by_key(tmp_path: Path) -> None:
    one_by_one = await _login_fields(tmp_path / "1", burst=False)
    assert one_by_one == {"identifier": "jdurand", "password": "Motdepasse1!"}
    assert await _login_fields(tmp_path / "2", burst=True) == one_by_one
