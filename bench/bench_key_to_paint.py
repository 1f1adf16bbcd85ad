"""Key-to-paint wall-clock time through a real terminal: what a person at the keyboard sees.

Run from the repository root::

    .venv/bin/python bench/bench_key_to_paint.py [--rounds 1] [--modes off,on] [--ref 2b1ccbf]

A child process runs the real client app (`CespApp`, offline: its platform at a closed
loopback port) with Textual's real Linux driver, in a pseudo-terminal (``os.openpty``,
80x24 set with ``TIOCSWINSZ``, ``TERM=xterm-256color``). Once running, the child logs a
candidate in (the `LoggedIn` message the login screen posts, as
``tests/support/tui.py`` does), waits for "Mes demandes" and its workers, and opens a new
CESP dossier of its draft store, as a person would from the list. The parent writes each
key's bytes (xterm encodings) to the pty's master side and reads what the app paints.

Per key: from the write of its bytes to the arrival of the last output chunk that changed
the screen, once the output has been quiet for ``--quiet-ms`` (30 ms: longer than
Textual's 1/60 s frame, so that a key painted over two frames counts whole). During the
window only raw bytes are read (with their arrival times); afterwards they are fed to
`pyte` (a terminal emulator) chunk by chunk, and the last chunk that changed a cell
(character or attributes) ends the key's time. Enter, Tab and the tab keys move the
focus: for them a pause in the output is not the end (a view may still be building)
until the child reports where the focus went (or ``--focus-wait``, 1 s, has passed);
one that moved no focus (Enter on a radio row picks and stays) ends at its first pause,
as a character does, and before the tab header's states repaint (0.2 s after a change;
the child notes when `refresh_states` runs); if its first output comes after
``--idle-start`` (0.1 s, six frames) it painted nothing (that output is a status message
fading). Such output is drained, not counted.
No cursor blinks (the child stops it in each field it focuses): a blink is no key's
paint. Lost keys are listed per run, never hidden: ``unpainted`` (no cell changed
within ``--key-timeout``: a character typed under a toast, or a move that rightly
changes nothing, such as an arrow that has no field to go to) and ``timed out`` (the
output had not gone quiet after ``--key-timeout``; the time is then a floor). A target
is met when the p99 is within it, no key timed out and every character typed painted.

The keying is the one of ``bench/bench_tui_keying.py`` (a CESP dossier, tab by tab),
then back and forth between the tabs, typed at a person's pace: ``--key-gap`` between
the characters of a value, ``--pause`` between steps (a pause long enough for the idle
prebuild of the tabs to start, so that keys land during a build when one is slow). The
script says "go to tab N"; each side presses its own key for it: Alt+N (ESC+digit in a
terminal, ADR 0026) where the dossier screen binds it, else F(N+1) (F2..F8, the keys
before the one keymap). The child reports each focus change on a side file (the focused
widget, whether it is in a list field, the current tab), which classifies the keys:

* ``data``: a character typed in a field;
* ``move``: Enter/Tab/arrows to another field; ``move_list``: the same, landing in a
  list field (department, commune, country...);
* ``tab_first``: Ctrl+N or "go to tab N" showing a tab for the first time;
  ``tab_revisit``: again;
* ``save``: Ctrl+S, or a Ctrl+N refused (nothing moved).

On Ctrl+Q (the end of a run) the child writes the dossier's values as its screen holds
them: every run must have typed the same dossier (printed, and in the JSON).

Modes (A/B in one run, this tree only): ``off``, views built on first visit
(``DossierScreen.prebuild_tabs = False``); ``on``, the unvisited tabs built while the
user is idle (ADR 0024). ``--ref GIT_REV`` (before/after in one run, issue 14: "before"
is 2b1ccbf): the same keying against that revision's own app, from a temporary git
worktree (``bench/refs.py``) with this tree's venv; its runs alternate with this tree's
in every round (the order flips each round) so that the machine's load weighs on both
alike. A revision without ``prebuild_tabs`` runs as mode ``none`` (views built on first
visit). p50/p99/max per kind, one table per side and mode, the targets beside; prints,
writes ``bench/results/key_to_paint.json``. Targets (issue 14): every key p99 <= 33 ms,
tab changes p99 <= 50 ms (printed, never asserted). Bounded: each key waits at most
``--key-timeout``; the whole run stops by itself.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import math
import os
import platform
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyte

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.refs import ONLY_TREE_CODE, commit_of, is_dirty, ref_tree  # noqa: E402
from tests.support.dossiers import CESP_IBAN, CESP_NIR  # noqa: E402

RESULTS = REPO_ROOT / "bench" / "results" / "key_to_paint.json"
COLUMNS, LINES = 80, 24
TARGET_KEY_P99_MS = 33.0
TARGET_TAB_P99_MS = 50.0
TAB_KINDS = ("tab_first", "tab_revisit")
KINDS = ("data", "move", "move_list", "save", "tab_first", "tab_revisit")
CURRENT, REF = "current", "ref"
#: The mode of a side that has no prebuild of the tabs (views built on first visit).
NO_PREBUILD = "none"

#: xterm's bytes for the keys the script presses (the tab keys: per side, below).
KEY_BYTES: dict[str, bytes] = {
    "enter": b"\r",
    "tab": b"\t",
    "up": b"\x1b[A",
    "down": b"\x1b[B",
    "ctrl+s": b"\x13",
    "ctrl+n": b"\x0e",
}
#: "Go to tab N" (``goto:N`` in the script), per keymap: (key name, xterm bytes).
ALT_DIGITS: dict[int, tuple[str, bytes]] = {
    n: (f"alt+{n}", b"\x1b" + str(n).encode()) for n in range(1, 8)
}
F_KEYS: dict[int, tuple[str, bytes]] = {
    1: ("f2", b"\x1bOQ"),
    2: ("f3", b"\x1bOR"),
    3: ("f4", b"\x1bOS"),
    4: ("f5", b"\x1b[15~"),
    5: ("f6", b"\x1b[17~"),
    6: ("f7", b"\x1b[18~"),
    7: ("f8", b"\x1b[19~"),
}


def goto(n: int) -> str:
    """The script's "go to tab N" (each side presses its own key for it)."""
    return f"goto:{n}"


TAB_KEYS = frozenset({"ctrl+n", *(goto(n) for n in range(1, 8))})
#: Keys that move the focus (to another field or tab) when they do anything.
MOVES_FOCUS = TAB_KEYS | {"enter", "tab"}

DATA, NAV = "data", "nav"
#: (keys, kind): a plain string is typed character by character.
SCRIPT: list[tuple[list[str] | str, str]] = [
    # 1 État civil (the cursor starts on "Civilité").
    (["enter", "tab"], NAV),
    ("Durand", DATA),
    (["enter", "enter"], NAV),
    ("Jean Pierre", DATA),
    (["enter"], NAV),
    ("15031999", DATA),
    (["enter", "tab"], NAV),  # into the department list
    ("087", DATA),
    (["enter"], NAV),  # into the commune list
    ("Limoges", DATA),
    (["enter", "tab"], NAV),
    (CESP_NIR, DATA),
    (["ctrl+s", "ctrl+n"], NAV),
    # 2 Adresse.
    ("12 rue Jean Jaurès", DATA),
    (["enter", "enter", "tab"], NAV),
    ("87000", DATA),
    (["enter", "tab"], NAV),
    ("0612345678", DATA),
    (["ctrl+n"], NAV),
    # 3 Études.
    (["enter", "tab"], NAV),
    ("dfasm2", DATA),
    (["enter"], NAV),
    ("Université de Limoges", DATA),
    (["enter"], NAV),
    ("2025", DATA),
    (["enter", "ctrl+n"], NAV),
    # 4 Volet social.
    (["enter", "ctrl+n"], NAV),
    # 5 Coordonnées bancaires.
    ("Jean Pierre DURAND", DATA),
    (["enter"], NAV),
    (CESP_IBAN.lower(), DATA),
    (["ctrl+n"], NAV),
    # Back and forth between the tabs, arrows in the first one.
    ([goto(1), "down", "down", "up", goto(2), goto(6)], NAV),
    ([goto(7), goto(3), goto(1), goto(5), goto(2), goto(1)], NAV),
]

#: The child: this tree's app, or (``--ref``) an older one, whose modules sat elsewhere
#: before the client moved to ``cesp_client`` and one services object (ADR 0028).
DRIVER = (
    ONLY_TREE_CODE
    + r"""
import asyncio, json, os, sys, time
from pathlib import Path

data_dir, side = Path(sys.argv[1]), open(sys.argv[2], "a", buffering=1)


def note(**record):
    side.write(json.dumps(record, default=str) + "\n")


import cesp_tui
note(code=cesp_tui.__file__)

from cesp_tui.app import CespApp
from cesp_tui.messages import LoggedIn

try:  # since ADR 0028 ...
    from cesp_client.services import ClientServices  # noqa: F401
except ImportError:  # ... and before it (--ref; ONLY_TREE_CODE: not this tree's)
    from keyring.backend import KeyringBackend

    from cesp_tui.config import ClientConfig
    from cesp_tui.credentials import TokenStore
    from cesp_tui.screens.dossier import DossierScreen
    from cesp_tui.screens.login import LoginScreen
    from cesp_tui.session import Session, server_key_for
    from cesp_tui.store import DraftStore

    CLOSED_URL, USERNAME = "http://127.0.0.1:9", "jdurand"

    class MemoryKeyring(KeyringBackend):
        priority = 1

        def __init__(self):
            super().__init__()
            self.passwords = {}

        def get_password(self, service, username):
            return self.passwords.get((service, username))

        def set_password(self, service, username, password):
            self.passwords[(service, username)] = password

        def delete_password(self, service, username):
            self.passwords.pop((service, username), None)

    store = DraftStore(data_dir / "drafts.db")
    dossier_id = store.create_local(
        server_key_for(CLOSED_URL, embedded=False), USERNAME, "cesp", 1
    ).id
    store.close()

    def make_app(app_class):
        config = ClientConfig(server_url=CLOSED_URL, data_dir=data_dir)
        return app_class(config, tokens=TokenStore(backend=MemoryKeyring()))

else:
    from cesp_client.credentials import TokenStore
    from cesp_client.session import Session, server_key_for
    from cesp_tui.screens.account.login import LoginScreen
    from cesp_tui.screens.dossier.dossier import DossierScreen
    from tests.support.tui import (
        CLOSED_URL, USERNAME, MemoryKeyring, new_local_dossier, test_services
    )

    dossier_id = new_local_dossier(data_dir)

    def make_app(app_class):
        tokens = TokenStore(backend=MemoryKeyring())
        return app_class(test_services(data_dir, server_url=CLOSED_URL, tokens=tokens))

if hasattr(DossierScreen, "prebuild_tabs"):  # (ADR 0024; mode "none" before it)
    DossierScreen.prebuild_tabs = os.environ["BENCH_PREBUILD"] == "on"
note(prebuild=getattr(DossierScreen, "prebuild_tabs", None))


async def start(app):
    # As tests/support/tui.py's `start`: the platform known, logged in, "Mes demandes"
    # and its workers done (the sync engine's first try too), then the dossier opened.
    deadline = time.monotonic() + 60

    async def until(condition, what):
        while not condition():
            if time.monotonic() > deadline:
                note(failed=what)
                app.exit(return_code=3)
                raise RuntimeError(what)
            await asyncio.sleep(0.05)

    def settled():
        return not any(
            w.group not in ("sync", "bench-start") and not w.is_finished for w in app.workers
        )

    await until(lambda: app.api is not None and isinstance(app.screen, LoginScreen), "login")
    await until(settled, "start-up workers")
    details = {"username": USERNAME, "role": "candidat"}
    session = Session(
        CLOSED_URL, server_key_for(CLOSED_URL, embedded=False), USERNAME, "", details
    )
    app.post_message(LoggedIn(session))
    await until(
        lambda: app.session is session and not isinstance(app.screen, LoginScreen), "home"
    )
    engine_wait = time.monotonic() + 10
    await until(
        lambda: time.monotonic() > engine_wait
        or (app.sync_engine is not None and app.sync_engine.online is not None),
        "sync engine",
    )
    await until(settled, "home workers")
    app.clear_notifications()
    app.screen.open_dossier(dossier_id)
    await until(lambda: isinstance(app.screen, DossierScreen), "dossier")
    await until(settled, "dossier workers")
    for widget in app.screen.query("Input, TextArea"):  # no blinking (and on each focus)
        widget.cursor_blink = False
    note(ready=True, dossier=dossier_id)


class Driver(CespApp):
    # Textual resolves CSS_PATH next to the subclass's file: "-c" has none.
    CSS_PATH = os.path.join(os.path.dirname(sys.modules[CespApp.__module__].__file__), "app.tcss")

    def on_mount(self):  # (CespApp.on_mount runs too)
        self.run_worker(start(self), group="bench-start")

    def on_descendant_focus(self, event):
        widget = self.focused
        if widget is None:
            return
        if getattr(widget, "cursor_blink", False):
            # No blinking in any field (not only those of the first view): a blink is
            # no key's paint, and would end a key's window late.
            widget.cursor_blink = False
        names = [type(node).__name__ for node in (widget, *widget.ancestors)]
        screen = self.screen
        note(
            t=time.monotonic(),
            widget=names[0],
            in_list=any("Select" in name for name in names),
            tab=getattr(screen, "current_tab", None),
            views=len(screen.query("#dossier-views > *")),
        )

    async def action_quit(self):
        note(final=getattr(self.screen, "data", None))
        await super().action_quit()


if hasattr(DossierScreen, "refresh_states"):
    # When the tab header's states follow the typing (0.2 s after a change): what it
    # repaints then is no key's paint (a key that moved no focus ends before it).
    _refresh_states = DossierScreen.refresh_states

    def refresh_states(self, *args, **kwargs):
        note(states=time.monotonic())
        return _refresh_states(self, *args, **kwargs)

    DossierScreen.refresh_states = refresh_states


make_app(Driver).run()
"""
)


@dataclass(frozen=True)
class Side:
    """A tree whose app is keyed: this one, or ``--ref``'s worktree."""

    name: str  # CURRENT or REF
    tree: Path
    commit: str
    tab_keys: Mapping[int, tuple[str, bytes]]

    @property
    def tab_keys_label(self) -> str:
        names = [self.tab_keys[n][0] for n in sorted(self.tab_keys)]
        return f"{names[0]}..{names[-1]}"


def tab_keys_of(tree: Path) -> Mapping[int, tuple[str, bytes]]:
    """Alt+N where the tree's dossier screen binds it (the one keymap), else F2..F8."""
    sources = (tree / "cesp_tui" / "screens").rglob("dossier.py")
    return ALT_DIGITS if any('"alt+' in p.read_text(encoding="utf-8") for p in sources) else F_KEYS


@dataclass
class Sample:
    side: str
    mode: str
    round: int
    key: str  # the script's key ("goto:N" for a tab, "char" for data)
    pressed: str  # the key the side pressed for it
    kind: str
    typed: str | None  # data: the value being typed (this key: its character at ``at``)
    at: int | None
    tab: str | None
    widget: str | None
    views: int | None  # tab views mounted when the focus last moved
    latency_ms: float | None  # None: nothing painted
    timed_out: bool  # the output had not gone quiet after --key-timeout
    chunks: int
    bytes: int


@dataclass
class Run:
    side: str
    mode: str
    round: int
    samples: list[Sample]
    final: dict[str, Any] | None  # the dossier's values on Ctrl+Q
    code: str  # where the child's cesp_tui came from


class Terminal:
    """The child in a pty, the bytes it paints, and a `pyte` screen fed from them."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        self.process = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.master = master
        self.screen = pyte.Screen(COLUMNS, LINES)
        self.stream = pyte.ByteStream(self.screen)
        self._rows: dict[int, tuple[Any, ...]] = {}
        #: Whether the last `read_until_quiet` ended on its timeout with output flowing.
        self.timed_out = False

    def read_until_quiet(
        self, quiet_s: float, timeout_s: float, *, more: bool = False
    ) -> list[tuple[float, bytes]]:
        """Raw chunks (arrival time, bytes) until ``quiet_s`` without output after the
        first chunk (``more``: counting from now, as if a chunk had just come), or
        ``timeout_s`` (then `timed_out` if chunks came)."""
        chunks: list[tuple[float, bytes]] = []
        start = last = time.monotonic()
        self.timed_out = False
        while True:
            now = time.monotonic()
            if now - start > timeout_s:
                self.timed_out = bool(chunks)
                return chunks
            if chunks or more:
                wait = quiet_s - (now - last)
                if wait <= 0:
                    return chunks
            else:
                wait = min(timeout_s - (now - start), 0.05)
            ready, _, _ = select.select([self.master], [], [], max(wait, 0.0))
            if ready:
                try:
                    data = os.read(self.master, 65536)
                except OSError:
                    return chunks
                last = time.monotonic()
                chunks.append((last, data))

    def _cells(self, lines: set[int]) -> dict[int, tuple[Any, ...]]:
        buffer = self.screen.buffer
        return {y: tuple(buffer[y][x] for x in range(COLUMNS)) for y in lines}

    def feed(self, chunks: list[tuple[float, bytes]]) -> float | None:
        """Feed ``chunks`` to the emulator; the arrival time of the last one that changed
        a cell (None: none did)."""
        last: float | None = None
        for arrived, data in chunks:
            self.screen.dirty.clear()
            self.stream.feed(data)
            if not self.screen.dirty:
                continue
            lines = set(self.screen.dirty)
            # dirty marks lines written, even with the same cells: compare with before.
            if any(self._rows.get(y) != row for y, row in self._cells(lines).items()):
                last = arrived
            self._rows.update(self._cells(lines))
        return last

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.write(self.master, b"\x11")  # Ctrl+Q
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
        os.close(self.master)


def read_side(path: Path, offset: int) -> tuple[list[dict[str, Any]], int]:
    """The child's notes written since ``offset``, and the new offset."""
    with path.open(encoding="utf-8") as handle:
        handle.seek(offset)
        text = handle.read()
    complete, _, _partial = text.rpartition("\n")  # a line being written waits
    records = [json.loads(line) for line in complete.splitlines() if line.strip()]
    return records, offset + len((complete + "\n").encode("utf-8")) if complete else offset


def focus_moves(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if "widget" in r]


def run_once(side: Side, mode: str, round_no: int, args: argparse.Namespace, workdir: Path) -> Run:
    data_dir = workdir / f"r{round_no}-{side.name}-{mode}"
    data_dir.mkdir(parents=True)
    side_file = data_dir / "focus.jsonl"
    side_file.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "CESP_"))}
    env.update(
        TERM="xterm-256color",
        COLUMNS=str(COLUMNS),
        LINES=str(LINES),
        PYTHONPATH=str(side.tree),
        BENCH_PREBUILD=mode,
        CESP_CLIENT_CONFIG=str(data_dir / "absent-client.toml"),
    )
    term = Terminal(
        [sys.executable, "-c", DRIVER, str(data_dir), str(side_file)], env=env, cwd=side.tree
    )
    samples: list[Sample] = []
    notes: list[dict[str, Any]] = []
    offset = 0
    try:
        # The dossier shown and the child done with its start, then a quiet second.
        deadline = time.monotonic() + 90
        while not any(n.get("ready") for n in notes) or "Civilité" not in term.text():
            if time.monotonic() > deadline or term.process.poll() is not None:
                raise RuntimeError(f"{side.name}: the dossier did not show:\n{term.text()}")
            term.feed(term.read_until_quiet(0.2, 1.0))
            news, offset = read_side(side_file, offset)
            notes += news
        term.feed(term.read_until_quiet(1.0, 5.0))
        news, offset = read_side(side_file, offset)
        notes += news
        code = next(str(n["code"]) for n in notes if "code" in n)
        if not Path(code).resolve().is_relative_to(side.tree.resolve()):
            raise RuntimeError(f"{side.name}: the child ran {code}, not {side.tree}'s code")
        prebuild = next(n["prebuild"] for n in notes if "prebuild" in n)
        if prebuild != (None if mode == NO_PREBUILD else mode == "on"):
            raise RuntimeError(f"{side.name}: prebuild_tabs is {prebuild} in mode {mode}")
        moves = focus_moves(notes)
        state = moves[-1] if moves else {"tab": None, "widget": None, "in_list": False}
        visited = {state["tab"]}
        for keys, kind in SCRIPT:
            presses = list(keys) if isinstance(keys, str) else keys
            for n, key in enumerate(presses):
                if key.startswith("goto:"):
                    pressed, data = side.tab_keys[int(key.partition(":")[2])]
                else:
                    pressed, data = key, KEY_BYTES.get(key, key.encode("utf-8"))
                sent = time.monotonic()
                os.write(term.master, data)
                chunks = term.read_until_quiet(args.quiet_ms / 1000, args.key_timeout)
                timed_out = term.timed_out
                records, offset = read_side(side_file, offset)
                news = focus_moves(records)
                after: list[tuple[float, bytes]] = []
                if kind != DATA and key in MOVES_FOCUS:
                    # A pause in the output is not the end when the key moves the cursor
                    # (a view being built): read on until the child says where the focus
                    # went, for at most --focus-wait (less than a cursor blink).
                    while not news and time.monotonic() - sent < args.focus_wait:
                        after += term.read_until_quiet(args.quiet_ms / 1000, 0.02, more=True)
                        more, offset = read_side(side_file, offset)
                        records += more
                        news = focus_moves(more)
                    after += term.read_until_quiet(
                        args.quiet_ms / 1000, args.key_timeout, more=True
                    )
                    if news:
                        chunks, after = chunks + after, []
                        timed_out = timed_out or term.timed_out
                if kind != DATA and not news and key not in TAB_KEYS and key != "ctrl+s":
                    # A move that moved no focus (Enter on a radio row picks the choice
                    # and stays; an arrow with nowhere to go): the key ended at its first pause,
                    # as a character's does, and before the tab header's states (0.2 s
                    # after a change) repainted: that is the app's paint, not this key's.
                    more, offset = read_side(side_file, offset)
                    records += more
                    states = [r["states"] for r in records if r.get("states", 0) >= sent]
                    if states:
                        cut = min(states)
                        after = [c for c in chunks if c[0] >= cut] + after
                        chunks = [c for c in chunks if c[0] < cut]
                    if chunks and chunks[0][0] - sent > args.idle_start:
                        # Its first output came long after it (a status message fading):
                        # the key itself painted nothing.
                        after, chunks = chunks + after, []
                painted = term.feed(chunks)
                term.feed(after)
                before_tab = state["tab"]
                if news:
                    state = news[-1]
                if kind == DATA:
                    key_kind = "data"
                elif key in TAB_KEYS and state["tab"] != before_tab:
                    key_kind = "tab_revisit" if state["tab"] in visited else "tab_first"
                    visited.add(state["tab"])
                elif key in TAB_KEYS or key == "ctrl+s":
                    key_kind = "save"
                else:
                    key_kind = "move_list" if state["in_list"] else "move"
                samples.append(
                    Sample(
                        side=side.name,
                        mode=mode,
                        round=round_no,
                        key=key if kind != DATA else "char",
                        pressed=pressed if kind != DATA else "char",
                        kind=key_kind,
                        typed=keys if isinstance(keys, str) else None,
                        at=n if isinstance(keys, str) else None,
                        tab=state["tab"],
                        widget=state["widget"],
                        views=state.get("views"),
                        latency_ms=None if painted is None else (painted - sent) * 1000,
                        timed_out=timed_out,
                        chunks=len(chunks),
                        bytes=sum(len(c) for _, c in chunks),
                    )
                )
                gap = args.key_gap if n < len(presses) - 1 else args.pause
                rest = gap - (time.monotonic() - sent)
                if rest > 0:  # the app's output meanwhile (header states, builds) is drained
                    term.feed(term.read_until_quiet(rest, rest))
    finally:
        term.stop()
    news, offset = read_side(side_file, offset)
    finals = [n["final"] for n in news if "final" in n]
    return Run(side.name, mode, round_no, samples, finals[-1] if finals else None, code)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1)]


def target_of(kind: str) -> float:
    return TARGET_TAB_P99_MS if kind in TAB_KINDS else TARGET_KEY_P99_MS


def summarize(samples: list[Sample]) -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        of_kind = [s for s in samples if s.kind == kind]
        values = [s.latency_ms for s in of_kind if s.latency_ms is not None]
        if not of_kind:
            continue
        table[kind] = {
            "n": len(values),
            "p50": round(statistics.median(values), 1) if values else None,
            "p99": round(percentile(values, 99), 1) if values else None,
            "max": round(max(values), 1) if values else None,
            "target_p99": target_of(kind),
            "unpainted": sum(1 for s in of_kind if s.latency_ms is None),
            "timed_out": sum(1 for s in of_kind if s.timed_out),
        }
    return table


def verdict(table: dict[str, dict[str, Any]]) -> dict[str, bool]:
    """The targets met: p99 within target, no key timed out (its time is only a floor),
    and every character typed painted (a move may rightly change nothing on screen: an
    arrow on the last field)."""

    def met(kinds: list[str]) -> bool:
        return all(
            table[k]["p99"] is not None
            and table[k]["p99"] <= target_of(k)
            and not table[k]["timed_out"]
            and not (k == "data" and table[k]["unpainted"])
            for k in kinds
        )

    return {
        "keys_p99_le_33ms": met([k for k in table if k not in TAB_KINDS]),
        "tabs_p99_le_50ms": met([k for k in table if k in TAB_KINDS]),
    }


def lost_keys(samples: list[Sample]) -> list[dict[str, Any]]:
    """The keys that painted nothing or whose output never went quiet."""
    return [
        {
            "round": s.round,
            "key": s.pressed,
            "kind": s.kind,
            "typed": s.typed,
            "at": s.at,
            "tab": s.tab,
            "widget": s.widget,
            "unpainted": s.latency_ms is None,
            "timed_out": s.timed_out,
        }
        for s in samples
        if s.latency_ms is None or s.timed_out
    ]


def same_dossier(runs: list[Run]) -> dict[str, Any]:
    """Whether every run left the same values (the first run of this tree: reference)."""
    base = next((r for r in runs if r.side == CURRENT), runs[0])
    differences = []
    for run in runs:
        if run.final is None:
            differences.append({"run": f"{run.side}/{run.mode}/r{run.round}", "missing": True})
            continue
        for tab in sorted(set(base.final or {}) | set(run.final)):
            ours, theirs = (base.final or {}).get(tab, {}), run.final.get(tab, {})
            for field in sorted(set(ours) | set(theirs)):
                if ours.get(field) != theirs.get(field):
                    differences.append(
                        {
                            "run": f"{run.side}/{run.mode}/r{run.round}",
                            "field": f"{tab}.{field}",
                            "expected": ours.get(field),
                            "got": theirs.get(field),
                        }
                    )
    filled = sum(1 for values in (base.final or {}).values() for v in values.values() if v)
    return {"all_equal": not differences, "fields_filled": filled, "differences": differences}


def cpu_steal() -> tuple[int, int]:
    with open("/proc/stat") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    return sum(fields), fields[7] if len(fields) > 7 else 0


def print_table(title: str, table: dict[str, dict[str, Any]]) -> None:
    print(f"\n{title}")
    print(
        f"  {'kind':12} {'n':>4} {'p50':>7} {'p99':>7} {'max':>7}  {'p99 target':>10}"
        f"  {'':4} unpainted  timed out"
    )

    def cell(value: float | None) -> str:
        return f"{value:>7.1f}" if value is not None else f"{'-':>7}"

    for kind, row in table.items():
        ok = row["p99"] is not None and row["p99"] <= row["target_p99"]
        print(
            f"  {kind:12} {row['n']:>4} {cell(row['p50'])} {cell(row['p99'])} "
            f"{cell(row['max'])}  {'<= ' + format(row['target_p99'], 'g'):>10}  "
            f"{'ok' if ok else 'OVER':4} {row['unpainted']:>9}  {row['timed_out']:>9}"
        )


def print_lost(lost: list[dict[str, Any]]) -> None:
    """The lost keys, alike ones counted together."""
    alike: dict[tuple[Any, ...], list[int]] = {}
    for key in lost:
        what = "timed out" if key["timed_out"] else "painted nothing"
        found = (key["key"], key["kind"], key["typed"], key["tab"], key["widget"], what)
        alike.setdefault(found, []).append(key["at"])
    for (key, kind, typed, tab, widget, what), at in alike.items():
        chars = f" {', '.join(str(n + 1) for n in at)} of {typed!r}" if typed else ""
        print(f"  lost: {len(at)} x {key}{chars} ({kind}) in {tab} / {widget}: {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="dossiers keyed per side and mode")
    parser.add_argument("--modes", default="off,on", help="prebuild modes of this tree, in order")
    parser.add_argument(
        "--ref",
        metavar="GIT_REV",
        help="also key this revision's app (a temporary git worktree), runs alternated",
    )
    parser.add_argument("--key-gap", type=float, default=0.12, help="seconds between chars")
    parser.add_argument("--pause", type=float, default=0.7, help="seconds between steps")
    parser.add_argument("--quiet-ms", type=float, default=30.0)
    parser.add_argument("--focus-wait", type=float, default=1.0)
    parser.add_argument(
        "--idle-start",
        type=float,
        default=0.1,
        help="a move key that moved no focus and output nothing within this many seconds "
        "painted nothing (later output is the app's own: a message fading)",
    )
    parser.add_argument("--key-timeout", type=float, default=2.0)
    args = parser.parse_args()

    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    current = Side(CURRENT, REPO_ROOT, commit_of(), tab_keys_of(REPO_ROOT))
    load_before = os.getloadavg()
    total0, steal0 = cpu_steal()
    started = time.monotonic()
    runs: list[Run] = []
    sides: dict[str, Side] = {CURRENT: current}
    with (
        tempfile.TemporaryDirectory(prefix="cesp-key-to-paint-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        plan: list[tuple[Side, str]] = [(current, mode) for mode in modes]
        if args.ref:
            tree = stack.enter_context(ref_tree(args.ref, Path(tmp)))  # removed on the way out
            ref = Side(REF, tree, commit_of("HEAD", tree), tab_keys_of(tree))
            sides[REF] = ref
            has_prebuild = any(
                "prebuild_tabs" in p.read_text(encoding="utf-8")
                for p in (tree / "cesp_tui").rglob("dossier.py")
            )
            plan = [(ref, "off" if has_prebuild else NO_PREBUILD), *plan]
        for round_no in range(args.rounds):
            # The order flips each round: neither side always runs first.
            for side, mode in plan if round_no % 2 == 0 else plan[::-1]:
                print(f"round {round_no + 1}/{args.rounds}: {side.name} ({mode})", flush=True)
                runs.append(run_once(side, mode, round_no, args, Path(tmp) / "runs"))
    total1, steal1 = cpu_steal()
    elapsed = time.monotonic() - started

    by_side: dict[str, dict[str, Any]] = {}
    for name, side in sides.items():
        side_modes = list(dict.fromkeys(r.mode for r in runs if r.side == name))
        samples = {
            m: [s for r in runs if (r.side, r.mode) == (name, m) for s in r.samples]
            for m in side_modes
        }
        tables = {m: summarize(samples[m]) for m in side_modes}
        by_side[name] = {
            "rev": args.ref if name == REF else "HEAD",
            "commit": side.commit,
            "dirty": is_dirty(side.tree) if name == CURRENT else False,
            "tab_keys": side.tab_keys_label,
            "code": sorted({r.code for r in runs if r.side == name}),
            "by_mode": tables,
            "verdicts": {m: verdict(t) for m, t in tables.items()},
            "lost_keys": {m: lost_keys(samples[m]) for m in side_modes},
        }
    dossier = same_dossier(runs)
    results = {
        "command": "python bench/bench_key_to_paint.py " + " ".join(sys.argv[1:]),
        "environment": {
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "cpu_steal_share": round((steal1 - steal0) / max(1, total1 - total0), 3),
            "elapsed_s": round(elapsed, 1),
        },
        "parameters": {**vars(args), "size": [COLUMNS, LINES], "term": "xterm-256color"},
        "targets_ms": {"keys_p99": TARGET_KEY_P99_MS, "tabs_p99": TARGET_TAB_P99_MS},
        # This tree's, as before --ref (by prebuild mode).
        "by_mode": by_side[CURRENT]["by_mode"],
        "verdicts": by_side[CURRENT]["verdicts"],
        "sides": by_side,
        "same_dossier": dossier,
        "final_values": {f"{r.side}/{r.mode}/r{r.round}": r.final for r in runs},
        "samples": [asdict(s) for r in runs for s in r.samples],
    }
    env = results["environment"]
    print(f"\nload average before {env['load_average_before']} after {env['load_average_after']}")
    print(f"CPU steal share {env['cpu_steal_share']}, {elapsed:.0f} s, {args.rounds} round(s)")
    print("key to paint (ms), through a pty at 80x24; lost keys: unpainted, timed out")
    for name, info in by_side.items():
        label = "this tree" if name == CURRENT else f"--ref {args.ref}"
        dirty = " + uncommitted changes" if info["dirty"] else ""
        for mode, table in info["by_mode"].items():
            prebuild = "no prebuild" if mode == NO_PREBUILD else f"prebuild {mode}"
            print_table(
                f"{name}: {label} ({info['commit'][:9]}{dirty}), tabs {info['tab_keys']}, "
                f"{prebuild}",
                table,
            )
            v = info["verdicts"][mode]
            print(
                f"  keys p99 <= 33 ms {'met' if v['keys_p99_le_33ms'] else 'NOT met'}; "
                f"tab changes p99 <= 50 ms {'met' if v['tabs_p99_le_50ms'] else 'NOT met'}"
            )
            print_lost(info["lost_keys"][mode])
    if dossier["all_equal"]:
        print(f"\nsame dossier typed in every run ({dossier['fields_filled']} fields filled)")
    else:
        print("\nNOT the same dossier in every run:")
        for difference in dossier["differences"][:20]:
            print(f"  {difference}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"written to {RESULTS.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
