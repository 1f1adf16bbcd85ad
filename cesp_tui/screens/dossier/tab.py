"""One form tab of a dossier ("État civil", "Adresse"...), drawn from the démarche.

`TabScreen` is one of the screen-sized views a `DossierScreen` switches between (a
``ContentSwitcher``: see docs/adr/0007-dossier-screens.md). It hosts the tab's `TabForm`:
every change goes to the local store at once (the app's `DraftWriter`, off the UI
thread), "Enregistrer" checks the tab with `cesp_core` and shows each problem under its
field. `DossierView` is the base the pieces and synthesis views share.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Container

from cesp_core.demarches import rules
from cesp_core.demarches.model import Tab
from cesp_core.problems import Problem
from cesp_tui.widgets.field_row import FieldRow
from cesp_tui.widgets.tab_form import TabForm

if TYPE_CHECKING:
    from cesp_client.dossier_model import DossierModel

__all__ = ["DossierView", "TabScreen"]


class DossierView(Container):
    """A tab of an open dossier, shown inside its `DossierScreen`. It reads the dossier
    from ``model`` and writes through it; what the screen must do (show another tab,
    transmit, reload the pieces) goes up as messages (`cesp_tui.messages`). Field
    changes bubble up as `TabForm.FieldChanged`, which the screen applies."""

    can_focus = False

    def __init__(self, tab: Tab, model: DossierModel, *, readonly: bool = False) -> None:
        super().__init__(id=f"view-{tab.key}", classes="dossier-view")
        self.tab = tab
        self.model = model
        self.readonly = readonly

    @property
    def tab_key(self) -> str:
        return self.tab.key

    # --- what the dossier screen calls --------------------------------------------------

    def refresh_view(self) -> None:
        """The dossier changed (another tab, pieces, state): show it."""

    def focus_default(self) -> None:
        """Put the cursor where work starts on this tab."""

    def focus_field(self, field: str | None) -> bool:
        """Cursor on ``field`` (False when this view has no such field)."""
        return False

    def set_readonly(self, readonly: bool) -> None:
        self.readonly = readonly

    @property
    def can_save(self) -> bool:
        """Whether "Enregistrer" means something here."""
        return False

    def problems(self) -> list[Problem]:
        """This tab's problems, as `cesp_core` finds them in the local copy."""
        model = self.model
        return rules.tab_problems(model.demarche, self.tab.key, model.data, model.piece_counts)

    def show_problems(self, problems: list[Problem], *, focus: bool = False) -> None:
        """Show ``problems`` on this view (each under its field, where there is one)."""


class TabScreen(DossierView):
    """A form tab: its `TabForm`, fed from and written to the local copy."""

    def compose(self) -> ComposeResult:
        model = self.model
        yield TabForm(
            model.demarche,
            self.tab.key,
            model.data.get(self.tab.key) or {},
            dossier=model.data,
            id=f"form-{self.tab.key}",
        )

    def on_mount(self) -> None:
        self.set_readonly(self.readonly)

    @property
    def form(self) -> TabForm:
        return self.query_one(TabForm)

    @property
    def can_save(self) -> bool:
        return not self.readonly

    def refresh_view(self) -> None:
        self.form.update_dossier(self.model.data)

    def set_readonly(self, readonly: bool) -> None:
        super().set_readonly(readonly)
        if not self.query(TabForm):
            return  # not composed yet: on_mount applies it
        form = self.form
        # Rows are disabled (nothing can change) but the form itself takes the focus,
        # so that a read-only dossier still scrolls with the keyboard.
        for row in form.rows:
            row.disabled = readonly
        form.can_focus = readonly
        self.set_class(readonly, "-readonly")

    def focus_default(self) -> None:
        if self.readonly:
            self.form.focus()
            return
        focused = self.app.focused
        if focused is not None and self in focused.ancestors:
            return
        self.form.focus_first()

    def focus_field(self, field: str | None) -> bool:
        if field is None:
            self.focus_default()
            return True
        try:
            row = self.form.row(field)
        except KeyError:
            return False
        if not row.display:
            return False
        if self.readonly:
            self.form.scroll_to_widget(row, animate=False)
            self.form.focus()
        else:
            row.focus_control()
        return True

    def show_problems(self, problems: list[Problem], *, focus: bool = False) -> None:
        self.form.show_problems(problems, focus=focus)

    def problem_shown(self, field: str) -> str | None:
        """The message under ``field`` (None when there is none)."""
        row: FieldRow = self.form.row(field)
        return row.problem

    @on(TabForm.FieldChanged)
    def _changed(self, event: TabForm.FieldChanged) -> None:
        """Written through the model at once (the form's rules read the copy next), then
        the message goes on up: the screen refreshes the tabs' states."""
        if self.readonly or not self.model.set_field(event.tab, event.field, event.value):
            event.stop()
