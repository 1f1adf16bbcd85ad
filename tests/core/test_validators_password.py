"""The guide's password policy: 8 characters, no accent, a digit, a special character."""

from __future__ import annotations

import pytest

from cesp_core.validators import PASSWORD_RULES, password_problems, validate_password


@pytest.mark.parametrize("password", ["Cesp2025!", "abcdefg1-", "x_1234567", "Motdepasse 1?"])
def test_acceptable(password: str) -> None:
    assert password_problems(password) == []
    assert validate_password(password) is None


def test_too_short() -> None:
    problems = password_problems("Ab1!")
    assert len(problems) == 1 and "8 caractères" in problems[0] and "4 saisis" in problems[0]


def test_accents() -> None:
    problems = password_problems("Sécurité1!")
    assert len(problems) == 1 and "é" in problems[0] and "accentuée" in problems[0]


def test_other_non_ascii() -> None:
    assert len(password_problems("Prix100€!")) == 1


def test_no_digit() -> None:
    problems = password_problems("Motdepasse!")
    assert problems == ["Le mot de passe doit contenir au moins un chiffre."]


def test_no_special_character() -> None:
    problems = password_problems("Motdepasse1")
    assert len(problems) == 1 and "caractère spécial" in problems[0]


def test_space_is_not_a_special_character() -> None:
    assert len(password_problems("Mot de passe 1")) == 1


def test_every_rule_broken() -> None:
    problems = password_problems("é")
    assert len(problems) == 5  # + no (ASCII) letter
    message = validate_password("é")
    assert message is not None and all(p in message for p in problems)


def test_empty() -> None:
    assert len(password_problems("")) == 3  # length, digit, special (no accent in it)


def test_rules_to_display() -> None:
    assert len(PASSWORD_RULES) == 4
    assert PASSWORD_RULES[0] == "Au moins 8 caractères"


def test_a_letter_is_required() -> None:
    assert password_problems("12345678!") == ["Le mot de passe doit contenir au moins une lettre."]


@pytest.mark.parametrize("password", [" Motdepasse1!", "Motdepasse1! ", "\tMotdepasse1!"])
def test_spaces_at_either_end_are_refused_not_stripped(password: str) -> None:
    problems = password_problems(password)
    assert any("espace" in p for p in problems)


@pytest.mark.parametrize("password", ["Password1!", "azerty123!", "Dragon#1", "qwerty12345!"])
def test_common_passwords_are_refused(password: str) -> None:
    assert any("courants" in p for p in password_problems(password)), password


def test_secret_answers_need_a_few_characters() -> None:
    from cesp_core.validators import secret_answer_problem

    assert secret_answer_problem("ab") is not None
    assert secret_answer_problem("  ab  ") is not None
    assert secret_answer_problem("Rex") is None


def test_rule_states_follow_the_rules() -> None:
    from cesp_core.validators import password_rule_states

    assert password_rule_states("") == [False, True, False, False]
    assert password_rule_states("Motdepasse1!") == [True, True, True, True]
