"""Keys that arrive together (a burst over SSH, a paste, `tmux send-keys`) land in the
fields they were typed for: each key is handed over once the previous one has moved the
cursor (`cesp_tui.key_order.OrderedKeys`)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.app import App
from textual.pilot import Pilot

from cesp_tui import textual_compat
from cesp_tui.widgets.tab_form import TabForm
from tests.support.tui import run_app, tui_app
from tests.tui.test_dossier_keying import new_dossier, settle
from tests.tui.test_tab_form import SIZE, form_app

#: Two names, a date, the birth department picked, the first letters of the commune.
BURST = [*"Du", "tab", *"Je", "enter", "enter", *"15031999", "enter", "tab", *"87", "enter"]
BURST += [*"lim"]


async def send_at_once(app: App[Any], pilot: Pilot[Any], keys: list[str]) -> None:
    """All the keys into the app's queue before it handles the first one."""
    assert app._driver is not None
    for key in keys:
        app._driver.send_message(events.Key(key, key if len(key) == 1 else None))
    for _ in range(40):
        await pilot.pause(0.05)
        if app._held_keys is None:  # type: ignore[attr-defined]
            break
    await pilot.pause()


def filled(form: TabForm) -> dict[str, Any]:
    values = {key: value for key, value in form.values().items() if value}
    commune = form.row("commune_naissance").control_widget
    values["commune typed"] = commune.input.value  # type: ignore[attr-defined]
    return values


EXPECTED = {
    "nom_naissance": "Du",
    "nom_usage": "Je",
    "date_naissance": "1999-03-15",
    "departement_naissance": "87",
    "commune typed": "lim",
}


async def at_nom_naissance(pilot: Pilot[Any]) -> TabForm:
    """The cursor in "Nom de naissance", the first field the burst types into."""
    form = pilot.app.query_one(TabForm)
    form.row("nom_naissance").focus_control()
    await pilot.pause()
    return form


async def test_a_burst_of_keys_lands_field_by_field() -> None:
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        form = await at_nom_naissance(pilot)
        await send_at_once(app, pilot, BURST)
        assert filled(form) == EXPECTED


async def test_the_same_keys_one_by_one_give_the_same_fields() -> None:
    """The reference: what the burst must give is what slow typing gives."""
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        form = await at_nom_naissance(pilot)
        for key in BURST:
            await pilot.press(key)
        await pilot.pause()
        assert filled(form) == EXPECTED


async def test_a_burst_on_the_dossier_screen_reaches_the_draft(tmp_path: Path) -> None:
    dossier_id = new_dossier(tmp_path)
    app = tui_app(
        tmp_path, role="candidat", open_id=dossier_id, tab="etat_civil", field="nom_naissance"
    )
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await send_at_once(app, pilot, [*"Durand", "tab", "tab", *"Jean", "enter", *"15031999"])
        await settle(app, pilot)
        stored = app.drafts.get(dossier_id).data["etat_civil"]  # type: ignore[union-attr]
        assert stored["nom_naissance"] == "Durand"
        assert stored["prenoms"] == "Jean"
        assert stored["date_naissance"] == "1999-03-15"


async def test_the_textual_in_use_keeps_what_ordering_reads() -> None:
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        await at_nom_naissance(pilot)
        await pilot.press("D")
        assert app.key_order_off is None  # type: ignore[attr-defined]
        assert textual_compat.key_order_unavailable(app) is None


async def test_without_textual_s_internals_keys_go_to_textual_and_the_log_says_why(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Another Textual, without `App._registry`: no key is held, nothing fails, the
    log says ordering is off (and the keys typed one by one still land)."""
    monkeypatch.setattr(textual_compat, "REGISTRY", "_registry_of_another_textual")
    app = form_app("etat_civil")
    with caplog.at_level(logging.WARNING, logger="cesp_tui.textual_compat"):
        async with app.run_test(size=SIZE) as pilot:
            form = await at_nom_naissance(pilot)
            for key in [*"Du", "tab", *"Je"]:
                await pilot.press(key)
            await pilot.pause()
            values = form.values()
            off = app.key_order_off  # type: ignore[attr-defined]
            assert app._held_keys is None  # type: ignore[attr-defined]
    assert values["nom_naissance"] == "Du" and values["nom_usage"] == "Je"
    assert off is not None and "_registry_of_another_textual" in off
    assert any("no ordering" in record.getMessage() for record in caplog.records)
    with pytest.raises(textual_compat.TextualCompatError):
        textual_compat.app_is_busy(app)
