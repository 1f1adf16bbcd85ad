"""An ASP candidature keyed in the real client against the platform on loopback:
"Identification" first (said before another tab is tried; the platform's 409 shown when
it happens anyway), the other tabs saved in a shuffled order, a PDF accepted and a JPEG
refused, "Dossier complet", "Confirmer" (every box, then "Enregistrer") and the
acknowledgement mail to the recruiting establishment read from the real SMTP sink."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Static

from cesp_client.store import DraftStore, OpKind, PieceState
from cesp_tui.app import CespApp
from cesp_tui.screens.account.login import LoginScreen
from cesp_tui.screens.dossier.dossier import DossierScreen
from cesp_tui.screens.dossier.pieces import AddPieceModal, PiecesScreen
from cesp_tui.screens.dossier.tab import TabScreen
from cesp_tui.screens.etablissement.confirmer import CONFIRMED_BANNER, ConfirmerScreen
from cesp_tui.widgets.status_line import StatusLine
from tests.support.accounts import DEFAULT_PASSWORD, create_etablissement_account, wait_mail
from tests.support.dossiers import (
    FINESS_PARTENAIRE,
    PARTNER_EMAIL,
    TINY_JPEG,
    complete_asp_values,
    make_campaign,
    required_piece_types,
    tiny_pdf,
)
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink
from tests.support.tui import (
    SERVER_KEY,
    USERNAME,
    dossier_screen_of,
    run_app,
    settle_app,
    settle_workers,
    tui_app,
    until,
)

SIZE = (80, 24)
EMAIL = "bam@avicenne.example.fr"
NOM = "Hôpital Avicenne"


# --- helpers -----------------------------------------------------------------------------


async def log_in(app: CespApp, pilot: Pilot[Any], identifier: str) -> None:
    await settle_app(app, pilot)
    login = app.screen
    assert isinstance(login, LoginScreen)
    login.query_one("#identifier", Input).value = identifier
    login.query_one("#password", Input).focus()
    await pilot.press(*DEFAULT_PASSWORD, "enter")
    await settle_app(app, pilot)
    await until(pilot, lambda: app.session is not None)


def dossier_screen(app: CespApp) -> DossierScreen:
    screen = app.screen
    assert isinstance(screen, DossierScreen), screen
    return screen


def status(app: CespApp) -> StatusLine:
    return app.screen.query_one(StatusLine)


def notifications(app: CespApp) -> list[str]:
    return [n.message for n in app._notifications]


def pieces_view(screen: DossierScreen) -> PiecesScreen:
    view = screen.current_view
    assert isinstance(view, PiecesScreen), view
    return view


async def add_piece(
    app: CespApp, pilot: Pilot[Any], screen: DossierScreen, piece_type: str, name: str
) -> AddPieceModal | None:
    """ "Ajouter un fichier" on ``piece_type``, typing the file name; returns the box when
    it stays open (the file was refused)."""
    pieces_view(screen).select_piece_type(piece_type)
    await pilot.pause()
    await pilot.press("a")
    await settle_app(app, pilot)
    modal = app.screen
    assert isinstance(modal, AddPieceModal)
    await pilot.press(*name, "enter")
    await settle_app(app, pilot)
    return app.screen if isinstance(app.screen, AddPieceModal) else None


def files(tmp_path: Path, piece_types: list[str]) -> Path:
    folder = tmp_path / "scans"
    folder.mkdir()
    for index, piece_type in enumerate(piece_types):
        (folder / f"{piece_type}.pdf").write_bytes(tiny_pdf(f"{piece_type} {index}"))
    (folder / "photo.jpg").write_bytes(TINY_JPEG)
    return folder


# --- the candidature -----------------------------------------------------------------------


async def test_identification_first_any_order_pieces_then_confirmer_and_its_mail(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    create_etablissement_account(server, smtp, EMAIL, etablissement_nom=NOM)
    campaign_id = make_campaign(server, "asp", label="ASP 2026")
    values = complete_asp_values()
    values["identification"]["etab_recruteur_nom"] = NOM  # prefilled from the account
    values["identification"].pop("etab_recruteur_finess")  # (idem: the account's FINESS)
    piece_types = required_piece_types("asp", values)
    folder = files(tmp_path, piece_types)
    AddPieceModal.last_directory = folder

    app = tui_app(tmp_path / "client", server_url=server.url)
    async with run_app(app, size=SIZE) as pilot:
        await log_in(app, pilot, EMAIL)
        # First login: the candidature is created and opened on "Identification".
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, DossierScreen) and app.screen.current_tab == "identification"
            ),
        )
        screen = dossier_screen(app)
        await settle_app(app, pilot)
        dossier_id = screen.dossier_id
        assert screen.dossier.campaign_id == campaign_id
        assert screen.data["identification"]["etab_recruteur_nom"] == NOM
        assert "Commencez par « Identification »" in status(app).message
        assert "ASP 2026" not in screen.title_text()  # the title tells the window instead
        await until(pilot, lambda: "clôture le" in screen.title_text())
        assert "jours restants" in screen.title_text()

        # Another tab before "Identification" is saved: said at once, and refused.
        await pilot.press("alt+2")  # tab 2, "Projet médical"
        await settle_app(app, pilot)
        assert screen.current_tab == "projet_medical"
        assert status(app).message_is_error
        assert "Enregistrez d'abord l'onglet « Identification »" in status(app).message
        for key, value in values["projet_medical"].items():
            screen.field_changed("projet_medical", key, value)
        await pilot.press("ctrl+s")
        await settle_app(app, pilot)
        assert "Enregistrez d'abord l'onglet « Identification »." in notifications(app)
        assert all(op.tab != "projet_medical" for op in app.drafts.ops(dossier_id))

        # "Identification", keyed.
        await pilot.press("alt+1")
        await settle_app(app, pilot)
        identification = values["identification"]
        for key in ("etab_partenaire_nom", "etab_partenaire_email", "specialite"):
            await screen.show_tab("identification", key)
            await pilot.press(*identification[key])
        await screen.show_tab("identification", "etab_partenaire_finess")
        await pilot.press(*FINESS_PARTENAIRE)
        await pilot.pause(0.3)
        assert screen.data["identification"]["etab_partenaire_email"] == PARTNER_EMAIL
        await pilot.press("ctrl+s")
        await settle_app(app, pilot)
        assert (
            "« Identification » enregistré sur ce poste ; envoi à la plateforme."
            in screen.status.said
        )
        assert screen.header.state_text("identification") == "✓ Complet"

        # The other form tabs, in a shuffled order (projet médical is already typed).
        others = ["projet_medical", "profil_poste", "perspectives", "candidat"]
        random.Random(2026).shuffle(others)
        saved_order = []
        for tab in others:
            for key, value in values[tab].items():
                if screen.data.get(tab, {}).get(key) != value:
                    screen.field_changed(tab, key, value)
            await screen.show_tab(tab)
            await pilot.press("ctrl+s")
            await settle_app(app, pilot)
            saved_order.append(tab)
            assert screen.header.state_text(tab) == "✓ Complet", tab
        assert saved_order == others

        # The pieces: a JPEG is refused (PDF only), the PDFs are accepted.
        await screen.show_tab("pieces")
        await settle_app(app, pilot)
        modal = await add_piece(app, pilot, screen, piece_types[0], "photo.jpg")
        assert modal is not None
        error = str(modal.query_one("#add-piece-error", Static).render())
        assert "Format refusé" in error and "PDF" in error
        await pilot.press("escape")
        await settle_app(app, pilot)
        assert app.drafts.pieces(dossier_id) == []
        for piece_type in piece_types:
            assert await add_piece(app, pilot, screen, piece_type, f"{piece_type}.pdf") is None
        await until(
            pilot,
            lambda: (
                all(p.state == PieceState.UPLOADED for p in app.drafts.pieces(dossier_id))
                and len(app.drafts.pieces(dossier_id)) == len(piece_types)
            ),
        )
        # "Dossier complet": the attestation, saved with the pieces tab.
        screen.field_changed("pieces", "dossier_complet", True)
        await pilot.press("ctrl+s")
        await settle_app(app, pilot)
        assert screen.header.state_text("pieces") == "✓ Complet"

        # "Confirmer": all boxes, else it says so.
        await until(pilot, lambda: app.drafts.pending_count() == 0)
        await pilot.press("ctrl+t")
        await settle_app(app, pilot)
        confirmer = app.screen
        assert isinstance(confirmer, ConfirmerScreen)
        assert confirmer._problems == []
        boxes = list(confirmer.query(Checkbox))
        assert len(boxes) == 4
        for box in boxes[:3]:
            box.focus()
            await pilot.press("space")
        await pilot.press("ctrl+s")
        await settle_app(app, pilot)
        assert app.screen is confirmer  # the fourth box is missing
        assert any("Cochez toutes les cases" in n for n in notifications(app))
        assert app.focused is boxes[3]
        await pilot.press("space", "ctrl+s")
        await settle_app(app, pilot)
        assert app.screen is screen
        await until(pilot, lambda: screen.dossier.state == "transmis", timeout=30)
        assert CONFIRMED_BANNER in screen.banner.text
        assert screen.readonly

        # The acknowledgement mail goes to the recruiting establishment.
        body = wait_mail(server, smtp, EMAIL, "Accusé de réception")
        assert identification["etab_partenaire_nom"] in body
        assert identification["specialite"] in body
        assert "Claire MARTIN" in body or "Claire Martin" in body

        # The platform has every tab as typed, and the four boxes.
        with server.client() as client:
            token = client.post(
                "/auth/login", json={"identifier": EMAIL, "password": DEFAULT_PASSWORD}
            ).json()["token"]
        with server.client(token) as client:
            stored = client.get(f"/dossiers/{dossier_id}").json()
        for tab in others:
            for key, value in values[tab].items():
                assert stored["data"][tab][key] == value, (tab, key)
        assert len(stored["pieces"]) == len(piece_types)
        assert stored["state"] == "transmis"


async def test_a_save_refused_with_409_is_shown_with_the_platform_words(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    """A save of another tab reaches the platform before "Identification" (queued by
    another path than the screen's check): the 409 is shown, the values kept."""
    create_etablissement_account(server, smtp, EMAIL, etablissement_nom=NOM)
    make_campaign(server, "asp", label="ASP 2026")
    app = tui_app(tmp_path / "client", server_url=server.url)
    async with run_app(app, size=SIZE) as pilot:
        await log_in(app, pilot, EMAIL)
        await until(pilot, lambda: isinstance(app.screen, DossierScreen))
        screen = dossier_screen(app)
        await settle_app(app, pilot)
        await until(pilot, lambda: app.drafts.pending_count() == 0)
        dossier_id = screen.dossier_id
        app.drafts.set_field(dossier_id, "candidat", "nom", "Martin")
        app.drafts.mark_tab_saved(dossier_id, "candidat")
        app.request_sync()
        await until(pilot, lambda: screen.banner.kind == "error", timeout=20)
        assert "Refusé par la plateforme" in screen.banner.text
        assert "« Candidat »" in screen.banner.text
        assert "Enregistrez d'abord l'onglet « Identification »" in screen.banner.text
        assert app.drafts.get(dossier_id).data["candidat"]["nom"] == "Martin"  # type: ignore[union-attr]
        assert not [op for op in app.drafts.ops(dossier_id) if op.kind == OpKind.SAVE_TAB]


# --- the candidate: RPPS, or a planned registration date (no platform needed) -----------


async def test_rpps_is_checked_or_a_planned_registration_date_is_asked(tmp_path: Path) -> None:
    values = complete_asp_values()
    registered = {**values["candidat"], "inscrit_ordre": True, "rpps": "10000000008"}
    registered.pop("date_previsionnelle_inscription")
    store = DraftStore(tmp_path / "drafts.db")
    try:
        dossier = store.create_local(
            SERVER_KEY,
            USERNAME,
            "asp",
            1,
            data={"identification": values["identification"], "candidat": registered},
        )
        store.mark_tab_saved(dossier.id, "identification")
    finally:
        store.close()
    app = tui_app(tmp_path, role="etablissement", open_id=dossier.id, tab="candidat")
    async with run_app(app, size=SIZE) as pilot:
        await settle_workers(app, pilot)
        screen = dossier_screen_of(app)
        view = screen.current_view
        assert isinstance(view, TabScreen)
        assert status(app).message == ""  # "Identification" is saved: nothing to say
        await pilot.press("ctrl+s")
        await settle_workers(app, pilot)
        rpps = view.form.row("rpps")
        assert rpps.display and rpps.problem is not None and "RPPS" in rpps.problem
        assert not view.form.row("date_previsionnelle_inscription").display

        # The right key: the tab is complete.
        screen.field_changed("candidat", "rpps", "10000000009")
        await pilot.press("ctrl+s")
        await settle_workers(app, pilot)
        assert screen.header.state_text("candidat") == "✓ Complet"

        # Not registered yet: the planned registration date is required instead.
        screen.field_changed("candidat", "inscrit_ordre", False)
        problems = {p.field: p.message for p in view.problems()}
        assert "date_previsionnelle_inscription" in problems
        assert "rpps" not in problems
