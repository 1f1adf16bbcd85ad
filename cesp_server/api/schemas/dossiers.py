"""Bodies of the dossier, piece, transmission and decision endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .campaigns import CampaignOut

Value = str | bool | None


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProblemOut(BaseModel):
    tab: str
    field: str | None
    message: str
    code: str


class PersonOut(BaseModel):
    id: int
    display_name: str
    role: str
    role_label: str


class ApplicantIn(_In):
    """The applicant an agent keys a paper dossier for."""

    email: str = Field(max_length=320, description="Reçoit le lien pour réclamer le dossier.")
    civilite: str = Field(default="", max_length=20, description="M ou F (M., Mme...)")
    nom: str = Field(default="", max_length=200)
    prenom: str = Field(default="", max_length=200)
    date_naissance: str = Field(default="", max_length=20, description="jj/mm/aaaa ou AAAA-MM-JJ")

    @model_validator(mode="after")
    def _no_control_characters(self) -> ApplicantIn:
        for name, value in self:
            if isinstance(value, str) and any(ord(c) < 32 or ord(c) == 127 for c in value):
                raise ValueError(f"caractère de contrôle interdit dans {name}")
        return self


class DossierIn(_In):
    id: UUID = Field(
        description="Identifiant généré par le client : rejouer la création avec "
        "le même identifiant renvoie le même dossier."
    )
    campaign_id: int = Field(ge=1, le=2**31 - 1)
    applicant: ApplicantIn | None = Field(
        default=None,
        description="Agent de saisie : le candidat (dossier papier) pour le compte duquel le "
        "dossier est saisi ; il reçoit par e-mail un lien pour le réclamer.",
    )


class OnBehalfOut(BaseModel):
    """A dossier keyed by an agent for an applicant who sent paper."""

    applicant_email: str
    claimed: bool = Field(description="Le candidat l'a réclamé avec son compte.")
    claimed_at: datetime | None


class ClaimIn(_In):
    token: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^\s*[A-Za-z0-9_\-]+\s*$",
        description="Le jeton reçu par e-mail.",
    )


class TabStatusOut(BaseModel):
    key: str
    label: str
    kind: str
    state: str = Field(description="vide, incomplet, erreurs ou complet")
    state_label: str
    saved: bool
    problems: list[ProblemOut]


class TabBriefOut(BaseModel):
    key: str
    state: str


class PieceOut(BaseModel):
    id: str
    piece_type: str
    filename: str
    size: int
    sha256: str
    content_type: str
    uploaded_at: datetime


class ReceiptPieceOut(BaseModel):
    piece_type: str
    filename: str
    size: int
    sha256: str


class ReceiptOut(BaseModel):
    numero: str
    dossier_id: str
    demarche: str
    demarche_title: str
    campaign_id: int
    campaign_label: str
    transmitted_at: str = Field(description="Date et heure de Paris, ISO 8601.")
    certifications: list[str]
    pieces: list[ReceiptPieceOut]
    data_sha256: str = Field(description="SHA-256 des données transmises (JSON canonique).")
    version: int


class DecisionOut(BaseModel):
    decision: Literal["accepte", "refuse"]
    decision_label: str
    comment: str
    decided_at: datetime
    published: bool


class DossierOut(BaseModel):
    id: str
    numero: str
    demarche: str
    campaign: CampaignOut
    state: str
    state_label: str
    version: int
    etag: str
    data: dict[str, dict[str, Value]]
    saved_tabs: list[str]
    certifications: list[str]
    applicant_name: str
    owner: PersonOut
    created_by: PersonOut
    created_at: datetime
    updated_at: datetime
    transmitted_at: datetime | None
    editable: bool = Field(description="Ce compte peut-il le modifier maintenant ?")
    masked: bool = Field(
        description="NIR et IBAN masqués : visibles en entier du seul titulaire et des agents."
    )
    on_behalf: OnBehalfOut | None = Field(description="Dossier papier saisi par un agent.")
    complete: bool = Field(description="Tous les onglets et pièces sont complets.")
    tabs: list[TabStatusOut]
    pieces: list[PieceOut]
    receipt: ReceiptOut | None
    decision: DecisionOut | None = Field(
        description="Présente une fois les résultats publiés (toujours pour l'instruction)."
    )


class DossierSummaryOut(BaseModel):
    id: str
    numero: str
    demarche: str
    campaign_id: int
    campaign_label: str
    state: str
    state_label: str
    version: int
    updated_at: datetime
    owner_name: str
    applicant_name: str
    tabs: list[TabBriefOut]
    complete: bool
    missing: list[str] = Field(
        description="Ce qui manque ou est à corriger (onglet : champ, pièces), au plus 12."
    )
    problem_count: int = Field(description="Nombre total de problèmes du dossier.")
    on_behalf: OnBehalfOut | None


class DossierListOut(BaseModel):
    items: list[DossierSummaryOut]
    total: int
    limit: int
    offset: int


class TabValuesIn(_In):
    values: dict[str, Any] = Field(
        description="Champ -> valeur (texte, case à cocher ou null) ; seuls les champs "
        "envoyés changent."
    )


class TabSavedOut(BaseModel):
    dossier_id: str
    tab: str
    version: int
    etag: str
    changed_fields: list[str]
    values: dict[str, Value] = Field(description="Les valeurs de l'onglet, normalisées.")
    state: str
    state_label: str
    problems: list[ProblemOut]


class EventOut(BaseModel):
    at: datetime
    action: str
    action_label: str
    tab: str | None
    tab_label: str | None
    fields: list[str] = Field(description="Clés des champs modifiés (jamais leurs valeurs).")
    actor: PersonOut


class TransmitIn(_In):
    certifications: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Cases cochées (valeurs de `certifications` de la démarche).",
    )


class TransmittedOut(BaseModel):
    dossier_id: str
    numero: str
    state: str
    version: int
    receipt: ReceiptOut


class DecisionIn(_In):
    decision: Literal["accepte", "refuse"]
    comment: str = Field(default="", max_length=4000)


class MailOut(BaseModel):
    """A mail as the support reads it: codes, links and tokens masked, NIR and IBAN too."""

    id: int
    to: str
    subject: str
    body: str
    template: str
    about: Literal["dossier", "compte"] = Field(
        description="Le dossier, ou le compte de son titulaire."
    )
    created_at: datetime
    sent_at: datetime | None
    status: Literal["envoye", "en_attente", "echec"]
    status_label: str
    attempts: int
    last_error: str | None


class DiagnosticTabOut(BaseModel):
    key: str
    label: str
    state: str
    problems: list[ProblemOut]


class VersionsOut(BaseModel):
    server: str
    client: str | None
    api: str


class DiagnosticOut(BaseModel):
    """What the support attaches to a ticket: nothing sensitive in it."""

    generated_at: datetime
    generated_by: PersonOut
    versions: VersionsOut
    dossier: DossierOut
    validation: list[DiagnosticTabOut]
    transmission_problems: list[ProblemOut] = Field(
        description="Ce qui empêche la transmission (cases de certification comprises)."
    )
    history: list[EventOut]
    mails: list[MailOut]
