"""The footer names the tab keys with the démarche's number of tabs: "Alt+1…6" on an ASP
candidature (six tabs), "Alt+1…7" on a CESP dossier; an ASP candidature showed CESP's
"Alt+1…7" (seen in tmux at 80x24)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cesp_client.store import DraftStore, DraftWriter
from cesp_client.workspace import Workspace, load_snapshot
from cesp_tui.screens.dossier.dossier import DossierScreen
from tests.support.tui import settle_app, tui_app
from tests.tui.terminal import full_render


@pytest.mark.parametrize(
    ("demarche", "role", "shown"),
    [("cesp", "candidat", "Alt+1…7"), ("asp", "etablissement", "Alt+1…6")],
)
async def test_the_footer_counts_the_tabs_of_the_demarche(
    demarche: str, role: str, shown: str, tmp_path: Path
) -> None:
    store = DraftStore(tmp_path / "drafts.db")
    dossier = store.create_local("local", "someone", demarche, 1)
    workspace = Workspace(
        store=store,
        writer=DraftWriter(store),
        server_key="local",
        username="someone",
        role=role,
        applicant_demarche=demarche if role == "candidat" else None,
    )
    app = tui_app(tmp_path / "client", server_url="http://127.0.0.1:9")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle_app(app, pilot)
            snapshot = load_snapshot(store, dossier.id)
            assert snapshot is not None
            await app.push_screen(DossierScreen(workspace, snapshot))
            await settle_app(app, pilot)
            footer = "".join(c for c, _ in full_render(app).cells[-1])
            assert f"{shown} Onglets" in footer, footer
    finally:
        workspace.writer.close()
        store.close()
