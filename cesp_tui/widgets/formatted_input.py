"""An `Input` that groups what is typed (NIR, IBAN, dates) and keeps the cursor sensible.

Every edit of a Textual `Input` (typing, paste, deletions, cuts) goes through
`Input.replace`; `GroupedInput` overrides it: the new text is reduced to its significant
characters (`clean`), capped, re-grouped (`group`), and the cursor is put back after the
same number of significant characters as the edit left before it. Deleting a separator
deletes the character beyond it, so Backspace never sticks on a space.
"""

from __future__ import annotations

from textual.widgets import Input

__all__ = ["GroupedInput"]


class GroupedInput(Input):
    """Subclasses define `clean` (significant characters) and `group` (display)."""

    #: Characters the display adds between groups.
    SEPARATORS: frozenset[str] = frozenset(" ")
    #: At most this many significant characters.
    max_significant: int = 64

    def __init__(
        self,
        value: str = "",
        *,
        placeholder: str = "",
        compact: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            value=self.group(self.clean(value)[: self.max_significant]),
            placeholder=placeholder,
            compact=compact,
            name=name,
            id=id,
            classes=classes,
            disabled=disabled,
        )

    # --- to override ---------------------------------------------------------------------

    def clean(self, text: str) -> str:
        """The significant characters of ``text`` (what `compact` gives)."""
        return "".join(char for char in text if char not in self.SEPARATORS)

    def group(self, compact: str) -> str:
        return compact

    def interpret_paste(self, text: str) -> str | None:
        """A whole pasted value, when the subclass recognises one (e.g. "1/3/1999")."""
        return None

    # --- behaviour -------------------------------------------------------------------------

    @property
    def compact_value(self) -> str:
        return self.clean(self.value)

    def set_compact_value(self, compact: str) -> None:
        """Show ``compact`` grouped, cursor at the end."""
        self.value = self.group(self.clean(compact)[: self.max_significant])
        self.cursor_position = len(self.value)

    def _significant_count(self, text: str) -> int:
        return len(self.clean(text))

    def replace(self, text: str, start: int, end: int) -> None:
        value = self.value
        start, end = sorted((max(0, start), min(len(value), end)))
        if len(text) > 1 and (whole := self.interpret_paste(text)) is not None:
            text = whole
        if not text and end - start == 1 and value[start] in self.SEPARATORS:
            if self.cursor_position == end:  # Backspace on a separator
                while start > 0 and value[start - 1] in self.SEPARATORS:
                    start -= 1
                start = max(0, start - 1)
            else:  # Delete before a separator
                while end < len(value) and value[end] in self.SEPARATORS:
                    end += 1
                end = min(len(value), end + 1)
        candidate = f"{value[:start]}{text}{value[end:]}"
        compact = self.clean(candidate)
        typed_one = len(text) == 1
        if text and (
            compact == self.clean(value) or (typed_one and len(compact) > self.max_significant)
        ):
            self.restricted()  # nothing typed was accepted, or no room left (a paste is cut)
            return
        compact = compact[: self.max_significant]
        before = min(self._significant_count(f"{value[:start]}{text}"), len(compact))
        formatted = self.group(compact)
        self.value = formatted
        self.cursor_position = self._cursor_for(formatted, before)

    def _cursor_for(self, formatted: str, count: int) -> int:
        if count <= 0:
            return 0
        seen = 0
        for index, char in enumerate(formatted):
            if char not in self.SEPARATORS:
                seen += 1
                if seen == count:
                    return index + 1
        return len(formatted)
