"""SVG snapshots, at 80x24 and 120x40, of the client's boxes and screens no other snapshot
test captures: the file picker of the pieces tab, the "Transmettre" yes/no box of the
synthesis, the campaign pickers ("Mes demandes", paper keying, jury), the owner's view of
the jury's decision, the dossiers' export, the support's read-only dossier with its
diagnostic box and its mails, and the file name box of "Récap. candidatures".

Fixed data and dates (the clock of the screens that print one is frozen, local time is
UTC), no platform, cursors frozen; the paths shown never name the test's temporary
directory (relative paths typed, or a fixed folder given).

Update after a deliberate visual change with ``pytest tests/tui/test_snapshots_more.py
--snapshot-update`` and read the new SVGs before keeping them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from cesp_client.api import ApiClient
from cesp_client.remote import snapshot_from_server
from cesp_client.store import DraftStore, PieceState
from cesp_core import timefmt
from cesp_core.demarches import get_demarche, rules
from cesp_core.demarches.model import TabKind
from cesp_core.masking import mask_dossier_data
from cesp_tui.app import CespApp
from cesp_tui.messages import CampaignsLoaded
from cesp_tui.screens.common.campaigns import CampaignPicker
from cesp_tui.screens.common.confirm import ConfirmModal
from cesp_tui.screens.dossier.pieces import AddPieceModal
from cesp_tui.screens.etablissement import recap
from cesp_tui.screens.etablissement.recap import ExportPathModal
from cesp_tui.screens.staff import export_dossiers, support_dossier
from cesp_tui.screens.staff.decision_view import DecisionViewModal
from cesp_tui.screens.staff.dossier_mails import DossierMailsScreen
from cesp_tui.screens.staff.export_dossiers import ExportScreen
from cesp_tui.screens.staff.jury_home import JuryHomeScreen
from cesp_tui.screens.staff.on_behalf import OnBehalfScreen
from cesp_tui.screens.staff.support_dossier import DiagnosticModal, SupportDossierScreen
from cesp_tui.widgets.file_picker import FilePicker
from tests.support.dossiers import (
    complete_asp_values,
    complete_cesp_values,
    required_piece_types,
    tiny_pdf,
)
from tests.support.tui import (
    CLOSED_URL,
    SERVER_KEY,
    USERNAME,
    begun,
    fake,
    freeze_cursors,
    freeze_screen_cursors,
    home_workspace,
    settle_workers,
    tui_app,
)

SIZES = [(80, 24), (120, 40)]
IDS = ["80x24", "120x40"]
S = TypeVar("S", bound=Screen[Any])

DRAFT = "00000000-0000-4000-8000-000000000c01"
COMPLETE = "00000000-0000-4000-8000-000000000c02"
TRANSMITTED = "00000000-0000-4000-8000-000000000c03"
CANDIDATURE = "00000000-0000-4000-8000-000000000c04"
CONSULTED = "00000000-0000-4000-8000-000000000c05"
ASP_CAMPAIGN = 11


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC (the tables show dates in local time)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


class FrozenDatetime(datetime):
    """``datetime`` whose ``now()`` is 12/03/2026 14:05 (file names with a date)."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> FrozenDatetime:
        return cls(2026, 3, 12, 14, 5, tzinfo=tz)


class FrozenDate(date):
    """``date`` whose ``today()`` is 12/03/2026."""

    @classmethod
    def today(cls) -> FrozenDate:
        return cls(2026, 3, 12)


# --- seeding -------------------------------------------------------------------------------


def _fix_dates(store: DraftStore, moments: dict[str, datetime]) -> None:
    with store.engine.begin() as connection:  # fixed dates: stable pictures
        for dossier_id, moment in moments.items():
            connection.execute(
                text("UPDATE local_dossier SET updated_at = :at, synced_at = :at WHERE id = :id"),
                {"at": moment.isoformat(sep=" "), "id": dossier_id},
            )


def _add_piece(
    store: DraftStore, tmp_path: Path, dossier_id: str, piece_type: str, name: str
) -> None:
    source = tmp_path / "seed" / name
    source.parent.mkdir(exist_ok=True)
    source.write_bytes(tiny_pdf(name))
    piece = store.add_piece(dossier_id, piece_type, source)
    store.set_piece_state(piece.id, PieceState.UPLOADED, server_id=f"srv-{name}")


def seed_cesp(tmp_path: Path) -> None:
    """A CESP draft with its identity card only, a complete and certified one (every
    piece sent, every tab saved), and a transmitted one."""
    values = complete_cesp_values()
    store = DraftStore(tmp_path / "drafts.db")
    try:
        store.create_local(
            SERVER_KEY,
            USERNAME,
            "cesp",
            7,
            dossier_id=DRAFT,
            data={**values, "volet_social": {}},
            server_version=4,
            numero="CESP-2026-000042",
        )
        _add_piece(store, tmp_path, DRAFT, "piece_identite", "carte_identite.pdf")
        store.create_local(
            SERVER_KEY,
            USERNAME,
            "cesp",
            7,
            dossier_id=COMPLETE,
            data=values,
            server_version=9,
            numero="CESP-2026-000044",
        )
        for piece_type in required_piece_types("cesp", values):
            _add_piece(store, tmp_path, COMPLETE, piece_type, f"{piece_type}.pdf")
        store.set_certifications(COMPLETE, ["exactitude"])
        store.create_local(
            SERVER_KEY,
            USERNAME,
            "cesp",
            6,
            dossier_id=TRANSMITTED,
            data=values,
            server_version=12,
            numero="CESP-2025-000007",
            state="transmis",
        )
        _fix_dates(
            store,
            {
                DRAFT: datetime(2026, 3, 2, 9, 30),
                COMPLETE: datetime(2026, 3, 5, 17, 45),
                TRANSMITTED: datetime(2025, 3, 10, 16, 5),
            },
        )
    finally:
        store.close()


def seed_asp(tmp_path: Path) -> None:
    """One complete ASP candidature of the hospital, saved, with its pieces."""
    values = complete_asp_values()
    store = DraftStore(tmp_path / "drafts.db")
    try:
        store.create_local(
            SERVER_KEY,
            USERNAME,
            "asp",
            ASP_CAMPAIGN,
            dossier_id=CANDIDATURE,
            data=values,
            server_version=7,
            numero="ASP-2026-000001",
        )
        for piece_type in required_piece_types("asp", values):
            _add_piece(store, tmp_path, CANDIDATURE, piece_type, f"{piece_type}.pdf")
        with store.engine.begin() as connection:  # saved on the platform already
            connection.execute(
                text("UPDATE local_dossier SET saved_tabs = :tabs WHERE id = :id"),
                {"tabs": json.dumps(list(values)), "id": CANDIDATURE},
            )
        _fix_dates(store, {CANDIDATURE: datetime(2026, 3, 2, 9, 30)})
    finally:
        store.close()


# --- hosts and settling --------------------------------------------------------------------


class CampaignsApi(ApiClient):
    """A platform that answers its campaign list (``GET /campaigns``) only; every other
    call goes to the closed port (offline)."""

    def __init__(self, campaigns: list[dict[str, Any]]) -> None:
        super().__init__(CLOSED_URL)
        self._campaigns = campaigns

    async def campaigns(self, demarche: str | None = None) -> list[dict[str, Any]]:
        return [dict(c) for c in self._campaigns if demarche in (None, c.get("demarche"))]


def staff_app(data_dir: Path, role: str, make_screen: Callable[[], Screen[Any]]) -> CespApp:
    """The client logged in with a staff ``role`` (no platform), ``make_screen`` over the
    role's home (fixed data)."""
    return tui_app(data_dir, role=role, screen=make_screen)


async def settle(pilot: Pilot[Any]) -> None:
    await settle_workers(pilot.app, pilot, ignore=lambda _w: False)
    freeze_cursors(pilot.app)
    freeze_screen_cursors(pilot.app.screen)
    pilot.app.clear_notifications()
    await pilot.pause()


def _on_top(pilot: Pilot[Any], kind: type[S]) -> S:
    screen = pilot.app.screen
    assert isinstance(screen, kind), screen
    return screen


# --- "Pièces justificatives": the file picker ----------------------------------------------


@pytest.fixture
def documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The applicant's scans in ``<cwd>/scans``: the picker starts in the current
    directory, and the path is typed relative to it (no temporary name on screen)."""
    home = tmp_path / "documents"
    scans = home / "scans"
    scans.mkdir(parents=True)
    for name in ("certificat_scolarite_2026.pdf", "certificat_scolarite_2025.pdf", "rib.pdf"):
        (scans / name).write_bytes(tiny_pdf(name))
    (scans / "photo_identite.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    (scans / "certificat_faux.pdf").write_bytes(b"MZ\x90\x00 not a pdf at all")
    monkeypatch.chdir(home)
    monkeypatch.setattr(AddPieceModal, "last_directory", None)  # no earlier test's folder
    return home


async def _open_picker(pilot: Pilot[Any], typed: str) -> FilePicker:
    await settle(pilot)
    await pilot.press("down", "down")  # "Certificat de scolarité"
    await pilot.press("a")
    await settle(pilot)
    picker = _on_top(pilot, AddPieceModal).query_one(FilePicker)
    picker.input.value = ""
    await settle(pilot)
    await pilot.press(*typed)
    await settle(pilot)
    return picker


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_add_piece_picker(
    snap_compare: Any, tmp_path: Path, documents: Path, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        picker = await _open_picker(pilot, "scans/cert")  # completion and matches shown
        assert picker.input.value == "scans/cert"

    seed_cesp(tmp_path)
    app = tui_app(tmp_path, role="candidat", open_id=DRAFT, tab="pieces")
    assert snap_compare(app, terminal_size=size, run_before=begun(run_before))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_add_piece_refused(
    snap_compare: Any, tmp_path: Path, documents: Path, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _open_picker(pilot, "scans/certificat_faux.pdf")
        await pilot.press("enter")  # an .exe renamed .pdf: refused, the box stays
        await settle(pilot)
        _on_top(pilot, AddPieceModal)

    seed_cesp(tmp_path)
    app = tui_app(tmp_path, role="candidat", open_id=DRAFT, tab="pieces")
    assert snap_compare(app, terminal_size=size, run_before=begun(run_before))


# --- "Synthèse": the "Transmettre" yes/no box ----------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_transmit_confirm(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        modal = _on_top(pilot, ConfirmModal)
        assert modal.title_text == "Transmettre ma demande"

    seed_cesp(tmp_path)
    app = tui_app(tmp_path, role="candidat", open_id=COMPLETE, tab="synthese")
    assert snap_compare(app, terminal_size=size, run_before=begun(run_before))


# --- "Mes demandes": which campaign for a new dossier --------------------------------------

OPEN_CESP = [
    {
        "id": 7,
        "demarche": "cesp",
        "label": "CESP 2026",
        "closes_at": "2026-03-31T23:59:59+02:00",
        "is_open": True,
    },
    {
        "id": 9,
        "demarche": "cesp",
        "label": "CESP 2026 — session complémentaire",
        "closes_at": "2026-06-30T23:59:59+02:00",
        "is_open": True,
    },
]


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_campaign_picker(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        # What "n" shows when the platform lists two open campaigns (HomeScreen pushes
        # it from its campaigns worker; no platform here).
        pilot.app.push_screen(
            CampaignPicker(OPEN_CESP, title="Nouvelle demande : quelle campagne ?")
        )
        await settle(pilot)
        _on_top(pilot, CampaignPicker)

    seed_cesp(tmp_path)
    app = tui_app(tmp_path, role="candidat", campaign_labels={6: "CESP 2025", 7: "CESP 2026"})
    assert snap_compare(app, terminal_size=size, run_before=begun(run_before))


# --- the jury's decision, read by the owner ------------------------------------------------

DECISION = {
    "decision": "accepte",
    "decision_label": "Accepté",
    "decided_at": "2025-06-20T10:30:00+02:00",
    "comment": "Dossier solide, projet professionnel cohérent avec la zone sous-dotée.",
}


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_decision_view(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        # Ctrl+D reads it from the platform; here the decision is given.
        pilot.app.push_screen(
            DecisionViewModal(None, TRANSMITTED, "CESP-2025-000007", decision=dict(DECISION))  # type: ignore[arg-type]
        )
        await settle(pilot)
        assert "demande acceptée" in _on_top(pilot, DecisionViewModal).text

    seed_cesp(tmp_path)
    app = tui_app(tmp_path, role="candidat", open_id=TRANSMITTED, tab="etat_civil")
    assert snap_compare(app, terminal_size=size, run_before=begun(run_before))


# --- "Exporter des dossiers" ---------------------------------------------------------------

EXPORT_CAMPAIGNS = [
    {"id": 6, "demarche": "cesp", "label": "CESP 2025", "is_open": False},
    {"id": 7, "demarche": "cesp", "label": "CESP 2026", "is_open": True},
]


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_export_screen(
    snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    monkeypatch.setattr(export_dossiers, "date", FrozenDate)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        screen = _on_top(pilot, ExportScreen)
        assert screen.campaigns == EXPORT_CAMPAIGNS  # the platform's answer

    app = tui_app(
        tmp_path,
        role="agent",
        new_api=fake(CampaignsApi(EXPORT_CAMPAIGNS)),
        screen=lambda: ExportScreen(base=Path("/home/agent")),
    )
    assert snap_compare(app, terminal_size=size, run_before=begun(run_before))


# --- the support's read-only dossier, its diagnostic box, its mails ------------------------


def consulted_document() -> dict[str, Any]:
    """The platform's document as the support reads it: NIR and IBAN masked, the tab
    states and problems computed on the real values ("Volet social" not filled in)."""
    demarche = get_demarche("cesp")
    values = complete_cesp_values()
    values["volet_social"] = {}
    pieces = {"piece_identite": 1, "rib": 1}
    tabs = []
    for tab in demarche.tabs:
        if tab.kind is TabKind.SYNTHESE:
            continue
        found = rules.tab_problems(demarche, tab.key, values, pieces)
        state = rules.state_of(demarche, tab.key, found, values, pieces)
        tabs.append(
            {"key": tab.key, "state": state.value, "problems": [p.to_dict() for p in found]}
        )
    return {
        "id": CONSULTED,
        "numero": "CESP-2026-000011",
        "demarche": "cesp",
        "campaign": {"id": 7, "label": "CESP 2026"},
        "state": "brouillon",
        "version": 5,
        "data": mask_dossier_data(demarche, values),
        "saved_tabs": [k for k in values if values[k]],
        "certifications": [],
        "masked": True,
        "tabs": tabs,
        "pieces": [
            {
                "id": "00000000-0000-4000-8000-000000000d01",
                "piece_type": "piece_identite",
                "filename": "carte_identite.pdf",
                "size": 48_213,
                "sha256": "0" * 64,
            },
            {
                "id": "00000000-0000-4000-8000-000000000d02",
                "piece_type": "rib",
                "filename": "rib_credit_agricole.pdf",
                "size": 21_504,
                "sha256": "1" * 64,
            },
        ],
    }


def support_app(data_dir: Path, tab: str | None = None) -> CespApp:
    """The support's read-only dossier over a fixed platform document, over its home."""
    document = consulted_document()
    snapshot = snapshot_from_server(document, SERVER_KEY, "support-anne")  # type: ignore[arg-type]
    app = tui_app(
        data_dir,
        role="support",
        username="support-anne",
        campaign_labels={7: "CESP 2026"},
        screen=lambda: SupportDossierScreen(home_workspace(app), snapshot, document, tab=tab),
    )
    return app


@pytest.mark.parametrize("tab", ["etat_civil", "synthese"])
@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_support_dossier(
    snap_compare: Any, tmp_path: Path, size: tuple[int, int], tab: str
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        screen = _on_top(pilot, SupportDossierScreen)
        assert screen.readonly

    app = support_app(tmp_path, tab=tab)
    assert snap_compare(app, terminal_size=size, run_before=begun(run_before))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_diagnostic_modal(
    snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    monkeypatch.setattr(timefmt, "datetime", FrozenDatetime)  # file names: Paris time
    default = support_dossier.default_diagnostic_path
    # The default is in the current directory: a fixed one rather than the test's.
    monkeypatch.setattr(
        support_dossier,
        "default_diagnostic_path",
        lambda numero, base=None: default(numero, base or Path("/home/support")),
    )

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        modal = _on_top(pilot, DiagnosticModal)
        shown = modal.query_one("#diagnostic-path", Input).value
        assert shown == "/home/support/diagnostic-CESP-2026-000011-20260312-1405.json"

    app = support_app(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=begun(run_before))


MAILS = [
    {
        "created_at": "2026-03-05T16:21:00+01:00",
        "sent_at": None,
        "subject": "CESP : votre dossier a été complété par un agent",
        "to": "jean.durand@example.org",
        "status": "echec",
        "status_label": "Échec",
        "attempts": 3,
        "last_error": "550 5.1.1 boîte aux lettres inconnue",
        "body": "Bonjour,\n\nUn agent a complété l'onglet « Études » de votre dossier "
        "CESP-2026-000011.\n\nConnectez-vous pour le vérifier.",
    },
    {
        "created_at": "2026-03-01T10:02:00+01:00",
        "sent_at": "2026-03-01T10:02:05+01:00",
        "subject": "CESP : votre compte est créé",
        "to": "jean.durand@example.org",
        "status": "envoye",
        "status_label": "Envoyé",
        "attempts": 1,
        "last_error": None,
        "body": "Bonjour Jean Pierre DURAND,\n\nVotre compte est créé. Vous pouvez commencer "
        "votre demande.",
    },
    {
        "created_at": "2026-03-01T09:58:00+01:00",
        "sent_at": "2026-03-01T09:58:02+01:00",
        "subject": "CESP : votre code de confirmation",
        "to": "jean.durand@example.org",
        "status": "envoye",
        "status_label": "Envoyé",
        "attempts": 1,
        "last_error": None,
        "body": "Bonjour,\n\nVotre code de confirmation : [code masqué]\n\nIl est valable "
        "15 minutes.",
    },
]


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_dossier_mails(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        screen = _on_top(pilot, DossierMailsScreen)
        assert screen.table.row_count == len(MAILS)

    app = staff_app(
        tmp_path,
        "support",
        lambda: DossierMailsScreen(CONSULTED, "CESP-2026-000011", mails=[dict(m) for m in MAILS]),
    )
    assert snap_compare(app, terminal_size=size, run_before=begun(run_before))


# --- paper keying: which campaign the batch is for -----------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_campaign_choice(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        # Two open campaigns and none chosen yet for the batch: the screen asks.
        pilot.app.screen.post_message(CampaignsLoaded([dict(c) for c in OPEN_CESP]))
        await settle(pilot)
        _on_top(pilot, CampaignPicker)

    app = tui_app(tmp_path, role="agent", screen=lambda: OnBehalfScreen(home_workspace(app)))
    assert snap_compare(app, terminal_size=size, run_before=begun(run_before))


# --- the jury: which campaign to work on ---------------------------------------------------

JURY_CAMPAIGNS: list[dict[str, Any]] = [
    {
        "id": 4,
        "demarche": "asp",
        "label": "ASP Île-de-France 2026",
        "closes_at": "2026-03-13T23:59:59+01:00",
        "results_published": False,
    },
    {
        "id": 3,
        "demarche": "cesp",
        "label": "CESP 2026",
        "closes_at": "2026-03-31T23:59:59+02:00",
        "results_published": False,
    },
    {
        "id": 2,
        "demarche": "cesp",
        "label": "CESP 2025",
        "closes_at": "2025-03-31T23:59:59+02:00",
        "results_published": True,
        "results_published_at": "2025-06-20T10:30:00+02:00",
    },
]


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_jury_campaign_picker(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        _on_top(pilot, CampaignPicker)

    app = staff_app(
        tmp_path,
        "instructeur",
        lambda: JuryHomeScreen(
            campaigns=JURY_CAMPAIGNS, dossiers=[], campaign_id=3, viewer="Anne Jury"
        ),
    )
    assert snap_compare(app, terminal_size=size, run_before=begun(run_before))


# --- "Récap. candidatures": the export's file name -----------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_export_path_modal(
    snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    monkeypatch.setattr(timefmt, "datetime", FrozenDatetime)  # file names: Paris time
    # The default folder is the client's data directory's "exports": shown under a fixed
    # data directory rather than the test's temporary one.
    real_default = recap.default_export_path
    data_dir = Path("/home/bam/.local/share/cesp")

    def default_under_fixed_dir(app: Any, extension: str) -> Path:
        return data_dir / real_default(app, extension).relative_to(tmp_path)

    monkeypatch.setattr(recap, "default_export_path", default_under_fixed_dir)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("c")  # "Récap. candidatures"
        await settle(pilot)
        await pilot.press("e")  # "Export CSV"
        await settle(pilot)
        modal = _on_top(pilot, ExportPathModal)
        shown = modal.query_one("#export-path", Input).value
        assert shown == f"{data_dir}/exports/recap-candidatures-2026-03-12.csv"

    seed_asp(tmp_path)
    app = tui_app(tmp_path, role="etablissement")
    assert snap_compare(app, terminal_size=size, run_before=begun(run_before))
