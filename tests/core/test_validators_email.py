"""E-mail addresses: syntax only, never the network."""

from __future__ import annotations

import socket

import pytest

from cesp_core.validators import normalize_email, validate_email


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any DNS query would fail the test."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("network access")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "gethostbyname", refuse)


@pytest.mark.parametrize(
    "value",
    [
        "jean.dupont@exemple.fr",
        "Jean.Dupont@Exemple.FR",
        "  marie-claire+cesp@univ-limoges.fr ",
        "o'connor@exemple.com",
        "jean@chu-réunion.fr",  # internationalised domain
    ],
)
def test_valid(value: str) -> None:
    assert validate_email(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "Saisissez"),
        ("jean.dupont.exemple.fr", "@"),
        ("jean@@exemple.fr", "un seul @"),
        ("@exemple.fr", "avant le @"),
        ("jean@", "après le @"),
        ("jean dupont@exemple.fr", "espace"),
        ("jean@exemple", "point"),
        ("jean.@exemple.fr", "point"),
        ("jean@exemple..fr", "deux points"),
        ("jean@exemple.test", "réservé"),
        ("jéan@exemple.fr", "accent"),
        ("jean,dupont@exemple.fr", "« , »"),
        ("jean(dupont)@exemple.fr", "« ( » « ) »"),
    ],
)
def test_invalid_with_a_french_message(value: str, expected: str) -> None:
    message = validate_email(value)
    assert message is not None
    assert expected in message


def test_normalize() -> None:
    assert normalize_email("  Jean.Dupont@Exemple.FR ") == "jean.dupont@exemple.fr"
    assert normalize_email("Marie@CHU-Limoges.fr") == "marie@chu-limoges.fr"


def test_normalize_an_invalid_address() -> None:
    assert normalize_email(" Pas Une Adresse ") == "pas une adresse"
