"""Pick a file with the keyboard: a path with completion, or a directory tree.

The path input completes the last component from the file system as you type (shown
dimmed; → accepts it, like a shell's Tab, which here keeps moving between fields);
Enter on a directory goes into it, Enter on a file picks it. Ctrl+T shows a
`DirectoryTree` of the current directory instead, for browsing (Enter opens a directory
or picks a file). Either way the widget posts `FilePicker.Picked(path)`; checking the
file (format, size) is the caller's business.

Listing directories is file-system I/O: the suggester runs it in a thread.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import DirectoryTree, Input, Static
from textual.worker import Worker, WorkerState

__all__ = ["FilePicker", "PathSuggester", "complete_path"]

#: At most this many names are listed under the input.
MAX_LISTED = 6


def _expand(text: str) -> Path:
    return Path(os.path.expanduser(text))


def _entries(directory: Path) -> list[tuple[str, bool]]:
    """(name, is_dir) of a directory's entries, sorted; [] when it cannot be read."""
    try:
        with os.scandir(directory) as scan:
            found = []
            for entry in scan:
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                found.append((entry.name, is_dir))
    except OSError:
        return []
    return sorted(found, key=lambda item: item[0].casefold())


def _split(text: str) -> tuple[str, str]:
    """(directory part as typed, last component as typed)."""
    if text.endswith(os.sep):
        return text, ""
    head, sep, tail = text.rpartition(os.sep)
    return (head + sep, tail) if sep else ("", text)


def matches(text: str, base: Path) -> list[tuple[str, bool]]:
    """Entries of the typed directory whose name starts with the typed last component
    (case-insensitive; hidden entries only when the component starts with a dot)."""
    directory, prefix = _split(text)
    where = _expand(directory) if directory else base
    if not where.is_absolute():
        where = base / where
    folded = prefix.casefold()
    hidden = prefix.startswith(".")
    return [
        (name, is_dir)
        for name, is_dir in _entries(where)
        if name.casefold().startswith(folded) and (hidden or not name.startswith("."))
    ]


def _common_start(names: list[str]) -> str:
    """The longest start all ``names`` share (characters, not path components)."""
    first, last = min(names), max(names)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


def complete_path(text: str, base: Path) -> str | None:
    """``text`` completed from the file system (relative paths from ``base``): the
    longest common start of the matching names when it says more than typed, else the
    first match; directories end with a separator. None when nothing matches."""
    if not text:
        return None
    directory, prefix = _split(text)
    found = matches(text, base)
    if not found:
        return None
    names = [name for name, _ in found]
    common = _common_start([name.casefold() for name in names])
    if len(found) == 1:
        name, is_dir = found[0]
        rest = name[len(prefix) :] + (os.sep if is_dir else "")
    elif len(common) > len(prefix):
        rest = names[0][len(prefix) : len(common)]
    else:
        name, is_dir = found[0]
        rest = name[len(prefix) :] + (os.sep if is_dir else "")
    if not rest:
        return None
    return directory + prefix + rest


class PathSuggester(Suggester):
    """Completes paths from the file system (no cache: directories change)."""

    def __init__(self, base: Path) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.base = base

    async def get_suggestion(self, value: str) -> str | None:
        return await asyncio.to_thread(complete_path, value, self.base)


class _PathInput(Input):
    """The path being typed."""


class _Tree(DirectoryTree):
    """Browsing alternative; hidden files left out."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [path for path in paths if not path.name.startswith(".")]


class FilePicker(Widget):
    """A path input with completion, and a directory tree on Ctrl+T."""

    DEFAULT_CSS = """
    FilePicker {
        height: auto;
        width: 1fr;
        & > _PathInput { width: 1fr; }
        & > .picker-matches {
            color: $text-muted;
            height: auto;
            max-height: 3;
            padding: 0 1;
        }
        & > _Tree {
            display: none;
            height: 12;
            width: 1fr;
            border: round $primary-muted;
        }
        &.-tree > _Tree { display: block; }
        &.-tree > _PathInput { display: none; }
        &.-tree > .picker-matches { display: none; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "toggle_tree", "Arborescence", id="picker.tree"),
    ]

    @dataclass
    class Picked(Message):
        """A file was chosen (not checked yet)."""

        file_picker: FilePicker
        path: Path

        @property
        def control(self) -> FilePicker:
            return self.file_picker

    def __init__(
        self,
        start: Path | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.base = start or Path.cwd()
        shown = str(self.base)
        if not shown.endswith(os.sep):
            shown += os.sep
        self._input = _PathInput(
            shown,
            placeholder="Chemin du fichier, par exemple ~/Documents/piece.pdf",
            suggester=PathSuggester(self.base),
            id="picker-path",
            select_on_focus=False,  # the directory shown is a start: type on after it
        )
        self._tree: _Tree | None = None
        self._matches = Static("", classes="picker-matches", markup=False)

    def compose(self) -> ComposeResult:
        yield self._input
        yield self._matches

    @property
    def input(self) -> Input:
        return self._input

    @property
    def tree(self) -> DirectoryTree | None:
        return self._tree

    @property
    def showing_tree(self) -> bool:
        return self.has_class("-tree")

    def focus(self, scroll_visible: bool = True) -> FilePicker:
        if self.showing_tree and self._tree is not None:
            self._tree.focus(scroll_visible)
        else:
            self._input.focus(scroll_visible)
        return self

    def resolve(self, text: str) -> Path:
        path = _expand(text.strip())
        return path if path.is_absolute() else self.base / path

    # --- the path input --------------------------------------------------------------

    @on(_PathInput.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._list_matches(event.value)

    def _list_matches(self, text: str) -> None:
        self.run_worker(
            lambda: matches(text, self.base),
            thread=True,
            group="picker-list",
            exclusive=True,
            name=text,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "picker-list":
            return
        if worker.state is not WorkerState.SUCCESS or worker.name != self._input.value:
            return
        found: list[tuple[str, bool]] = worker.result or []
        names = [name + (os.sep if is_dir else "") for name, is_dir in found[:MAX_LISTED]]
        if len(found) > MAX_LISTED:
            names.append(f"… (+{len(found) - MAX_LISTED})")
        self._matches.update("  ".join(names))

    @on(_PathInput.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            return
        path = self.resolve(text)
        if path.is_dir():  # go into it
            shown = text if text.endswith(os.sep) else text + os.sep
            self._input.value = shown
            self._input.cursor_position = len(shown)
            return
        self.post_message(self.Picked(self, path))

    # --- the tree --------------------------------------------------------------------

    def _tree_root(self) -> Path:
        text = self._input.value.strip()
        path = self.resolve(text) if text else self.base
        while not path.is_dir() and path != path.parent:
            path = path.parent
        return path

    async def action_toggle_tree(self) -> None:
        if self.showing_tree:
            self.remove_class("-tree")
            self._input.focus()
            return
        root = self._tree_root()
        if self._tree is None:
            self._tree = _Tree(root, id="picker-tree")
            await self.mount(self._tree)
        else:
            self._tree.path = root
        self.add_class("-tree")
        self._tree.focus()

    @on(DirectoryTree.FileSelected)
    def _file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self._input.value = str(event.path)
        self.post_message(self.Picked(self, Path(event.path)))

    @on(DirectoryTree.DirectorySelected)
    def _directory_selected(self, event: DirectoryTree.DirectorySelected) -> None:
        event.stop()
        shown = str(event.path)
        self._input.value = shown if shown.endswith(os.sep) else shown + os.sep
