"""Dossier life cycle: states, roles, the allowed transitions and who may make them.

brouillon -> transmis -> (en instruction) -> accepté | refusé

Drafts are editable and deletable by their owner (and by the agent who keys them);
after transmission a dossier is read-only for its owner. Only an instructeur moves a
dossier into instruction and records a decision; an admin may send a transmitted
dossier back to draft (for instance when the applicant asks to correct it before the
closing date).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DossierState(StrEnum):
    BROUILLON = "brouillon"
    TRANSMIS = "transmis"
    EN_INSTRUCTION = "en_instruction"
    ACCEPTE = "accepte"
    REFUSE = "refuse"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS: dict[DossierState, str] = {
    DossierState.BROUILLON: "Brouillon",
    DossierState.TRANSMIS: "Transmis",
    DossierState.EN_INSTRUCTION: "En instruction",
    DossierState.ACCEPTE: "Accepté",
    DossierState.REFUSE: "Refusé",
}


class Role(StrEnum):
    CANDIDAT = "candidat"
    ETABLISSEMENT = "etablissement"
    AGENT = "agent"
    SUPPORT = "support"
    INSTRUCTEUR = "instructeur"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.CANDIDAT: "Candidat",
    Role.ETABLISSEMENT: "Établissement",
    Role.AGENT: "Agent de saisie",
    Role.SUPPORT: "Support",
    Role.INSTRUCTEUR: "Instructeur",
    Role.ADMIN: "Administrateur",
}

#: Roles that own dossiers (their own, or those they key for others).
OWNER_ROLES: frozenset[Role] = frozenset({Role.CANDIDAT, Role.ETABLISSEMENT, Role.AGENT})
#: Roles that may read any dossier of a campaign.
READ_ANY_ROLES: frozenset[Role] = frozenset(
    {Role.AGENT, Role.SUPPORT, Role.INSTRUCTEUR, Role.ADMIN}
)
#: Roles that never change anything.
READ_ONLY_ROLES: frozenset[Role] = frozenset({Role.SUPPORT})


class Action(StrEnum):
    TRANSMETTRE = "transmettre"
    INSTRUIRE = "instruire"
    ACCEPTER = "accepter"
    REFUSER = "refuser"
    ROUVRIR = "rouvrir"


@dataclass(frozen=True, slots=True)
class Transition:
    action: Action
    source: frozenset[DossierState]
    target: DossierState
    roles: frozenset[Role]
    label: str


TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        Action.TRANSMETTRE,
        frozenset({DossierState.BROUILLON}),
        DossierState.TRANSMIS,
        frozenset({Role.CANDIDAT, Role.ETABLISSEMENT, Role.AGENT}),
        "Transmettre la demande",
    ),
    Transition(
        Action.INSTRUIRE,
        frozenset({DossierState.TRANSMIS}),
        DossierState.EN_INSTRUCTION,
        frozenset({Role.INSTRUCTEUR}),
        "Mettre en instruction",
    ),
    Transition(
        Action.ACCEPTER,
        frozenset({DossierState.TRANSMIS, DossierState.EN_INSTRUCTION}),
        DossierState.ACCEPTE,
        frozenset({Role.INSTRUCTEUR}),
        "Accepter",
    ),
    Transition(
        Action.REFUSER,
        frozenset({DossierState.TRANSMIS, DossierState.EN_INSTRUCTION}),
        DossierState.REFUSE,
        frozenset({Role.INSTRUCTEUR}),
        "Refuser",
    ),
    Transition(
        Action.ROUVRIR,
        frozenset({DossierState.TRANSMIS}),
        DossierState.BROUILLON,
        frozenset({Role.ADMIN}),
        "Renvoyer en brouillon",
    ),
)

_BY_ACTION: dict[Action, Transition] = {t.action: t for t in TRANSITIONS}


class TransitionError(Exception):
    """A transition that the life cycle forbids; `message` is French, for the user."""

    def __init__(self, message: str, *, forbidden_role: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.forbidden_role = forbidden_role


def allowed_actions(state: DossierState, role: Role) -> list[Action]:
    """Actions `role` may take on a dossier in `state`, in declaration order."""
    return [t.action for t in TRANSITIONS if state in t.source and role in t.roles]


def apply(state: DossierState, action: Action, role: Role) -> DossierState:
    """The state after `action`, or TransitionError with a French explanation."""
    transition = _BY_ACTION[action]
    if role not in transition.roles:
        raise TransitionError(
            f"Votre rôle ({role.label}) ne permet pas l'action « {transition.label} ».",
            forbidden_role=True,
        )
    if state not in transition.source:
        raise TransitionError(
            f"Action « {transition.label} » impossible : le dossier est à l'état « {state.label} »."
        )
    return transition.target


def is_editable(state: DossierState) -> bool:
    """Only drafts may be changed (tabs, pieces) or deleted by their owner."""
    return state is DossierState.BROUILLON


def is_final(state: DossierState) -> bool:
    return state in (DossierState.ACCEPTE, DossierState.REFUSE)


def can_write(role: Role) -> bool:
    return role not in READ_ONLY_ROLES
