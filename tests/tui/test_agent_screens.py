"""The agent's keying behaviour over a local draft store (Pilot, 80x24, no platform):
transmission in "saisie continue" opens the next paper dossier; the creation of a paper
dossier offline keeps what was typed; "dup" and carry-over without a previous dossier;
the applicant's own forms keep their behaviour (no auto-advance, no NIR prefill)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Checkbox

from cesp_client.keying import keying_session
from cesp_client.store import DraftStore, OpKind
from cesp_core.demarches import ASP, CESP
from cesp_core.demarches.model import Demarche
from cesp_tui.app import CespApp
from cesp_tui.screens.common.confirm import ConfirmModal
from cesp_tui.screens.staff.on_behalf import OnBehalfScreen
from cesp_tui.widgets.field_row import FieldRow
from cesp_tui.widgets.filter_select import FilterSelect
from cesp_tui.widgets.tab_form import TabForm
from tests.support.dossiers import CESP_NIR, complete_cesp_values, required_piece_types, tiny_pdf
from tests.support.tui import (
    SERVER_KEY,
    USERNAME,
    dossier_screen_of,
    run_app,
    settle_workers,
    tui_app,
)

SIZE = (80, 24)


def new_dossier(tmp_path: Path, data: dict[str, Any] | None, pieces: list[str] = ()) -> str:  # type: ignore[assignment]
    store = DraftStore(tmp_path / "drafts.db")
    try:
        dossier = store.create_local(SERVER_KEY, USERNAME, "cesp", 7, data=data, server_version=3)
        for index, piece_type in enumerate(pieces):
            source = tmp_path / f"{piece_type}-{index}.pdf"
            source.write_bytes(tiny_pdf(piece_type))
            store.add_piece(dossier.id, piece_type, source)
    finally:
        store.close()
    return dossier.id


def focused_field(app: CespApp) -> str | None:
    node: Any = app.focused
    while node is not None:
        if isinstance(node, FieldRow):
            return node.key
        node = node.parent
    return None


async def settle(app: CespApp, pilot: Pilot[Any]) -> None:
    await settle_workers(app, pilot)


async def test_a_transmission_in_saisie_continue_opens_the_next_paper_dossier(
    tmp_path: Path,
) -> None:
    values = complete_cesp_values()
    dossier_id = new_dossier(tmp_path, values, required_piece_types("cesp", values))
    app = tui_app(tmp_path, role="agent", open_id=dossier_id, tab="synthese")
    async with run_app(app, size=SIZE) as pilot:
        keying_session(app).continuous = True
        await settle(app, pilot)
        screen = dossier_screen_of(app)
        screen.query_one("#cert-exactitude", Checkbox).focus()
        await pilot.press("space", "ctrl+t")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("o")
        await settle(app, pilot)
        # The transmission is queued, and the next paper dossier starts at its first field.
        assert isinstance(app.screen, OnBehalfScreen)
        assert focused_field(app) == "email"
        session = keying_session(app)
        assert session.previous_id == dossier_id
        assert session.previous is not None
        assert session.previous["etudes"]["universite"] == values["etudes"]["universite"]
        assert session.campaign_id == 7
        # Offline: the platform is needed to create it; what is typed stays.
        await pilot.press(*"lea.martin@example.org", "enter", "right", "space", *"Martin", "enter")
        await pilot.press(*"Lea", "enter", *"14042000", "ctrl+s")
        await settle(app, pilot)
        form = app.screen.query_one("#on-behalf-form")
        status = str(app.screen.query_one("#on-behalf-status").render())
        assert "Hors ligne" in status
        assert form.values() == {  # type: ignore[attr-defined]
            "email": "lea.martin@example.org",
            "civilite": "F",
            "nom": "Martin",
            "prenom": "Lea",
            "date_naissance": "2000-04-14",
        }
        assert isinstance(app.screen, OnBehalfScreen)
    store = DraftStore(tmp_path / "drafts.db")
    try:
        kinds = [op.kind for op in store.ops(dossier_id)]
        assert kinds.count(OpKind.TRANSMIT) == 1 and kinds[-1] == OpKind.TRANSMIT
    finally:
        store.close()


async def test_the_identity_form_shows_its_problems_under_the_fields(tmp_path: Path) -> None:
    dossier_id = new_dossier(tmp_path, {})
    app = tui_app(tmp_path, role="agent", open_id=dossier_id)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+o")  # "Dossier suivant"
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, OnBehalfScreen)
        screen.campaign_id = 7  # offline: no campaign list; the check is local anyway
        await pilot.press(*"pas-une-adresse", "enter", "m", *"Durand", "ctrl+s")
        await settle(app, pilot)
        form = screen.form
        assert form.row("email").problem
        assert form.row("prenom").problem
        assert form.row("nom").problem is None
        assert focused_field(app) == "email"  # the first field in error


async def test_dup_and_carry_over_need_a_previous_dossier(tmp_path: Path) -> None:
    dossier_id = new_dossier(tmp_path, {})
    app = tui_app(tmp_path, role="agent", open_id=dossier_id, tab="adresse")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        screen = dossier_screen_of(app)
        await pilot.press("ctrl+b", "ctrl+g")
        await settle(app, pilot)
        assert not screen.data.get("adresse")
        assert not screen.data.get("etudes")
        # With a previous dossier: "dup" copies the field and moves on; carry-over fills
        # the batch's fields of tabs not opened yet.
        keying_session(app).remember_previous("avant", complete_cesp_values())
        assert focused_field(app) == "adresse"
        await pilot.press("ctrl+b")
        await settle(app, pilot)
        assert screen.data["adresse"]["adresse"] == complete_cesp_values()["adresse"]["adresse"]
        assert focused_field(app) == "complement"
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert screen.data["etudes"] == {
            "filiere": "medecine",
            "universite": "Université de Limoges, UFR de médecine",
            "annee_universitaire": "2025-2026",
        }
        await pilot.press("alt+3")  # "Études": the carried values, the cursor on "Niveau"
        await settle(app, pilot)
        assert focused_field(app) == "niveau"


async def test_the_applicant_keeps_the_plain_behaviour(tmp_path: Path) -> None:
    """No auto-advance and no NIR prefill for an applicant (role candidat)."""
    dossier_id = new_dossier(tmp_path, {})
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id, field="nir")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        assert focused_field(app) == "nir"
        await pilot.press(*CESP_NIR)
        await settle(app, pilot)
        screen = dossier_screen_of(app)
        assert screen.data["etat_civil"] == {"nir": CESP_NIR}
        assert focused_field(app) == "nir"
        assert not screen.check_action("carry_over", ())
    # The same keys for an agent: the NIR fills what it tells.
    other = new_dossier(tmp_path, {})
    app = tui_app(tmp_path, role="agent", open_id=other, field="nir")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(*CESP_NIR)
        await settle(app, pilot)
        assert dossier_screen_of(app).data["etat_civil"] == {
            "nir": CESP_NIR,
            "civilite": "M",
            "departement_naissance": "87",
            "commune_naissance": "87085",
        }


class FormApp(App[None]):
    """One `TabForm` in keying mode (or not), nothing else (a widget, no screen of the
    product: tests/tui/test_no_host_apps.py)."""

    def __init__(
        self, tab: str, values: dict[str, Any], *, keying: bool, demarche: Demarche = ASP
    ) -> None:
        super().__init__()
        self._form_args = (demarche, tab, values)
        self.keying = keying
        self.ends = 0

    def on_tab_form_end_reached(self, event: TabForm.EndReached) -> None:
        self.ends += 1

    def compose(self) -> ComposeResult:
        self.form = TabForm(*self._form_args)
        self.form.keying = self.keying
        yield self.form


def focused_row(app: App[Any]) -> str | None:
    node: Any = app.focused
    while node is not None:
        if isinstance(node, FieldRow):
            return node.key
        node = node.parent
    return None


async def test_finess_and_rpps_move_on_when_full_in_keying_mode_only() -> None:
    app = FormApp("identification", {}, keying=True)
    async with app.run_test(size=SIZE) as pilot:
        app.form.row("etab_partenaire_finess").focus_control()
        await pilot.press(*"93001005")
        await pilot.pause()
        assert focused_row(app) == "etab_partenaire_finess"  # 8 of 9: stays
        await pilot.press("1")
        await pilot.pause()
        assert focused_row(app) == "etab_partenaire_email"
    app = FormApp("candidat", {"inscrit_ordre": True}, keying=True)
    async with app.run_test(size=SIZE) as pilot:
        app.form.row("rpps").focus_control()
        await pilot.press(*"10003456789")
        await pilot.pause()
        # The last field of the tab: full, it stays (no save without a key); Enter ends it.
        assert focused_row(app) == "rpps"
        assert app.form.values()["rpps"] == "10003456789"
        assert app.ends == 0
        await pilot.press("enter")
        await pilot.pause()
        assert app.ends == 1
    app = FormApp("identification", {}, keying=False)  # the establishment's own form
    async with app.run_test(size=SIZE) as pilot:
        app.form.row("etab_partenaire_finess").focus_control()
        await pilot.press(*"930010051")
        await pilot.pause()
        assert focused_row(app) == "etab_partenaire_finess"


async def test_the_recruiter_is_shown_never_typed() -> None:
    """The recruiter's name and FINESS come from the établissement's account: shown,
    disabled, the cursor never lands there (ADR 0030)."""
    values = {"etab_recruteur_nom": "Hôpital Avicenne", "etab_recruteur_finess": "750712184"}
    app = FormApp("identification", values, keying=False)
    async with app.run_test(size=SIZE) as pilot:
        for key in ("etab_recruteur_nom", "etab_recruteur_finess"):
            row = app.form.row(key)
            assert row.control_widget.disabled and not row.takes_focus
        app.form.focus_first()
        await pilot.pause()
        assert focused_row(app) == "etab_partenaire_nom"
        await pilot.press(*"xyz")
        assert app.form.values()["etab_recruteur_nom"] == "Hôpital Avicenne"


async def test_a_planned_date_in_the_past_is_said_under_the_field() -> None:
    app = FormApp("candidat", {"inscrit_ordre": False}, keying=False)
    async with app.run_test(size=SIZE) as pilot:
        row = app.form.row("date_previsionnelle_inscription")
        row.focus_control()
        await pilot.press(*"01012020")
        await pilot.pause()
        await pilot.press("shift+tab")
        await pilot.pause()
        assert row.problem is not None and "passée" in row.problem


async def test_a_department_changed_in_keying_mode_moves_to_its_commune() -> None:
    """The commune the NIR had filled is not in the new department: it is cleared, and
    Enter goes to it with its list open (it is no longer one filled from the field)."""
    values = {"departement_naissance": "87", "commune_naissance": "87085"}
    app = FormApp("etat_civil", values, keying=True, demarche=CESP)
    async with app.run_test(size=SIZE) as pilot:
        app.form.row("departement_naissance").focus_control()
        await pilot.pause()
        await pilot.press("ctrl+u", "1", "9")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        communes = app.form.row("commune_naissance").control_widget
        assert isinstance(communes, FilterSelect)
        assert focused_row(app) == "commune_naissance"
        assert communes.value is None and communes.is_open
        assert app.form.values()["departement_naissance"] == "19"
        assert app.form.values()["commune_naissance"] is None
