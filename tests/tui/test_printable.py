"""Issue 15, item 6 (client side): platform text is shown without escape sequences.

A candidate's name, a jury comment, a file name or a mail body holding ``ESC ]0;…``
(title), ``ESC [2J`` (clear screen), OSC 52 (clipboard) or OSC 8 (link) reaches the
screens through `cesp_core.text.printable`: nothing of it is left to the terminal.
"""

from __future__ import annotations

import re
from typing import Any

from cesp_client.remote import snapshot_from_server
from cesp_core.text import printable
from cesp_tui.screens.etablissement.recap import recap_rows
from cesp_tui.screens.staff.decision_view import decision_lines
from cesp_tui.screens.staff.dossier_mails import mail_text
from cesp_tui.screens.staff.jury_home import jury_rows
from cesp_tui.widgets.dossier_table import cell

TITLE = "\x1b]0;Vous êtes piraté\x07"
CLEAR = "\x1b[2J\x1b[H"
CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4=\x07"
LINK = "\x1b]8;;https://exemple.invalid\x1b\\"
BIDI = "\u202e"
ALL = TITLE + CLEAR + CLIPBOARD + LINK + BIDI + "\x00\x9b31m"
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _safe(text: str) -> bool:
    return _UNSAFE.search(text) is None


def test_printable_removes_sequences_and_keeps_text() -> None:
    assert printable(f"Dupont{ALL}Jean") == "DupontJean"
    assert printable(f"{LINK}lien\x1b]8;;\x1b\\") == "lien"
    assert printable("Ligne 1\r\nLigne 2\tfin", multiline=True) == "Ligne 1\nLigne 2\tfin"
    assert printable("Ligne 1\nLigne 2") == "Ligne 1 Ligne 2"
    assert printable("Hélène d'Aubigné « 12 € »") == "Hélène d'Aubigné « 12 € »"
    assert printable(None) == ""


def test_table_cells_are_printable() -> None:
    assert cell(f"Martin{ALL}").plain == " Martin "


def test_jury_list_names() -> None:
    rows = jury_rows(
        [
            {
                "id": "d1",
                "numero": "ASP-2027-000001",
                "state": "transmis",
                "demarche": "asp",
                "applicant_name": f"Claire{TITLE} MARTIN",
                "owner_name": f"CH {CLIPBOARD}Test",
            }
        ]
    )
    assert rows[0].name == "Claire MARTIN · CH Test"


def test_recap_rows() -> None:
    rows = recap_rows(
        [
            {
                "id": "d1",
                "demarche": "asp",
                "state": "brouillon",
                "applicant_name": f"Claire{CLEAR} MARTIN",
                "campaign_label": f"ASP {TITLE}2027",
                "missing": [f"Pièce{LINK}"],
                "updated_at": "2027-01-02T10:00:00",
            }
        ],
        [],
        {},
    )
    assert rows[0].candidat == "Claire MARTIN"
    assert rows[0].campagne == "ASP 2027"
    assert rows[0].manquant == "Pièce"


def test_mail_body_and_jury_comment() -> None:
    text = mail_text(
        {"subject": f"Objet{TITLE}", "to": "a@exemple.fr", "body": f"Bonjour{ALL}\nFin"}
    )
    assert _safe(text) and "Bonjour\nFin" in text and "Objet" in text
    _headline, detail = decision_lines(
        {"decision": "refuse", "comment": f"Dossier incomplet{CLEAR}{CLIPBOARD}"}
    )
    assert detail == "Commentaire du jury : Dossier incomplet"


def test_remote_snapshot_values_and_file_names() -> None:
    document: dict[str, Any] = {
        "id": "8d7c2a8e-0000-4000-8000-000000000001",
        "demarche": "cesp",
        "state": "transmis",
        "version": 3,
        "data": {
            "etat_civil": {"nom_naissance": f"Martin{TITLE}", "nationalite_francaise": True},
            "volet_social": {"commentaire": f"Ligne 1\nLigne 2{CLEAR}"},
        },
        "pieces": [{"id": "p1", "piece_type": "rib", "filename": f"rib{LINK}.pdf"}],
    }
    snapshot = snapshot_from_server(document, "local", "jury")  # type: ignore[arg-type]
    data = snapshot.dossier.data
    assert data["etat_civil"]["nom_naissance"] == "Martin"
    assert data["etat_civil"]["nationalite_francaise"] is True
    assert data["volet_social"]["commentaire"] == "Ligne 1\nLigne 2"
    assert snapshot.pieces[0].filename == "rib.pdf"
