"""The "État civil" tab of the CESP démarche, partly filled, for SVG snapshots."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer

from cesp_core.demarches import CESP
from cesp_core.demarches.rules import TabState
from cesp_tui.widgets.status_line import StatusLine
from cesp_tui.widgets.tab_form import TabForm
from cesp_tui.widgets.tab_header import TabHeader
from tests.support.widget_harness import freeze_cursors

VALUES = {
    "civilite": "M",
    "nom_naissance": "Dupont",
    "prenoms": "Jean Pierre",
    "date_naissance": "1999-03-14",
    "departement_naissance": "87",
    "commune_naissance": "87085",
    "nir": "199038708512319",
}


class TabFormApp(App[None]):
    CSS = "Screen { layout: vertical; }"

    def compose(self) -> ComposeResult:
        yield TabHeader(
            CESP,
            current="etat_civil",
            states={
                "etat_civil": TabState.INCOMPLET,
                "adresse": TabState.COMPLET,
                "etudes": TabState.ERREURS,
            },
        )
        yield TabForm(CESP, "etat_civil", VALUES)
        yield StatusLine()
        yield Footer()

    def on_mount(self) -> None:
        freeze_cursors(self)
        status = self.query_one(StatusLine)
        status.online = True
        status.pending = 2
        self.query_one(TabForm).focus_first()


app = TabFormApp()

if __name__ == "__main__":
    app.run()
