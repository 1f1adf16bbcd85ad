"""Import and export screens against the platform on loopback: a file with good and bad
rows is refused line by line and nothing is imported; a good file (CSV or JSON) imports
every line with its numéro; a malformed file gets one French message; the support may
not import; the dossier list exports to CSV and JSON and reads back."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Select

from cesp_tui.screens.staff.export_dossiers import ExportScreen
from cesp_tui.screens.staff.import_dossiers import ImportScreen
from cesp_tui.widgets.file_picker import FilePicker
from tests.support.accounts import create_staff_account
from tests.support.dossiers import (
    CESP_IBAN,
    CESP_NIR,
    complete_cesp_values,
    import_csv,
    import_row,
    make_campaign,
    nir_with_key,
    post_import,
)
from tests.support.server import ServerHandle
from tests.support.tui import run_app, tui_app, until

SIZE = (100, 30)


def wrong_nir_values() -> dict[str, dict[str, Any]]:
    values = complete_cesp_values()
    good_key = CESP_NIR[-2:]
    values["etat_civil"]["nir"] = CESP_NIR[:-2] + ("01" if good_key != "01" else "02")
    return values


def second_values() -> dict[str, dict[str, Any]]:
    """Another applicant (a woman born in 2000 in Limoges), nothing about the bank."""
    values = complete_cesp_values()
    values["etat_civil"].update(
        civilite="F",
        nom_naissance="Martin",
        prenoms="Claire",
        date_naissance="2000-05-02",
        nir=nir_with_key("2000587085045"),
    )
    del values["coordonnees_bancaires"]
    return values


def dossiers_on_server(server: ServerHandle, token: str) -> list[dict[str, Any]]:
    with server.client(token) as client:
        response = client.get("/dossiers", params={"limit": 200})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def pick(pilot: Pilot[Any], screen: ImportScreen, path: Path) -> None:
    picker = screen.query_one(FilePicker)
    picker.input.value = str(path)
    picker.input.focus()
    await pilot.press("enter")
    await until(pilot, lambda: screen.path == path)


def report_rows(screen: ImportScreen) -> list[list[str]]:
    table = screen.table
    return [[str(c).strip() for c in table.get_row_at(i)] for i in range(table.row_count)]


def status_text(screen: Screen[None], selector: str) -> str:
    return str(screen.query_one(selector).content)  # type: ignore[attr-defined]


@pytest.fixture
def agent(server: ServerHandle) -> str:
    make_campaign(server, label="CESP de test")
    return create_staff_account(server, "agent", "paul.agent@example.org")


async def test_a_refused_line_imports_nothing_and_the_report_says_why(
    tmp_path: Path, server: ServerHandle, agent: str
) -> None:
    rows = [
        import_row("jean.durand@example.org"),
        import_row("jean.faux@example.org", wrong_nir_values()),
        import_row("claire.martin@example.org", second_values()),
    ]
    rows[2]["adresse.commune"] = "99999"  # no such commune
    path = tmp_path / "dossiers.csv"
    path.write_bytes(import_csv(rows))
    app = tui_app(
        tmp_path / "client",
        server_url=server.url,
        role="agent",
        token=agent,
        screen=lambda: ImportScreen(tmp_path),
    )
    async with run_app(app, size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        await until(pilot, lambda: screen.campaign_id is not None)
        await pick(pilot, screen, path)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen.outcome is not None)
        outcome = screen.outcome
        assert outcome is not None and not outcome.accepted
        status = status_text(screen, "#import-status")
        assert "aucun dossier n'a été importé" in status
        found = report_rows(screen)
        assert [row[0] for row in found] == ["2", "3", "4"]
        assert [row[1] for row in found] == ["à créer", "refusée", "refusée"]
        assert found[1][4].startswith("N° de sécurité sociale : ")
        # The whole messages of a refused line, in French, under the table.
        screen.table.move_cursor(row=2)
        await pilot.pause()
        detail = status_text(screen, "#import-detail")
        assert detail.startswith("Ligne 4 — refusée :")
        assert "Commune" in detail
    assert dossiers_on_server(server, agent) == []


async def test_a_good_csv_then_json_import_every_line_with_its_numero(
    tmp_path: Path, server: ServerHandle, agent: str
) -> None:
    csv_path = tmp_path / "papier.csv"
    csv_path.write_bytes(import_csv([import_row("jean.durand@example.org")]))
    second = import_row("claire.martin@example.org", second_values())
    json_path = tmp_path / "papier.json"
    json_path.write_text(json.dumps([second], ensure_ascii=False), encoding="utf-8")
    app = tui_app(
        tmp_path / "client",
        server_url=server.url,
        role="agent",
        token=agent,
        screen=lambda: ImportScreen(tmp_path),
    )
    async with run_app(app, size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        await until(pilot, lambda: screen.campaign_id is not None)
        # A dry run first: checked, nothing created.
        await pick(pilot, screen, csv_path)
        await pilot.press("ctrl+b")
        await until(pilot, lambda: screen.outcome is not None)
        assert screen.outcome is not None and screen.outcome.report["dry_run"] is True
        assert "Rien n'a été importé" in status_text(screen, "#import-status")
        assert dossiers_on_server(server, agent) == []
        # Then the import.
        screen.outcome = None
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen.outcome is not None)
        assert screen.outcome is not None and screen.outcome.accepted
        found = report_rows(screen)
        assert len(found) == 1 and found[0][1] == "créé"
        numero = found[0][2]
        assert numero.startswith("CESP-")
        assert "1 dossier créé, " in status_text(screen, "#import-status")
        # The JSON file: a missing tab is a warning, not a refusal.
        screen.outcome = None
        await pick(pilot, screen, json_path)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen.outcome is not None)
        assert screen.outcome is not None and screen.outcome.accepted
        found = report_rows(screen)
        assert found[0][1] == "créé"
        assert "Coordonnées bancaires" in status_text(screen, "#import-detail")
        numero_json = found[0][2]
    numeros = {d["numero"] for d in dossiers_on_server(server, agent)}
    assert numeros == {numero, numero_json}


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("vide.csv", b"", "Le fichier est vide"),
        (
            "image.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
            "ne peut pas être importé",
        ),
        ("liste.json", b'{"applicant.email": "x@example.org"', "JSON"),
        ("courses.csv", b"pain;lait\n1;2\n", "colonne"),
    ],
)
async def test_a_malformed_file_gets_one_clear_message(
    tmp_path: Path, server: ServerHandle, agent: str, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    app = tui_app(
        tmp_path / "client",
        server_url=server.url,
        role="agent",
        token=agent,
        screen=lambda: ImportScreen(tmp_path),
    )
    async with run_app(app, size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        await until(pilot, lambda: screen.campaign_id is not None)
        await pick(pilot, screen, path)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen.outcome is not None or not screen.busy)
        status = status_text(screen, "#import-status")
        assert expected.lower() in status.lower(), status
        assert screen.status.has_class("-error")
        assert screen.table.row_count == 0
        assert app.screen is screen  # no crash
    assert dossiers_on_server(server, agent) == []


async def test_the_support_may_not_import(tmp_path: Path, server: ServerHandle) -> None:
    make_campaign(server, label="CESP de test")
    support = create_staff_account(server, "support", "anne.support@example.org")
    path = tmp_path / "dossiers.csv"
    path.write_bytes(import_csv([import_row("jean.durand@example.org")]))
    app = tui_app(
        tmp_path / "client",
        server_url=server.url,
        role="support",
        token=support,
        screen=lambda: ImportScreen(tmp_path),
    )
    async with run_app(app, size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        await until(pilot, lambda: screen.campaign_id is not None)
        await pick(pilot, screen, path)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not screen.busy and screen.status.has_class("-error"))
        assert "lecture" in status_text(screen, "#import-status").lower() or "rôle" in (
            status_text(screen, "#import-status").lower()
        )
    assert dossiers_on_server(server, support) == []


async def test_export_to_csv_and_json_reads_back(
    tmp_path: Path, server: ServerHandle, agent: str
) -> None:
    with server.client(agent) as client:
        campaign_id = int(client.get("/campaigns").json()[0]["id"])
        content = import_csv(
            [
                import_row("jean.durand@example.org"),
                import_row("claire.martin@example.org", second_values()),
            ]
        )
        response = post_import(client, campaign_id, content)
        assert response.status_code == 200, response.text
    numeros = {d["numero"] for d in dossiers_on_server(server, agent)}
    app = tui_app(
        tmp_path / "client",
        server_url=server.url,
        role="agent",
        token=agent,
        screen=lambda: ExportScreen(base=tmp_path),
    )
    async with run_app(app, size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        campaign = screen.query_one("#export-campaign", Select)
        await until(pilot, lambda: bool(screen.campaigns))
        campaign.value = str(campaign_id)
        screen.query_one("#export-state", Select).value = "brouillon"
        path_input = screen.query_one("#export-path", Input)
        default = Path(path_input.value)
        assert default.parent == tmp_path and default.suffix == ".csv"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen.written is not None)
        assert screen.written == default
        raw = default.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        records = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
        assert {r["dossier.numero"] for r in records} == numeros
        assert "2 dossiers exportés dans" in status_text(screen, "#export-status")
        assert CESP_NIR not in raw.decode("utf-8-sig").replace(" ", "")
        assert CESP_IBAN not in raw.decode("utf-8-sig").replace(" ", "")
        # JSON: the path follows the format.
        screen.written = None
        screen.query_one("#export-format", Select).value = "json"
        await until(pilot, lambda: path_input.value.endswith(".json"))
        path_input.focus()
        await pilot.press("enter")
        await until(pilot, lambda: screen.written is not None)
        data = json.loads(Path(path_input.value).read_text(encoding="utf-8"))
        assert {d["dossier.numero"] for d in data} == numeros
        assert all("*" in str(d["etat_civil.nir"]) for d in data)
        # A filter that matches nothing: an empty file, said so.
        screen.written = None
        screen.query_one("#export-state", Select).value = "transmis"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen.written is not None)
        assert json.loads(Path(path_input.value).read_text(encoding="utf-8")) == []
        assert "0 dossier exporté" in status_text(screen, "#export-status")
