"""What the account screens share (login, sign-up, code, "Mon compte", forgotten password,
re-authentication): calling the platform from a worker, the banner, problems under fields,
the live password checklist, and the keys "Retour" (F9) and "Boîte mail locale" (F4).

A call runs in an async worker (`AccountScreen.call`) that only awaits the API and posts
an `Answer`; the screen's `answered` handler changes the widgets.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.markup import escape
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from cesp_client.api.errors import ApiError, Offline
from cesp_tui.services import client_app, maildir_of

if TYPE_CHECKING:
    from cesp_client.api.client import ApiClient

__all__ = [
    "AccountScreen",
    "Answer",
    "FormRow",
    "PasswordChecklist",
    "api_of",
    "failure_text",
    "mailbox_path",
    "password_rule_states",
]

NOT_READY = "La plateforme n'est pas encore prête : patientez quelques secondes et réessayez."


def api_of(app: App[Any]) -> ApiClient | None:
    """The app's client of the platform (None before the platform answers)."""
    return client_app(app).api


#: How long a request sent while the embedded platform starts waits for it.
PLATFORM_WAIT = 30.0


async def api_when_ready(app: App[Any], wait: float = PLATFORM_WAIT) -> ApiClient | None:
    """The app's platform client; while the embedded platform is still starting (a login
    typed faster than it starts), waits for it rather than refuse (at most ``wait`` s)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    api = api_of(app)
    while api is None and getattr(app, "platform_state", None) == "starting":
        if loop.time() > deadline:
            return None
        await asyncio.sleep(0.05)
        api = api_of(app)
    return api


def mailbox_path(app: App[Any]) -> Path | None:
    """The embedded platform's Maildir (None with a shared platform)."""
    return maildir_of(app)


def failure_text(error: ApiError | Offline) -> str:
    """What to tell the user when a call failed (French)."""
    if isinstance(error, Offline):
        return (
            "La plateforme ne répond pas (hors ligne) : vérifiez la connexion et réessayez. "
            f"Détail : {error.reason.rstrip('.')}."
        )
    return error.detail


@dataclass
class Answer(Message):
    """What an account call brought back: ``result``, or ``error``."""

    action: str
    result: Any = None
    error: ApiError | Offline | None = None


class FormRow(Horizontal):
    """A label, a control, and the line under them where a problem shows (red)."""

    DEFAULT_CSS = """
    FormRow {
        height: auto;
        width: 1fr;
        & > Label.form-label {
            width: 26;
            padding: 0 1 0 0;
            color: $text-muted;
        }
        & > .form-control {
            width: 1fr;
            height: auto;
        }
    }
    """

    def __init__(self, label: str, control: Widget, *, field: str) -> None:
        super().__init__(id=f"row-{field}", classes="form-row")
        self.label = label
        self.control = control
        self.field = field
        control.add_class("form-control")

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="form-label")
        yield self.control


def password_rule_states(password: str) -> list[bool]:
    """Whether ``password`` meets each rule of `PASSWORD_RULES`, in its order (the rule
    lives in `cesp_core.validators.password`)."""
    from cesp_core.validators.password import password_rule_states as states

    return states(password)


class PasswordChecklist(Static):
    """The password rules, ticked live as the user types (and the confirmation)."""

    DEFAULT_CSS = """
    PasswordChecklist {
        height: auto;
        padding: 0 0 0 26;
        color: $text-muted;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=True)
        self.states: list[bool] = password_rule_states("")
        self.extra: list[str] = []
        self.confirmed: bool | None = None

    def on_mount(self) -> None:
        self.check("", "")

    def check(self, password: str, confirmation: str) -> None:
        from cesp_core.validators.password import PASSWORD_RULES, password_extra_problems

        self.states = password_rule_states(password)
        self.extra = password_extra_problems(password)
        self.confirmed = None if not confirmation else confirmation == password
        lines = []
        for rule, ok in zip(PASSWORD_RULES, self.states, strict=True):
            mark = "[$text-success]✓[/]" if ok else "[$text-error]✗[/]"
            lines.append(f"{mark} {rule}")
        lines.extend(f"[$text-error]✗[/] {escape(problem)}" for problem in self.extra)
        if self.confirmed is True:
            lines.append("[$text-success]✓[/] Les deux mots de passe sont identiques")
        elif self.confirmed is False:
            lines.append("[$text-error]✗[/] Les deux mots de passe ne sont pas identiques")
        self.update("\n".join(lines))

    @property
    def all_met(self) -> bool:
        return all(self.states) and not self.extra and self.confirmed is True


class AccountScreen(Screen[None]):
    """Base of the account screens: F9 "Retour", F4 "Boîte mail locale" (embedded only),
    a banner (``#banner``) and an error line under each `FormRow` (``#<field>-error``)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "back", "Retour", id="account.back"),
    ]

    #: Whether F9 goes back (not on the login screen, the first one).
    can_go_back: ClassVar[bool] = True
    #: Enter in one of these fields (ids) moves to the next one; the last one is left to
    #: the screen (it submits).
    ENTER_ORDER: ClassVar[tuple[str, ...]] = ()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "mailbox":
            return mailbox_path(self.app) is not None
        if action == "back":
            return self.can_go_back and len(self.app.screen_stack) > 1
        return True

    @on(Input.Submitted)
    def _enter_moves_on(self, event: Input.Submitted) -> None:
        order = self.ENTER_ORDER
        if event.input.id in order[:-1]:
            self.query_one(f"#{order[order.index(event.input.id) + 1]}", Input).focus()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.dismiss()

    def add_mailbox_hint(self, selector: str = "#intro") -> None:
        """Say where the local mailbox is (embedded platform only)."""
        if mailbox_path(self.app) is None:
            return
        hint = "Boîte mail locale : F4."
        for label in self.query(selector):
            if isinstance(label, Static) and not str(label.content).endswith(hint):
                label.update(f"{label.content} {hint}")

    def set_info(self, selector: str, text: str) -> None:
        """An information line that takes no room while it has nothing to say."""
        label = self.query_one(selector, Static)
        label.update(text)
        label.display = bool(text)

    def action_mailbox(self) -> None:
        path = mailbox_path(self.app)
        if path is None:
            return
        from cesp_tui.screens.account.mailbox import MailboxScreen

        self.app.push_screen(MailboxScreen(path))

    # --- calls -----------------------------------------------------------------------------

    def call(self, action: str, request: Callable[[ApiClient], Awaitable[Any]]) -> None:
        """Run ``request(api)`` in a worker; an `Answer` comes back to `answered`."""
        self.busy = True
        # A callable, not a coroutine: a worker cancelled before it starts leaves nothing
        # un-awaited behind.
        self.run_worker(
            partial(self._call, action, request), group=f"account-{action}", exclusive=True
        )

    async def _call(self, action: str, request: Callable[[ApiClient], Awaitable[Any]]) -> None:
        api = await api_when_ready(self.app)
        if api is None:
            self.post_message(Answer(action, error=Offline(NOT_READY)))
            return
        try:
            result = await request(api)
        except (ApiError, Offline) as error:
            self.post_message(Answer(action, error=error))
            return
        self.post_message(Answer(action, result=result))

    def on_answer(self, message: Answer) -> None:
        message.stop()
        self.busy = False
        self.answered(message)

    def answered(self, message: Answer) -> None:
        """Override: what to do with an `Answer`."""

    @property
    def busy(self) -> bool:
        return self.has_class("-busy")

    @busy.setter
    def busy(self, value: bool) -> None:
        self.set_class(value, "-busy")
        self.refresh_bindings()
        self.busy_changed(value)

    def busy_changed(self, busy: bool) -> None:
        """Override: e.g. disable the submit button while a call runs."""

    # --- messages on screen ----------------------------------------------------------------

    def show_banner(self, text: str, kind: str = "error") -> None:
        """``kind``: error (red, stays), success (green), info."""
        banners = self.query("#banner")
        if not banners:
            self.notify(text, severity="error" if kind == "error" else "information")
            return
        banner = banners.first(Static)
        banner.update(text)
        banner.set_class(bool(text), "-visible")
        for name in ("error", "success", "info"):
            banner.set_class(name == kind, f"-{name}")

    def clear_banner(self) -> None:
        self.show_banner("", "info")

    def set_field_error(self, field: str, message: str | None) -> None:
        for line in self.query(f"#{field}-error"):
            if isinstance(line, Static):
                line.update(message or "")
                line.set_class(bool(message), "-visible")

    def clear_field_errors(self) -> None:
        for line in self.query(".field-error"):
            if isinstance(line, Static):
                line.update("")
                line.remove_class("-visible")

    def show_failure(self, error: ApiError | Offline, *, fields: tuple[str, ...] = ()) -> None:
        """The banner, and each problem of a known field under it (the first one focused)."""
        self.clear_field_errors()
        banner = failure_text(error)
        said_under_fields: set[str] = set()
        if isinstance(error, ApiError):
            first: str | None = None
            for field, text in error.field_problems().items():
                if field in fields:
                    self.set_field_error(field, text)
                    said_under_fields.add(text)
                    first = first or field
            if first is not None:
                self.focus_field(first)
        # Said once: a message shown under its field is not repeated in the banner
        # (a wrong code used to be told twice, one above the other).
        self.show_banner("" if banner in said_under_fields else banner, "error")

    def refuse(self, found: Mapping[str, str]) -> bool:
        """Each problem under its field, the banner, the first one focused; False when
        there is none (the form may be sent)."""
        if not found:
            return False
        for field, message in found.items():
            self.set_field_error(field, message)
        self.show_banner("Certains champs sont à corriger : voyez le détail sous chacun.")
        self.focus_field(next(iter(found)))
        return True

    def compose_new_password(self, label: str) -> ComposeResult:
        """The password, its confirmation and the live checklist of the rules."""
        yield FormRow(
            label,
            Input(id="password", password=True, compact=True, max_length=200),
            field="password",
        )
        yield self.error_line("password")
        yield FormRow(
            "Confirmation",
            Input(id="password_confirmation", password=True, compact=True, max_length=200),
            field="password_confirmation",
        )
        yield self.error_line("password_confirmation")
        yield PasswordChecklist(id="checklist")

    def check_new_password(self) -> None:
        """The checklist follows what is typed in the two password fields."""
        self.query_one(PasswordChecklist).check(
            self.query_one("#password", Input).value,
            self.query_one("#password_confirmation", Input).value,
        )

    def focus_field(self, field: str) -> None:
        row = self.query(f"#row-{field}")
        if row:
            control = row.first(FormRow).control
            target = getattr(control, "input", control)
            target.focus()

    @staticmethod
    def error_line(field: str) -> Static:
        return Static("", id=f"{field}-error", classes="field-error", markup=False)

    def input_value(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()
