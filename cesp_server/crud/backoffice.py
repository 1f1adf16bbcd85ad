"""Back office: dossiers keyed for applicants who sent paper, their claim, imports, exports.

- **Paper dossiers.** An agent (or an admin) creates a dossier for an applicant given by
  identity and e-mail. Its owner is a placeholder `Account` (role candidat, status
  `unclaimed`, a reserved address, no password: it can never log in); the dossier keeps
  the applicant's e-mail (`Dossier.applicant_email`), where every mail about it goes until
  it is claimed. `created_by` is the agent, and every change is recorded with its actor.
  One paper dossier per e-mail and campaign (the `unique_owner_key` ``<campaign>:@<hash>``).
- **Claim.** The applicant gets `dossier_saisi_pour_vous` with a single-use 256-bit token
  (stored as SHA-256). A logged-in candidat whose verified e-mail is that address claims
  it: the dossier becomes theirs (history "réclamé"), the placeholder is disabled.
- **Import.** A CSV or JSON file (`cesp_core.imports`), every line checked; one refused
  line and nothing is imported (one transaction). Dossier ids derive from the campaign and
  the applicant's e-mail (UUID 5), and an applicant who already has a dossier in the
  campaign is reported "existant": re-importing a file never duplicates anything.
- **Export.** The same columns, NIR and IBAN masked unless asked and allowed.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cesp_core import imports, timefmt
from cesp_core.demarches import Demarche, get_demarche
from cesp_core.imports import Applicant, ImportLine
from cesp_core.lifecycle import READ_ANY_ROLES, STATE_LABELS, DossierState, Role
from cesp_core.problems import Problem
from cesp_core.text import plural

from ..clock import to_local
from ..errors import ApiProblem
from ..mail.outbox import queue_mail
from ..models import (
    Account,
    AccountStatus,
    Campaign,
    Dossier,
    DossierClaim,
    utcnow,
)
from ..security import hash_token, new_token
from ..settings import Settings
from .accounts import find_by_email
from .campaigns import ensure_campaign_open
from .dossiers import (
    Action,
    get_readable,
    is_keeper,
    list_dossiers,
    next_numero,
    nir_digest_of,
    record_event,
    role_of,
    search_text,
)

__all__ = [
    "KEYER_ROLES",
    "MAX_EXPORT",
    "claim_dossier",
    "create_on_behalf",
    "ensure_keyer",
    "export_records",
    "import_dossier_id",
    "renew_claim",
    "run_import",
]

#: Roles that key dossiers for applicants (and import them).
KEYER_ROLES = frozenset({Role.AGENT, Role.ADMIN})
#: Roles that may export the NIR and the IBAN unmasked.
UNMASKED_EXPORT_ROLES = frozenset({Role.AGENT, Role.ADMIN})
#: Dossiers one export may hold (filter by campaign or state beyond).
MAX_EXPORT = 20_000
_IMPORT_NAMESPACE = uuid.UUID("6f1d3c9a-44e2-4c51-9b0e-2f8a7e5d1c30")
#: The placeholder applicants' reserved addresses (RFC 2606: never delivered).
PLACEHOLDER_DOMAIN = "non-reclame.cesp.invalid"


def ensure_keyer(account: Account) -> None:
    if role_of(account) not in KEYER_ROLES:
        raise ApiProblem(
            403,
            "forbidden_role",
            "Seuls les agents de saisie et les administrateurs saisissent un dossier pour le "
            "compte d'un candidat.",
        )


def _on_behalf_demarche(campaign: Campaign) -> Demarche:
    demarche = get_demarche(campaign.demarche)
    if Role.CANDIDAT.value not in demarche.owner_roles:
        raise ApiProblem(
            403,
            "on_behalf_not_supported",
            f"La démarche « {demarche.short_title} » est déposée par les établissements : "
            "elle ne se saisit pas pour le compte d'un candidat.",
        )
    return demarche


def _campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise ApiProblem(404, "campaign_not_found", "Campagne introuvable.")
    return campaign


def import_dossier_id(campaign_id: int, email: str) -> str:
    """The id of the dossier an import creates for this applicant in this campaign."""
    return str(uuid.uuid5(_IMPORT_NAMESPACE, f"{campaign_id}:{email}"))


def paper_owner_key(campaign_id: int, email: str) -> str:
    """`Dossier.unique_owner_key` of a paper dossier: one per e-mail and campaign."""
    return f"{campaign_id}:@{hashlib.sha256(email.encode()).hexdigest()[:40]}"


def existing_for_applicant(session: Session, campaign_id: int, email: str) -> Dossier | None:
    """A dossier this applicant already has in the campaign: keyed from paper (claimed or
    not), or their own (an account at that address)."""
    found = session.exec(
        select(Dossier).where(
            (col(Dossier.unique_owner_key) == paper_owner_key(campaign_id, email))
            | ((col(Dossier.campaign_id) == campaign_id) & (col(Dossier.applicant_email) == email))
        )
    ).first()
    if found is not None:
        return found
    account = find_by_email(session, email)
    if account is None or account.role != Role.CANDIDAT:
        return None
    return session.exec(
        select(Dossier).where(
            Dossier.unique_owner_key == f"{campaign_id}:{account.id}",
        )
    ).first()


def _already(dossier: Dossier) -> ApiProblem:
    return ApiProblem(
        409,
        "applicant_has_dossier",
        f"Ce candidat a déjà un dossier dans cette campagne (n° {dossier.numero}) : "
        "ouvrez-le plutôt que d'en créer un second.",
        extra={"dossier_id": dossier.id, "numero": dossier.numero},
    )


def _placeholder(session: Session, applicant: Applicant) -> Account:
    token = uuid.uuid4().hex
    account = Account(
        username=f"papier-{token[:16]}",
        email=f"{token}@{PLACEHOLDER_DOMAIN}",
        role=Role.CANDIDAT,
        status=AccountStatus.UNCLAIMED,
        civilite=applicant.civilite,
        nom=applicant.nom[:80],
        prenom=applicant.prenom[:80],
        date_naissance=date.fromisoformat(applicant.date_naissance)
        if applicant.date_naissance
        else None,
    )
    session.add(account)
    session.flush()
    return account


def _claim_url(settings: Settings, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/dossiers/reclamer?jeton={token}"


def _queue_claim_mail(
    session: Session,
    settings: Settings,
    *,
    dossier: Dossier,
    email: str,
    prenom: str,
    nom: str,
    token: str,
    expires: datetime,
) -> None:
    campaign = session.get(Campaign, dossier.campaign_id)
    assert campaign is not None
    queue_mail(
        session,
        to=email,
        template="dossier_saisi_pour_vous",
        context={
            "prenom": prenom,
            "nom": nom.upper(),
            "numero": dossier.numero,
            "demarche": get_demarche(dossier.demarche).title,
            "campagne": campaign.label,
            "email": email,
            "link": _claim_url(settings, token),
            "token": token,
            "expires_on": timefmt.format_day(expires),
        },
        dossier_id=dossier.id,
        settings=settings,
    )


def _issue_claim(
    session: Session,
    settings: Settings,
    *,
    keyer: Account,
    dossier: Dossier,
    applicant: Applicant,
    now: datetime,
) -> None:
    token = new_token()
    expires = now + timedelta(days=settings.claim_ttl_days)
    session.add(
        DossierClaim(
            dossier_id=dossier.id,
            email=applicant.email,
            token_hash=hash_token(token),
            created_by_id=keyer.id or 0,
            created_at=now,
            expires_at=expires,
        )
    )
    _queue_claim_mail(
        session,
        settings,
        dossier=dossier,
        email=applicant.email,
        prenom=applicant.prenom,
        nom=applicant.nom,
        token=token,
        expires=expires,
    )


def renew_claim(
    session: Session,
    keyer: Account,
    dossier_id: str,
    settings: Settings,
    now: datetime | None = None,
) -> Dossier:
    """Mail the applicant a new claim link (the previous one stops working)."""
    now = now or utcnow()
    ensure_keyer(keyer)
    dossier = get_readable(session, keyer, dossier_id)
    claim = session.exec(select(DossierClaim).where(DossierClaim.dossier_id == dossier.id)).first()
    if dossier.applicant_email is None or claim is None:
        raise ApiProblem(
            409,
            "not_paper_dossier",
            "Ce dossier n'a pas été saisi pour le compte d'un candidat : il n'a pas de lien "
            "de réclamation.",
        )
    if dossier.claimed_at is not None or claim.used_at is not None:
        raise ApiProblem(
            409, "already_claimed", "Le candidat a déjà réclamé ce dossier avec son compte."
        )
    owner = session.get(Account, dossier.owner_id)
    token = new_token()
    claim.token_hash = hash_token(token)
    claim.created_at = now
    claim.created_by_id = keyer.id or 0
    claim.expires_at = now + timedelta(days=settings.claim_ttl_days)
    session.add(claim)
    _queue_claim_mail(
        session,
        settings,
        dossier=dossier,
        email=claim.email,
        prenom=(owner.prenom if owner else None) or "",
        nom=(owner.nom if owner else None) or "",
        token=token,
        expires=claim.expires_at,
    )
    record_event(session, dossier.id, keyer.id or 0, Action.LIEN_RECLAMATION, at=now)
    session.commit()
    return dossier


def add_paper_dossier(
    session: Session,
    keyer: Account,
    *,
    dossier_id: str,
    campaign: Campaign,
    applicant: Applicant,
    settings: Settings,
    data: Mapping[str, Mapping[str, Any]] | None = None,
    saved_tabs: Sequence[str] = (),
    now: datetime,
    imported: bool = False,
) -> Dossier:
    """Add a paper dossier, its placeholder owner, its claim and its mail (not committed)."""
    demarche = get_demarche(campaign.demarche)
    placeholder = _placeholder(session, applicant)
    values: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (data or {}).items()}
    imports.prefill_identity(demarche, applicant, values)
    dossier = Dossier(
        id=dossier_id,
        numero=next_numero(session, demarche, campaign.year),
        demarche=demarche.key,
        campaign_id=campaign.id or 0,
        owner_id=placeholder.id or 0,
        created_by_id=keyer.id or 0,
        state=DossierState.BROUILLON.value,
        version=1,
        data=values,
        saved_tabs=list(saved_tabs),
        certifications=[],
        unique_owner_key=paper_owner_key(campaign.id or 0, applicant.email),
        applicant_email=applicant.email,
        created_at=now,
        updated_at=now,
    )
    dossier.search_text = search_text(
        dossier.numero, dossier.demarche, values, placeholder, applicant.email
    )
    dossier.nir_digest = nir_digest_of(dossier.demarche, values)
    session.add(dossier)
    session.flush()
    record_event(session, dossier.id, keyer.id or 0, Action.CREATION_POUR_COMPTE, at=now)
    for tab in saved_tabs:
        record_event(
            session,
            dossier.id,
            keyer.id or 0,
            Action.IMPORT if imported else Action.ENREGISTREMENT,
            tab=tab,
            fields=sorted(k for k, v in values.get(tab, {}).items() if v is not None),
            at=now,
        )
    _issue_claim(session, settings, keyer=keyer, dossier=dossier, applicant=applicant, now=now)
    return dossier


def _applicant_or_422(demarche: Demarche, values: Mapping[str, object]) -> Applicant:
    applicant, problems = imports.validate_applicant(demarche, values)
    if applicant is None or problems:
        raise ApiProblem(
            422,
            "invalid_fields",
            "L'identité du candidat est à compléter ou à corriger.",
            problems=problems,
        )
    return applicant


def create_on_behalf(
    session: Session,
    keyer: Account,
    *,
    dossier_id: str,
    campaign_id: int,
    applicant: Mapping[str, object],
    settings: Settings,
    now: datetime | None = None,
) -> tuple[Dossier, bool]:
    """`POST /dossiers` with an `applicant`: a paper dossier; ``(dossier, created)``."""
    now = now or utcnow()
    ensure_keyer(keyer)
    existing = session.get(Dossier, dossier_id)
    if existing is not None:
        if is_keeper(keyer, existing):
            return existing, False
        raise ApiProblem(
            409,
            "dossier_id_taken",
            "Cet identifiant de dossier est déjà utilisé : générez-en un autre.",
        )
    campaign = _campaign(session, campaign_id)
    demarche = _on_behalf_demarche(campaign)
    person = _applicant_or_422(demarche, applicant)
    ensure_campaign_open(campaign, now)
    found = existing_for_applicant(session, campaign.id or 0, person.email)
    if found is not None:
        raise _already(found)
    try:
        dossier = add_paper_dossier(
            session,
            keyer,
            dossier_id=dossier_id,
            campaign=campaign,
            applicant=person,
            settings=settings,
            now=now,
        )
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        again = session.get(Dossier, dossier_id)
        if again is not None and is_keeper(keyer, again):
            return again, False
        found = existing_for_applicant(session, campaign.id or 0, person.email)
        if found is not None:
            raise _already(found) from exc
        raise ApiProblem(
            409,
            "dossier_id_taken",
            "Cet identifiant de dossier est déjà utilisé : générez-en un autre.",
        ) from exc
    return dossier, True


# --- claim ---------------------------------------------------------------------------------


def claim_dossier(
    session: Session, account: Account, token: str, now: datetime | None = None
) -> Dossier:
    """The applicant takes over the paper dossier keyed for them."""
    now = now or utcnow()
    if account.role != Role.CANDIDAT:
        raise ApiProblem(
            403,
            "forbidden_role",
            "Seul un compte candidat peut réclamer un dossier saisi pour lui.",
        )
    claim = session.exec(
        select(DossierClaim).where(DossierClaim.token_hash == hash_token(token.strip()))
    ).first()
    if claim is None:
        raise ApiProblem(
            400,
            "claim_invalid",
            "Lien de réclamation invalide : vérifiez-le, ou copiez le jeton du message en entier.",
        )
    if claim.used_at is not None:
        raise ApiProblem(
            410,
            "claim_used",
            "Ce lien a déjà servi : le dossier a été réclamé. Retrouvez-le dans « Mes demandes ».",
        )
    if claim.expires_at <= now:
        raise ApiProblem(
            410,
            "claim_expired",
            "Ce lien a expiré : demandez à nos services de vous en envoyer un nouveau.",
        )
    if account.email_verified_at is None or account.email != claim.email:
        raise ApiProblem(
            403,
            "claim_wrong_email",
            "Ce dossier a été saisi pour une autre adresse e-mail : connectez-vous avec le "
            "compte ouvert à l'adresse qui a reçu le message (créez-le si besoin).",
        )
    dossier = session.get(Dossier, claim.dossier_id)
    assert dossier is not None  # foreign key, cascade
    campaign = session.get(Campaign, dossier.campaign_id)
    assert campaign is not None
    new_key = f"{campaign.id}:{account.id}" if dossier.demarche == "cesp" else None
    mine = (
        session.exec(select(Dossier).where(Dossier.unique_owner_key == new_key)).first()
        if new_key
        else None
    )
    if mine is not None and mine.id != dossier.id:
        raise _own_dossier(mine)
    won = session.exec(
        update(DossierClaim)
        .where(col(DossierClaim.id) == claim.id, col(DossierClaim.used_at).is_(None))
        .values(used_at=now, claimed_by_id=account.id)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        session.rollback()
        raise ApiProblem(410, "claim_used", "Ce lien a déjà servi : le dossier a été réclamé.")
    placeholder_id = dossier.owner_id
    session.exec(
        update(Dossier)
        .where(col(Dossier.id) == dossier.id)
        .values(
            owner_id=account.id,
            claimed_at=now,
            unique_owner_key=new_key,
            updated_at=now,
            search_text=search_text(
                dossier.numero,
                dossier.demarche,
                dossier.data or {},
                account,
                dossier.applicant_email,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    session.exec(
        update(Account)
        .where(col(Account.id) == placeholder_id, col(Account.status) == AccountStatus.UNCLAIMED)
        .values(status=AccountStatus.DISABLED)
        .execution_options(synchronize_session=False)
    )
    record_event(session, dossier.id, account.id or 0, Action.RECLAMATION, at=now)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        mine = session.exec(select(Dossier).where(Dossier.unique_owner_key == new_key)).first()
        if mine is not None:
            raise _own_dossier(mine) from exc
        raise
    session.expire_all()
    claimed = session.get(Dossier, dossier.id)
    assert claimed is not None
    return claimed


def _own_dossier(mine: Dossier) -> ApiProblem:
    return ApiProblem(
        409,
        "already_has_dossier",
        f"Vous avez déjà un dossier pour cette campagne (n° {mine.numero}) : un seul dossier "
        "par candidat. Contactez nos services pour les réunir.",
        extra={"dossier_id": mine.id, "numero": mine.numero},
    )


# --- import --------------------------------------------------------------------------------


@dataclass
class LineOutcome:
    line: ImportLine
    #: "ok" or "refused".
    status: str
    #: "cree", "a_creer" (dry run), "existant", or None when refused.
    action: str | None = None
    dossier: Dossier | None = None

    def to_dict(self) -> dict[str, Any]:
        applicant = self.line.applicant
        return {
            "line": self.line.line,
            "status": self.status,
            "action": self.action,
            "dossier_id": self.dossier.id if self.dossier else None,
            "numero": self.dossier.numero if self.dossier else None,
            "applicant_email": applicant.email if applicant else None,
            "problems": [p.to_dict() for p in self.line.problems],
            "warnings": [p.to_dict() for p in self.line.warnings],
        }


def _report(
    campaign: Campaign, fmt: str | None, dry_run: bool, outcomes: Sequence[LineOutcome]
) -> dict[str, Any]:
    def count(action: str) -> int:
        return sum(1 for o in outcomes if o.action == action)

    return {
        "campaign_id": campaign.id,
        "dry_run": dry_run,
        "format": fmt,
        "total": len(outcomes),
        "created": count("cree"),
        "to_create": count("a_creer"),
        "existing": count("existant"),
        "refused": sum(1 for o in outcomes if o.status == "refused"),
        "lines": [o.to_dict() for o in outcomes],
    }


def _empty_report(campaign: Campaign, fmt: str | None, dry_run: bool) -> dict[str, Any]:
    return _report(campaign, fmt, dry_run, [])


def run_import(
    session: Session,
    keyer: Account,
    *,
    campaign_id: int,
    content: bytes,
    filename: str | None,
    dry_run: bool,
    settings: Settings,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Import (or, `dry_run`, only check) a file; the report, or 422 with it."""
    now = now or utcnow()
    ensure_keyer(keyer)
    campaign = _campaign(session, campaign_id)
    demarche = _on_behalf_demarche(campaign)
    ensure_campaign_open(campaign, now)
    result = imports.parse_import(demarche, content, filename)
    if result.file_problems:
        raise ApiProblem(
            422,
            "import_file_invalid",
            "Le fichier ne peut pas être importé : " + result.file_problems[0].message,
            problems=result.file_problems,
            extra=_empty_report(campaign, result.format, dry_run),
        )
    outcomes: list[LineOutcome] = []
    for line in result.lines:
        if not line.ok or line.applicant is None:
            outcomes.append(LineOutcome(line, "refused"))
            continue
        email = line.applicant.email
        existing = session.get(
            Dossier, import_dossier_id(campaign.id or 0, email)
        ) or existing_for_applicant(session, campaign.id or 0, email)
        if existing is not None:
            line.warnings.insert(
                0,
                Problem(
                    imports.APPLICANT_TAB,
                    "email",
                    f"Ce candidat a déjà un dossier dans cette campagne (n° {existing.numero}) : "
                    "la ligne n'est pas importée une seconde fois ; modifiez le dossier "
                    "directement.",
                    "existing",
                ),
            )
            outcomes.append(LineOutcome(line, "ok", "existant", existing))
            continue
        outcomes.append(LineOutcome(line, "ok", "a_creer"))
    refused = sum(1 for o in outcomes if o.status == "refused")
    if refused:
        raise ApiProblem(
            422,
            "import_refused",
            f"{plural(refused, 'ligne refusée', 'lignes refusées')} sur {len(outcomes)} : "
            "aucun dossier n'a été "
            "importé. Corrigez les lignes signalées et importez à nouveau le fichier.",
            extra=_report(campaign, result.format, dry_run, outcomes),
        )
    if dry_run:
        return _report(campaign, result.format, dry_run, outcomes)
    try:
        for outcome in outcomes:
            if outcome.action != "a_creer":
                continue
            line = outcome.line
            assert line.applicant is not None
            outcome.dossier = add_paper_dossier(
                session,
                keyer,
                dossier_id=import_dossier_id(campaign.id or 0, line.applicant.email),
                campaign=campaign,
                applicant=line.applicant,
                settings=settings,
                data=line.data,
                saved_tabs=line.saved_tabs,
                now=now,
                imported=True,
            )
            outcome.action = "cree"
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ApiProblem(
            409,
            "import_conflict",
            "Des dossiers de ce fichier viennent d'être créés par ailleurs (un autre import "
            "en cours ?) : rien n'a été importé, recommencez.",
        ) from exc
    return _report(campaign, result.format, dry_run, outcomes)


# --- export --------------------------------------------------------------------------------


def export_records(
    session: Session,
    account: Account,
    *,
    demarche_key: str,
    campaign_id: int | None,
    state: str | None,
    q: str | None,
    created_by_me: bool,
    unmasked: bool,
    settings: Settings,
) -> tuple[list[str], list[dict[str, Any]]]:
    """Column names and flat records of the dossiers matching the filters."""
    role = role_of(account)
    if role not in READ_ANY_ROLES:
        raise ApiProblem(403, "forbidden_role", "Votre rôle ne permet pas d'exporter des dossiers.")
    if unmasked and role not in UNMASKED_EXPORT_ROLES:
        raise ApiProblem(
            403,
            "unmasked_forbidden",
            f"Le rôle {role.label} exporte les NIR et IBAN masqués seulement.",
        )
    if campaign_id is not None:
        demarche_key = _campaign(session, campaign_id).demarche
    demarche = get_demarche(demarche_key)
    rows, total = list_dossiers(
        session,
        account,
        campaign_id=campaign_id,
        state=state,
        q=q,
        limit=MAX_EXPORT,
        offset=0,
        created_by_me=created_by_me,
        demarche=demarche.key,
    )
    if total > MAX_EXPORT:
        raise ApiProblem(
            422,
            "export_too_large",
            f"{total} dossiers correspondent : {MAX_EXPORT} au plus par export, filtrez par "
            "campagne ou par état.",
        )
    owners: dict[int, Account | None] = {}
    campaigns: dict[int, Campaign | None] = {}
    records: list[dict[str, Any]] = []
    for dossier in rows:
        if dossier.owner_id not in owners:
            owners[dossier.owner_id] = session.get(Account, dossier.owner_id)
        if dossier.campaign_id not in campaigns:
            campaigns[dossier.campaign_id] = session.get(Campaign, dossier.campaign_id)
        owner = owners[dossier.owner_id]
        campaign = campaigns[dossier.campaign_id]
        real = owner is not None and owner.status != AccountStatus.UNCLAIMED
        applicant = {
            "email": dossier.applicant_email or (owner.email if real and owner else None),
            "civilite": owner.civilite if owner else None,
            "nom": owner.nom if owner else None,
            "prenom": owner.prenom if owner else None,
            "date_naissance": owner.date_naissance.isoformat()
            if owner and owner.date_naissance
            else None,
        }
        meta = {
            "numero": dossier.numero,
            "id": dossier.id,
            "etat": STATE_LABELS[DossierState(dossier.state)],
            "campagne": campaign.label if campaign else "",
            "mis_a_jour": to_local(dossier.updated_at, settings.timezone).isoformat(
                timespec="seconds"
            ),
        }
        records.append(
            imports.export_record(
                demarche,
                applicant=applicant,
                data=dossier.data or {},
                meta=meta,
                mask=not unmasked,
            )
        )
    names = [*imports.EXPORT_META_COLUMNS, *imports.column_names(demarche)]
    return names, records
