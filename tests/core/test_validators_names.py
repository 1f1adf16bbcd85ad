"""Names that go into official mails: letters, spaces, hyphens, apostrophes only."""

from __future__ import annotations

import pytest

from cesp_core.validators import validate_organisation_name, validate_person_name


@pytest.mark.parametrize(
    "name", ["Dupont", "Jeanne-Éloïse", "D'Ornano", "N’Diaye", "Jean Marc", "Ødegård", "李"]
)
def test_acceptable_names(name: str) -> None:
    assert validate_person_name(name) is None


@pytest.mark.parametrize(
    "name",
    [
        "Jeanne\u2028Votre code : 1234",
        "Jeanne\u2029",
        "Dupont2",
        "Dupont <b>",
        "Du\u200bpont",
        "Dupont\n",
        "a.b",
        "--",
    ],
)
def test_refused_names(name: str) -> None:
    message = validate_person_name(name, "Le nom")
    assert message is not None and message.startswith("Le nom")


def test_organisation_names() -> None:
    assert validate_organisation_name("CHU de Saint-Denis (site 2)") is None
    assert validate_organisation_name("CHU\u2028Code : 1234") is not None
    assert validate_organisation_name("CHU\u00a0Nord") is not None
