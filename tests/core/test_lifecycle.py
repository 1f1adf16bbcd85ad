from __future__ import annotations

import pytest

from cesp_core.lifecycle import (
    Action,
    DossierState,
    Role,
    TransitionError,
    allowed_actions,
    apply,
    can_write,
    is_editable,
    is_final,
)


def test_owner_transmits_a_draft() -> None:
    assert apply(DossierState.BROUILLON, Action.TRANSMETTRE, Role.CANDIDAT) is DossierState.TRANSMIS
    assert apply(DossierState.BROUILLON, Action.TRANSMETTRE, Role.ETABLISSEMENT) is (
        DossierState.TRANSMIS
    )
    assert apply(DossierState.BROUILLON, Action.TRANSMETTRE, Role.AGENT) is DossierState.TRANSMIS


def test_transmitting_twice_is_refused_in_french() -> None:
    with pytest.raises(TransitionError) as exc:
        apply(DossierState.TRANSMIS, Action.TRANSMETTRE, Role.CANDIDAT)
    assert "Transmis" in exc.value.message
    assert not exc.value.forbidden_role


@pytest.mark.parametrize("role", [Role.CANDIDAT, Role.SUPPORT, Role.AGENT, Role.ETABLISSEMENT])
def test_only_instructeur_decides(role: Role) -> None:
    with pytest.raises(TransitionError) as exc:
        apply(DossierState.TRANSMIS, Action.ACCEPTER, role)
    assert exc.value.forbidden_role


def test_instruction_then_decision() -> None:
    state = apply(DossierState.TRANSMIS, Action.INSTRUIRE, Role.INSTRUCTEUR)
    assert state is DossierState.EN_INSTRUCTION
    assert apply(state, Action.REFUSER, Role.INSTRUCTEUR) is DossierState.REFUSE
    assert apply(state, Action.ACCEPTER, Role.INSTRUCTEUR) is DossierState.ACCEPTE


def test_a_draft_cannot_be_decided() -> None:
    with pytest.raises(TransitionError):
        apply(DossierState.BROUILLON, Action.ACCEPTER, Role.INSTRUCTEUR)


def test_final_states_allow_nothing() -> None:
    for state in (DossierState.ACCEPTE, DossierState.REFUSE):
        assert is_final(state)
        for role in Role:
            assert allowed_actions(state, role) == []


def test_allowed_actions_by_role() -> None:
    assert allowed_actions(DossierState.BROUILLON, Role.CANDIDAT) == [Action.TRANSMETTRE]
    assert allowed_actions(DossierState.BROUILLON, Role.SUPPORT) == []
    assert allowed_actions(DossierState.TRANSMIS, Role.INSTRUCTEUR) == [
        Action.INSTRUIRE,
        Action.ACCEPTER,
        Action.REFUSER,
    ]
    assert allowed_actions(DossierState.TRANSMIS, Role.ADMIN) == [Action.ROUVRIR]


def test_only_drafts_are_editable_and_support_never_writes() -> None:
    assert is_editable(DossierState.BROUILLON)
    assert not any(is_editable(s) for s in DossierState if s is not DossierState.BROUILLON)
    assert not can_write(Role.SUPPORT)
    assert can_write(Role.AGENT)


def test_labels_are_french() -> None:
    assert DossierState.ACCEPTE.label == "Accepté"
    assert Role.ETABLISSEMENT.label == "Établissement"
