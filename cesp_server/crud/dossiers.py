"""Dossiers: access rules, creation, listing, tab saves with optimistic locking, deletion.

Who sees what:
- a dossier's keepers are its owner and the account that created it (an agent keying a
  paper dossier), and, while a paper dossier is not claimed by its applicant, every agent
  (the pile of paper is shared); they read it and, while it is a draft of an open
  campaign, change it;
- agents, support, instructeurs and admins read any dossier; support never changes anything;
- anybody else gets 404, never 403: the existence of a dossier is not revealed;
- the NIR and the IBAN are shown in full to the owner, to agents and to the dossier's
  keepers only (`sees_sensitive`); everyone else reads them masked (`cesp_core.masking`),
  and a masked value is never saved back (422).

Every change bumps `Dossier.version` through a conditional UPDATE (``WHERE version = :v``),
so two concurrent saves never overwrite each other: the loser gets 412 with the current
version. Pieces do not bump it (they are added and removed by id, idempotently).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from cesp_core.demarches import Demarche, get_demarche, rules
from cesp_core.lifecycle import READ_ANY_ROLES, DossierState, Role, can_write, is_editable
from cesp_core.masking import is_masked, is_sensitive
from cesp_core.problems import Problem
from cesp_core.text import normalize
from cesp_core.validators import compact_nir

from ..errors import ApiProblem
from ..models import (
    Account,
    AccountStatus,
    Campaign,
    Dossier,
    DossierClaim,
    DossierEvent,
    NumberSequence,
    Piece,
    utcnow,
)
from ..settings import Settings
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
    "is_paper_unclaimed",
    "list_dossiers",
    "nir_digest",
    "nir_digest_of",
    "parse_if_match",
    "piece_counts",
    "piece_counts_of",
    "readable",
    "recipient",
    "record_event",
    "role_of",
    "save_tab",
    "search_text",
    "sees_sensitive",
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
    CREATION_POUR_COMPTE = "creation_pour_compte"
    IMPORT = "import"
    RECLAMATION = "reclamation"
    LIEN_RECLAMATION = "lien_reclamation"

    LABELS: Mapping[str, str] = {
        CREATION: "Création du dossier",
        CREATION_POUR_COMPTE: "Création du dossier pour le compte du candidat (dossier papier)",
        IMPORT: "Création du dossier par import de fichier",
        RECLAMATION: "Dossier réclamé par le candidat avec son compte",
        LIEN_RECLAMATION: "Nouveau lien de réclamation envoyé au candidat",
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


def is_paper_unclaimed(dossier: Dossier) -> bool:
    """Keyed by an agent for an applicant (paper), not yet claimed by that applicant."""
    return dossier.applicant_email is not None and dossier.claimed_at is None


def is_keeper(account: Account, dossier: Dossier) -> bool:
    """The owner, the account that created the dossier (an agent keying it), or any agent
    while a paper dossier is not claimed."""
    if account.id in (dossier.owner_id, dossier.created_by_id):
        return True
    return account.role == Role.AGENT and is_paper_unclaimed(dossier)


def sees_sensitive(account: Account, dossier: Dossier) -> bool:
    """The NIR and the IBAN in full: the owner and the agents (and whoever keyed the
    dossier: an admin's import); everyone else reads them masked."""
    return account.role == Role.AGENT or is_keeper(account, dossier)


def recipient(session: Session, dossier: Dossier) -> tuple[str, Account | None]:
    """Where the mails about the dossier go: the owner's address, or the applicant's
    e-mail while a paper dossier is not claimed (its placeholder owner has none)."""
    owner = session.get(Account, dossier.owner_id)
    if dossier.applicant_email and (owner is None or owner.status == AccountStatus.UNCLAIMED):
        return dossier.applicant_email, None
    return (owner.email if owner is not None else ""), owner


#: Roles that see a decision, and the state it gives, before the results are published.
DECISION_EARLY_READERS = frozenset({Role.INSTRUCTEUR, Role.ADMIN})
_DECIDED = (DossierState.ACCEPTE.value, DossierState.REFUSE.value)


def sees_decisions_early(account: Account) -> bool:
    return role_of(account) in DECISION_EARLY_READERS


def shown_state(account: Account, state: str, campaign: Campaign) -> str:
    """The state ``account`` may see: until the campaign's results are published, a
    decided dossier is "en instruction" for everyone but the jury (its owner, and the
    support staff who see what the owner sees, learn nothing early)."""
    if (
        state in _DECIDED
        and campaign.results_published_at is None
        and not sees_decisions_early(account)
    ):
        return DossierState.EN_INSTRUCTION.value
    return state


def can_read(account: Account, dossier: Dossier) -> bool:
    return is_keeper(account, dossier) or role_of(account) in READ_ANY_ROLES


def not_found() -> ApiProblem:
    return ApiProblem(404, "dossier_not_found", NOT_FOUND_MESSAGE)


#: The dossier with its campaign and owner, built once (an ORM statement built per call
#: costs more CPU in coercions and cache keys than the database takes to answer it).
_READABLE = (
    select(Dossier, Campaign, Account)
    .join(Campaign, col(Campaign.id) == Dossier.campaign_id)
    .outerjoin(Account, col(Account.id) == Dossier.owner_id)
    .where(col(Dossier.id) == bindparam("dossier_id"))
)


def readable(
    session: Session, account: Account, dossier_id: str
) -> tuple[Dossier, Campaign, Account | None]:
    """The dossier, its campaign and its owner, if ``account`` may read it (else 404).

    One query. The campaign and the owner stay referenced from ``session.info`` (the
    identity map holds weak references): `session.get` finds them there afterwards.
    """
    row = session.exec(_READABLE, params={"dossier_id": dossier_id}).first()
    if row is None or not can_read(account, row[0]):
        raise not_found()
    dossier, campaign, owner = row
    session.info.setdefault("loaded_with_dossiers", []).extend((campaign, owner))
    return dossier, campaign, owner


def get_readable(session: Session, account: Account, dossier_id: str) -> Dossier:
    """The dossier, if ``account`` may read it (else 404), with its campaign and owner
    loaded in the same query (see `readable`): every route needs them next."""
    return readable(session, account, dossier_id)[0]


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


_PIECE = cast(Table, Piece.__table__)

#: Piece counts of one dossier by type, in Core and built once (the tab saves' path).
_PIECE_COUNTS_OF = (
    sa_select(_PIECE.c.piece_type, func.count())
    .where(_PIECE.c.dossier_id == bindparam("dossier_id"))
    .group_by(_PIECE.c.piece_type)
)


def piece_counts_of(session: Session, dossier_id: str) -> dict[str, int]:
    """Piece type -> number of files of one dossier (`piece_counts` for one id, cheaper).

    No autoflush: for callers with no pending pieces in the session.
    """
    rows = session.connection().execute(_PIECE_COUNTS_OF, {"dossier_id": dossier_id})
    return {piece_type: int(count) for piece_type, count in rows}


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


def search_text(
    numero: str,
    demarche: str,
    data: Mapping[str, Any],
    owner: Account | None,
    applicant_email: str | None = None,
) -> str:
    """Normalised words the `q` filter of the list looks into: number, names, e-mails."""
    real_owner = owner is not None and owner.status != AccountStatus.UNCLAIMED
    parts = [
        numero,
        applicant_name_of(demarche, data, owner),
        _text(data, "etat_civil", "nom_naissance"),
        _text(data, "identification", "etab_recruteur_nom"),
        _text(data, "identification", "etab_partenaire_nom"),
        owner.display_name if owner is not None else "",
        owner.email if owner is not None and real_owner else "",
        applicant_email or "",
    ]
    return normalize(" ".join(p for p in parts if p))


def nir_digest(value: str) -> str:
    """SHA-256 of the compact NIR (domain-separated); the 0002 migration has a frozen copy.

    Not a protection of the NIR (the dossier's data holds it), only a way to find it with
    an index and without a second clear copy.
    """
    return hashlib.sha256(f"cesp-nir:{compact_nir(value)}".encode()).hexdigest()


def nir_digest_of(demarche: str, data: Mapping[str, Any]) -> str | None:
    value = (data.get("etat_civil") or {}).get("nir") if demarche == "cesp" else None
    return nir_digest(value) if isinstance(value, str) and value.strip() else None


_NIR_LIKE = re.compile(r"[0-9][0-9]{4}(?:[0-9]{2}|2[AB])[0-9]{6}(?:[0-9]{2})?")


def _nir_query(q: str) -> str | None:
    """The digest to look for when `q` is a NIR (15 characters, or the 13 without key)."""
    compact = compact_nir(q)
    if not _NIR_LIKE.fullmatch(compact):
        return None
    if len(compact) == 13:
        number = int(compact.replace("2A", "19").replace("2B", "18"))
        compact = f"{compact}{97 - number % 97:02d}"
    return nir_digest(compact)


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


def account_values(demarche: Demarche, tab_key: str, owner: Account | None) -> dict[str, Any]:
    """The fields of ``tab_key`` that come from the owner's account (`Field.from_account`:
    the ASP recruiter's name and FINESS come from the établissement's account), with the
    account's values; nothing when the owner is not an établissement (a paper dossier)."""
    if owner is None or owner.role != Role.ETABLISSEMENT:
        return {}
    found: dict[str, Any] = {}
    for field in demarche.tab(tab_key).fields:
        if field.from_account is None:
            continue
        value = getattr(owner, field.from_account, None)
        if isinstance(value, str) and value.strip():
            found[field.key] = value.strip()
    return found


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
    settings: Settings | None = None,
) -> tuple[Dossier, bool]:
    """Create the dossier, or return the existing one (replay, or CESP: one per campaign).

    Returns ``(dossier, created)``. With `settings`, the account's quota of dossiers in
    the campaign is enforced (`quotas.ensure_dossier_quota`; the API always gives it).
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
            f"« {demarche.short_title} ».",
        )
    unique_key = _unique_owner_key(demarche, account, campaign)
    if unique_key is not None:
        mine = session.exec(select(Dossier).where(Dossier.unique_owner_key == unique_key)).first()
        if mine is not None:
            return mine, False
    ensure_campaign_open(campaign, now)
    if settings is not None:
        from .quotas import ensure_dossier_quota

        ensure_dossier_quota(session, account, campaign, settings)

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
    dossier.nir_digest = nir_digest_of(dossier.demarche, dossier.data)
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
    created_by_me: bool = False,
    demarche: str | None = None,
) -> tuple[list[Dossier], int]:
    """Own dossiers (candidat, établissement); every dossier for staff roles.

    `q` finds a name (accents and case ignored), an e-mail, a number, or a NIR typed
    with or without spaces (through `Dossier.nir_digest`). `created_by_me`: the dossiers
    this account keyed (an agent's queue).
    """
    query = select(Dossier)
    if role_of(account) not in READ_ANY_ROLES:
        query = query.where(
            or_(Dossier.owner_id == account.id, Dossier.created_by_id == account.id)
        )
    if created_by_me:
        query = query.where(Dossier.created_by_id == account.id)
    if campaign_id is not None:
        query = query.where(Dossier.campaign_id == campaign_id)
    if demarche is not None:
        query = query.where(Dossier.demarche == demarche)
    if state is not None and not sees_decisions_early(account):
        # what `shown_state` shows: a decision is not found before its publication
        published = select(Campaign.id).where(col(Campaign.results_published_at).is_not(None))
        decided = col(Dossier.state).in_(_DECIDED)
        if state in _DECIDED:
            query = query.where(Dossier.state == state, col(Dossier.campaign_id).in_(published))
        elif state == DossierState.EN_INSTRUCTION.value:
            query = query.where(
                or_(
                    Dossier.state == state,
                    decided & col(Dossier.campaign_id).not_in(published),
                )
            )
        else:
            query = query.where(Dossier.state == state)
    elif state is not None:
        query = query.where(Dossier.state == state)
    needle = normalize(q or "")
    if needle:
        matches = col(Dossier.search_text).contains(needle, autoescape=True)
        digest = _nir_query(q or "")
        if digest is not None:
            matches = or_(matches, col(Dossier.nir_digest) == digest)
        query = query.where(matches)
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
            404, "tab_not_found", f"Onglet inconnu pour la démarche « {demarche.short_title} »."
        ) from None
    if tab.kind.value == "synthese":
        raise ApiProblem(
            409, "tab_read_only", "La synthèse ne se modifie pas : elle reprend les autres onglets."
        )


_DOSSIER = cast(Table, Dossier.__table__)

#: The conditional write of a tab save, built once. The SET clause comes from the keys
#: of the parameters (the columns written); the WHERE clause holds the expected version
#: and state: no row updated means someone changed the dossier first.
_SAVE_TAB_UPDATE = update(_DOSSIER).where(
    _DOSSIER.c.id == bindparam("where_id"),
    _DOSSIER.c.version == bindparam("where_version"),
    _DOSSIER.c.state == bindparam("where_state"),
)

#: A history line (`record_event`'s row) in Core, built once: no ORM flush for it.
_EVENT_INSERT = insert(cast(Table, DossierEvent.__table__))


def save_tab(
    session: Session,
    account: Account,
    *,
    dossier_id: str,
    tab_key: str,
    values: Mapping[str, object],
    if_match: str | None,
    now: datetime | None = None,
) -> tuple[Dossier, list[str], list[Problem], dict[str, int]]:
    """Validate and store one tab; returns the dossier, the changed keys, the tab's problems
    and the dossier's piece counts (what its tab states need).

    A tab with problems is saved all the same (the client shows them); unknown keys and
    wrong value types refuse the whole save (422).

    The write is two Core statements built once (the conditional UPDATE, the history
    INSERT) and one commit; the dossier instance gets the written values afterwards.
    """
    now = now or utcnow()
    dossier, campaign, owner = readable(session, account, dossier_id)
    demarche = get_demarche(dossier.demarche)
    _tab_or_404(demarche, tab_key)
    expected = parse_if_match(if_match)
    ensure_can_change(account, dossier)
    ensure_editable(dossier)
    ensure_campaign_open(campaign, now)
    if expected != dossier.version:
        raise version_conflict(dossier, tab_key)
    first = rules.first_tab_problem(demarche, tab_key, dossier.saved_tabs or [])
    if first is not None:
        raise ApiProblem(409, "first_tab_required", first.message, problems=[first])
    before = dict((dossier.data or {}).get(tab_key) or {})
    clean, problems = rules.clean_tab(demarche, tab_key, values, before)
    problems += [
        Problem(
            tab_key,
            key,
            "Valeur masquée : saisissez la valeur complète (un masque ne s'enregistre pas).",
        )
        for key, value in clean.items()
        if is_masked(value) and is_sensitive(demarche.tab(tab_key).field(key).type)
    ]
    if problems:
        raise ApiProblem(
            422,
            "invalid_values",
            "Certaines valeurs ne peuvent pas être enregistrées.",
            problems=problems,
        )

    # Shown, never typed: the owner account's values, whatever the client sent (ADR 0030).
    clean.update(account_values(demarche, tab_key, owner))
    changed = sorted(k for k, v in clean.items() if before.get(k) != v)
    saved_tabs = list(dossier.saved_tabs or [])
    newly_saved = tab_key not in saved_tabs
    counts = piece_counts_of(session, dossier.id)
    if changed or newly_saved:
        data = {k: dict(v) for k, v in (dossier.data or {}).items()}
        data[tab_key] = {**before, **clean}
        if newly_saved:
            saved_tabs.append(tab_key)
        values_out: dict[str, Any] = {
            "data": data,
            "saved_tabs": saved_tabs,
            "updated_at": now,
            "search_text": search_text(
                dossier.numero, dossier.demarche, data, owner, dossier.applicant_email
            ),
            "nir_digest": nir_digest_of(dossier.demarche, data),
            "version": dossier.version + 1,
        }
        connection = session.connection()
        result = connection.execute(
            _SAVE_TAB_UPDATE,
            {
                "where_id": dossier.id,
                "where_version": dossier.version,
                "where_state": DossierState.BROUILLON.value,
                **values_out,
            },
        )
        if result.rowcount != 1:
            session.rollback()
            session.expire_all()
            current = get_readable(session, account, dossier_id)
            ensure_editable(current)
            raise version_conflict(current, tab_key)
        connection.execute(
            _EVENT_INSERT,
            {
                "dossier_id": dossier.id,
                "actor_id": account.id or 0,
                "action": Action.ENREGISTREMENT,
                "tab": tab_key,
                "fields": changed,
                "at": now,
            },
        )
        session.commit()
        # What was just written, without reading it back (the UPDATE was conditional on
        # the version: these are the row's values now).
        for key, value in values_out.items():
            set_committed_value(dossier, key, value)
    tab_problems = rules.tab_problems(demarche, tab_key, dossier.data or {}, counts)
    return dossier, changed, tab_problems, counts


# --- deletion --------------------------------------------------------------------------


def delete_dossier(
    session: Session, account: Account, dossier_id: str, now: datetime | None = None
) -> list[str]:
    """Delete a draft and its history and pieces; returns the storage names to unlink."""
    dossier, _campaign = get_writable(session, account, dossier_id, now)
    names = list(session.exec(select(Piece.storage_name).where(Piece.dossier_id == dossier.id)))
    session.exec(delete(Piece).where(col(Piece.dossier_id) == dossier.id))
    session.exec(delete(DossierEvent).where(col(DossierEvent.dossier_id) == dossier.id))
    session.exec(delete(DossierClaim).where(col(DossierClaim.dossier_id) == dossier.id))
    owner_id = dossier.owner_id
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
    # The placeholder applicant of a paper draft goes with it (it owns nothing else).
    session.exec(
        delete(Account)
        .where(col(Account.id) == owner_id, col(Account.status) == AccountStatus.UNCLAIMED)
        .execution_options(synchronize_session=False)
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
