"""A yes/no question in a modal box ("Transmettre ma demande ?", "Supprimer ce brouillon ?")."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from cesp_tui.widgets.footer import StableFooter

__all__ = ["ConfirmModal"]


class ConfirmModal(ModalScreen[bool]):
    """Dismissed with True ("Oui") or False ("Non"). The focus starts on "Non" unless
    ``default_yes``: a stray Enter never deletes nor transmits anything."""

    CSS_PATH = "confirm.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "answer(True)", "Oui", id="confirm.yes"),
        Binding("n", "answer(False)", "Non", id="confirm.no"),
        Binding("escape", "answer(False)", "Non", show=False, id="confirm.cancel"),
        Binding("left", "app.focus_previous", "Bouton précédent", show=False, id="confirm.left"),
        Binding("right", "app.focus_next", "Bouton suivant", show=False, id="confirm.right"),
    ]

    def __init__(
        self,
        question: str,
        detail: str = "",
        *,
        yes: str = "Oui",
        no: str = "Non",
        default_yes: bool = False,
        title: str = "Confirmation",
    ) -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.yes_label = yes
        self.no_label = no
        self.default_yes = default_yes
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box") as box:
            box.border_title = self.title_text
            yield Static(self.question, id="confirm-question", markup=False)
            if self.detail:
                yield Static(self.detail, id="confirm-detail", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.yes_label} (O)", id="confirm-yes", variant="primary")
                yield Button(f"{self.no_label} (N)", id="confirm-no")
        yield StableFooter()

    def on_mount(self) -> None:
        self.query_one("#confirm-yes" if self.default_yes else "#confirm-no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
