"""A long seeded walk of random keys over the client's forms (issue 13, property 1).

Run from the repository root::

    .venv/bin/python bench/keywalk_long.py --seed 7 --keys 2000 [--form cesp.etudes]
        [--no-digits] [--size 80x24]

The same walk as ``tests/tui/test_keywalk.py`` (`tests/tui/keywalk.py`): printable keys
(letters incl. accented ones, digits unless ``--no-digits``, space, punctuation), Tab,
Shift+Tab, arrows, Enter, Space, Backspace, checked after every key (only the field with
the cursor changes, or one documented to follow from it; the tab changes only on a
navigation key; the draft store holds what the form holds). CI walks 80 keys per form
with one seed; this walks as many as asked, on every form (or those whose name contains
``--form``), stops each form at its first broken rule and prints it with the keys that
led there (replay: the same ``--seed`` and ``--keys``). Prints a line per form, the keys
per second, and writes ``bench/results/keywalk_long.json``. Exit status 1 when a rule
broke (the figures are printed, never asserted).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.tui.keywalk import all_targets, run_walk  # noqa: E402

RESULTS = REPO_ROOT / "bench" / "results" / "keywalk_long.json"


def _isolate(data_dir: Path) -> None:
    """No user configuration, no system keyring (as the tests' conftest does)."""
    import keyring

    from tests.tui.conftest import MemoryKeyring

    os.environ["CESP_CLIENT_CONFIG"] = str(data_dir / "absent-client.toml")
    for name in ("CESP_SERVER_URL", "CESP_CLIENT_DATA_DIR"):
        os.environ.pop(name, None)
    keyring.set_keyring(MemoryKeyring())


async def main(args: argparse.Namespace) -> int:
    size = tuple(int(n) for n in args.size.split("x"))
    rows = []
    broke = False
    with tempfile.TemporaryDirectory() as tmp:
        _isolate(Path(tmp))
        for name, target in all_targets().items():
            if args.form and args.form not in name:
                continue
            target.size = size  # type: ignore[assignment]
            data_dir = Path(tempfile.mkdtemp(dir=tmp))
            started = time.perf_counter()
            result = await run_walk(
                target, data_dir, args.seed, args.keys, digits=not args.no_digits
            )
            seconds = time.perf_counter() - started
            broke |= bool(result.problems)
            rows.append(
                {
                    "form": name,
                    "typed": result.typed,
                    "seconds": round(seconds, 2),
                    "keys_per_second": round(result.typed / seconds, 1) if seconds else None,
                    "fields_changed": sorted(result.changed),
                    "problems": result.problems,
                }
            )
            status = "ok" if not result.problems else "BROKE"
            print(
                f"{name:36s} {status:5s} {result.typed:5d} keys {seconds:7.1f} s"
                f" {len(result.changed):3d} fields changed",
                flush=True,
            )
            for problem in result.problems:
                print(f"    {problem}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "seed": args.seed,
                "keys": args.keys,
                "digits": not args.no_digits,
                "size": args.size,
                "forms": rows,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )
    print(f"written {RESULTS.relative_to(REPO_ROOT)}")
    return 1 if broke else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keys", type=int, default=1000)
    parser.add_argument("--form", default="", help="only the forms whose name contains it")
    parser.add_argument("--no-digits", action="store_true", help="leave the digits out")
    parser.add_argument("--size", default="80x24")
    sys.exit(asyncio.run(main(parser.parse_args())))
