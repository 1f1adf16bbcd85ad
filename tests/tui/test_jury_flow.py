"""The jury in the real client against the platform on loopback (ASP campaign): an
instructeur logs in, lists and filters the transmitted candidatures, opens one read-only
and downloads a piece, records the decisions, publishes the results (the mails to both
partner establishments read from the SMTP sink); then the recruiting establishment logs in
with a new client and reads "Décision" on its candidature."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from cesp_tui.app import CespApp
from cesp_tui.screens.account.login import LoginScreen
from cesp_tui.screens.common.campaigns import CampaignPicker
from cesp_tui.screens.common.confirm import ConfirmModal
from cesp_tui.screens.dossier.dossier import DossierScreen
from cesp_tui.screens.dossier.home import HomeScreen
from cesp_tui.screens.dossier.pieces import PiecesScreen
from cesp_tui.screens.staff.decision import DecisionModal
from cesp_tui.screens.staff.decision_view import DecisionViewModal
from cesp_tui.screens.staff.jury_home import JuryDossierScreen, JuryHomeScreen
from cesp_tui.widgets.dossier_table import DossierTable
from cesp_tui.widgets.status_line import StatusLine
from tests.support.accounts import (
    DEFAULT_PASSWORD,
    create_etablissement_account,
    create_staff_account,
)
from tests.support.dossiers import (
    PARTNER_EMAIL,
    close_campaign,
    complete_asp_values,
    create_dossier,
    fill_dossier,
    make_campaign,
    transmit,
)
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink, body_text
from tests.support.tui import tui_app, until

SIZE = (80, 24)
ETAB_EMAIL = "bam@avicenne.example.org"
JURY_EMAIL = "anne.jury@ars.example.org"


async def log_in(app: CespApp, pilot: Pilot[Any], identifier: str) -> None:
    await until(pilot, lambda: isinstance(app.screen, LoginScreen) and app.api is not None)
    app.screen.query_one("#identifier").value = identifier  # type: ignore[attr-defined]
    app.screen.query_one("#password").focus()
    await pilot.press(*DEFAULT_PASSWORD, "enter")


def prepare(server: ServerHandle, smtp: SmtpSink) -> tuple[int, dict[str, str]]:
    """An ASP campaign, an établissement with two transmitted candidatures and a draft;
    the instructeur's account. Returns (campaign id, candidate's last name -> numéro)."""
    campaign_id = make_campaign(server, "asp", label="ASP Île-de-France de test")
    token = create_etablissement_account(
        server, smtp, ETAB_EMAIL, etablissement_nom="Hôpital Avicenne"
    )
    numeros: dict[str, str] = {}
    with server.client(token) as client:
        for nom, prenom in (("Martin", "Claire"), ("Belkacem", "Yanis")):
            values = complete_asp_values()
            values["candidat"] = {**values["candidat"], "nom": nom, "prenom": prenom}
            dossier = create_dossier(client, campaign_id)
            fill_dossier(client, dossier, values)
            answer = transmit(client, dossier)
            assert answer.status_code in (200, 201), answer.text
            numeros[nom] = answer.json()["numero"]
        create_dossier(client, campaign_id)  # a draft: never the jury's
    create_staff_account(server, "instructeur", JURY_EMAIL)
    return campaign_id, numeros


def jury(app: CespApp) -> JuryHomeScreen:
    screen = app.screen
    assert isinstance(screen, JuryHomeScreen), screen
    return screen


async def select(pilot: Pilot[Any], screen: JuryHomeScreen, numero: str) -> None:
    """Put the cursor on ``numero`` with the arrow keys (the list read first)."""
    await until(pilot, lambda: not screen.loading)
    screen.table.focus()
    await pilot.press("home")
    index = [r.numero for r in screen.shown].index(numero)
    await pilot.press(*["down"] * index)
    assert screen.selected is not None and screen.selected.numero == numero


async def decide(
    app: CespApp, pilot: Pilot[Any], choice: str, comment: str, *, submit: str = "enter"
) -> DecisionModal:
    await pilot.press("ctrl+d")
    await until(pilot, lambda: isinstance(app.screen, DecisionModal))
    modal = app.screen
    assert isinstance(modal, DecisionModal)
    if choice == "refuse":
        await pilot.press("right")  # RadioSet: next button
    await pilot.press("enter")  # tick the highlighted button
    assert modal.selected == choice
    await pilot.press("tab", *comment)
    await pilot.press(submit)
    return modal


async def test_jury_decides_publishes_and_the_establishment_reads_the_decision(
    tmp_path: Path, server: ServerHandle, smtp: SmtpSink
) -> None:
    campaign_id, numeros = prepare(server, smtp)
    claire, yanis = numeros["Martin"], numeros["Belkacem"]

    app = tui_app(tmp_path / "jury", server_url=server.url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(app, pilot, JURY_EMAIL)
        await until(pilot, lambda: isinstance(app.screen, JuryHomeScreen))
        screen = jury(app)
        await until(pilot, lambda: len(screen.rows) == 2)
        assert screen.campaign_id == campaign_id
        assert {r.numero: r.state for r in screen.shown} == {
            claire: "transmis",
            yanis: "transmis",
        }
        row = next(r for r in screen.rows if r.numero == claire)
        assert row.name == "Claire MARTIN · Hôpital Avicenne"
        assert row.decision == "à décider"

        # Filter: a name, then a state word, then nothing.
        await pilot.press("f3", *"claire")
        assert [r.numero for r in screen.shown] == [claire]
        await pilot.press(*["backspace"] * 6, *"accepté")
        assert screen.shown == []
        assert "0 dossier sur 2" in str(screen.query_one("#jury-count").render())
        await pilot.press(*["backspace"] * 7, "enter")
        assert len(screen.shown) == 2
        assert app.focused is screen.table

        # Open Claire's candidature read-only, its pieces tab, download a piece.
        await select(pilot, screen, claire)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, JuryDossierScreen))
        dossier_screen = app.screen
        assert isinstance(dossier_screen, JuryDossierScreen)
        assert dossier_screen.readonly and dossier_screen.remote
        assert dossier_screen.dossier.numero == claire
        assert "lecture seule" in str(dossier_screen.banner.visible_text)
        assert dossier_screen.active_bindings["f9"].binding.description == "Liste du jury"
        await pilot.press("alt+6")  # 6th tab: "Joindre fichier / Dossier complet"
        await until(pilot, lambda: isinstance(dossier_screen.current_view, PiecesScreen))
        pieces = dossier_screen.current_view
        assert isinstance(pieces, PiecesScreen)
        assert len(dossier_screen.pieces) == 5
        await pilot.press("ctrl+e")  # on a piece type's line: says where to go
        await pilot.pause()
        assert dossier_screen.last_download is None
        await pilot.press("down")  # the type's file
        piece = pieces.current_piece()
        assert piece is not None and piece.server_id
        await pilot.press("ctrl+e")
        await until(pilot, lambda: dossier_screen.last_download is not None)
        saved = dossier_screen.last_download
        assert saved is not None
        assert saved.parent.parent == tmp_path / "jury" / "telechargements"
        assert saved.name == piece.filename
        assert saved.read_bytes().startswith(b"%PDF-")
        assert saved.stat().st_size == piece.size
        await pilot.press("f9")
        await until(pilot, lambda: app.screen is screen)

        # Not before the closing: F6 is not offered and the campaign line says from when.
        campaign_line = screen.query_one("#jury-campaign")
        assert "Publication possible à partir du" in str(campaign_line.render())
        assert screen.check_action("publish", ()) is False
        await pilot.press("f6")
        await pilot.pause()
        assert app.screen is screen
        close_campaign(server, campaign_id)
        await pilot.press("f5")
        await until(pilot, lambda: screen.check_action("publish", ()) is True)
        assert "Publication possible" not in str(campaign_line.render())

        # Publishing before every decision is refused, in French.
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("o")
        status = screen.query_one(StatusLine)
        await until(pilot, lambda: "Publication refusée" in status.message)
        assert "attendent encore une décision" in status.message

        # Decisions: Claire accepted (Enter in the comment), Yanis refused (Ctrl+S).
        await select(pilot, screen, claire)
        await decide(app, pilot, "accepte", "Très bon projet partagé")
        await until(pilot, lambda: app.screen is screen)
        await until(pilot, lambda: {r.numero: r.state for r in screen.rows}[claire] == "accepte")
        await select(pilot, screen, yanis)
        await pilot.press("f7")  # into instruction first
        await until(
            pilot, lambda: {r.numero: r.state for r in screen.rows}[yanis] == "en_instruction"
        )
        await decide(app, pilot, "refuse", "Poste pérenne non garanti", submit="ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        await until(pilot, lambda: all(r.decided for r in screen.rows))
        assert {r.numero: r.decision for r in screen.rows} == {
            claire: "Accepté",
            yanis: "Refusé",
        }

        # Publish: confirmed first, then the answer says how many mails went out.
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("n")  # "Non": nothing published
        await pilot.pause()
        assert app.screen is screen
        assert "Résultats publiés" not in status.message
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("o")
        await until(pilot, lambda: status.message.startswith("Résultats publiés"))
        assert status.message == ("Résultats publiés : 2 dossiers décidés, 4 e-mails envoyés.")
        assert "résultats publiés le" in str(screen.query_one("#jury-campaign").render())
        for to in (ETAB_EMAIL, PARTNER_EMAIL):
            mails = smtp.wait_for(to, "Résultats publiés", count=2, timeout=20)
            bodies = "\n".join(body_text(m) for m in mails)
            assert claire in bodies and yanis in bodies
            assert "Candidature → Afficher" in bodies

        # After publication the decision cannot change: the box says why and stays.
        await select(pilot, screen, claire)
        modal = await decide(app, pilot, "refuse", " !", submit="ctrl+s")
        error = modal.query_one("#decision-error")
        await until(pilot, lambda: "publiés" in str(error.render()))
        assert "ne peut plus être modifiée" in str(error.render())
        assert app.screen is modal
        await pilot.press("f9")
        await until(pilot, lambda: app.screen is screen)

    # The recruiting establishment, on its own client: "Décision" on its candidature.
    owner_app = tui_app(tmp_path / "etab", server_url=server.url)
    async with owner_app.run_test(size=SIZE) as pilot:
        await log_in(owner_app, pilot, ETAB_EMAIL)
        await until(pilot, lambda: isinstance(owner_app.screen, HomeScreen))
        home = owner_app.screen
        assert isinstance(home, HomeScreen)
        table = home.query_one(DossierTable)
        await until(pilot, lambda: {claire, yanis} <= {r.numero for r in table.dossier_rows})
        rows = {r.numero: r for r in table.dossier_rows}
        assert rows[claire].state == "Accepté"
        assert rows[yanis].state == "Refusé"
        table.focus()
        await pilot.press("home")
        index = [r.numero for r in table.dossier_rows].index(claire)
        await pilot.press(*["down"] * index, "enter")
        await until(pilot, lambda: isinstance(owner_app.screen, DossierScreen))
        dossier = owner_app.screen
        assert isinstance(dossier, DossierScreen) and not dossier.remote
        assert dossier.dossier.state == "accepte"
        assert dossier.check_action("decision", ()) is True  # shown in the footer
        await pilot.press("ctrl+d")
        await until(pilot, lambda: isinstance(owner_app.screen, DecisionViewModal))
        view = owner_app.screen
        assert isinstance(view, DecisionViewModal)
        await until(pilot, lambda: "Décision du jury" in view.text)
        assert "candidature acceptée" in view.text
        assert "Très bon projet partagé" in view.text
        await pilot.press("enter")
        await until(pilot, lambda: owner_app.screen is dossier)


async def test_jury_switches_to_a_cesp_campaign_decides_and_the_applicant_is_mailed(
    tmp_path: Path, server: ServerHandle, smtp: SmtpSink
) -> None:
    """Both démarches: F2 chooses the campaign; a CESP applicant gets the decision mail."""
    from datetime import timedelta

    from tests.support.accounts import create_cesp_account

    asp_id = make_campaign(server, "asp", label="ASP de test", closes_in=timedelta(days=40))
    cesp_id = make_campaign(server, "cesp", label="CESP de test", closes_in=timedelta(days=30))
    applicant = "jean.durand@example.org"
    owner_token = create_cesp_account(server, smtp, applicant)
    with server.client(owner_token) as client:
        dossier = create_dossier(client, cesp_id)
        fill_dossier(client, dossier)
        answer = transmit(client, dossier)
        assert answer.status_code in (200, 201), answer.text
        numero = answer.json()["numero"]
    create_staff_account(server, "instructeur", JURY_EMAIL)

    app = tui_app(tmp_path / "jury", server_url=server.url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(app, pilot, JURY_EMAIL)
        await until(pilot, lambda: isinstance(app.screen, JuryHomeScreen))
        screen = jury(app)
        await until(pilot, lambda: screen.campaign_id == asp_id and not screen.loading)
        assert screen.rows == []
        assert "Aucun dossier transmis" in str(screen.query_one("#jury-count").render())

        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, CampaignPicker))
        picker = app.screen
        assert isinstance(picker, CampaignPicker)
        assert [int(c["id"]) for c in picker.campaigns] == [asp_id, cesp_id]
        await pilot.press("down", "enter")
        await until(pilot, lambda: app.screen is screen)
        await until(pilot, lambda: screen.campaign_id == cesp_id and len(screen.rows) == 1)
        assert "CESP · CESP de test" in str(screen.query_one("#jury-campaign").render())
        assert (screen.rows[0].numero, screen.rows[0].name) == (numero, "Jean Pierre DURAND")

        await select(pilot, screen, numero)
        await decide(app, pilot, "accepte", "Avis favorable")
        await until(pilot, lambda: app.screen is screen)
        await until(pilot, lambda: screen.rows[0].decided)
        close_campaign(server, cesp_id)
        await pilot.press("f5")
        await until(pilot, lambda: screen.check_action("publish", ()) is True)
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("o")
        status = screen.query_one(StatusLine)
        await until(pilot, lambda: status.message.startswith("Résultats publiés"))
        assert status.message == "Résultats publiés : 1 dossier décidé, 1 e-mail envoyé."

    mail = smtp.wait_for(applicant, "Décision sur votre demande", timeout=20)[-1]
    assert numero in body_text(mail)
    with server.client(owner_token) as client:
        decision = client.get(f"/dossiers/{dossier['id']}/decision").json()
    assert (decision["decision"], decision["comment"]) == ("accepte", "Avis favorable")


def test_campaign_line_says_from_when_results_may_be_published() -> None:
    """Paris time, the minute after an inclusive closing; not offered before."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from cesp_tui.screens.staff.jury_home import campaign_text, can_publish

    paris = ZoneInfo("Europe/Paris")
    campaign = {
        "id": 7,
        "demarche": "asp",
        "label": "ASP 2027",
        "closes_at": "2027-03-13T23:59:59.999999+01:00",
        "results_published": False,
    }
    before = datetime(2027, 3, 13, 23, 59, 59, tzinfo=paris)
    assert not can_publish(campaign, before)
    assert can_publish(campaign, datetime(2027, 3, 14, 0, 0, tzinfo=paris))
    if datetime.now(paris) < datetime(2027, 3, 14, tzinfo=paris):
        assert "Publication possible à partir du 14/03/2027 00:00" in campaign_text(campaign)
