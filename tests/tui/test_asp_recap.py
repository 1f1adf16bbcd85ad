""" "Récap. candidatures" in the real client against the platform on loopback: every
candidature of the établissement with its state and completeness, "Afficher" in the
dossier screen, deletion after a yes/no question (a confirmed one cannot be), the table
exported to CSV (read back with the csv module) and printed to a PDF (its text extracted
with pypdf)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from textual.pilot import Pilot
from textual.widgets import Input

from cesp_tui.app import CespApp
from cesp_tui.screens.account.login import LoginScreen
from cesp_tui.screens.common.confirm import ConfirmModal
from cesp_tui.screens.dossier.dossier import DossierScreen
from cesp_tui.screens.dossier.home import HomeScreen
from cesp_tui.screens.etablissement.recap import ExportPathModal, RecapScreen
from tests.support.accounts import DEFAULT_PASSWORD, create_etablissement_account
from tests.support.dossiers import (
    complete_asp_values,
    create_dossier,
    fill_dossier,
    make_campaign,
    save_tab,
    transmit,
)
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink
from tests.support.tui import settle_app, tui_app, until

EMAIL = "bam@avicenne.example.fr"
NOM = "Hôpital Avicenne"


def seed(server: ServerHandle, token: str, campaign_id: int) -> dict[str, dict[str, Any]]:
    """Three candidatures: a complete draft, an incomplete draft, a confirmed one."""
    made: dict[str, dict[str, Any]] = {}
    with server.client(token) as client:
        complete = create_dossier(client, campaign_id)
        values = complete_asp_values()
        values["candidat"]["nom"] = "Œuvray"  # "Œ": not latin-1, the PDF must still say it
        fill_dossier(client, complete, values)
        made["complet"] = client.get(f"/dossiers/{complete['id']}").json()
        partial = create_dossier(client, campaign_id)
        save_tab(
            client,
            partial["id"],
            "identification",
            complete_asp_values()["identification"],
            partial["version"],
        )
        made["incomplet"] = client.get(f"/dossiers/{partial['id']}").json()
        sent = create_dossier(client, campaign_id)
        confirmed_values = complete_asp_values()
        confirmed_values["candidat"]["prenom"] = "Hélène"
        confirmed_values["candidat"]["nom"] = "Dupré"
        fill_dossier(client, sent, confirmed_values)
        response = transmit(client, sent)
        assert response.status_code == 200, response.text
        made["transmis"] = client.get(f"/dossiers/{sent['id']}").json()
    return made


async def open_recap(app: CespApp, pilot: Pilot[Any]) -> RecapScreen:
    await settle_app(app, pilot)
    login = app.screen
    assert isinstance(login, LoginScreen)
    login.query_one("#identifier", Input).value = EMAIL
    login.query_one("#password", Input).focus()
    await pilot.press(*DEFAULT_PASSWORD, "enter")
    await settle_app(app, pilot)
    await until(pilot, lambda: isinstance(app.screen, HomeScreen))
    await settle_app(app, pilot)
    await pilot.press("c")
    await settle_app(app, pilot)
    recap = app.screen
    assert isinstance(recap, RecapScreen)
    await until(pilot, lambda: len(recap.rows) == 3)
    return recap


def select(recap: RecapScreen, numero: str) -> None:
    index = next(i for i, r in enumerate(recap.rows) if r.numero == numero)
    recap.table.move_cursor(row=index, animate=False)


async def test_the_table_show_and_delete(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    token = create_etablissement_account(server, smtp, EMAIL, etablissement_nom=NOM)
    campaign_id = make_campaign(server, "asp", label="ASP 2026")
    made = seed(server, token, campaign_id)
    app = tui_app(tmp_path / "client", server_url=server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        recap = await open_recap(app, pilot)
        by_numero = {r.numero: r for r in recap.rows}
        complete = by_numero[made["complet"]["numero"]]
        partial = by_numero[made["incomplet"]["numero"]]
        sent = by_numero[made["transmis"]["numero"]]
        assert complete.completude == "Complet" and complete.etat == "Brouillon"
        assert complete.candidat == "Claire ŒUVRAY"
        assert partial.completude.startswith("Incomplet (")
        assert "Projet médical" in partial.manquant
        assert sent.etat == "Transmis" and sent.candidat == "Hélène DUPRÉ"
        assert NOM in str(recap.query_one("#recap-title").render())
        assert "3 candidatures" in str(recap.query_one("#recap-title").render())
        assert "clôture le" in str(recap.query_one("#recap-campaigns").render())
        table_text = [str(c) for c in recap.table.get_row_at(0)]
        assert any("Complet" in t or "Incomplet" in t for t in table_text)

        # "Afficher": the candidature in its dossier screen; F9 comes back.
        select(recap, sent.numero)
        await pilot.press("a")
        await settle_app(app, pilot)
        shown = app.screen
        assert isinstance(shown, DossierScreen)
        assert shown.dossier_id == sent.dossier_id
        assert shown.readonly
        await pilot.press("f9")
        await settle_app(app, pilot)
        assert app.screen is recap

        # A confirmed candidature cannot be deleted.
        select(recap, sent.numero)
        await pilot.press("s")
        await settle_app(app, pilot)
        assert app.screen is recap
        assert any("ne peut plus" in n.message for n in app._notifications)

        # A draft: asked first; "Non" keeps it, "Oui" deletes it on the platform.
        select(recap, partial.numero)
        await pilot.press("s")
        await settle_app(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await settle_app(app, pilot)
        assert len(recap.rows) == 3
        await pilot.press("s")
        await settle_app(app, pilot)
        await pilot.press("o")
        await settle_app(app, pilot)
        await until(pilot, lambda: len(recap.rows) == 2)
        assert partial.numero not in {r.numero for r in recap.rows}
        with server.client(token) as client:
            assert client.get(f"/dossiers/{partial.dossier_id}").status_code == 404
            assert client.get(f"/dossiers/{complete.dossier_id}").status_code == 200


async def test_export_csv_and_print_pdf(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    token = create_etablissement_account(server, smtp, EMAIL, etablissement_nom=NOM)
    campaign_id = make_campaign(server, "asp", label="ASP 2026")
    made = seed(server, token, campaign_id)
    data_dir = tmp_path / "client"
    app = tui_app(data_dir, server_url=server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        recap = await open_recap(app, pilot)

        # CSV: the default name is proposed in the client's data directory.
        await pilot.press("e")
        await settle_app(app, pilot)
        modal = app.screen
        assert isinstance(modal, ExportPathModal)
        field = modal.query_one(Input)
        default = Path(field.value)
        assert default.parent == data_dir / "exports" and default.suffix == ".csv"
        await pilot.press("enter")
        await settle_app(app, pilot)
        assert app.screen is recap
        assert default.is_file()
        assert str(default) in recap.query_one("StatusLine").message  # type: ignore[attr-defined]
        raw = default.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # the BOM French spreadsheets need
        with default.open(encoding="utf-8-sig", newline="") as handle:
            lines = list(csv.DictReader(handle, delimiter=";"))
        assert len(lines) == 3
        by_numero = {line["N° candidature"]: line for line in lines}
        assert by_numero[made["complet"]["numero"]]["Complétude"] == "Complet"
        assert by_numero[made["complet"]["numero"]]["Candidat"] == "Claire ŒUVRAY"
        assert by_numero[made["transmis"]["numero"]]["État"] == "Transmis"
        assert by_numero[made["incomplet"]["numero"]]["Complétude"].startswith("Incomplet")
        assert "Spécialité" in lines[0] and by_numero[made["complet"]["numero"]]["Spécialité"] == (
            "Médecine cardiovasculaire"
        )

        # PDF: a name of our own (the extension is added), then read back with pypdf.
        await pilot.press("i")
        await settle_app(app, pilot)
        modal = app.screen
        assert isinstance(modal, ExportPathModal)
        target = tmp_path / "impressions" / "recap"
        modal.query_one(Input).value = str(target)
        await pilot.press("enter")
        await settle_app(app, pilot)
        printed = target.with_name("recap.pdf")
        assert printed.is_file()
        status = recap.query_one("StatusLine").message  # type: ignore[attr-defined]
        assert status.startswith("Impression PDF écrite dans ")  # feminine, like the toast
        reader = PdfReader(printed)
        page = reader.pages[0]
        assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
        text = "\n".join(p.extract_text() for p in reader.pages)
        assert "Récapitulatif des candidatures" in text
        for key in ("complet", "incomplet", "transmis"):
            assert made[key]["numero"] in text
        assert "ŒUVRAY" in text or "OEUVRAY" in text
        assert "Hélène DUPRÉ" in text
        assert NOM in text


async def test_the_table_follows_the_sync_news(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    """A candidature started on another poste arrives with the next sync pull: the open
    table lists it without "r" (the screen reloads on the engine's news)."""
    token = create_etablissement_account(server, smtp, EMAIL, etablissement_nom=NOM)
    campaign_id = make_campaign(server, "asp", label="ASP 2026")
    seed(server, token, campaign_id)
    app = tui_app(tmp_path / "client", server_url=server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        recap = await open_recap(app, pilot)
        with server.client(token) as client:
            other = create_dossier(client, campaign_id)
            save_tab(
                client,
                other["id"],
                "identification",
                complete_asp_values()["identification"],
                other["version"],
            )
            numero = client.get(f"/dossiers/{other['id']}").json()["numero"]
        assert numero not in {r.numero for r in recap.rows}
        engine = app.sync_engine
        assert engine is not None
        await engine.pull_quietly()  # the engine's periodic pull, now
        await until(pilot, lambda: numero in {r.numero for r in recap.rows})
        assert app.screen is recap
        assert len(recap.rows) == 4
        assert "4 candidatures" in str(recap.query_one("#recap-title").render())


async def test_narrow_recap_shows_partner_specialty_and_what_incomplet_counts(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    """At 80 columns the table has no room for the partner and the specialty: the line
    under it says them for the highlighted candidature, and what "Incomplet (N)" counts."""
    from textual.widgets import Static

    token = create_etablissement_account(server, smtp, EMAIL, etablissement_nom=NOM)
    campaign_id = make_campaign(server, "asp", label="ASP 2026")
    made = seed(server, token, campaign_id)
    app = tui_app(tmp_path / "client", server_url=server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        recap = await open_recap(app, pilot)
        select(recap, made["incomplet"]["numero"])
        await settle_app(app, pilot)
        detail = str(recap.query_one("#recap-detail", Static).content)
        assert "Partenaire : Centre hospitalier de Saint-Denis" in detail
        assert "Spécialité : Médecine cardiovasculaire" in detail
        assert "Incomplet (N) : N champs obligatoires" in detail
        assert recap.query_one("#recap-detail").region.height >= 2  # shown, not hidden


async def test_the_etablissement_home_says_candidature(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    """ASP screens say "candidature", not "demande": the title, the footer's key."""
    from textual.widgets import Static

    from cesp_tui.screens.dossier.home import CandidaturesHomeScreen

    create_etablissement_account(server, smtp, EMAIL, etablissement_nom=NOM)
    make_campaign(server, "asp", label="ASP 2026")
    app = tui_app(tmp_path / "client", server_url=server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle_app(app, pilot)
        login = app.screen
        assert isinstance(login, LoginScreen)
        login.query_one("#identifier", Input).value = EMAIL
        login.query_one("#password", Input).focus()
        await pilot.press(*DEFAULT_PASSWORD, "enter")
        # (A first login with an open campaign opens a new candidature over the home.)
        await until(
            pilot, lambda: any(isinstance(s, CandidaturesHomeScreen) for s in app.screen_stack)
        )
        await settle_app(app, pilot)
        while not isinstance(app.screen, CandidaturesHomeScreen):
            await app.pop_screen()
            await settle_app(app, pilot)
        home = app.screen
        title = str(home.query_one("#home-title", Static).content)
        assert title.startswith("Mes candidatures") and "demande" not in title
        descriptions = {b.binding.description for b in home.active_bindings.values()}
        assert "Nouvelle candidature" in descriptions
        assert "Nouvelle demande" not in descriptions
        empty = str(home.query_one("#home-empty", Static).content)
        assert "demande" not in empty
