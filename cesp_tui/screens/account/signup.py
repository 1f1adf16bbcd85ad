"""Account creation, step 1/4 "Informations générales" (CESP guide).

Civilité, nom, prénom, date de naissance, e-mail and its confirmation, and the
validation box: "Continuer" is dimmed until everything is filled and the box ticked;
pressed before, it shows the banner and moves to the first field to correct.
The same validators as the server's check the values first; the server's problems are
shown under their fields. Then step 2 (the code sent by e-mail) opens over this screen,
so that "retour" there comes back here to fix the address.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet, Static

from cesp_core.validators.dates import validate_birth_date
from cesp_core.validators.email import normalize_email, validate_email
from cesp_tui.screens.account.account_base import AccountScreen, Answer, FormRow
from cesp_tui.widgets.date_input import DateInput
from cesp_tui.widgets.footer import StableFooter

__all__ = ["SignupScreen"]

FIELDS = (
    "civilite",
    "nom",
    "prenom",
    "date_naissance",
    "email",
    "email_confirmation",
    "accepte_conditions",
)
_CIVILITES = {"civilite-f": "F", "civilite-m": "M"}
_ORDER = ("#nom", "#prenom", "#date_naissance", "#email", "#email_confirmation")


class SignupScreen(AccountScreen):
    """Step 1: the applicant's identity and personal e-mail address."""

    CSS_PATH: ClassVar[list[str]] = ["account.tcss", "signup.tcss"]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="account-box"):
            yield Static("Créer un compte — 1/4 Informations générales", id="title")
            yield Static(
                "Tous les champs sont obligatoires. L'adresse e-mail doit être personnelle et "
                "valide : elle servira jusqu'à la fin de votre engagement.",
                id="intro",
                markup=False,
            )
            yield Static("", id="banner", markup=False)
            yield FormRow(
                "Civilité",
                RadioSet(
                    RadioButton("Madame", id="civilite-f", compact=True),
                    RadioButton("Monsieur", id="civilite-m", compact=True),
                    id="civilite",
                    compact=True,
                ),
                field="civilite",
            )
            yield self.error_line("civilite")
            yield FormRow("Nom", Input(id="nom", compact=True, max_length=80), field="nom")
            yield self.error_line("nom")
            yield FormRow("Prénom", Input(id="prenom", compact=True, max_length=80), field="prenom")
            yield self.error_line("prenom")
            yield FormRow(
                "Date de naissance", DateInput(id="date_naissance"), field="date_naissance"
            )
            yield self.error_line("date_naissance")
            yield FormRow(
                "Adresse e-mail",
                Input(
                    id="email",
                    compact=True,
                    max_length=254,
                    placeholder="prenom.nom@exemple.fr",
                ),
                field="email",
            )
            yield self.error_line("email")
            yield FormRow(
                "Confirmation de l'e-mail",
                Input(id="email_confirmation", compact=True, max_length=254),
                field="email_confirmation",
            )
            yield self.error_line("email_confirmation")
            yield Checkbox(
                "Je certifie l'exactitude des informations saisies",
                id="accepte_conditions",
                compact=True,
            )
            yield self.error_line("accepte_conditions")
            with Horizontal(id="actions"):
                yield Button(
                    "Continuer",
                    id="signup-submit",
                    variant="primary",
                    compact=True,
                    classes="-incomplete",
                )
        yield StableFooter()

    def on_mount(self) -> None:
        self.query_one("#civilite", RadioSet).focus()

    # --- values ----------------------------------------------------------------------------

    @property
    def civilite(self) -> str:
        radios = self.query("#civilite")
        if not radios:
            return ""
        pressed = radios.first(RadioSet).pressed_button
        return _CIVILITES.get(pressed.id or "", "") if pressed is not None else ""

    def values(self) -> dict[str, str | bool]:
        return {
            "civilite": self.civilite,
            "nom": self.input_value("#nom"),
            "prenom": self.input_value("#prenom"),
            "date_naissance": self.query_one("#date_naissance", DateInput).value or "",
            "email": self.input_value("#email"),
            "email_confirmation": self.input_value("#email_confirmation"),
            "accepte_conditions": self.query_one("#accepte_conditions", Checkbox).value,
        }

    def complete(self) -> bool:
        """Every field filled and the box ticked (what undims "Continuer")."""
        return all(bool(v) for v in self.values().values())

    def _update_submit(self) -> None:
        """Dimmed while something is missing, yet pressable: pressed then, it says what
        is missing and where (`refuse`); disabled only while a call is under way."""
        button = self.query_one("#signup-submit", Button)
        button.disabled = self.busy
        button.set_class(not self.complete(), "-incomplete")

    @on(Input.Changed)
    @on(DateInput.Changed)
    @on(Checkbox.Changed)
    @on(RadioSet.Changed)
    def _changed(self) -> None:
        self._update_submit()

    @on(Input.Changed)
    def _input_fixed(self, event: Input.Changed) -> None:
        """The user is fixing the field: its old message goes at once (an e-mail
        mismatch is said again only if it still is at the next "Continuer")."""
        if event.input.id in ("nom", "prenom", "email", "email_confirmation"):
            self.set_field_error(event.input.id, None)
        if event.input.id == "email":
            self.set_field_error("email_confirmation", None)

    @on(DateInput.Changed)
    def _date_fixed(self) -> None:
        self.set_field_error("date_naissance", None)

    @on(Checkbox.Changed)
    def _box_ticked(self) -> None:
        self.set_field_error("accepte_conditions", None)

    @on(RadioSet.Changed)
    def _civilite_chosen(self) -> None:
        self.set_field_error("civilite", None)

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        """Enter moves on; on the last field, it continues when everything is there."""
        current = f"#{event.input.id}" if event.input.id else ""
        if current in _ORDER[:-1]:
            self.query_one(_ORDER[_ORDER.index(current) + 1]).focus()
        elif current == "#email_confirmation":
            self.query_one("#accepte_conditions", Checkbox).focus()
        else:  # the date field (inside DateInput)
            self.query_one("#email", Input).focus()

    def busy_changed(self, busy: bool) -> None:
        self._update_submit()

    # --- step 1 ----------------------------------------------------------------------------

    def problems(self) -> dict[str, str]:
        """What the client can tell before asking the server (the server says it too)."""
        values = self.values()
        found: dict[str, str] = {}
        if not values["civilite"]:
            found["civilite"] = "Choisissez la civilité."
        for field, label in (("nom", "votre nom"), ("prenom", "votre prénom")):
            if not values[field]:
                found[field] = f"Saisissez {label}."
        date = str(values["date_naissance"])
        typed = self.query_one("#date_naissance", DateInput).text
        if not date:
            found["date_naissance"] = (
                "Date incomplète ou inexistante (jj/mm/aaaa)."
                if typed
                else "Saisissez votre date de naissance."
            )
        elif message := validate_birth_date(date):
            found["date_naissance"] = message
        email = str(values["email"])
        if not email:
            found["email"] = "Saisissez votre adresse e-mail."
        elif message := validate_email(email):
            found["email"] = message
        confirmation = str(values["email_confirmation"])
        if not confirmation:
            found["email_confirmation"] = "Saisissez à nouveau votre adresse e-mail."
        elif "email" not in found and normalize_email(confirmation) != normalize_email(email):
            found["email_confirmation"] = "Les deux adresses e-mail ne sont pas identiques."
        if not values["accepte_conditions"]:
            found["accepte_conditions"] = "Cochez la case de validation pour continuer."
        return found

    @on(Button.Pressed, "#signup-submit")
    def action_submit(self) -> None:
        if self.busy:
            return
        self.clear_field_errors()
        self.clear_banner()
        if self.refuse(self.problems()):
            return
        values = self.values()
        self.show_banner("Envoi…", "info")
        self.call(
            "signup",
            lambda api: api.signup(
                civilite=str(values["civilite"]),
                nom=str(values["nom"]),
                prenom=str(values["prenom"]),
                date_naissance=str(values["date_naissance"]),
                email=str(values["email"]),
                email_confirmation=str(values["email_confirmation"]),
                accepte_conditions=True,
            ),
        )

    def answered(self, message: Answer) -> None:
        if message.error is not None:
            self.show_failure(message.error, fields=FIELDS)
            return
        self.clear_banner()
        from cesp_tui.screens.account.signup_code import SignupCodeScreen

        values = self.values()
        self.app.push_screen(
            SignupCodeScreen(str(values["email"]), sent_message=str(message.result))
        )

    def focus_email(self) -> None:
        """Back from step 2 to fix the address."""
        self.query_one("#email", Input).focus()
