"""What the client imports before its first screen (issue 14: first screen <= 0.3 s).

SQLAlchemy/SQLModel (the draft store, ~0.4 s), the platform (FastAPI, uvicorn) and the
HTTP client are imported on first use, off the first paint; ``bench/bench_tui_startup.py``
measures the time, this test keeps the heavy imports from creeping back.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "fastapi",
    "uvicorn",
    "cesp_server",
    "alembic",
    "httpx",
    # F1's panel (Textual's HelpPanel and its Markdown, ~35 ms): imported when F1 opens.
    "markdown_it",
    "cesp_tui.widgets.keys_help",
)


def test_importing_the_app_and_its_login_screen_leaves_the_heavy_parts_out() -> None:
    code = (
        "import json, sys\n"
        "import cesp_tui.app\n"
        "import cesp_tui.screens.account.login\n"
        f"heavy = {HEAVY!r}\n"
        "loaded = [m for m in sys.modules if m in heavy or m.split('.')[0] in heavy]\n"
        "print(json.dumps(sorted(loaded)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
