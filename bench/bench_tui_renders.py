"""Widget renders and screen layouts per key on a dossier tab: counted, not timed, so
the figures do not depend on the host's load (ADR 0011, ADR 0023).

Run from the repository root::

    .venv/bin/python bench/bench_tui_renders.py

The real `DossierScreen` (the real `CespApp` of ``tests/support/tui.py``, empty CESP
dossier) at 80x24, keyed through Pilot: text in "Nom de naissance" and "Prénoms", the
date, the move into the department list, three letters in it, Enter. For each step:
`Widget.render_lines` calls (by widget class), `Screen._refresh_layout` runs, and the
event loop thread's CPU time (indicative only). Measurement only: it wraps Textual's
methods, including a private one. Prints, and writes ``bench/results/tui_renders.json``.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from textual.screen import Screen  # noqa: E402
from textual.widget import Widget  # noqa: E402

from cesp_client.credentials import TokenStore  # noqa: E402
from tests.support.tui import (  # noqa: E402
    MemoryKeyring,
    freeze_cursors,
    new_local_dossier,
    run_app,
    tui_app,
)

RESULTS = REPO_ROOT / "bench" / "results" / "tui_renders.json"
STEPS: list[tuple[str, list[str]]] = [
    ("10 letters in nom_naissance", list("Durandxxxx")),
    ("Enter, Enter to prenoms", ["enter", "enter"]),
    ("10 letters in prenoms", list("Jeanpierre")),
    ("Enter, 8 digits of the date", ["enter", *"15031999"]),
    ("Enter, Tab into the department list", ["enter", "tab"]),
    ("3 letters in the department list", list("hau")),
    ("Enter: pick, next list", ["enter"]),
]


async def run() -> list[dict[str, Any]]:
    renders: Counter[str] = Counter()
    layouts = [0]
    render_lines = Widget.render_lines
    refresh_layout = Screen._refresh_layout

    def counted_render(self: Widget, crop: Any) -> Any:
        renders[type(self).__name__] += 1
        return render_lines(self, crop)

    def counted_layout(self: Screen[Any], *args: Any, **kwargs: Any) -> Any:
        layouts[0] += 1
        return refresh_layout(self, *args, **kwargs)

    Widget.render_lines = counted_render  # type: ignore[method-assign]
    Screen._refresh_layout = counted_layout  # type: ignore[method-assign]
    out: list[dict[str, Any]] = []
    data_dir = Path(tempfile.mkdtemp())
    tokens = TokenStore(backend=MemoryKeyring())
    dossier_id = new_local_dossier(data_dir)
    app = tui_app(
        data_dir, tokens=tokens, open_id=dossier_id, tab="etat_civil", field="nom_naissance"
    )
    async with run_app(app, size=(80, 24)) as pilot:
        await pilot.pause()
        freeze_cursors(app)
        await pilot.pause(0.3)
        for label, keys in STEPS:
            renders.clear()
            layouts[0] = 0
            started = time.thread_time()
            for key in keys:
                await pilot.press(key)
                await pilot.pause()
            await pilot.pause(0.2)
            out.append(
                {
                    "step": label,
                    "keys": len(keys),
                    "renders": sum(renders.values()),
                    "layouts": layouts[0],
                    "ui_cpu_ms": round(1000 * (time.thread_time() - started), 1),
                    "top": renders.most_common(4),
                }
            )
    return out


def main() -> None:
    steps = asyncio.run(run())
    print(f"{'step':40} {'keys':>4} {'renders':>8} {'layouts':>8} {'ui-cpu ms':>10}")
    for step in steps:
        print(
            f"{step['step']:40} {step['keys']:>4} {step['renders']:>8} {step['layouts']:>8}"
            f" {step['ui_cpu_ms']:>10}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "command": "bench/bench_tui_renders.py",
                "environment": {
                    "python": platform.python_version(),
                    "load_average": os.getloadavg(),
                },
                "steps": steps,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written to {RESULTS.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
