"""Benches of another revision side by side with this tree (``--ref GIT_REV``).

A temporary ``git worktree add --detach`` of the revision, run with this tree's venv;
the bench alternates its runs with this tree's so that the machine's load weighs on both
alike. Used by ``bench_tui_startup.py`` and ``bench_key_to_paint.py``.

The venv's editable install of the project (``pip install -e``) answers for the
project's packages from the tree it was installed from, after ``PYTHONPATH``: a
revision that lacks a package (``cesp_client`` before it existed) would import this
tree's. A child script starts with `ONLY_TREE_CODE` so that it runs its own tree's code
only.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

#: The first lines of a child script (``python -c``, run with its tree as the working
#: directory): the tree first on ``sys.path``, and the editable install's finders (another
#: tree's packages) gone.
ONLY_TREE_CODE = r"""
import os as _os, sys as _sys
_sys.path.insert(0, _os.getcwd())
_sys.meta_path[:] = [
    f for f in _sys.meta_path if not str(getattr(f, "__module__", "")).startswith("__editable__")
]
_sys.path_hooks[:] = [
    h for h in _sys.path_hooks if not str(getattr(h, "__module__", "")).startswith("__editable__")
]
_sys.path[:] = [p for p in _sys.path if "__editable__" not in p]
_sys.path_importer_cache.clear()
"""


def add_ref_tree(ref: str, where: Path) -> Path:
    """A checkout of ``ref`` (``git worktree add --detach``) in ``where/ref-tree``."""
    tree = where / "ref-tree"
    subprocess.run(
        ["git", "-C", str(REPO_ROOT), "worktree", "add", "--detach", "-q", str(tree), ref],
        check=True,
    )
    return tree


def remove_ref_tree(tree: Path) -> None:
    subprocess.run(
        ["git", "-C", str(REPO_ROOT), "worktree", "remove", "--force", str(tree)], check=False
    )


@contextmanager
def ref_tree(ref: str, where: Path) -> Iterator[Path]:
    """`add_ref_tree`, removed on the way out whatever happens."""
    tree = add_ref_tree(ref, where)
    try:
        yield tree
    finally:
        remove_ref_tree(tree)


def commit_of(rev: str = "HEAD", tree: Path = REPO_ROOT) -> str:
    """The full commit id of ``rev`` (in ``tree``'s repository)."""
    out = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--verify", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def is_dirty(tree: Path = REPO_ROOT) -> bool:
    """Whether ``tree`` has changes not committed (tracked files only)."""
    out = subprocess.run(
        ["git", "-C", str(tree), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=True,
    )
    return bool(out.stdout.strip())
