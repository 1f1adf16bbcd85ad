"""`WorkProgress`: one line with what a long task does and Textual's `ProgressBar`.

Hidden until `show` is called; the screens call it from the handler of the worker's
`cesp_tui.messages.WorkProgress` messages (never from the worker). ``total`` None makes
the bar indeterminate (the platform is working and says nothing until it answers).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from cesp_core.validators.pieces import human_size

__all__ = ["WorkProgressLine", "human_size"]


class WorkProgressLine(Horizontal):
    """What is done (text) and how far (bar); see the module's docstring."""

    DEFAULT_CSS = """
    WorkProgressLine {
        display: none;
        height: 1;
        &.-visible { display: block; }
        & > .work-text {
            width: 1fr;
            height: 1;
            text-wrap: nowrap;
            text-overflow: ellipsis;
        }
        & > ProgressBar { width: auto; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static("", classes="work-text", markup=False)
        yield ProgressBar(show_eta=False)

    @property
    def bar(self) -> ProgressBar:
        return self.query_one(ProgressBar)

    @property
    def text(self) -> str:
        return str(self.query_one(".work-text", Static).render())

    def show(self, done: int, total: int | None, text: str) -> None:
        self.query_one(".work-text", Static).update(text)
        self.bar.update(total=total, progress=done)
        self.add_class("-visible")

    def hide(self) -> None:
        self.remove_class("-visible")
