"""The footer names the tab keys with the démarche's number of tabs: "Alt+1…6" on an ASP
candidature (six tabs), "Alt+1…7" on a CESP dossier; an ASP candidature showed CESP's
"Alt+1…7" (seen in tmux at 80x24)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.tui import new_local_dossier, run_app, settle_app, tui_app
from tests.tui.terminal import full_render


@pytest.mark.parametrize(
    ("demarche", "role", "shown"),
    [("cesp", "candidat", "Alt+1…7"), ("asp", "etablissement", "Alt+1…6")],
)
async def test_the_footer_counts_the_tabs_of_the_demarche(
    demarche: str, role: str, shown: str, tmp_path: Path
) -> None:
    app = tui_app(tmp_path, role=role, open_id=new_local_dossier(tmp_path, demarche))
    async with run_app(app) as pilot:
        await settle_app(app, pilot)
        footer = "".join(c for c, _ in full_render(app).cells[-1])
        assert f"{shown} Onglets" in footer, footer
