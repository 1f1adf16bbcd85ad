"""Dossier helpers shared by the API, TUI and end-to-end tests.

- `complete_cesp_values()` / `complete_asp_values()`: every tab of a dossier that
  `cesp_core.demarches.rules` finds complete (a NIR consistent with sex, birth date and
  birthplace; an IBAN with its BIC; valid FINESS numbers...);
- `TINY_PDF`, `TINY_PNG`, `TINY_JPEG`: small files with the right signatures;
- `make_campaign(server, ...)`: a campaign created in the server's database by the same
  function as ``cesp-server campaign create``, with dates relative to now;
- `fill_dossier(...)`: save every tab and upload every required piece through the API.
"""

from __future__ import annotations

import struct
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlmodel import Session

from cesp_core.demarches import get_demarche, rules
from tests.support.server import ServerHandle

# --- values ----------------------------------------------------------------------------


def nir_with_key(first13: str) -> str:
    """The 15-character NIR: `first13` and its key (``97 - n % 97``; 2A → 19, 2B → 18)."""
    digits = first13.upper().replace("2A", "19").replace("2B", "18")
    return f"{first13}{97 - int(digits) % 97:02d}"


#: A man born in March 1999 in Limoges (INSEE 87085), order number 123.
CESP_NIR = nir_with_key("1990387085123")
CESP_IBAN = "FR7630006000011234567890189"
CESP_BIC = "AGRIFRPP"
#: FINESS numbers with a correct Luhn key.
FINESS_RECRUTEUR = "750000010"
FINESS_PARTENAIRE = "930000013"
PARTNER_EMAIL = "bam.partenaire@ch-partenaire.fr"


def complete_cesp_values() -> dict[str, dict[str, Any]]:
    """Tab -> values of a complete CESP dossier (pieces apart)."""
    return {
        "etat_civil": {
            "civilite": "M",
            "nom_naissance": "Durand",
            "nom_usage": None,
            "prenoms": "Jean Pierre",
            "date_naissance": "1999-03-15",
            "ne_a_l_etranger": False,
            "departement_naissance": "87",
            "commune_naissance": "87085",
            "nationalite_francaise": True,
            "nir": CESP_NIR,
        },
        "adresse": {
            "adresse": "12 rue Jean Jaurès",
            "complement": None,
            "pays": "FR",
            "code_postal": "87000",
            "commune": "87085",
            "telephone": "06 12 34 56 78",
            "email": None,
        },
        "etudes": {
            "filiere": "medecine",
            "niveau": "DFASM2",
            "universite": "Université de Limoges, UFR de médecine",
            "annee_universitaire": "2025-2026",
        },
        "volet_social": {
            "situation_familiale": "celibataire",
            "enfants_a_charge": None,
            "boursier": False,
            "commentaire": None,
        },
        "coordonnees_bancaires": {
            "titulaire": "Jean Pierre DURAND",
            "iban": CESP_IBAN,
            "bic": CESP_BIC,
            "domiciliation": "Crédit Agricole",
        },
    }


def complete_asp_values() -> dict[str, dict[str, Any]]:
    """Tab -> values of a complete ASP candidature ("identification" first)."""
    return {
        "identification": {
            "etab_recruteur_nom": "Hôpital Avicenne",
            "etab_recruteur_finess": FINESS_RECRUTEUR,
            "etab_partenaire_nom": "Centre hospitalier de Saint-Denis",
            "etab_partenaire_finess": FINESS_PARTENAIRE,
            "etab_partenaire_email": PARTNER_EMAIL,
            "specialite": "Médecine cardiovasculaire",
        },
        "projet_medical": {
            "intitule_projet": "Filière d'insuffisance cardiaque territoriale",
            "description_projet": "Consultations avancées et hôpital de jour partagés.",
            "nature_collaboration": "Temps partagé entre les deux services de cardiologie.",
            "quotite_recruteur": "50",
        },
        "profil_poste": {
            "service_recruteur": "Cardiologie",
            "chef_service_recruteur": "Dr Bernard",
            "service_partenaire": "Médecine polyvalente",
            "chef_service_partenaire": "Dr Petit",
            "missions": "Consultations, hospitalisation, avis spécialisés.",
            "date_prise_fonction": "2026-11-02",
        },
        "perspectives": {
            "poste_perenne": "praticien_hospitalier",
            "etablissement_poste": "recruteur",
            "date_previsionnelle_poste": "2028-11-02",
            "engagement": "Poste de praticien hospitalier ouvert à l'issue des deux ans.",
        },
        "candidat": {
            "civilite": "F",
            "nom": "Martin",
            "prenom": "Claire",
            "date_naissance": "1994-06-20",
            "email": "claire.martin@exemple.fr",
            "des": "Cardiologie et maladies vasculaires",
            "date_fin_internat": "2026-10-31",
            "inscrit_ordre": False,
            "date_previsionnelle_inscription": "2031-10-15",
        },
        "pieces": {"dossier_complet": True},
    }


def required_piece_types(demarche_key: str, values: dict[str, dict[str, Any]]) -> list[str]:
    demarche = get_demarche(demarche_key)
    return [p.key for p in rules.required_pieces(demarche, values)]


def certifications(demarche_key: str) -> list[str]:
    return [c.value for c in get_demarche(demarche_key).certifications]


# --- files -----------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tiny_png(width: int = 1, height: int = 1) -> bytes:
    """A valid grey PNG."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(raw))
        + _png_chunk(b"IEND", b"")
    )


def pdf_from_objects(objects: list[bytes], padding: int = 0) -> bytes:
    """A PDF of ``objects`` (numbered from 1, the first one the catalog) with a correct
    cross-reference table; ``padding`` bytes of comment after the header."""
    out = bytearray(b"%PDF-1.4\n")
    if padding:
        out += b"%" + b"x" * padding + b"\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def tiny_pdf(text: str = "Piece", padding: int = 0) -> bytes:
    """A valid one-page PDF (correct cross-reference table); ``padding`` bytes of comment
    after the header make it as large as a test needs while it stays a valid PDF."""
    stream = f"BT /F1 12 Tf 10 10 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 40] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf_from_objects(objects, padding=padding)


#: A 1x1 baseline JPEG (the smallest commonly cited valid one).
TINY_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010101004800480000ffdb004300030202020203020202030303030406"
    "0404040404080606050609080a0a090809090a0c0f0c0a0b0e0b09090d110d0e0f101011100a0c12"
    "131210130f101010ffc9000b080001000101011100ffcc000600101005ffda0008010100003f00d2"
    "cf20ffd9"
)
TINY_PDF = tiny_pdf()
TINY_PNG = tiny_png()
#: The start of a Windows executable ("MZ" header).
FAKE_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


# --- campaigns and dossiers through the API ---------------------------------------------


def jury_summary(number: int, state: str, candidate: str, owner: str) -> dict[str, Any]:
    """One ASP dossier of campaign 4 as ``GET /dossiers`` lists it for the jury."""
    return {
        "id": f"00000000-0000-4000-8000-{number:012d}",
        "numero": f"ASP-2026-{number:06d}",
        "demarche": "asp",
        "campaign_id": 4,
        "state": state,
        "applicant_name": candidate,
        "owner_name": owner,
    }


def make_campaign(
    server: ServerHandle,
    demarche: str = "cesp",
    *,
    opens_in: timedelta = timedelta(days=-10),
    closes_in: timedelta = timedelta(days=30),
    label: str | None = None,
    year: int | None = None,
) -> int:
    """A campaign in the server's database (same function as the CLI); returns its id."""
    from cesp_server.crud.campaigns import create_campaign

    now = datetime.now(UTC)
    with Session(server.app.state.engine, expire_on_commit=False) as session:
        campaign = create_campaign(
            session,
            demarche=demarche,
            year=year or now.year,
            label=label or f"Campagne {demarche.upper()} de test",
            opens_at=now + opens_in,
            closes_at=now + closes_in,
        )
    assert campaign.id is not None
    return campaign.id


def create_dossier(client: httpx.Client, campaign_id: int) -> dict[str, Any]:
    response = client.post("/dossiers", json={"id": str(uuid.uuid4()), "campaign_id": campaign_id})
    assert response.status_code in (200, 201), response.text
    return response.json()


def save_tab(
    client: httpx.Client, dossier_id: str, tab: str, values: dict[str, Any], version: int
) -> dict[str, Any]:
    response = client.put(
        f"/dossiers/{dossier_id}/tabs/{tab}",
        json={"values": values},
        headers={"If-Match": f'"{version}"'},
    )
    assert response.status_code == 200, response.text
    return response.json()


def upload(
    client: httpx.Client,
    dossier_id: str,
    piece_type: str,
    content: bytes = TINY_PDF,
    filename: str = "piece.pdf",
    content_type: str = "application/pdf",
) -> httpx.Response:
    return client.post(
        f"/dossiers/{dossier_id}/pieces/{piece_type}",
        files={"file": (filename, content, content_type)},
    )


def fill_dossier(
    client: httpx.Client, dossier: dict[str, Any], values: dict[str, dict[str, Any]] | None = None
) -> int:
    """Save every tab of `values` and upload one PDF per required piece; returns the version."""
    values = (
        values
        if values is not None
        else (complete_cesp_values() if dossier["demarche"] == "cesp" else complete_asp_values())
    )
    version = dossier["version"]
    for tab, tab_values in values.items():
        version = save_tab(client, dossier["id"], tab, tab_values, version)["version"]
    for index, piece_type in enumerate(required_piece_types(dossier["demarche"], values)):
        response = upload(
            client,
            dossier["id"],
            piece_type,
            tiny_pdf(f"{piece_type} {index}"),
            f"{piece_type}.pdf",
        )
        assert response.status_code == 201, response.text
    return version


def transmit(
    client: httpx.Client,
    dossier: dict[str, Any],
    key: str | None = None,
    certs: list[str] | None = None,
) -> httpx.Response:
    return client.post(
        f"/dossiers/{dossier['id']}/transmit",
        json={
            "certifications": certs if certs is not None else certifications(dossier["demarche"])
        },
        headers={"Idempotency-Key": key or str(uuid.uuid4())},
    )


# --- back office: paper dossiers, import files -------------------------------------------


def create_paper_dossier(
    client: httpx.Client,
    campaign_id: int,
    email: str,
    *,
    nom: str = "Lefèvre",
    prenom: str = "Hélène",
    civilite: str = "F",
    date_naissance: str = "14/02/2000",
    dossier_id: str | None = None,
) -> httpx.Response:
    """`POST /dossiers` with an applicant (an agent keying a paper dossier)."""
    return client.post(
        "/dossiers",
        json={
            "id": dossier_id or str(uuid.uuid4()),
            "campaign_id": campaign_id,
            "applicant": {
                "email": email,
                "nom": nom,
                "prenom": prenom,
                "civilite": civilite,
                "date_naissance": date_naissance,
            },
        },
    )


def import_row(email: str, values: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """One flat import record (``tab.field`` columns) for `email`."""
    row: dict[str, Any] = {"applicant.email": email}
    for tab, tab_values in (values if values is not None else complete_cesp_values()).items():
        for key, value in tab_values.items():
            row[f"{tab}.{key}"] = value
    return row


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(value)


def import_csv(rows: list[dict[str, Any]], delimiter: str = ";", bom: bool = True) -> bytes:
    """A CSV import file (UTF-8, BOM as a spreadsheet writes it) from flat records."""
    import csv
    import io

    names = list(dict.fromkeys(k for row in rows for k in row))
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([_csv_cell(row.get(name)) for name in names])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def post_import(
    client: httpx.Client,
    campaign_id: int,
    content: bytes,
    filename: str = "dossiers.csv",
    *,
    dry_run: bool = False,
) -> httpx.Response:
    kind = "application/json" if filename.endswith(".json") else "text/csv"
    return client.post(
        "/imports/dossiers",
        params={"campaign_id": campaign_id, "dry_run": str(dry_run).lower()},
        files={"file": (filename, content, kind)},
    )


def close_campaign(server: ServerHandle, campaign_id: int) -> None:
    """The campaign closed a second ago (results may be published from then on)."""
    from sqlalchemy import update

    from cesp_server.models import Campaign, utcnow

    with Session(server.app.state.engine) as session:
        session.exec(
            update(Campaign)
            .where(Campaign.id == campaign_id)  # type: ignore[arg-type]
            .values(closes_at=utcnow() - timedelta(minutes=2))
        )
        session.commit()
