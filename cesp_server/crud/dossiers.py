"""Dossiers: access rules, creation, listing, tab saves with optimistic locking, deletion.

Who sees what:
- a dossier's keepers are its owner and the account that created it (an agent keying a
  paper dossier); they read it and, while it is a draft of an open campaign, change it;
- agents, support, instructeurs and admins read any dossier; support never changes anything;
- anybody else gets 404, never 403: the existence of a dossier is not revealed.

Every change bumps `Dossier.version` through a conditional UPDATE (``WHERE version = :v``),
so two concurrent saves never overwrite each other: the loser gets 412 with the current
version. Pieces do not bump it (they are added and removed by id, idempotently).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cesp_core.demarches import Demarche, get_demarche, rules
from cesp_core.lifecycle import READ_ANY_ROLES, DossierState, Role, can_write, is_editable
from cesp_core.problems import Problem
from cesp_core.text import normalize

from ..errors import ApiProblem
from ..models import Account, Campaign, Dossier, DossierEvent, NumberSequence, Piece, utcnow
from .campaigns import ensure_campaign_open

__all__ = [
    "Action",
    "applicant_name",
    "applicant_name_of",
    "bump",
    "can_read",
    "create_dossier",
    "delete_dossier",
    "ensure_can_change",
    "ensure_editable",
    "etag",
    "get_readable",
    "get_writable",
    "history",
    "is_keeper",
    "list_dossiers",
    "parse_if_match",
    "piece_counts",
    "record_event",
    "role_of",
    "save_tab",
    "search_text",
    "version_conflict",
]

NOT_FOUND_MESSAGE = "Dossier introuvable."


class Action:
    """History actions (stored in `DossierEvent.action`) and their French labels."""

    CREATION = "creation"
    ENREGISTREMENT = "enregistrement"
    PIECE_AJOUTEE = "piece_ajoutee"
    PIECE_SUPPRIMEE = "piece_supprimee"
    TRANSMISSION = "transmission"
    INSTRUCTION = "instruction"
    DECISION = "decision"

    LABELS: Mapping[str, str] = {
        CREATION: "Création du dossier",
        ENREGISTREMENT: "Enregistrement de l'onglet",
        PIECE_AJOUTEE: "Ajout d'une pièce",
        PIECE_SUPPRIMEE: "Suppression d'une pièce",
        TRANSMISSION: "Transmission",
        INSTRUCTION: "Mise en instruction",
        DECISION: "Décision enregistrée",
    }


# --- access ---------------------------------------------------------------------------


def role_of(account: Account) -> Role:
    return Role(account.role)


def is_keeper(account: Account, dossier: Dossier) -> bool:
    """The owner, or the account that created the dossier (an agent keying it)."""
    return account.id in (dossier.owner_id, dossier.created_by_id)


def can_read(account: Account, dossier: Dossier) -> bool:
    return is_keeper(account, dossier) or role_of(account) in READ_ANY_ROLES


def not_found() -> ApiProblem:
    return ApiProblem(404, "dossier_not_found", NOT_FOUND_MESSAGE)


def get_readable(session: Session, account: Account, dossier_id: str) -> Dossier:
    dossier = session.get(Dossier, dossier_id)
    if dossier is None or not can_read(account, dossier):
        raise not_found()
    return dossier


def ensure_can_change(account: Account, dossier: Dossier) -> None:
    """Role and keeper checks of every write (not the state nor the dates)."""
    if not can_write(role_of(account)):
        raise ApiProblem(
            403,
            "read_only_role",
            "Le rôle Support consulte les dossiers sans pouvoir les modifier.",
        )
    if not is_keeper(account, dossier):
        raise ApiProblem(403, "not_dossier_owner", "Seul le titulaire du dossier peut le modifier.")


def ensure_editable(dossier: Dossier) -> None:
    if not is_editable(DossierState(dossier.state)):
        raise ApiProblem(
            409,
            "dossier_read_only",
            "Le dossier a été transmis : il n'est plus modifiable.",
            extra={"state": dossier.state},
        )


def get_writable(
    session: Session, account: Account, dossier_id: str, now: datetime | None = None
) -> tuple[Dossier, Campaign]:
    """A draft this account may change, in a campaign still open; else 403/404/409."""
    dossier = get_readable(session, account, dossier_id)
    ensure_can_change(account, dossier)
    ensure_editable(dossier)
    campaign = session.get(Campaign, dossier.campaign_id)
    assert campaign is not None  # foreign key
    ensure_campaign_open(campaign, now)
    return dossier, campaign


# --- versions -------------------------------------------------------------------------


def etag(version: int) -> str:
    return f'"{version}"'


_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def parse_if_match(value: str | None) -> int:
    """The version an `If-Match` header names; 428 when absent or unusable."""
    if value is None or not value.strip():
        raise ApiProblem(
            428,
            "precondition_required",
            "Indiquez la version du dossier que vous modifiez (en-tête If-Match).",
        )
    match = _IF_MATCH.match(value)
    if match is None:
        raise ApiProblem(
            428,
            "precondition_required",
            'En-tête If-Match invalide : indiquez la version reçue (ETag), par exemple "3".',
        )
    return int(match.group(1))


def version_conflict(dossier: Dossier, tab: str | None = None) -> ApiProblem:
    extra: dict[str, Any] = {"current_version": dossier.version, "etag": etag(dossier.version)}
    if tab is not None:
        extra["current_values"] = dict((dossier.data or {}).get(tab) or {})
    return ApiProblem(
        412,
        "version_conflict",
        "Le dossier a été modifié entre-temps (sur un autre poste ou par une autre "
        "personne) : comparez les deux versions avant d'enregistrer.",
        headers={"ETag": etag(dossier.version)},
        extra=extra,
    )


def bump(
    session: Session, dossier: Dossier, values: Mapping[str, Any], *, state: str | None = None
) -> bool:
    """Conditionally write `values` and version+1; False when someone changed it first."""
    conditions = [Dossier.id == dossier.id, Dossier.version == dossier.version]
    if state is not None:
        conditions.append(Dossier.state == state)
    result = session.exec(
        update(Dossier)
        .where(*conditions)
        .values(version=dossier.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


# --- pieces (counts for the rules) ------------------------------------------------------


def piece_counts(session: Session, dossier_ids: Iterable[str]) -> dict[str, dict[str, int]]:
    """dossier id -> piece type -> number of files."""
    ids = list(dossier_ids)
    counts: dict[str, dict[str, int]] = {i: {} for i in ids}
    if not ids:
        return counts
    rows = session.exec(
        select(Piece.dossier_id, Piece.piece_type, func.count())
        .where(col(Piece.dossier_id).in_(ids))
        .group_by(Piece.dossier_id, Piece.piece_type)
    ).all()
    for dossier_id, piece_type, count in rows:
        counts[dossier_id][piece_type] = int(count)
    return counts


# --- names ----------------------------------------------------------------------------


def _text(data: Mapping[str, Any], tab: str, key: str) -> str:
    value = (data.get(tab) or {}).get(key)
    return " ".join(value.split()) if isinstance(value, str) else ""


def applicant_name(dossier: Dossier, owner: Account | None = None) -> str:
    """The applicant as a person reads it: "Jean DUPONT" (CESP) or the ASP candidate."""
    return applicant_name_of(dossier.demarche, dossier.data or {}, owner)


def applicant_name_of(demarche: str, data: Mapping[str, Any], owner: Account | None) -> str:
    if demarche == "cesp":
        nom = _text(data, "etat_civil", "nom_usage") or _text(data, "etat_civil", "nom_naissance")
        prenoms = _text(data, "etat_civil", "prenoms")
    else:
        nom, prenoms = _text(data, "candidat", "nom"), _text(data, "candidat", "prenom")
    name = " ".join(p for p in (prenoms, nom.upper()) if p)
    if name:
        return name
    return owner.display_name if owner is not None and demarche == "cesp" else ""


def search_text(numero: str, demarche: str, data: Mapping[str, Any], owner: Account | None) -> str:
    """Normalised words the `q` filter of the list looks into."""
    parts = [
        numero,
        applicant_name_of(demarche, data, owner),
        _text(data, "etat_civil", "nom_naissance"),
        _text(data, "identification", "etab_recruteur_nom"),
        _text(data, "identification", "etab_partenaire_nom"),
        owner.display_name if owner is not None else "",
    ]
    return normalize(" ".join(p for p in parts if p))


# --- creation --------------------------------------------------------------------------


def next_numero(session: Session, demarche: Demarche, year: int) -> str:
    """``CESP-2026-000042``: a counter per démarche and year, gapless once committed."""
    prefix = f"{demarche.short_title.upper()}-{year}"
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.exec(insert(NumberSequence).values(key=prefix, value=0).on_conflict_do_nothing())
    value = session.exec(
        update(NumberSequence)
        .where(NumberSequence.key == prefix)
        .values(value=NumberSequence.value + 1)
        .returning(NumberSequence.value)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return f"{prefix}-{value:06d}"


def prefill(demarche: Demarche, account: Account) -> dict[str, dict[str, Any]]:
    """What the account already tells (identity, establishment), not yet "saved"."""
    if demarche.key == "cesp" and account.role == Role.CANDIDAT:
        etat_civil = {
            "civilite": account.civilite if account.civilite in ("M", "F") else None,
            "nom_naissance": account.nom,
            "prenoms": account.prenom,
            "date_naissance": account.date_naissance.isoformat()
            if account.date_naissance
            else None,
        }
        return {"etat_civil": {k: v for k, v in etat_civil.items() if v}}
    if demarche.key == "asp" and account.role == Role.ETABLISSEMENT:
        identification = {
            "etab_recruteur_nom": account.etablissement_nom,
            "etab_recruteur_finess": account.finess,
        }
        return {"identification": {k: v for k, v in identification.items() if v}}
    return {}


def _unique_owner_key(demarche: Demarche, account: Account, campaign: Campaign) -> str | None:
    """One CESP dossier per applicant and campaign (agents key many: no key for them)."""
    if demarche.key == "cesp" and account.role == Role.CANDIDAT:
        return f"{campaign.id}:{account.id}"
    return None


def _existing(session: Session, dossier_id: str, unique_key: str | None) -> Dossier | None:
    dossier = session.get(Dossier, dossier_id)
    if dossier is None and unique_key is not None:
        dossier = session.exec(
            select(Dossier).where(Dossier.unique_owner_key == unique_key)
        ).first()
    return dossier


def create_dossier(
    session: Session,
    account: Account,
    *,
    dossier_id: str,
    campaign_id: int,
    now: datetime | None = None,
) -> tuple[Dossier, bool]:
    """Create the dossier, or return the existing one (replay, or CESP: one per campaign).

    Returns ``(dossier, created)``.
    """
    now = now or utcnow()
    existing = session.get(Dossier, dossier_id)
    if existing is not None:
        if is_keeper(account, existing):
            return existing, False
        raise ApiProblem(
            409,
            "dossier_id_taken",
            "Cet identifiant de dossier est déjà utilisé : générez-en un autre.",
        )
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise ApiProblem(404, "campaign_not_found", "Campagne introuvable.")
    demarche = get_demarche(campaign.demarche)
    role = role_of(account)
    if account.role not in demarche.owner_roles and role is not Role.AGENT:
        raise ApiProblem(
            403,
            "forbidden_role",
            f"Votre compte ({role.label}) ne permet pas de déposer un dossier "
            f"« {demarche.short_title} ».",
        )
    unique_key = _unique_owner_key(demarche, account, campaign)
    if unique_key is not None:
        mine = session.exec(select(Dossier).where(Dossier.unique_owner_key == unique_key)).first()
        if mine is not None:
            return mine, False
    ensure_campaign_open(campaign, now)

    dossier = Dossier(
        id=dossier_id,
        numero=next_numero(session, demarche, campaign.year),
        demarche=demarche.key,
        campaign_id=campaign.id or 0,
        owner_id=account.id or 0,
        created_by_id=account.id or 0,
        state=DossierState.BROUILLON.value,
        version=1,
        data=prefill(demarche, account),
        saved_tabs=[],
        certifications=[],
        unique_owner_key=unique_key,
        created_at=now,
        updated_at=now,
    )
    dossier.search_text = search_text(dossier.numero, dossier.demarche, dossier.data, account)
    session.add(dossier)
    try:
        session.flush()
        record_event(session, dossier.id, account.id or 0, Action.CREATION, at=now)
        session.commit()
    except IntegrityError as exc:
        # A concurrent creation with the same id, or the applicant's other draft.
        session.rollback()
        found = _existing(session, dossier_id, unique_key)
        if found is not None and is_keeper(account, found):
            return found, False
        raise ApiProblem(
            409,
            "dossier_id_taken",
            "Cet identifiant de dossier est déjà utilisé : générez-en un autre.",
        ) from exc
    return dossier, True


def record_event(
    session: Session,
    dossier_id: str,
    actor_id: int,
    action: str,
    *,
    tab: str | None = None,
    fields: Sequence[str] = (),
    at: datetime | None = None,
) -> None:
    session.add(
        DossierEvent(
            dossier_id=dossier_id,
            actor_id=actor_id,
            action=action,
            tab=tab,
            fields=list(fields),
            at=at or utcnow(),
        )
    )


# --- listing ---------------------------------------------------------------------------


def list_dossiers(
    session: Session,
    account: Account,
    *,
    campaign_id: int | None = None,
    state: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Dossier], int]:
    """Own dossiers (candidat, établissement); every dossier for staff roles."""
    query = select(Dossier)
    if role_of(account) not in READ_ANY_ROLES:
        query = query.where(
            or_(Dossier.owner_id == account.id, Dossier.created_by_id == account.id)
        )
    if campaign_id is not None:
        query = query.where(Dossier.campaign_id == campaign_id)
    if state is not None:
        query = query.where(Dossier.state == state)
    needle = normalize(q or "")
    if needle:
        query = query.where(col(Dossier.search_text).contains(needle, autoescape=True))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(col(Dossier.updated_at).desc(), col(Dossier.id)).limit(limit).offset(offset)
    ).all()
    return list(rows), int(total)


# --- tab saves -------------------------------------------------------------------------


def _tab_or_404(demarche: Demarche, tab_key: str) -> None:
    try:
        tab = demarche.tab(tab_key)
    except KeyError:
        raise ApiProblem(
            404, "tab_not_found", f"Onglet inconnu pour la démarche « {demarche.short_title} »."
        ) from None
    if tab.kind.value == "synthese":
        raise ApiProblem(
            409, "tab_read_only", "La synthèse ne se modifie pas : elle reprend les autres onglets."
        )


def save_tab(
    session: Session,
    account: Account,
    *,
    dossier_id: str,
    tab_key: str,
    values: Mapping[str, object],
    if_match: str | None,
    now: datetime | None = None,
) -> tuple[Dossier, list[str], list[Problem]]:
    """Validate and store one tab; returns the dossier, the changed keys and the tab's problems.

    A tab with problems is saved all the same (the client shows them); unknown keys and
    wrong value types refuse the whole save (422).
    """
    now = now or utcnow()
    dossier = get_readable(session, account, dossier_id)
    demarche = get_demarche(dossier.demarche)
    _tab_or_404(demarche, tab_key)
    expected = parse_if_match(if_match)
    ensure_can_change(account, dossier)
    ensure_editable(dossier)
    campaign = session.get(Campaign, dossier.campaign_id)
    assert campaign is not None
    ensure_campaign_open(campaign, now)
    if expected != dossier.version:
        raise version_conflict(dossier, tab_key)
    first = rules.first_tab_problem(demarche, tab_key, dossier.saved_tabs or [])
    if first is not None:
        raise ApiProblem(409, "first_tab_required", first.message, problems=[first])
    clean, problems = rules.clean_tab(demarche, tab_key, values)
    if problems:
        raise ApiProblem(
            422,
            "invalid_values",
            "Certaines valeurs ne peuvent pas être enregistrées.",
            problems=problems,
        )

    before = dict((dossier.data or {}).get(tab_key) or {})
    changed = sorted(k for k, v in clean.items() if before.get(k) != v)
    saved_tabs = list(dossier.saved_tabs or [])
    newly_saved = tab_key not in saved_tabs
    counts = piece_counts(session, [dossier.id])[dossier.id]
    if changed or newly_saved:
        data = {k: dict(v) for k, v in (dossier.data or {}).items()}
        data[tab_key] = {**before, **clean}
        if newly_saved:
            saved_tabs.append(tab_key)
        owner = session.get(Account, dossier.owner_id)
        values_out = {
            "data": data,
            "saved_tabs": saved_tabs,
            "updated_at": now,
            "search_text": search_text(dossier.numero, dossier.demarche, data, owner),
        }
        if not bump(session, dossier, values_out, state=DossierState.BROUILLON.value):
            session.rollback()
            session.expire_all()
            current = get_readable(session, account, dossier_id)
            ensure_editable(current)
            raise version_conflict(current, tab_key)
        record_event(
            session,
            dossier.id,
            account.id or 0,
            Action.ENREGISTREMENT,
            tab=tab_key,
            fields=changed,
            at=now,
        )
        session.commit()
        session.expire_all()
        dossier = session.get(Dossier, dossier_id) or dossier
    tab_problems = rules.tab_problems(demarche, tab_key, dossier.data or {}, counts)
    return dossier, changed, tab_problems


# --- deletion --------------------------------------------------------------------------


def delete_dossier(
    session: Session, account: Account, dossier_id: str, now: datetime | None = None
) -> list[str]:
    """Delete a draft and its history and pieces; returns the storage names to unlink."""
    dossier, _campaign = get_writable(session, account, dossier_id, now)
    names = list(session.exec(select(Piece.storage_name).where(Piece.dossier_id == dossier.id)))
    session.exec(delete(Piece).where(col(Piece.dossier_id) == dossier.id))
    session.exec(delete(DossierEvent).where(col(DossierEvent.dossier_id) == dossier.id))
    result = session.exec(
        delete(Dossier)
        .where(col(Dossier.id) == dossier.id, col(Dossier.state) == DossierState.BROUILLON.value)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        raise ApiProblem(
            409, "dossier_read_only", "Le dossier a été transmis : il n'est plus modifiable."
        )
    session.commit()
    return names


def history(session: Session, dossier_id: str) -> list[tuple[DossierEvent, Account]]:
    rows = session.exec(
        select(DossierEvent, Account)
        .join(Account, col(Account.id) == DossierEvent.actor_id)
        .where(DossierEvent.dossier_id == dossier_id)
        .order_by(col(DossierEvent.at), col(DossierEvent.id))
    ).all()
    return [(event, actor) for event, actor in rows]
