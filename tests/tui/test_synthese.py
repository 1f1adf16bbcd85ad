"""The "Synthèse" tab: read-only sections in French, the problems list and its jumps, the
certification box, "Transmettre ma demande" with its yes/no box, the guide's banner; and
the whole transmission against the real platform on loopback (sync engine included)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Checkbox, Collapsible, Input, OptionList, Static

from cesp_client.events import DossierTransmitted
from cesp_client.store import DraftStore, OpKind
from cesp_core.demarches import CESP
from cesp_core.demarches.model import Field, FieldType
from cesp_tui.app import CespApp
from cesp_tui.screens.common.confirm import ConfirmModal
from cesp_tui.screens.dossier.synthese import TRANSMITTED_BANNER, SyntheseScreen, display_value
from cesp_tui.screens.dossier.tab import TabScreen
from tests.support.accounts import create_cesp_account
from tests.support.dossiers import (
    CESP_IBAN,
    complete_cesp_values,
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
    settle_workers,
    sync_requests,
    tui_app,
)

SIZE = (80, 24)


async def settle(app: App[Any], pilot: Pilot[Any]) -> None:
    """Let the screens' workers finish and their messages be handled (no sleeping)."""
    await settle_workers(app, pilot)


def synthese(app: CespApp) -> SyntheseScreen:
    view = dossier_screen_of(app).current_view
    assert isinstance(view, SyntheseScreen), view
    return view


def section_text(view: SyntheseScreen, tab: str) -> str:
    from rich.console import Console

    body = view.query_one(f"#section-body-{tab}", Static)
    console = Console(width=100, record=True, color_system=None)
    console.print(body.content)
    return console.export_text()


def make_dossier(
    store: DraftStore,
    data: dict[str, Any] | None = None,
    *,
    pieces: list[str] | None = None,
    synced: bool = True,
    tmp_path: Path,
) -> str:
    dossier = store.create_local(
        SERVER_KEY, USERNAME, "cesp", 1, data=data, server_version=3 if synced else None
    )
    for index, piece_type in enumerate(pieces or []):
        source = tmp_path / f"{piece_type}-{index}.pdf"
        source.write_bytes(tiny_pdf(piece_type))
        store.add_piece(dossier.id, piece_type, source)
    return dossier.id


def test_values_read_as_the_applicant_reads_them() -> None:
    etat_civil = CESP.tab("etat_civil")
    assert display_value(etat_civil.field("civilite"), "F") == "Mme"
    assert display_value(etat_civil.field("nir"), "199038708512319") == "1 99 03 87 085 123 19"
    assert display_value(etat_civil.field("departement_naissance"), "87") == "87 - Haute-Vienne"
    assert display_value(etat_civil.field("commune_naissance"), "87085") == "Limoges (87)"
    assert display_value(etat_civil.field("date_naissance"), "1999-03-15") == "15/03/1999"
    assert display_value(etat_civil.field("nationalite_francaise"), True) == "Oui"
    assert display_value(etat_civil.field("nom_usage"), None) == "—"
    bank = CESP.tab("coordonnees_bancaires")
    assert display_value(bank.field("iban"), CESP_IBAN) == "FR76 3000 6000 0112 3456 7890 189"
    assert display_value(Field("x", "X", FieldType.PAYS), "DE") == "Allemagne"


async def test_sections_are_read_only_labels_and_values(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts.db")
    dossier_id = make_dossier(store, complete_cesp_values(), tmp_path=tmp_path)
    store.close()
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id, tab="synthese")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        view = synthese(app)
        assert not view.query(Input)  # nothing can be typed here
        sections = list(view.query(Collapsible))
        assert [s.id for s in sections] == [
            "section-etat_civil",
            "section-adresse",
            "section-etudes",
            "section-volet_social",
            "section-coordonnees_bancaires",
            "section-pieces",
        ]
        assert all(s.collapsed for s in sections)
        assert sections[0].title == "1 État civil — ✓ Complet"
        await pilot.press("enter")  # the cursor is on the first section's title
        await pilot.pause()
        assert not sections[0].collapsed
        text = section_text(view, "etat_civil")
        for expected in (
            "Civilité",
            "M.",
            "Nom de naissance",
            "Durand",
            "15/03/1999",
            "87 - Haute-Vienne",
            "Limoges (87)",
            "1 99 03 87 085 123 19",
        ):
            assert expected in text, expected
        assert "Pays de naissance" not in text  # hidden fields are not listed
        assert "Médecine" in section_text(view, "etudes")
        assert "FR76 3000 6000 0112 3456 7890 189" in section_text(view, "coordonnees_bancaires")
        assert "Pièce d'identité" in section_text(view, "pieces")
        await pilot.press("alt+o")
        await pilot.pause()
        assert not any(s.collapsed for s in sections)


async def test_problems_are_listed_and_enter_jumps_to_the_field(tmp_path: Path) -> None:
    data = complete_cesp_values()
    data["etat_civil"]["nir"] = None
    data["adresse"]["code_postal"] = "75001"
    store = DraftStore(tmp_path / "drafts.db")
    dossier_id = make_dossier(store, data, tmp_path=tmp_path)
    store.set_field(dossier_id, "volet_social", "commentaire", "Boursier échelon 5.")
    store.close()
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id, tab="synthese")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        view = synthese(app)
        listing = view.query_one("#synthese-problems", OptionList)
        lines = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert lines[0] == (
            "Volet social : modifié mais pas enregistré : ouvrez l'onglet et enregistrez (Ctrl+S)."
        )
        assert "État civil › N° de sécurité sociale : Ce champ est obligatoire." in lines
        assert any(line.startswith("Adresse › Commune : Le code postal 75001") for line in lines)
        assert "Pièces justificatives : Pièce manquante : Pièce d'identité." in lines
        assert "Pièces justificatives : Pièce manquante : Justificatif volet social." in lines
        assert lines[-1] == (
            "Synthèse : Cochez la case « Je certifie l'exactitude des informations saisies »."
        )
        assert view.transmit_button.disabled
        assert "points à régler" in str(view.query_one("#synthese-status", Static).render())
        # Enter on the NIR line: the "État civil" tab, the cursor in the NIR.
        listing.focus()
        listing.highlighted = lines.index(
            "État civil › N° de sécurité sociale : Ce champ est obligatoire."
        )
        await pilot.press("enter")
        await settle(app, pilot)
        screen = dossier_screen_of(app)
        assert screen.current_tab == "etat_civil"
        form_view = screen.current_view
        assert isinstance(form_view, TabScreen)
        assert app.focused is form_view.form.row("nir").control_widget.input  # type: ignore[attr-defined]
        # Back to the synthesis, the certification line jumps to its box.
        await pilot.press("alt+7")
        await settle(app, pilot)
        view = synthese(app)
        listing = view.query_one("#synthese-problems", OptionList)
        listing.focus()
        listing.highlighted = listing.option_count - 1
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.focused is view.query_one("#cert-exactitude", Checkbox)


async def test_transmit_needs_the_box_then_yes_then_the_banner(tmp_path: Path) -> None:
    values = complete_cesp_values()
    store = DraftStore(tmp_path / "drafts.db")
    dossier_id = make_dossier(
        store, values, pieces=required_piece_types("cesp", values), tmp_path=tmp_path
    )
    store.close()
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id, tab="synthese")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        view = synthese(app)
        listing = view.query_one("#synthese-problems", OptionList)
        assert listing.option_count == 1  # only the box
        assert view.transmit_button.disabled
        box = view.query_one("#cert-exactitude", Checkbox)
        box.focus()
        await pilot.press("space")
        await settle(app, pilot)
        assert box.value
        assert not view.transmit_button.disabled
        assert not listing.display
        assert app.drafts.get(dossier_id).certifications == ["exactitude"]  # type: ignore[union-attr]
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert app.focused is app.screen.query_one("#confirm-no")  # a stray Enter says no
        await pilot.press("n")
        await settle(app, pilot)
        assert not any(op.kind == OpKind.TRANSMIT for op in app.drafts.ops(dossier_id))
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        ops = [op for op in app.drafts.ops(dossier_id) if op.kind == OpKind.TRANSMIT]
        assert [op.payload["certifications"] for op in ops] == [["exactitude"]]
        screen = dossier_screen_of(app)
        assert screen.readonly and screen.transmit_pending
        assert screen.banner.visible_text.startswith("Transmission demandée")
        assert not view.transmit_button.display
        assert sync_requests(app) >= 1
        # The sync engine reports the server's answer.
        app.sync_news.publish(
            DossierTransmitted(
                dossier_id,
                "CESP-2026-000001",
                {"transmitted_at": "2026-03-12T14:05:00+01:00"},
            )
        )
        await settle(app, pilot)
        assert screen.banner.kind == "success"
        assert screen.banner.visible_text.startswith(TRANSMITTED_BANNER)
        assert "Demande transmise le 12/03/2026 à 14:05 : lecture seule." in (
            screen.banner.visible_text
        )
        assert "CESP-2026-000001" in str(screen.query_one("#dossier-title", Static).render())
        await pilot.press("alt+1")
        await settle(app, pilot)
        form_view = screen.current_view
        assert isinstance(form_view, TabScreen)
        assert all(row.disabled for row in form_view.form.rows)


# --- against the real platform -------------------------------------------------------------------


async def test_transmission_through_the_sync_engine_and_read_only_after(
    tmp_path: Path, server: ServerHandle, smtp: SmtpSink
) -> None:
    campaign_id = make_campaign(server)
    token = create_cesp_account(server, smtp, "jeanne.dupont@example.org")
    with server.client(token) as client:
        username = client.get("/auth/me").json()["username"]
    values = complete_cesp_values()
    store = DraftStore(tmp_path / "drafts.db")
    dossier = store.create_local(server.url.rstrip("/"), username, "cesp", campaign_id, data=values)
    for tab in values:
        store.mark_tab_saved(dossier.id, tab)
    for piece_type in required_piece_types("cesp", values):
        source = tmp_path / f"{piece_type}.pdf"
        source.write_bytes(tiny_pdf(piece_type))
        store.add_piece(dossier.id, piece_type, source)
    store.close()

    app = tui_app(
        tmp_path,
        server_url=server.url,
        token=token,
        username=username,
        role="candidat",
        open_id=dossier.id,
        tab="synthese",
    )
    async with run_app(app, size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(200):  # the engine sends creation, tabs and pieces
            await pilot.pause(0.05)
            if app.drafts.pending_count(dossier.id) == 0:
                break
        assert app.drafts.pending_count(dossier.id) == 0
        await settle(app, pilot)
        screen = dossier_screen_of(app)
        assert screen.dossier.numero and screen.dossier.numero.startswith("CESP-")
        view = synthese(app)
        box = view.query_one("#cert-exactitude", Checkbox)
        box.focus()
        await pilot.press("space", "ctrl+t")
        await settle(app, pilot)
        await pilot.press("o")
        for _ in range(200):
            await pilot.pause(0.05)
            if screen.banner.kind == "success":
                break
        assert screen.banner.visible_text.startswith(TRANSMITTED_BANNER)
        assert screen.readonly
        numero = screen.dossier.numero
    with server.client(token) as client:
        answer = client.get(f"/dossiers/{dossier.id}").json()
    assert answer["state"] == "transmis"
    assert answer["certifications"] == ["exactitude"]
    assert smtp.wait_for("jeanne.dupont@example.org", "Confirmation de transmission", timeout=15)

    # A new start: the dossier opens read-only, with its date.
    again = tui_app(
        tmp_path,
        server_url=server.url,
        token=token,
        username=username,
        role="candidat",
        open_id=dossier.id,
    )
    async with run_app(again, size=SIZE) as pilot:
        await settle(again, pilot)
        screen = dossier_screen_of(again)
        assert screen.readonly
        assert screen.banner.visible_text.startswith("Demande transmise le ")
        assert numero in str(screen.query_one("#dossier-title", Static).render())
        await pilot.press("ctrl+s")
        await settle(again, pilot)
        assert again.drafts.pending_count(dossier.id) == 0


async def test_a_refused_transmission_makes_the_dossier_editable_again(tmp_path: Path) -> None:
    from cesp_client.events import SaveRefused
    from cesp_client.sync.local import drop_op

    values = complete_cesp_values()
    store = DraftStore(tmp_path / "drafts.db")
    dossier_id = make_dossier(
        store, values, pieces=required_piece_types("cesp", values), tmp_path=tmp_path
    )
    store.set_certifications(dossier_id, ["exactitude"])
    store.close()
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id, tab="synthese")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        assert not synthese(app).transmit_button.disabled
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        screen = dossier_screen_of(app)
        assert screen.readonly
        # The engine is refused for good: it drops the operation and says so.
        [op] = [o for o in app.drafts.ops(dossier_id) if o.kind == OpKind.TRANSMIT]
        drop_op(app.drafts, op.id or 0)
        app.sync_news.publish(
            SaveRefused(dossier_id, None, "La campagne est close.", kind="transmit")
        )
        await settle(app, pilot)
        assert not screen.readonly
        assert screen.banner.kind == "error"
        assert "La campagne est close." in screen.banner.visible_text
        assert synthese(app).transmit_button.display
