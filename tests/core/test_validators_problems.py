"""Problem: the shared shape of a dossier problem."""

from __future__ import annotations

import dataclasses

import pytest

from cesp_core.problems import INVALID, MISSING, Problem


def test_to_dict_and_back() -> None:
    problem = Problem("etat_civil", "nir", "La clé ne correspond pas.")
    assert problem.to_dict() == {
        "tab": "etat_civil",
        "field": "nir",
        "message": "La clé ne correspond pas.",
        "code": INVALID,
    }
    assert Problem.from_dict(problem.to_dict()) == problem


def test_tab_level_missing_problem() -> None:
    problem = Problem("pieces", None, "Pièce manquante : RIB.", MISSING)
    assert problem.to_dict()["field"] is None
    assert Problem.from_dict(problem.to_dict()) == problem


def test_frozen() -> None:
    problem = Problem("adresse", "code_postal", "Code postal inconnu.")
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.message = "autre"  # type: ignore[misc]


def test_from_dict_needs_tab_and_message() -> None:
    with pytest.raises(ValueError):
        Problem.from_dict({"tab": "adresse", "field": None})
