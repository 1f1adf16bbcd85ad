"""Keying a CESP dossier in `DossierScreen` (Pilot, 80x24, over the local store alone):
tab by tab with the keyboard, every validator message under its field, saves queued,
read-only dossiers, refusals, the command palette, resuming after a restart and after the
client process was killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from textual.app import App
from textual.command import CommandList
from textual.pilot import Pilot
from textual.widgets import Static

from cesp_client.events import SaveRefused
from cesp_client.store import DraftStore, OpKind
from cesp_core.demarches import CESP
from cesp_core.demarches.rules import TabState, dossier_problems
from cesp_core.problems import Problem
from cesp_tui.app import CespApp
from cesp_tui.screens.dossier.dossier import DossierScreen
from cesp_tui.screens.dossier.tab import TabScreen
from cesp_tui.widgets.field_row import FieldRow
from tests.support.dossiers import CESP_BIC, CESP_IBAN, CESP_NIR, complete_cesp_values
from tests.support.tui import (
    SERVER_KEY,
    USERNAME,
    dossier_screen_of,
    run_app,
    settle_workers,
    tui_app,
)

SIZE = (80, 24)
ROOT = Path(__file__).resolve().parents[2]


def new_dossier(tmp_path: Path, data: dict[str, Any] | None = None, **kwargs: Any) -> str:
    store = DraftStore(tmp_path / "drafts.db")
    try:
        dossier = store.create_local(SERVER_KEY, USERNAME, "cesp", 1, data=data, **kwargs)
    finally:
        store.close()
    return dossier.id


async def settle(app: App[Any], pilot: Pilot[Any]) -> None:
    """Let the screens' workers finish and their messages be handled (no sleeping)."""
    await settle_workers(app, pilot)


async def type_text(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*text)


async def palette_pick(app: CespApp, pilot: Pilot[Any], query: str) -> str:
    """Open the command palette, type ``query``, wait for the hits (the palette batches
    them), take the first one; returns its text."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await type_text(pilot, query)
    command_list = app.screen.query_one(CommandList)
    for _ in range(100):
        await settle(app, pilot)
        await pilot.pause(0.05)
        if command_list.option_count and command_list.highlighted is not None:
            break
    prompt = str(command_list.get_option_at_index(command_list.highlighted or 0).prompt)
    await pilot.press("enter")
    await settle(app, pilot)
    return prompt


def row_texts(row: FieldRow) -> str:
    """Everything a field's row shows under its label (error line, live line)."""
    return " ".join(str(s.render()) for s in row.query(Static) if s.display)


def form_view(app: CespApp) -> TabScreen:
    view = dossier_screen_of(app).current_view
    assert isinstance(view, TabScreen), view
    return view


# --- a whole dossier with the keyboard ---------------------------------------------------------


async def test_a_cesp_dossier_keyed_tab_by_tab(tmp_path: Path) -> None:
    dossier_id = new_dossier(tmp_path)
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        screen = dossier_screen_of(app)
        assert screen.current_tab == "etat_civil"

        # 1 État civil: the cursor starts on "Civilité".
        await pilot.press("enter", "tab")  # M.
        await type_text(pilot, "Durand")
        await pilot.press("enter", "enter")  # past "Nom d'usage"
        await type_text(pilot, "Jean Pierre")
        await pilot.press("enter")
        await type_text(pilot, "15031999")
        await pilot.press("enter", "tab")  # past "né(e) à l'étranger"
        await type_text(pilot, "087")  # the guide's example: "087" -> Haute-Vienne
        await pilot.press("enter")
        await type_text(pilot, "L")  # communes of the Haute-Vienne starting with L
        commune = form_view(app).form.row("commune_naissance").control_widget
        assert commune.hits and all(h.label.endswith("(87)") for h in commune.hits)  # type: ignore[attr-defined]
        await type_text(pilot, "imoges")
        await pilot.press("enter", "tab")  # past "Nationalité française"
        await type_text(pilot, CESP_NIR)
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert screen.current_tab == "adresse", app.screen.query_one("#dossier-title").render()

        # 2 Adresse: the commune follows from the postal code.
        await type_text(pilot, "12 rue Jean Jaurès")
        await pilot.press("enter", "enter", "tab")  # past "Complément", "Pays" (France)
        await type_text(pilot, "87000")
        await pilot.press("enter")
        await pilot.pause()
        assert screen.data["adresse"]["commune"] == "87085"
        await pilot.press("tab")
        await type_text(pilot, "0612345678")
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert screen.current_tab == "etudes"

        # 3 Études: the level decides the fields.
        await pilot.press("enter", "tab")  # Médecine
        await type_text(pilot, "dfasm2")
        await pilot.press("enter")
        await pilot.pause()
        assert form_view(app).form.row("universite").display
        assert not form_view(app).form.row("subdivision").display
        await type_text(pilot, "Université de Limoges, UFR de médecine")
        await pilot.press("enter")
        await type_text(pilot, "2025")
        await pilot.press("enter", "ctrl+n")
        await settle(app, pilot)
        assert screen.current_tab == "volet_social"

        # 4 Volet social.
        await pilot.press("enter", "ctrl+n")  # Célibataire
        await settle(app, pilot)
        assert screen.current_tab == "coordonnees_bancaires"

        # 5 Coordonnées bancaires: the BIC and the bank come from the IBAN.
        await type_text(pilot, "Jean Pierre DURAND")
        await pilot.press("enter")
        await type_text(pilot, CESP_IBAN.lower())
        await pilot.pause()
        derived_bic = screen.data["coordonnees_bancaires"]["bic"]
        assert isinstance(derived_bic, str) and derived_bic.startswith(CESP_BIC)
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert screen.current_tab == "pieces"

        states = screen.tab_states()
        for tab in ("etat_civil", "adresse", "etudes", "volet_social", "coordonnees_bancaires"):
            assert states[tab] is TabState.COMPLET, (tab, states[tab])
            assert "Complet" in screen.header.state_text(tab)
        assert states["pieces"] is TabState.VIDE

    # What the store holds is what was typed, every tab queued once for the server.
    store = DraftStore(tmp_path / "drafts.db")
    try:
        dossier = store.get(dossier_id)
        assert dossier is not None
        typed = {
            "etat_civil": {
                "civilite": "M",
                "nom_naissance": "Durand",
                "prenoms": "Jean Pierre",
                "date_naissance": "1999-03-15",
                "departement_naissance": "87",
                "commune_naissance": "87085",
                "nir": CESP_NIR,
            },
            "adresse": {
                "adresse": "12 rue Jean Jaurès",
                "code_postal": "87000",
                "commune": "87085",  # filled from the postal code
                "telephone": "0612345678",
            },
            "etudes": {
                "filiere": "medecine",
                "niveau": "DFASM2",
                "universite": "Université de Limoges, UFR de médecine",
                "annee_universitaire": "2025-2026",
            },
            "volet_social": {"situation_familiale": "celibataire"},
        }
        for tab, values in typed.items():
            assert dossier.data[tab] == values, tab
        bank = dossier.data["coordonnees_bancaires"]
        assert bank["titulaire"] == "Jean Pierre DURAND"
        assert bank["iban"] == CESP_IBAN
        assert bank["bic"].startswith(CESP_BIC)  # AGRIFRPP(XXX), derived from the IBAN
        # Nothing stops the transmission in these tabs (defaults such as "Pays : France"
        # apply without being stored).
        problems = dossier_problems(CESP, dossier.data, {})
        assert all(problems[tab] == [] for tab in typed), problems
        assert dossier.data["coordonnees_bancaires"]["domiciliation"]
        assert dossier.dirty_tabs == []
        ops = store.ops(dossier_id)
        assert [op.kind for op in ops] == [OpKind.CREATE] + [OpKind.SAVE_TAB] * 5
        assert [op.tab for op in ops[1:]] == [
            "etat_civil",
            "adresse",
            "etudes",
            "volet_social",
            "coordonnees_bancaires",
        ]
        assert ops[1].payload["values"]["nir"] == CESP_NIR
    finally:
        store.close()


# --- the validators' messages under their fields ------------------------------------------------


def _with(tab: str, **changes: Any) -> dict[str, dict[str, Any]]:
    data = complete_cesp_values()
    data[tab].update(changes)
    return data


async def _save_and_read(tmp_path: Path, data: dict[str, Any], tab: str) -> CespApp:
    dossier_id = new_dossier(tmp_path, data)
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id, tab=tab)
    return app


async def test_wrong_nir_key_is_shown_under_the_nir(tmp_path: Path) -> None:
    wrong = CESP_NIR[:-2] + f"{(int(CESP_NIR[-2:]) + 1) % 97:02d}"
    app = await _save_and_read(tmp_path, _with("etat_civil", nir=wrong), "etat_civil")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        row = form_view(app).form.row("nir")
        assert row.problem is not None and "clé" in row.problem
        assert "ne correspond pas" in row_texts(row)
        assert app.focused is row.control_widget.input  # type: ignore[attr-defined]
        # The other fields are fine.
        assert form_view(app).form.row("nom_naissance").problem is None


async def test_nir_month_against_the_birth_date_goes_to_the_date(tmp_path: Path) -> None:
    data = _with("etat_civil", date_naissance="1999-05-15")
    app = await _save_and_read(tmp_path, data, "etat_civil")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        row = form_view(app).form.row("date_naissance")
        assert row.problem is not None
        assert "mois de naissance (mai)" in row.problem and "mars" in row.problem
        assert "mois de naissance" in row_texts(row)
        assert form_view(app).form.row("nir").problem is None


async def test_postal_code_against_the_commune(tmp_path: Path) -> None:
    data = _with("adresse", code_postal="75001")
    app = await _save_and_read(tmp_path, data, "adresse")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        row = form_view(app).form.row("commune")
        assert row.problem is not None and "75001" in row.problem and "Limoges" in row.problem
        assert "ne correspond pas à la commune" in row_texts(row)


async def test_bic_against_the_iban(tmp_path: Path) -> None:
    data = _with("coordonnees_bancaires", bic="BNPAFRPP")
    app = await _save_and_read(tmp_path, data, "coordonnees_bancaires")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        row = form_view(app).form.row("bic")
        assert row.problem is not None and "AGRIFRPP" in row.problem
        assert "BIC attendu" in row_texts(row)


async def test_missing_required_fields_and_enregistrer_et_suivant_stays(tmp_path: Path) -> None:
    dossier_id = new_dossier(tmp_path)
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id, tab="adresse")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await type_text(pilot, "12 rue Jean Jaurès")
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        screen = dossier_screen_of(app)
        assert screen.current_tab == "adresse"  # something is missing: no next tab
        form = form_view(app).form
        for key in ("code_postal", "commune", "telephone"):
            assert form.row(key).problem == "Ce champ est obligatoire.", key
        assert form.row("adresse").problem is None
        assert form.row("complement").problem is None
        assert app.focused is form.row("code_postal").control_widget  # first one in error
        # The save is queued anyway (the server keeps tabs with problems, and says so).
        assert [op.tab for op in app.drafts.ops(dossier_id) if op.kind == OpKind.SAVE_TAB] == [
            "adresse"
        ]
        assert screen.header.state_text("adresse").endswith("Incomplet")
        # Typing in a field in error clears its message.
        await type_text(pilot, "87000")
        await pilot.pause()
        assert form.row("code_postal").problem is None


# --- navigation --------------------------------------------------------------------------------


async def test_alt_digits_and_ctrl_page_keys_switch_tabs_and_keep_each_cursor(
    tmp_path: Path,
) -> None:
    dossier_id = new_dossier(tmp_path)
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        screen = dossier_screen_of(app)
        await pilot.press("alt+3")  # Alt+N is tab N (ADR 0026)
        await pilot.pause()
        assert screen.current_tab == "etudes"
        await pilot.press("alt+7")
        await pilot.pause()
        assert screen.current_tab == "synthese"
        await pilot.press("6")  # a bare digit is never a tab key
        await pilot.pause()
        assert screen.current_tab == "synthese"
        await pilot.press("ctrl+pageup")
        await pilot.pause()
        assert screen.current_tab == "pieces"
        await pilot.press("ctrl+pagedown", "ctrl+pagedown")  # wraps round
        await pilot.pause()
        assert screen.current_tab == "etat_civil"
        assert screen.header.key_for("pieces") == "Alt+6"  # the header shows the real key
        await pilot.press("alt+1")
        await pilot.pause()
        assert screen.current_tab == "etat_civil"
        await pilot.press("tab")
        await type_text(pilot, "12")  # digits inside a text field are typed, not keys
        await pilot.pause()
        assert screen.current_tab == "etat_civil"
        assert screen.data["etat_civil"]["nom_naissance"] == "12"
        await pilot.press("alt+2", "alt+1")
        await pilot.pause()
        assert app.focused is form_view(app).form.row("nom_naissance").control_widget
        await pilot.press("f9")  # back to "Mes demandes"
        await pilot.pause()
        assert not isinstance(app.screen, DossierScreen)


async def test_command_palette_jumps_to_a_field_and_to_a_tab(tmp_path: Path) -> None:
    dossier_id = new_dossier(tmp_path)
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id, tab="adresse")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        chosen = await palette_pick(app, pilot, "securite sociale")  # typed without accents
        assert "Aller au champ : N° de sécurité sociale" in chosen
        screen = dossier_screen_of(app)
        assert screen.current_tab == "etat_civil"
        assert app.focused is form_view(app).form.row("nir").control_widget.input  # type: ignore[attr-defined]
        assert "Onglet 5 : Coordonnées bancaires" in await palette_pick(app, pilot, "onglet 5")
        assert screen.current_tab == "coordonnees_bancaires"


# --- read-only, refused ------------------------------------------------------------------------


async def test_a_transmitted_dossier_opens_read_only(tmp_path: Path) -> None:
    dossier_id = new_dossier(
        tmp_path, complete_cesp_values(), server_version=4, state="transmis", numero="CESP-1"
    )
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        screen = dossier_screen_of(app)
        assert screen.readonly
        banner = screen.banner.visible_text
        assert banner.startswith("Demande transmise le ") and banner.endswith(": lecture seule.")
        form = form_view(app).form
        assert all(row.disabled for row in form.rows)
        assert app.focused is form  # the form still scrolls with the keyboard
        assert screen.check_action("save", ()) is False  # not even offered
        await pilot.press("ctrl+s")
        await type_text(pilot, "xyz")
        await settle(app, pilot)
        assert app.drafts.ops(dossier_id) == []
        assert app.drafts.get(dossier_id).data == complete_cesp_values()  # type: ignore[union-attr]


async def test_save_refused_is_loud_and_puts_problems_on_fields(tmp_path: Path) -> None:
    dossier_id = new_dossier(tmp_path, complete_cesp_values(), server_version=2)
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id, tab="adresse")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        screen = dossier_screen_of(app)
        problem = Problem("adresse", "telephone", "Numéro refusé par la plateforme.")
        app.sync_news.publish(
            SaveRefused(dossier_id, "adresse", "La campagne est close.", [problem])
        )
        await settle(app, pilot)
        assert screen.banner.kind == "error"
        assert "La campagne est close." in screen.banner.visible_text
        assert "Adresse" in screen.banner.visible_text
        assert screen.status.message_is_error and "La campagne est close." in (
            screen.status.message
        )
        assert form_view(app).form.row("telephone").problem == "Numéro refusé par la plateforme."
        assert "adresse" in screen.dirty_tabs
        # Saving again (corrected) takes the red banner away.
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert screen.banner.kind != "error" or not screen.banner.visible_text


# --- nothing is lost ---------------------------------------------------------------------------


async def test_resume_after_a_restart_finds_the_fields(tmp_path: Path) -> None:
    dossier_id = new_dossier(tmp_path)
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter", "tab")
        await type_text(pilot, "Durand")
        await pilot.press("alt+2")
        await pilot.pause()
        await type_text(pilot, "3 place de la République")
        await pilot.pause()
    # A new app on the same data directory, through "Mes demandes" and Enter.
    again = tui_app(tmp_path, role="candidat")
    async with run_app(again, size=SIZE) as pilot:
        await settle(again, pilot)
        await pilot.press("enter")
        await settle(again, pilot)
        screen = dossier_screen_of(again)
        assert screen.dossier_id == dossier_id
        form = form_view(again).form
        assert form.row("civilite").value == "M"
        assert form.row("nom_naissance").value == "Durand"
        assert form.row("nom_naissance").control_widget.value == "Durand"  # type: ignore[attr-defined]
        assert set(screen.dirty_tabs) == {"etat_civil", "adresse"}
        await pilot.press("alt+2")
        await pilot.pause()
        assert form_view(again).form.row("adresse").value == "3 place de la République"


KEYING_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path

    from tests.support.tui import run_app, settle_app, tui_app

    FIELDS = [("nom_naissance", "Durand"), ("nom_usage", "Martin"),
              ("prenoms", "Jean Pierre"), ("date_naissance", "15031999")]

    async def main() -> None:
        app = tui_app(Path(sys.argv[1]), role="candidat", open_id=sys.argv[2])
        async with run_app(app, size=(80, 24)) as pilot:
            await settle_app(app, pilot)  # (the sync engine's worker never ends)
            await pilot.press("enter", "tab")
            for key, text in FIELDS:
                await pilot.press(*text)
                await pilot.pause()
                app.flush_drafts()
                print("typed", key, flush=True)
                await pilot.press("enter")
            print("keying on", flush=True)
            while True:  # keep typing into "Nom d'usage"... until killed
                await pilot.press("tab", "x")
                await pilot.pause()

    asyncio.run(main())
    """
)


def test_sigkill_mid_keying_loses_nothing_typed(tmp_path: Path) -> None:
    dossier_id = new_dossier(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TEXTUAL": ""}
    process = subprocess.Popen(
        [sys.executable, "-c", KEYING_SCRIPT, str(tmp_path), dossier_id],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    typed: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            if line.startswith("typed "):
                typed.append(line.split()[1])
            if line.startswith("keying on"):
                break
        assert typed == ["nom_naissance", "nom_usage", "prenoms", "date_naissance"], (
            typed,
            process.stderr.read() if process.poll() is not None else "",  # type: ignore[union-attr]
        )
        os.kill(process.pid, signal.SIGKILL)  # mid-keying: no clean exit, no "Enregistrer"
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    store = DraftStore(tmp_path / "drafts.db")
    try:
        dossier = store.get(dossier_id)
        assert dossier is not None
        values = dossier.data["etat_civil"]
        assert values["civilite"] == "M"
        assert values["nom_naissance"] == "Durand"
        assert values["nom_usage"] == "Martin"
        assert values["prenoms"] == "Jean Pierre"
        assert values["date_naissance"] == "1999-03-15"
        assert "etat_civil" in dossier.dirty_tabs
    finally:
        store.close()
