"""`ChoiceSet`: Textual's `RadioSet` whose highlight starts on the option chosen, with its
keys described in French.

Textual's `RadioSet` highlights its first option when mounted, whatever option is
pressed: Space (or Enter) on a row that says "Veuf ou veuve" then chose "Célibataire"
(issue 13). Here the highlight goes to the pressed option whenever the row takes the
focus, so Space and Enter select only the option under the highlight.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import RadioButton, RadioSet

__all__ = ["ChoiceSet"]

#: The class Textual's `RadioSet` gives the highlighted option (its CSS styles it).
HIGHLIGHT = "-selected"


class ChoiceSet(RadioSet):
    """A `RadioSet` (see the module's docstring); same keys, French descriptions."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,right", "next_button", "Option suivante", show=False, id="choice.next"),
        Binding("enter,space", "toggle_button", "Choisir", show=False, id="choice.toggle"),
        Binding(
            "up,left", "previous_button", "Option précédente", show=False, id="choice.previous"
        ),
    ]

    # Not at mount: moving the highlight scrolls to it, and a row laid out on one line
    # for a moment (before `FieldRow.fit_choices` stacks it) would scroll the form
    # sideways. On focus, the row has its layout.
    def on_focus(self) -> None:
        self.highlight_pressed()

    def highlight_pressed(self) -> None:
        """Move the highlight onto the pressed option (none pressed: left where it is)."""
        pressed = self.pressed_button
        if pressed is None or not self.is_attached:
            return
        buttons = list(self.query_children(RadioButton))
        for _ in buttons:
            if pressed.has_class(HIGHLIGHT):
                return
            self.action_next_button()
