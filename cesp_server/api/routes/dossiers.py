"""Dossiers: creation (also for an applicant who sent paper), claim, list, detail, tab saves,
deletion, history, mails, diagnostic, transmission, decisions."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from cesp_core.demarches import Demarche, get_demarche, rules
from cesp_core.demarches.model import TabKind
from cesp_core.lifecycle import STATE_LABELS, DossierState, Role, can_write, is_editable
from cesp_core.masking import mask_dossier_data
from cesp_core.problems import Problem

from ... import __version__
from ...clock import to_local
from ...crud import backoffice
from ...crud import dossiers as crud
from ...crud import support as crud_support
from ...crud.campaigns import is_open
from ...crud.decisions import (
    DECISION_LABELS,
    decision_visible,
    get_decision,
    record_decision,
    start_instruction,
)
from ...crud.pieces import list_pieces
from ...crud.transmission import transmit
from ...errors import ApiProblem
from ...mail.outbox import kick
from ...models import Account, Campaign, Decision, Dossier, Piece, utcnow
from ...pieces_store import forget_object, piece_store
from ...settings import Settings
from ..deps import (
    CurrentAccount,
    PendingReader,
    SessionDep,
    SettingsDep,
    release,
    require_roles,
)
from ..guards import PendingWriter, Writer
from ..problems import problem_responses
from ..schemas.campaigns import CampaignOut
from ..schemas.dossiers import (
    ClaimIn,
    DecisionIn,
    DecisionOut,
    DiagnosticOut,
    DiagnosticTabOut,
    DossierIn,
    DossierListOut,
    DossierOut,
    DossierSummaryOut,
    EventOut,
    MailOut,
    OnBehalfOut,
    PersonOut,
    PieceOut,
    ProblemOut,
    ReceiptOut,
    TabBriefOut,
    TabSavedOut,
    TabStatusOut,
    TabValuesIn,
    TransmitIn,
    TransmittedOut,
    VersionsOut,
)

router = APIRouter(prefix="/dossiers", tags=["dossiers"])

DossierId = Annotated[UUID, Path(description="Identifiant (UUID) du dossier")]
Instructeur = Annotated[Account, Depends(require_roles(Role.INSTRUCTEUR))]
IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", max_length=100, description='Version attendue, par exemple "3"'),
]

_ETAG_HEADER = {"ETag": {"description": "Version du dossier", "schema": {"type": "string"}}}


# --- presenting ------------------------------------------------------------------------


def person(account: Account | None) -> PersonOut:
    if account is None:
        return PersonOut(id=0, display_name="Compte supprimé", role="", role_label="")
    return PersonOut(
        id=account.id or 0,
        display_name=account.display_name,
        role=account.role,
        role_label=Role(account.role).label,
    )


def problem_out(problems: list[Any]) -> list[ProblemOut]:
    return [ProblemOut(**p.to_dict()) for p in problems]


def piece_out(piece: Piece, tz: str) -> PieceOut:
    return PieceOut(
        id=piece.id,
        piece_type=piece.piece_type,
        filename=piece.filename,
        size=piece.size,
        sha256=piece.sha256,
        content_type=piece.content_type,
        uploaded_at=to_local(piece.uploaded_at, tz),
    )


def decision_out(decision: Decision, campaign: Campaign, tz: str) -> DecisionOut:
    return DecisionOut(
        decision=decision.decision,  # type: ignore[arg-type]
        decision_label=DECISION_LABELS.get(decision.decision, decision.decision),
        comment=decision.comment,
        decided_at=to_local(decision.decided_at, tz),
        published=campaign.results_published_at is not None,
    )


def tab_statuses(
    demarche: Demarche, dossier: Dossier, counts: dict[str, int]
) -> list[TabStatusOut]:
    data = dossier.data or {}
    saved = set(dossier.saved_tabs or [])
    out = []
    for tab in demarche.tabs:
        if tab.kind is TabKind.SYNTHESE:
            continue
        problems = rules.tab_problems(demarche, tab.key, data, counts)
        state = rules.state_of(demarche, tab.key, problems, data, counts)
        out.append(
            TabStatusOut(
                key=tab.key,
                label=tab.label,
                kind=tab.kind.value,
                state=state.value,
                state_label=state.label,
                saved=tab.key in saved,
                problems=problem_out(problems),
            )
        )
    return out


def on_behalf_out(dossier: Dossier, tz: str) -> OnBehalfOut | None:
    if dossier.applicant_email is None:
        return None
    return OnBehalfOut(
        applicant_email=dossier.applicant_email,
        claimed=dossier.claimed_at is not None,
        claimed_at=to_local(dossier.claimed_at, tz) if dossier.claimed_at else None,
    )


#: Items of "what is missing" listed in a summary (the count gives the rest).
MISSING_SHOWN = 12


def missing_labels(demarche: Demarche, problems: list[Problem]) -> list[str]:
    """Short French labels of a dossier's problems: "État civil : N° de sécurité sociale",
    "Pièce : RIB", "... (à corriger)" for a wrong value."""
    labels: list[str] = []
    for problem in problems:
        try:
            tab = demarche.tab(problem.tab)
        except KeyError:
            continue
        if tab.kind is TabKind.PIECES and problem.field:
            try:
                label = f"Pièce : {demarche.piece(problem.field).label}"
            except KeyError:
                label = f"{tab.label} : {problem.field}"
        elif problem.field:
            try:
                label = f"{tab.label} : {tab.field(problem.field).label}"
            except KeyError:
                label = f"{tab.label} : {problem.message}"
        else:
            label = f"{tab.label} : {problem.message}"
        if problem.code != "missing":
            label += " (à corriger)"
        if label not in labels:
            labels.append(label)
    return labels


def can_edit_now(account: Account, dossier: Dossier, campaign: Campaign) -> bool:
    return (
        can_write(Role(account.role))
        and crud.is_keeper(account, dossier)
        and is_editable(DossierState(dossier.state))
        and is_open(campaign)
    )


def present(
    session: Session,
    account: Account,
    dossier: Dossier,
    settings: Settings,
    *,
    force_mask: bool = False,
    loaded: tuple[Campaign, Account | None] | None = None,
) -> DossierOut:
    """The dossier as `account` sees it: the same tabs, states and problems for everyone
    (computed on the real values); NIR and IBAN masked unless `crud.sees_sensitive`.

    `loaded`: the dossier's campaign and owner when the caller has them (`crud.readable`).
    """
    tz = settings.timezone
    demarche = get_demarche(dossier.demarche)
    if loaded is not None:
        campaign, owner = loaded
    else:
        found_campaign = session.get(Campaign, dossier.campaign_id)
        assert found_campaign is not None
        campaign, owner = found_campaign, session.get(Account, dossier.owner_id)
    creator = (
        owner
        if dossier.created_by_id == dossier.owner_id
        else session.get(Account, dossier.created_by_id)
    )
    pieces = list_pieces(session, dossier.id)
    counts: dict[str, int] = {}
    for p in pieces:
        counts[p.piece_type] = counts.get(p.piece_type, 0) + 1
    tabs = tab_statuses(demarche, dossier, counts)
    decision = None
    if decision_visible(account, campaign):
        found = get_decision(session, dossier)
        decision = decision_out(found, campaign, tz) if found else None
    masked = force_mask or not crud.sees_sensitive(account, dossier)
    data = dossier.data or {}
    state = crud.shown_state(account, dossier.state, campaign)
    return DossierOut(
        id=dossier.id,
        numero=dossier.numero,
        demarche=dossier.demarche,
        campaign=CampaignOut.of(campaign, tz),
        state=state,
        state_label=STATE_LABELS[DossierState(state)],
        version=dossier.version,
        etag=crud.etag(dossier.version),
        data=mask_dossier_data(demarche, data) if masked else data,
        saved_tabs=list(dossier.saved_tabs or []),
        certifications=list(dossier.certifications or []),
        applicant_name=crud.applicant_name(dossier, owner),
        owner=person(owner),
        created_by=person(creator),
        created_at=to_local(dossier.created_at, tz),
        updated_at=to_local(dossier.updated_at, tz),
        transmitted_at=to_local(dossier.transmitted_at, tz) if dossier.transmitted_at else None,
        editable=can_edit_now(account, dossier, campaign),
        masked=masked,
        on_behalf=on_behalf_out(dossier, tz),
        complete=all(t.state == rules.TabState.COMPLET for t in tabs),
        tabs=tabs,
        pieces=[piece_out(p, tz) for p in pieces],
        receipt=ReceiptOut(**dossier.receipt) if dossier.receipt else None,
        decision=decision,
    )


def _with_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = crud.etag(version)


# --- dossiers --------------------------------------------------------------------------


@router.post(
    "",
    response_model=DossierOut,
    status_code=201,
    summary="Créer un dossier",
    description="L'identifiant est généré par le client (UUID) : rejouer la création renvoie "
    "le même dossier (200). Un candidat n'a qu'un dossier CESP par campagne : une seconde "
    "création renvoie le dossier existant (200). La démarche est celle de la campagne. "
    "Agent de saisie : avec `applicant` (identité et e-mail du candidat qui a envoyé un "
    "dossier papier), le dossier est saisi pour son compte ; le candidat reçoit un lien pour "
    "le réclamer (`POST /dossiers/claim`). Un seul dossier par candidat et campagne (409).",
    responses={
        200: {"model": DossierOut, "description": "Le dossier existait déjà"},
        **problem_responses(403, 404, 409),
    },
)
def create_dossier(
    body: DossierIn,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    account: Writer,
) -> DossierOut:
    if body.applicant is not None:
        dossier, created = backoffice.create_on_behalf(
            session,
            account,
            dossier_id=str(body.id),
            campaign_id=body.campaign_id,
            applicant=body.applicant.model_dump(),
            settings=settings,
        )
        if created:
            kick(request.app)
    else:
        dossier, created = crud.create_dossier(
            session,
            account,
            dossier_id=str(body.id),
            campaign_id=body.campaign_id,
            settings=settings,
        )
    if not created:
        response.status_code = 200
    _with_etag(response, dossier.version)
    return present(session, account, dossier, settings)


@router.get(
    "",
    response_model=DossierListOut,
    summary="Lister les dossiers",
    description="Candidat et établissement : leurs dossiers. Agent, support, instructeur, "
    "administrateur : tous les dossiers, filtrables par campagne, état et `q` : nom (sans "
    "souci des accents ni des majuscules), e-mail, numéro de dossier, ou NIR (avec ou sans "
    "espaces). `created_by=me` : les dossiers saisis par ce compte (la file d'un agent, "
    "avec `state=brouillon`). Chaque dossier dit ce qui lui manque (`missing`).",
    responses=problem_responses(),
)
def list_dossiers(
    session: SessionDep,
    settings: SettingsDep,
    account: CurrentAccount,
    campaign_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    state: DossierState | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Nom, e-mail, numéro, NIR…")] = None,
    created_by: Annotated[
        Literal["me"] | None, Query(description="`me` : les dossiers saisis par ce compte")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> DossierListOut:
    rows, total = crud.list_dossiers(
        session,
        account,
        campaign_id=campaign_id,
        state=state.value if state else None,
        q=q,
        limit=limit,
        offset=offset,
        created_by_me=created_by == "me",
    )
    counts = crud.piece_counts(session, [d.id for d in rows])
    campaigns: dict[int, Campaign] = {}
    owners: dict[int, Account | None] = {}
    items = []
    for dossier in rows:
        if dossier.campaign_id not in campaigns:
            campaign = session.get(Campaign, dossier.campaign_id)
            assert campaign is not None
            campaigns[dossier.campaign_id] = campaign
        if dossier.owner_id not in owners:
            owners[dossier.owner_id] = session.get(Account, dossier.owner_id)
        owner = owners[dossier.owner_id]
        demarche = get_demarche(dossier.demarche)
        data = dossier.data or {}
        problems = rules.dossier_problems(demarche, data, counts[dossier.id])
        tabs = [
            TabBriefOut(
                key=key,
                state=rules.state_of(demarche, key, found, data, counts[dossier.id]).value,
            )
            for key, found in problems.items()
        ]
        flat = [p for found in problems.values() for p in found]
        state = crud.shown_state(account, dossier.state, campaigns[dossier.campaign_id])
        items.append(
            DossierSummaryOut(
                id=dossier.id,
                numero=dossier.numero,
                demarche=dossier.demarche,
                campaign_id=dossier.campaign_id,
                campaign_label=campaigns[dossier.campaign_id].label,
                state=state,
                state_label=STATE_LABELS[DossierState(state)],
                version=dossier.version,
                updated_at=to_local(dossier.updated_at, settings.timezone),
                owner_name=owner.display_name if owner else "",
                applicant_name=crud.applicant_name(dossier, owner),
                tabs=tabs,
                complete=all(t.state == rules.TabState.COMPLET for t in tabs),
                missing=missing_labels(demarche, flat)[:MISSING_SHOWN],
                problem_count=len(flat),
                on_behalf=on_behalf_out(dossier, settings.timezone),
            )
        )
    return DossierListOut(items=items, total=total, limit=limit, offset=offset)


@router.post(
    "/claim",
    response_model=DossierOut,
    summary="Réclamer un dossier saisi pour moi",
    description="Le candidat dont le dossier papier a été saisi par un agent colle le jeton "
    "reçu par e-mail : connecté avec le compte ouvert à cette adresse (vérifiée), il devient "
    "titulaire du dossier. Autre adresse : 403 `claim_wrong_email` ; jeton déjà utilisé ou "
    "expiré : 410 ; jeton inconnu : 400.",
    responses=problem_responses(400, 403, 409, 410),
)
def claim(body: ClaimIn, session: SessionDep, settings: SettingsDep, account: Writer) -> DossierOut:
    dossier = backoffice.claim_dossier(session, account, body.token)
    return present(session, account, dossier, settings)


@router.post(
    "/{dossier_id}/claim-link",
    response_model=OnBehalfOut,
    summary="Renvoyer le lien de réclamation",
    description="Agents et administrateurs : le candidat d'un dossier papier non réclamé "
    "reçoit un nouveau lien (le précédent ne fonctionne plus). 409 si le dossier n'est pas "
    "un dossier papier ou s'il est déjà réclamé.",
    responses=problem_responses(403, 404, 409),
)
def renew_claim_link(
    dossier_id: DossierId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    account: Writer,
) -> OnBehalfOut:
    dossier = backoffice.renew_claim(session, account, str(dossier_id), settings)
    kick(request.app)
    out = on_behalf_out(dossier, settings.timezone)
    assert out is not None
    return out


@router.api_route("/claim", methods=["GET", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def claim_other_methods() -> None:
    """``/dossiers/claim`` is a concrete path: it is matched before ``/dossiers/{id}``
    (OpenAPI's rule), so its other methods are 405, not a 422 about a UUID."""
    raise StarletteHTTPException(405)


@router.get(
    "/{dossier_id}",
    response_model=DossierOut,
    summary="Lire un dossier",
    description="Données, version (aussi en en-tête `ETag`), état de chaque onglet avec ses "
    "problèmes, pièces, décision une fois publiée. Le dossier d'un autre compte : 404.",
    responses={200: {"headers": _ETAG_HEADER}, **problem_responses(404)},
)
async def read_dossier(
    dossier_id: DossierId,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    pending: PendingReader,
) -> DossierOut:
    # `async` with the work in one worker thread: the account's checks (`PendingReader`),
    # the dossier and its presentation. A sync route would cost a round trip more for the
    # validation of its answer; `release` spares `get_db` one for closing the session.
    def work() -> DossierOut:
        account = pending.account()
        dossier, campaign, owner = crud.readable(session, account, str(dossier_id))
        out = present(session, account, dossier, settings, loaded=(campaign, owner))
        release(session)
        return out

    out = await run_in_threadpool(work)
    _with_etag(response, out.version)
    return out


@router.put(
    "/{dossier_id}/tabs/{tab}",
    response_model=TabSavedOut,
    summary="Enregistrer un onglet",
    description="Exige `If-Match` avec la version lue (428 sans, 412 si elle est périmée : la "
    "réponse donne la version et les valeurs actuelles de l'onglet). Les valeurs sont "
    "normalisées et vérifiées par les règles de la démarche : un onglet avec des problèmes "
    "est enregistré et ses problèmes sont renvoyés ; un champ inconnu ou une valeur d'un "
    "mauvais type refuse l'enregistrement (422). ASP : l'onglet « Identification » d'abord "
    "(409). Refusé après transmission (409) et après la date de clôture (403).",
    responses={200: {"headers": _ETAG_HEADER}, **problem_responses(403, 404, 409, 412, 428)},
)
async def save_tab(
    dossier_id: DossierId,
    tab: Annotated[str, Path(max_length=40)],
    body: TabValuesIn,
    response: Response,
    session: SessionDep,
    pending: PendingWriter,
    if_match: IfMatch = None,
) -> TabSavedOut:
    # `async` with the work in one worker thread (see `read_dossier`).
    def work() -> TabSavedOut:
        account = pending.account()
        dossier, changed, problems, counts = crud.save_tab(
            session,
            account,
            dossier_id=str(dossier_id),
            tab_key=tab,
            values=body.values,
            if_match=if_match,
        )
        release(session)
        demarche = get_demarche(dossier.demarche)
        state = rules.state_of(demarche, tab, problems, dossier.data or {}, counts)
        return TabSavedOut(
            dossier_id=dossier.id,
            tab=tab,
            version=dossier.version,
            etag=crud.etag(dossier.version),
            changed_fields=changed,
            values=dict((dossier.data or {}).get(tab) or {}),
            state=state.value,
            state_label=state.label,
            problems=problem_out(problems),
        )

    out = await run_in_threadpool(work)
    _with_etag(response, out.version)
    return out


@router.delete(
    "/{dossier_id}",
    status_code=204,
    summary="Supprimer un brouillon",
    description="Avec ses pièces et son historique ; brouillons seulement, avant la clôture.",
    responses=problem_responses(403, 404, 409),
)
def delete_dossier(
    dossier_id: DossierId, request: Request, session: SessionDep, account: Writer
) -> Response:
    names = crud.delete_dossier(session, account, str(dossier_id))
    store = piece_store(request)
    for name in names:
        forget_object(store, name)
    return Response(status_code=204)


@router.get(
    "/{dossier_id}/history",
    response_model=list[EventOut],
    summary="Historique d'un dossier",
    description="Qui, quand, quelle action, quel onglet, quels champs (jamais les valeurs).",
    responses=problem_responses(404),
)
def read_history(
    dossier_id: DossierId, session: SessionDep, settings: SettingsDep, account: CurrentAccount
) -> list[EventOut]:
    dossier = crud.get_readable(session, account, str(dossier_id))
    campaign = session.get(Campaign, dossier.campaign_id)
    assert campaign is not None
    early = decision_visible(account, campaign)
    return history_out(session, dossier, settings.timezone, decisions=early)


def history_out(
    session: Session, dossier: Dossier, tz: str, *, decisions: bool = True
) -> list[EventOut]:
    """The dossier's history; without the decision lines when ``decisions`` is False
    (results not published yet, for a reader who must not learn them early)."""
    demarche = get_demarche(dossier.demarche)
    labels = {t.key: t.label for t in demarche.tabs} | {"decision": "Décision"}
    return [
        EventOut(
            at=to_local(event.at, tz),
            action=event.action,
            action_label=crud.Action.LABELS.get(event.action, event.action),
            tab=event.tab,
            tab_label=labels.get(event.tab or ""),
            fields=list(event.fields or []),
            actor=person(actor),
        )
        for event, actor in crud.history(session, dossier.id)
        if decisions or (event.action != "decision" and event.tab != "decision")
    ]


def mails_out(session: Session, dossier: Dossier, tz: str) -> list[MailOut]:
    return [
        MailOut(
            id=mail.id,
            to=mail.to,
            subject=mail.subject,
            body=mail.body,
            template=mail.template,
            about=mail.about,  # type: ignore[arg-type]
            created_at=to_local(mail.created_at, tz),
            sent_at=to_local(mail.sent_at, tz) if mail.sent_at else None,
            status=mail.status,  # type: ignore[arg-type]
            status_label=crud_support.STATUS_LABELS[mail.status],
            attempts=mail.attempts,
            last_error=mail.last_error,
        )
        for mail in crud_support.dossier_mails(session, dossier)
    ]


@router.get(
    "/{dossier_id}/mails",
    response_model=list[MailOut],
    summary="E-mails envoyés pour un dossier",
    description="Agents, support, instructeurs, administrateurs : les e-mails au sujet du "
    "dossier et ceux du compte de son titulaire, les plus récents d'abord. Codes, liens et "
    "jetons y sont masqués (jamais un code ou un lien encore valable), NIR et IBAN aussi.",
    responses=problem_responses(403, 404),
)
def read_mails(
    dossier_id: DossierId, session: SessionDep, settings: SettingsDep, account: CurrentAccount
) -> list[MailOut]:
    dossier = crud.get_readable(session, account, str(dossier_id))
    crud_support.ensure_staff(account)
    return mails_out(session, dossier, settings.timezone)


@router.get(
    "/{dossier_id}/diagnostic",
    response_model=DiagnosticOut,
    summary="Diagnostic d'un dossier (pour le support)",
    description="Le dossier tel que son titulaire le voit (onglets, états, problèmes), son "
    "historique, ses e-mails, l'état de validation, les versions du serveur et du client : "
    "à joindre à un ticket. NIR, IBAN, codes et liens y sont toujours masqués.",
    responses=problem_responses(403, 404),
)
def read_diagnostic(
    dossier_id: DossierId,
    session: SessionDep,
    settings: SettingsDep,
    account: CurrentAccount,
    client_version: Annotated[
        str | None,
        Query(
            max_length=40,
            pattern=r"^[A-Za-z0-9][A-Za-z0-9.+_\-]*$",
            description="Version de l'application cliente",
        ),
    ] = None,
) -> DiagnosticOut:
    dossier = crud.get_readable(session, account, str(dossier_id))
    crud_support.ensure_staff(account)
    tz = settings.timezone
    demarche = get_demarche(dossier.demarche)
    shown = present(session, account, dossier, settings, force_mask=True)
    campaign = session.get(Campaign, dossier.campaign_id)
    assert campaign is not None
    counts = crud.piece_counts(session, [dossier.id])[dossier.id]
    problems = rules.transmission_problems(
        demarche, dossier.data or {}, counts, dossier.certifications or []
    )
    return DiagnosticOut(
        generated_at=to_local(utcnow(), tz),
        generated_by=person(account),
        versions=VersionsOut(server=__version__, client=client_version, api="v1"),
        dossier=shown,
        validation=[
            DiagnosticTabOut(key=t.key, label=t.label, state=t.state, problems=t.problems)
            for t in shown.tabs
        ],
        transmission_problems=problem_out(problems),
        history=history_out(session, dossier, tz, decisions=decision_visible(account, campaign)),
        mails=mails_out(session, dossier, tz),
    )


# --- transmission ----------------------------------------------------------------------


@router.post(
    "/{dossier_id}/transmit",
    response_model=TransmittedOut,
    summary="Transmettre le dossier",
    description="Exige l'en-tête `Idempotency-Key` (428 sans) : rejouer la même clé renvoie "
    "le récépissé d'origine sans second e-mail ; une autre clé sur un dossier transmis : "
    "409. Exige les cases de certification de la démarche (ASP : les cases de l'étape "
    "« Confirmer ») et un dossier complet (422 `dossier_incomplete` avec chaque problème). "
    "`If-Match` facultatif : 412 si le dossier a changé depuis sa lecture. Un e-mail de "
    "confirmation suit (ASP : accusé de réception à l'établissement recruteur).",
    responses=problem_responses(403, 404, 409, 412, 428),
)
def transmit_dossier(
    dossier_id: DossierId,
    body: TransmitIn,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    account: Writer,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=300)] = None,
    if_match: IfMatch = None,
) -> Any:
    answer, replayed = transmit(
        session,
        account,
        dossier_id=str(dossier_id),
        key=idempotency_key,
        certifications=body.certifications,
        if_match=if_match,
        settings=settings,
    )
    if replayed:
        return JSONResponse(answer, headers={"Idempotent-Replayed": "true"})
    kick(request.app)
    _with_etag(response, int(answer["version"]))
    return answer


# --- instruction and decisions ---------------------------------------------------------


@router.post(
    "/{dossier_id}/instruction",
    response_model=DossierOut,
    summary="Mettre en instruction",
    description="Réservé aux instructeurs : transmis → en instruction.",
    responses=problem_responses(403, 404, 409),
)
def instruct(
    dossier_id: DossierId, session: SessionDep, settings: SettingsDep, account: Instructeur
) -> DossierOut:
    dossier = start_instruction(session, account, str(dossier_id))
    return present(session, account, dossier, settings)


@router.put(
    "/{dossier_id}/decision",
    response_model=DecisionOut,
    summary="Enregistrer la décision",
    description="Réservé aux instructeurs : accepté ou refusé, avec un commentaire ; "
    "modifiable jusqu'à la publication des résultats de la campagne.",
    responses=problem_responses(403, 404, 409),
)
def decide(
    dossier_id: DossierId,
    body: DecisionIn,
    session: SessionDep,
    settings: SettingsDep,
    account: Instructeur,
) -> DecisionOut:
    dossier, decision = record_decision(
        session, account, dossier_id=str(dossier_id), decision=body.decision, comment=body.comment
    )
    campaign = session.get(Campaign, dossier.campaign_id)
    assert campaign is not None
    return decision_out(decision, campaign, settings.timezone)


@router.get(
    "/{dossier_id}/decision",
    response_model=DecisionOut,
    summary="Lire la décision",
    description="Visible du titulaire une fois les résultats de la campagne publiés "
    "(404 `decision_not_published` avant).",
    responses=problem_responses(404),
)
def read_decision(
    dossier_id: DossierId, session: SessionDep, settings: SettingsDep, account: CurrentAccount
) -> DecisionOut:
    dossier = crud.get_readable(session, account, str(dossier_id))
    campaign = session.get(Campaign, dossier.campaign_id)
    assert campaign is not None
    decision = get_decision(session, dossier)
    if decision is None or not decision_visible(account, campaign):
        raise ApiProblem(404, "decision_not_published", "Aucune décision publiée pour ce dossier.")
    return decision_out(decision, campaign, settings.timezone)
