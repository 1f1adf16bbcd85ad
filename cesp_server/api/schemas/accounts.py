"""Request and response bodies of the account and authentication endpoints.

Strings are accepted loosely (bounded lengths only) and checked by the routes with the
validators of `cesp_core`, so that every refusal carries the same French sentences as the
client shows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

_S = 200  # generous upper bound for names and free texts

#: A new password as typed: never stripped (spaces at either end are refused with a
#: message by the policy, not removed silently).
RawPassword = Annotated[str, StringConstraints(strip_whitespace=False)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="after")
    def _no_control_characters(self) -> _In:
        # A NUL byte is refused by PostgreSQL: reject control characters up front (422).
        for name, value in self:
            if isinstance(value, str) and any(ord(c) < 32 or ord(c) == 127 for c in value):
                raise ValueError(f"caractère de contrôle interdit dans {name}")
        return self


class SignupIn(_In):
    civilite: str = Field(default="", max_length=2, description="« M » ou « F »")
    nom: str = Field(default="", max_length=_S)
    prenom: str = Field(default="", max_length=_S)
    date_naissance: str = Field(default="", max_length=20, description="AAAA-MM-JJ")
    email: str = Field(default="", max_length=320)
    email_confirmation: str = Field(default="", max_length=320)
    accepte_conditions: bool = False


class EmailIn(_In):
    email: str = Field(max_length=320)


class VerifyIn(_In):
    email: str = Field(max_length=320)
    code: str = Field(max_length=20)


class LinkCheckIn(_In):
    token: str = Field(max_length=200, description="Le jeton reçu par e-mail")


class PasswordSetupIn(_In):
    token: str = Field(max_length=200)
    password: RawPassword = Field(max_length=200)
    password_confirmation: RawPassword = Field(max_length=200)
    secret_question: str = Field(default="", max_length=_S)
    secret_answer: str = Field(default="", max_length=_S)


class EtablissementIn(_In):
    etablissement_nom: str = Field(default="", max_length=_S)
    finess: str = Field(default="", max_length=30)
    email: str = Field(default="", max_length=320)
    password: RawPassword = Field(default="", max_length=200)
    password_confirmation: RawPassword = Field(default="", max_length=200)


class ForgotIn(_In):
    identifier: str = Field(max_length=320, description="Identifiant ou adresse e-mail")


class ResetIn(_In):
    token: str = Field(max_length=200)
    secret_answer: str | None = Field(
        default=None,
        max_length=_S,
        description="Exigée si le compte a une question secrète (voir `has_secret_question`)",
    )
    password: RawPassword = Field(max_length=200)
    password_confirmation: RawPassword = Field(max_length=200)


class ChangePasswordIn(_In):
    current_password: str = Field(max_length=200)
    new_password: RawPassword = Field(max_length=200)
    new_password_confirmation: RawPassword = Field(max_length=200)


class LoginIn(_In):
    identifier: str = Field(max_length=320, description="Identifiant ou adresse e-mail")
    password: str = Field(max_length=200)


class Message(BaseModel):
    message: str


class VerifyOut(Message):
    identifiant: str


class SetupOut(Message):
    identifiant: str


class LinkInfo(BaseModel):
    identifiant: str
    #: Reset links: whether the account has a secret question (its answer is then required
    #: with the new password); an établissement account has none.
    has_secret_question: bool = False
    secret_question: str | None = None
    expires_at: datetime


class AccountOut(BaseModel):
    id: int
    username: str
    email: str
    role: str
    status: str
    display_name: str
    civilite: str | None = None
    nom: str | None = None
    prenom: str | None = None
    date_naissance: date | None = None
    etablissement_nom: str | None = None
    finess: str | None = None
    secret_question: str | None = None


class LoginOut(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_at: datetime
    idle_minutes: int
    account: AccountOut
