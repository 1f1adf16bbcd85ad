"""Keystrokes and time of a CESP dossier keyed by a back-office agent, against the plain path.

Run from the repository root::

    .venv/bin/python bench/bench_agent_keying.py [--rounds 1]

Agent path: the real `CespApp` logged in as an agent, against the platform on loopback
(SQLite, uvicorn in a thread: ``tests/support/server.start_server``), at 80x24, through
Pilot, in "saisie continue": "File de saisie" -> ``n`` -> the applicant's identity ->
the dossier's five form tabs in keying mode (auto-advance of full fields, NIR prefill,
the postal code's commune passed over, Enter past the last field saves and goes on)
-> Ctrl+O "Dossier suivant". The first dossier of the batch is keyed in full; the one
measured is the **second**, with the batch's fields carried over (Ctrl+G).

Plain path: the keying of ``bench/bench_tui_keying.py`` / ``tests/tui/test_dossier_keying
.py`` (the applicant's own `DossierScreen` over a local store, same data), without its
final back-and-forth between the tabs (that part measures latency, not keying).

Both are counted the same way: a key is *data* when it types a value (characters of a
name, a date, a number...), *non-data* otherwise (Enter, Tab, arrows, Ctrl+S/N/O/G, the
choice of a radio button with Enter). The agent also types the applicant's e-mail (the
applicant's own dossier knows it from the account): counted as data. Prints the counts,
the ratio and the wall time of each dossier; writes ``bench/results/agent_keying.json``.
Target: at least 30 % fewer non-data keystrokes (printed, never asserted; no timing is
ever asserted).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from textual.pilot import Pilot  # noqa: E402

from bench.bench_tui_keying import DATA, NAV, SCRIPT  # noqa: E402
from cesp_client.credentials import TokenStore  # noqa: E402
from cesp_client.store import DraftStore  # noqa: E402
from cesp_tui.app import CespApp  # noqa: E402
from cesp_tui.screens.account.login import LoginScreen  # noqa: E402
from cesp_tui.screens.dossier.dossier import DossierScreen  # noqa: E402
from cesp_tui.screens.staff.agent_home import AgentHomeScreen  # noqa: E402
from cesp_tui.screens.staff.on_behalf import OnBehalfScreen  # noqa: E402
from cesp_tui.widgets.field_row import FieldRow  # noqa: E402
from tests.support.accounts import DEFAULT_PASSWORD, create_staff_account  # noqa: E402
from tests.support.dossiers import CESP_IBAN, CESP_NIR, make_campaign, nir_with_key  # noqa: E402
from tests.support.server import start_server, test_settings  # noqa: E402
from tests.support.tui import SERVER_KEY, USERNAME, MemoryKeyring, run_app, tui_app  # noqa: E402

RESULTS = REPO_ROOT / "bench" / "results" / "agent_keying.json"
SIZE = (80, 24)
TARGET_FEWER_NON_DATA = 0.30
AGENT_EMAIL = "agent.bench@example.org"

#: The plain path: ``SCRIPT`` of bench_tui_keying without its last step (tab hopping).
PLAIN_SCRIPT = SCRIPT[:-1]

#: The person of the plain path (same data), and the one keyed before it in the batch.
DURAND = {
    "email": "jean.durand@example.org",
    "civilite": "M",
    "nom": "Durand",
    "prenom": "Jean Pierre",
    "date": "15031999",
    "nir": CESP_NIR,
    "adresse": "12 rue Jean Jaurès",
    "cp": "87000",
    "tel": "0612345678",
    "niveau": "dfasm2",
    "titulaire": "Jean Pierre DURAND",
}
MARTIN = {
    "email": "lea.martin@example.org",
    "civilite": "F",
    "nom": "Martin",
    "prenom": "Lea",
    "date": "14042000",
    "nir": nir_with_key("2000487085456"),
    "adresse": "3 place Denis Dussoubs",
    "cp": "87000",
    "tel": "0698765432",
    "niveau": "dfasm2",
    "titulaire": "Lea MARTIN",
}
UNIVERSITE = "Université de Limoges, UFR de médecine"

Condition = Callable[[CespApp], bool]


@dataclass
class Step:
    keys: Sequence[str] | str  # a plain string is typed character by character
    kind: str
    #: Waited for after the keys (outside the count, inside the time).
    until: Condition | None = None
    what: str = ""


def _focused(app: CespApp) -> str | None:
    node: Any = app.focused
    while node is not None:
        if isinstance(node, FieldRow):
            return node.key
        node = node.parent
    return None


def _on_tab(tab: str) -> Condition:
    def check(app: CespApp) -> bool:
        screen = app.screen
        return isinstance(screen, DossierScreen) and screen.current_tab == tab

    return check


def _at(field: str) -> Condition:
    return lambda app: _focused(app) == field


def _form_ready(app: CespApp) -> bool:
    screen = app.screen
    return isinstance(screen, OnBehalfScreen) and screen.campaign_id is not None


def agent_script(who: dict[str, str], *, carry: bool) -> list[Step]:
    """One paper dossier from the identity form to Ctrl+O "Dossier suivant"."""
    steps = [Step(who["email"], DATA), Step(["enter"], NAV)]
    if who["civilite"] == "M":  # the first choice: Enter picks it, as in the plain path
        steps.append(Step(["enter"], NAV, _at("nom"), "civilité M. picked"))
    else:  # "f": Mme, and the cursor moves on
        steps.append(Step("f", DATA, _at("nom"), "civilité Mme picked"))
    steps += [
        Step(who["nom"], DATA),
        Step(["enter"], NAV),
        Step(who["prenom"], DATA),
        Step(["enter"], NAV),
        Step(who["date"], DATA),
        Step(["enter"], NAV, _at("nir"), "dossier created, cursor on the NIR"),
    ]
    if carry:
        steps.append(Step(["ctrl+g"], NAV))  # the batch's fields, all at once
    steps += [
        Step(who["nir"], DATA),  # fills the department and the commune of birth
        Step(["enter"], NAV, _at("adresse"), "saved, Adresse"),
        Step(who["adresse"], DATA),
        Step(["enter", "enter", "enter"], NAV),  # past "Complément", "Pays" (France)
        Step(who["cp"], DATA, _at("telephone"), "postal code moved on past the commune"),
        Step(who["tel"], DATA),
        Step(["ctrl+n"], NAV, _on_tab("etudes")),
    ]
    if carry:
        steps += [
            Step(who["niveau"], DATA, None),
            Step(["enter", "ctrl+n"], NAV, _on_tab("volet_social")),
        ]
    else:
        steps += [
            Step(["enter"], NAV, _at("niveau"), "Médecine picked"),
            Step(who["niveau"], DATA),
            Step(["enter"], NAV, _at("universite")),
            Step(UNIVERSITE, DATA),
            Step(["enter"], NAV),
            Step("2025", DATA),
            Step(["enter"], NAV, _on_tab("volet_social"), "picked: saved, next tab"),
        ]
    steps += [
        Step(["enter", "ctrl+n"], NAV, _on_tab("coordonnees_bancaires")),  # Célibataire
        Step(who["titulaire"], DATA),
        Step(["enter"], NAV),
        Step(CESP_IBAN.lower(), DATA, _at("bic"), "IBAN moved on"),
        Step(["ctrl+o"], NAV, _form_ready, "next paper dossier"),
    ]
    return steps


def counts(steps: Sequence[tuple[Sequence[str] | str, str]]) -> dict[str, int]:
    data = sum(len(keys) for keys, kind in steps if kind == DATA)
    nav = sum(len(keys) for keys, kind in steps if kind == NAV)
    return {"data": data, "non_data": nav, "total": data + nav}


async def until(pilot: Pilot[Any], app: CespApp, condition: Condition, what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition(app):
        if time.monotonic() > deadline:
            raise RuntimeError(f"not reached: {what} (screen {app.screen!r})")
        await pilot.pause(0.01)


async def run_steps(pilot: Pilot[Any], app: CespApp, steps: list[Step]) -> float:
    start = time.perf_counter()
    for step in steps:
        await pilot.press(*step.keys)
        if step.until is not None:
            await until(pilot, app, step.until, step.what)
    return time.perf_counter() - start


async def agent_round(data_dir: Path, server_url: str) -> dict[str, Any]:
    app = tui_app(data_dir, server_url=server_url, tokens=TokenStore(backend=MemoryKeyring()))
    async with app.run_test(size=SIZE) as pilot:
        await until(
            pilot,
            app,
            lambda a: isinstance(a.screen, LoginScreen) and a.api is not None,
            "login screen",
        )
        app.screen.query_one("#identifier").value = AGENT_EMAIL  # type: ignore[attr-defined]
        app.screen.query_one("#password").focus()
        await pilot.press(*DEFAULT_PASSWORD, "enter")
        await until(
            pilot,
            app,
            lambda a: isinstance(a.screen, AgentHomeScreen) and a.screen.workspace is not None,
            "agent home",
        )
        await pilot.press("c", "n")  # saisie continue on; a new paper dossier
        await until(pilot, app, _form_ready, "identity form")
        first = await run_steps(pilot, app, agent_script(MARTIN, carry=False))
        second = await run_steps(pilot, app, agent_script(DURAND, carry=True))
        start = time.perf_counter()
        await until(pilot, app, lambda a: a.drafts.pending_count() == 0, "sync")
        sync_tail = time.perf_counter() - start
        session = app.session
        assert session is not None
        keyed = [
            d
            for d in app.drafts.list(session.server_key, session.username)
            if (d.data.get("etat_civil") or {}).get("nom_naissance") == DURAND["nom"]
        ]
        data = dict(keyed[0].data) if keyed else {}
    return {"first_s": first, "second_s": second, "sync_tail_s": sync_tail, "data": data}


async def plain_round(data_dir: Path) -> tuple[float, dict[str, Any]]:
    store = DraftStore(data_dir / "drafts.db")
    dossier_id = store.create_local(SERVER_KEY, USERNAME, "cesp", 1).id
    store.close()
    tokens = TokenStore(backend=MemoryKeyring())
    app = tui_app(data_dir, tokens=tokens, role="candidat", open_id=dossier_id)
    async with run_app(app, size=SIZE) as pilot:
        for _ in range(100):
            if isinstance(app.screen, DossierScreen):
                break
            await pilot.pause(0.02)
        start = time.perf_counter()
        for keys, _kind in PLAIN_SCRIPT:
            await pilot.press(*keys)
            if list(keys)[-1:] == ["ctrl+n"]:
                await pilot.pause(0.05)
        elapsed = time.perf_counter() - start
        screen = app.screen
        assert isinstance(screen, DossierScreen)
        return elapsed, dict(screen.data)


FORM_TABS = ("etat_civil", "adresse", "etudes", "volet_social", "coordonnees_bancaires")


def differences(plain: dict[str, Any], agent: dict[str, Any]) -> list[str]:
    """Fields whose values differ between the two dossiers (unset = None), both normalised
    as the platform stores them (`rules.clean_tab`: the agent's copy came back from it)."""
    from cesp_core.demarches import CESP, rules

    found = []
    for tab in FORM_TABS:
        mine = rules.clean_tab(CESP, tab, plain.get(tab) or {})[0]
        theirs = rules.clean_tab(CESP, tab, agent.get(tab) or {})[0]
        for key in sorted(set(mine) | set(theirs)):
            if mine.get(key) != theirs.get(key):
                found.append(f"{tab}.{key}: plain {mine.get(key)!r}, agent {theirs.get(key)!r}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()

    from cesp_tui.widgets.filter_select import warm_indexes

    warm_indexes()
    plain = counts(PLAIN_SCRIPT)
    agent_steps = agent_script(DURAND, carry=True)
    agent = counts([(s.keys, s.kind) for s in agent_steps])
    first = counts([(s.keys, s.kind) for s in agent_script(MARTIN, carry=False)])

    plain_times: list[float] = []
    agent_times: list[dict[str, Any]] = []
    diffs: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = start_server(test_settings(root / "server"))
        try:
            create_staff_account(server, "agent", AGENT_EMAIL)
            for n in range(args.rounds):
                campaign = make_campaign(server, label=f"CESP bench {n}")
                assert campaign
                agent_times.append(asyncio.run(agent_round(root / f"agent{n}", server.url)))
                (root / f"plain{n}").mkdir()
                elapsed, plain_data = asyncio.run(plain_round(root / f"plain{n}"))
                plain_times.append(elapsed)
                diffs = differences(plain_data, agent_times[-1]["data"])
        finally:
            server.stop()

    fewer_non_data = 1 - agent["non_data"] / plain["non_data"]
    fewer_total = 1 - agent["total"] / plain["total"]
    results = {
        "command": "python bench/bench_agent_keying.py " + " ".join(sys.argv[1:]),
        "environment": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "parameters": {"rounds": args.rounds, "size": list(SIZE)},
        "plain_keystrokes": plain,
        "agent_second_dossier_keystrokes": agent,
        "agent_first_dossier_keystrokes": first,
        "non_data_ratio_agent_over_plain": round(agent["non_data"] / plain["non_data"], 3),
        "fewer_non_data": round(fewer_non_data, 3),
        "fewer_keystrokes_overall": round(fewer_total, 3),
        "target_fewer_non_data": TARGET_FEWER_NON_DATA,
        "target_met": fewer_non_data >= TARGET_FEWER_NON_DATA,
        "same_data_in_both_dossiers": not diffs,
        "data_differences": diffs,
        "wall_time_s": {
            "plain_dossier": [round(t, 2) for t in plain_times],
            "agent_first_dossier": [round(t["first_s"], 2) for t in agent_times],
            "agent_second_dossier": [round(t["second_s"], 2) for t in agent_times],
            "agent_sync_tail_after_last_key": [round(t["sync_tail_s"], 2) for t in agent_times],
        },
        "note": "Wall times are Pilot's (it waits for the screen to be idle after each key): "
        "they compare the two paths on this machine, not a person's typing speed.",
    }

    print(f"load average: {results['environment']['load_average']}")
    print(f"{'':40} {'data':>6} {'non-data':>9} {'total':>6}")
    for label, c in (
        ("plain client (applicant's path)", plain),
        ("agent, 1st dossier of the batch", first),
        ("agent, 2nd dossier (carry-over)", agent),
    ):
        print(f"{label:40} {c['data']:>6} {c['non_data']:>9} {c['total']:>6}")
    print(
        f"non-data keystrokes, agent / plain: {agent['non_data']}/{plain['non_data']} = "
        f"{agent['non_data'] / plain['non_data']:.2f} ({fewer_non_data:.0%} fewer); "
        f"all keystrokes {fewer_total:.0%} fewer"
    )
    walls = results["wall_time_s"]
    print(
        f"wall time per dossier (Pilot): plain {walls['plain_dossier']} s, agent 1st "
        f"{walls['agent_first_dossier']} s, agent 2nd {walls['agent_second_dossier']} s; "
        f"sync done {walls['agent_sync_tail_after_last_key']} s after the last key"
    )
    print(
        "same values in the five form tabs of both dossiers: "
        + ("yes" if not diffs else "NO: " + "; ".join(diffs))
    )
    verdict = "met" if results["target_met"] else "NOT met"
    print(f"target: at least {TARGET_FEWER_NON_DATA:.0%} fewer non-data keystrokes: {verdict}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
