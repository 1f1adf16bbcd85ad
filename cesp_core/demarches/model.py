"""The vocabulary of a démarche: tabs, fields, conditions, piece types.

Everything here is plain data, so that the server can publish it, the client can
draw its screens from it and both can run the same rules (`rules.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

Value = str | bool | None
TabData = Mapping[str, Value]
DossierData = Mapping[str, TabData]


class FieldType(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    DATE = "date"
    CHOICE = "choice"
    BOOL = "bool"
    INT = "int"
    YEAR = "year"
    DEPARTEMENT = "departement"
    COMMUNE = "commune"
    PAYS = "pays"
    NIR = "nir"
    IBAN = "iban"
    BIC = "bic"
    PHONE = "phone"
    EMAIL = "email"
    POSTAL_CODE = "postal_code"
    FINESS = "finess"
    RPPS = "rpps"
    #: A medical specialty (DES) from `referentials.specialites()`; stores its name.
    SPECIALITE = "specialite"


class Op(StrEnum):
    IN = "in"
    NOT_IN = "not_in"
    TRUTHY = "truthy"
    FALSY = "falsy"


@dataclass(frozen=True, slots=True)
class When:
    """A condition on a value of the dossier.

    `ref` names a field of the same tab (``"niveau"``) or of another tab
    (``"etudes.niveau"``). Several `ref`s in `any_of` make the condition true when
    any of them satisfies it (used for "the social tab says something").
    """

    ref: str
    op: Op = Op.IN
    values: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "op": self.op.value,
            "values": list(self.values),
            "any_of": list(self.any_of),
        }


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Field:
    key: str
    label: str
    type: FieldType
    required: bool = False
    help: str = ""
    choices: tuple[Choice, ...] = ()
    #: The field shows (and counts) only when this holds.
    visible_if: When | None = None
    #: For a commune, the field holding its department (birthplace) or postal code (address).
    depends_on: str | None = None
    max_length: int | None = None
    #: Bounds for INT / YEAR fields.
    min_value: int | None = None
    max_value: int | None = None
    #: Values carried over from dossier to dossier by a data-entry agent (issue 6).
    repeatable: bool = False
    #: The value a blank dossier starts with (and the one rules assume when absent).
    default: Value = None
    #: A DATE still to come (planned): a day before today is refused.
    not_in_past: bool = False
    #: Shown, never typed: the value comes from the owner's account (the ASP recruiter's
    #: name and FINESS come from the établissement's account); the server refuses another.
    from_account: str | None = None

    def choice_label(self, value: str) -> str:
        for choice in self.choices:
            if choice.value == value:
                return choice.label
        return value

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "type": self.type.value,
            "required": self.required,
            "help": self.help,
            "choices": [{"value": c.value, "label": c.label} for c in self.choices],
            "visible_if": self.visible_if.to_dict() if self.visible_if else None,
            "depends_on": self.depends_on,
            "max_length": self.max_length,
            "min_value": self.min_value,
            "max_value": self.max_value,
            "default": self.default,
            "not_in_past": self.not_in_past,
            "from_account": self.from_account,
        }


@dataclass(frozen=True, slots=True)
class PieceType:
    key: str
    label: str
    formats: tuple[str, ...]
    required: bool = False
    required_if: When | None = None
    help: str = ""
    max_files: int = 10

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "formats": list(self.formats),
            "required": self.required,
            "required_if": self.required_if.to_dict() if self.required_if else None,
            "help": self.help,
            "max_files": self.max_files,
        }


class TabKind(StrEnum):
    FORM = "form"
    PIECES = "pieces"
    SYNTHESE = "synthese"


@dataclass(frozen=True, slots=True)
class Tab:
    key: str
    label: str
    kind: TabKind = TabKind.FORM
    fields: tuple[Field, ...] = ()
    help: str = ""
    #: Names of cross-field checks run by `rules.tab_problems` (see rules.CROSS_CHECKS).
    checks: tuple[str, ...] = ()

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(f"{self.key}.{key}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind.value,
            "help": self.help,
            "fields": [f.to_dict() for f in self.fields],
        }


@dataclass(frozen=True, slots=True)
class Demarche:
    key: str
    title: str
    short_title: str
    tabs: tuple[Tab, ...]
    pieces: tuple[PieceType, ...]
    #: Statements the owner ticks before transmitting ("Je certifie ...").
    certifications: tuple[Choice, ...]
    #: Roles of the accounts that own dossiers of this démarche.
    owner_roles: tuple[str, ...]
    #: A tab that must be saved before any other (ASP: "Identification").
    first_tab: str | None = None
    max_file_bytes: int = 10 * 1024 * 1024
    max_dossier_bytes: int = 50 * 1024 * 1024
    extra: Mapping[str, Any] = field(default_factory=dict)

    def tab(self, key: str) -> Tab:
        for t in self.tabs:
            if t.key == key:
                return t
        raise KeyError(key)

    @property
    def form_tabs(self) -> tuple[Tab, ...]:
        return tuple(t for t in self.tabs if t.kind is TabKind.FORM)

    @property
    def pieces_tab(self) -> Tab | None:
        return next((t for t in self.tabs if t.kind is TabKind.PIECES), None)

    def piece(self, key: str) -> PieceType:
        for p in self.pieces:
            if p.key == key:
                return p
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "short_title": self.short_title,
            "tabs": [t.to_dict() for t in self.tabs],
            "pieces": [p.to_dict() for p in self.pieces],
            "certifications": [{"value": c.value, "label": c.label} for c in self.certifications],
            "owner_roles": list(self.owner_roles),
            "first_tab": self.first_tab,
            "max_file_bytes": self.max_file_bytes,
            "max_dossier_bytes": self.max_dossier_bytes,
        }
