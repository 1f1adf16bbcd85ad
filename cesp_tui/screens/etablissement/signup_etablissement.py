""" "Création de compte établissement" (ASP guide, II): the recruiting hospital's
Bureau des Affaires Médicales opens its account.

Nom de l'établissement recruteur, n° FINESS (9 characters, checked as it is typed with
`cesp_core.validators.finess`: without it the pieces are not considered), the e-mail of
the Bureau des Affaires Médicales (it is the identifiant), the password and its
confirmation with the live checklist of the other account screens. "Créer le compte"
is dimmed until everything is filled, the checklist met and the FINESS valid; pressed
before, it shows the banner and moves to the first field to correct. The
platform (``POST /accounts/etablissement``) mails a 4-digit code, as for a CESP sign-up:
the code screen (`SignupCodeScreen`) asks for it, and once the address is proved the
account is active, a confirmation giving the identifiant is mailed, and the client goes
back to the login screen with the address filled in.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Static

from cesp_client.api.etablissement import signup_etablissement
from cesp_core.validators.email import validate_email
from cesp_core.validators.finess import compact_finess, format_finess, validate_finess
from cesp_tui.screens.account.account_base import AccountScreen, Answer, FormRow, PasswordChecklist
from cesp_tui.widgets.footer import StableFooter

__all__ = ["FIELDS", "EtablissementSignupScreen", "finess_hint"]

FIELDS = ("etablissement_nom", "finess", "email", "password", "password_confirmation")


def finess_hint(value: str) -> tuple[str, bool]:
    """(text, ok) of the line under the FINESS field while it is typed."""
    number = compact_finess(value)
    if not number:
        return "", False
    if len(number) < 9:
        return f"{len(number)}/9 caractères.", False
    message = validate_finess(value)
    if message:
        return message, False
    return f"N° FINESS valide : {format_finess(number)}.", True


class EtablissementSignupScreen(AccountScreen):
    """The hospital's account: name, FINESS, e-mail, password (twice)."""

    CSS_PATH: ClassVar[list[str]] = ["../account/account.tcss", "signup_etablissement.tcss"]
    ENTER_ORDER: ClassVar[tuple[str, ...]] = (
        "etablissement_nom",
        "finess",
        "email",
        "password",
        "password_confirmation",
    )

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="account-box"):
            yield Static(
                "Création de compte établissement — Assistant Spécialiste Partagé",
                id="title",
                markup=False,
            )
            yield Static(
                "Réservé au Bureau des Affaires Médicales de l'établissement de santé "
                "recruteur. Tous les champs sont obligatoires.",
                id="intro",
                markup=False,
            )
            yield Static("", id="banner", markup=False)
            yield FormRow(
                "Établissement recruteur",
                Input(
                    id="etablissement_nom",
                    compact=True,
                    max_length=160,
                    placeholder="nom de l'établissement",
                ),
                field="etablissement_nom",
            )
            yield self.error_line("etablissement_nom")
            yield FormRow(
                "N° FINESS",
                Input(id="finess", compact=True, max_length=14, placeholder="9 caractères"),
                field="finess",
            )
            yield Static("", id="finess-hint", markup=False)
            yield self.error_line("finess")
            yield FormRow(
                "E-mail du Bureau des A.M.",
                Input(
                    id="email",
                    compact=True,
                    max_length=254,
                    placeholder="affaires.medicales@hopital.fr",
                ),
                field="email",
            )
            yield self.error_line("email")
            yield from self.compose_new_password("Mot de passe")
            with Horizontal(id="actions"):
                yield Button(
                    "Créer le compte",
                    id="etab-submit",
                    variant="primary",
                    compact=True,
                    classes="-incomplete",
                )
            yield Static(
                "L'identifiant (l'adresse e-mail) est confirmé par e-mail ; pensez à "
                "regarder dans les indésirables.",
                id="help",
                markup=False,
            )
        yield StableFooter()

    def on_mount(self) -> None:
        self.set_info("#finess-hint", "")
        self.add_mailbox_hint("#help")
        self.query_one("#etablissement_nom", Input).focus()

    # --- values ------------------------------------------------------------------------------

    def values(self) -> dict[str, str]:
        return {
            "etablissement_nom": self.input_value("#etablissement_nom"),
            "finess": self.input_value("#finess"),
            "email": self.input_value("#email"),
            "password": self.query_one("#password", Input).value,
            "password_confirmation": self.query_one("#password_confirmation", Input).value,
        }

    @property
    def checklist(self) -> PasswordChecklist:
        return self.query_one(PasswordChecklist)

    def complete(self) -> bool:
        """What enables "Créer le compte"."""
        values = self.values()
        return (
            all(values.values())
            and validate_finess(values["finess"]) is None
            and self.checklist.all_met
        )

    def _update_submit(self) -> None:
        """Dimmed while something is missing or wrong, yet pressable: pressed then, it
        says what and where (`refuse`); disabled only while a call is under way."""
        button = self.query_one("#etab-submit", Button)
        button.disabled = self.busy
        button.set_class(not self.complete(), "-incomplete")

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if event.input.id == "finess":
            text, ok = finess_hint(event.value)
            self.set_info("#finess-hint", text)
            hint = self.query_one("#finess-hint", Static)
            hint.set_class(ok, "-ok")
            hint.set_class(bool(text) and not ok, "-bad")
            self.set_field_error("finess", None)
        if event.input.id in ("password", "password_confirmation"):
            self.check_new_password()
        if event.input.id in FIELDS:  # being fixed: its old message goes at once
            self.set_field_error(event.input.id, None)
        self._update_submit()

    @on(Input.Submitted, "#password_confirmation")
    def _last_field(self) -> None:
        self.action_submit()

    def busy_changed(self, busy: bool) -> None:
        self._update_submit()

    # --- submit ------------------------------------------------------------------------------

    def problems(self) -> dict[str, str]:
        """What the client can tell before asking the platform (it says it too)."""
        values = self.values()
        found: dict[str, str] = {}
        if not values["etablissement_nom"]:
            found["etablissement_nom"] = "Saisissez le nom de l'établissement."
        if message := validate_finess(values["finess"]):
            found["finess"] = message
        if not values["email"]:
            found["email"] = "Saisissez l'adresse e-mail du Bureau des Affaires Médicales."
        elif message := validate_email(values["email"]):
            found["email"] = message
        if not all(self.checklist.states):
            found["password"] = "Le mot de passe ne respecte pas toutes les règles ci-dessous."
        if not values["password_confirmation"]:
            found["password_confirmation"] = "Saisissez à nouveau le mot de passe."
        elif values["password_confirmation"] != values["password"]:
            found["password_confirmation"] = "Les deux mots de passe ne sont pas identiques."
        return found

    @on(Button.Pressed, "#etab-submit")
    def action_submit(self) -> None:
        if self.busy:
            return
        self.clear_field_errors()
        if self.refuse(self.problems()):
            return
        values = self.values()
        self.show_banner("Création du compte…", "info")
        self.call(
            "etablissement",
            lambda api: signup_etablissement(
                api,
                etablissement_nom=values["etablissement_nom"],
                finess=compact_finess(values["finess"]),
                email=values["email"],
                password=values["password"],
                password_confirmation=values["password_confirmation"],
            ),
        )

    def answered(self, message: Answer) -> None:
        if message.error is not None:
            self.show_failure(message.error, fields=FIELDS)
            return
        from cesp_tui.screens.account.signup_code import SignupCodeScreen

        email = self.values()["email"]
        self.app.push_screen(
            SignupCodeScreen(email, sent_message=str(message.result or ""), etablissement=True)
        )
