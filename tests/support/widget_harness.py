"""Tiny apps that host the client's widgets (never its screens: those run in the real app,
``tests/support/tui.py``) for Pilot tests and snapshots."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual import on
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, TextArea

from cesp_tui.key_order import OrderedKeys
from cesp_tui.widgets.date_input import DateInput
from cesp_tui.widgets.filter_select import FilterSelect
from cesp_tui.widgets.iban_input import IbanInput
from cesp_tui.widgets.nir_input import NirInput
from cesp_tui.widgets.tab_form import TabForm
from cesp_tui.widgets.tab_header import TabHeader


def freeze_cursors(app: App[object]) -> None:
    """No blinking cursor: screenshots are the same on every run."""
    for widget in app.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False


class HarnessApp(OrderedKeys, App[None]):
    """Composes what ``build`` returns, then an Input "after" (to see focus move on), and
    records the widgets' messages in ``messages``."""

    CSS = """
    Screen { layout: vertical; }
    #after { height: 1; }
    """

    def __init__(self, build: Callable[[], Iterable[Widget]], *, after: bool = True) -> None:
        super().__init__()
        self._build = build
        self._after = after
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield from self._build()
        if self._after:
            yield Input(id="after", compact=True)

    def on_mount(self) -> None:
        freeze_cursors(self)

    @on(FilterSelect.Changed)
    @on(NirInput.Changed)
    @on(IbanInput.Changed)
    @on(IbanInput.Derived)
    @on(DateInput.Changed)
    @on(TabForm.FieldChanged)
    @on(TabHeader.TabSelected)
    def _record(self, message: Message) -> None:
        self.messages.append(message)

    def of_type(self, kind: type[Message]) -> list[Message]:
        return [m for m in self.messages if isinstance(m, kind)]
