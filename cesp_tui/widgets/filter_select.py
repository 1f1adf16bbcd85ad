"""A select over a big list, filtered as you type: departments, communes, countries,
medical specialties (DES).

An `Input` with a short list of hits under it (an `OptionList` fed only with the hits:
never the 37,590 communes). The hits come from the ranked, pre-normalised indexes of
`cesp_core.filtering`, built once per process and shared (`commune_index()`...).

Keys: typing filters; Down / Up move in the hits (Down opens the list); Enter picks the
highlighted hit and lets the form move on; Escape closes the list. Leaving the field with
exactly one hit picks it. The widget's `value` is the code ("87", "87085", "FR"); the
input shows the label ("87 - Haute-Vienne", "Limoges (87)", "France").
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol, TypeVar

from textual import events, on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import ScrollableContainer
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from cesp_core import referentials
from cesp_core.demarches.model import Choice
from cesp_core.filtering import CommuneIndex, DepartementIndex, PaysIndex, SpecialiteIndex
from cesp_core.referentials import Commune
from cesp_core.text import normalize
from cesp_core.validators.iban import iban_info

__all__ = [
    "FilterKind",
    "FilterSelect",
    "Hit",
    "commune_index",
    "departement_index",
    "pays_index",
    "specialite_index",
    "warm_departement",
    "warm_indexes",
]

FilterKind = Literal["departement", "commune", "pays", "specialite", "choice"]

_T = TypeVar("_T")
_lock = threading.Lock()
_indexes: dict[str, object] = {}


def _shared(name: str, build: Callable[[], _T]) -> _T:
    """One instance per process, built once even when threads ask at the same time."""
    index = _indexes.get(name)
    if index is None:
        with _lock:
            index = _indexes.get(name)
            if index is None:
                index = _indexes[name] = build()
    return index  # type: ignore[return-value]


def commune_index() -> CommuneIndex:
    return _shared("commune", CommuneIndex)


def departement_index() -> DepartementIndex:
    return _shared("departement", DepartementIndex)


def pays_index() -> PaysIndex:
    return _shared("pays", PaysIndex)


def specialite_index() -> SpecialiteIndex:
    return _shared("specialite", SpecialiteIndex)


def warm_indexes() -> None:
    """Build the three indexes and the look-ups by INSEE code and postal code (about half
    a second), and load schwifty's registries (IBAN formats: 127 patterns compiled on
    first use, 40 ms on the second character of an IBAN; French banks, on the last):
    call from a thread worker at start, so that no key pays for them."""
    iban_info(_SAMPLE_IBAN)
    departement_index()
    pays_index()
    specialite_index()
    communes = commune_index()
    communes.search("", postal_code="75001", limit=1)
    referentials.communes_by_code("75056")
    referentials.communes_by_postal_code("75001")


#: A valid French IBAN (La Banque Postale), only to load the registries.
_SAMPLE_IBAN = "FR1420041010050500013M02606"


def warm_departement(departement: str) -> None:
    """Build the index of one department's communes (a few ms): from a thread worker
    when the department is picked, before the commune field is reached."""
    commune_index().search("", departement=departement, limit=1)


_COMMUNE_TYPE_LABELS = {
    "commune-deleguee": "commune déléguée",
    "commune-associee": "commune associée",
    "arrondissement-municipal": "arrondissement",
}


@dataclass(frozen=True, slots=True)
class Hit:
    """One line of the list: ``value`` is stored, ``label`` shown once picked."""

    value: str
    label: str
    detail: str = ""

    def prompt(self) -> Content:
        if not self.detail:
            return Content(self.label)
        return Content.assemble(self.label, ("  " + self.detail, "dim"))


class HitSource(Protocol):
    def search(self, query: str, limit: int) -> list[Hit]: ...

    def label(self, value: str) -> str | None: ...


def _commune_label(commune: Commune) -> str:
    return f"{commune.nom} ({commune.departement})"


def _commune_hit(commune: Commune) -> Hit:
    kind = _COMMUNE_TYPE_LABELS.get(commune.type)
    postal = ", ".join(commune.codes_postaux[:3])
    if len(commune.codes_postaux) > 3:
        postal += "…"
    detail = " · ".join(part for part in (kind, postal) if part)
    return Hit(commune.code, _commune_label(commune), detail)


class _Departements:
    def search(self, query: str, limit: int) -> list[Hit]:
        found = departement_index().search(query, limit=limit)
        return [Hit(d.code, f"{d.code} - {d.nom}") for d in found]

    def label(self, value: str) -> str | None:
        found = referentials.departement_by_code(value)
        return f"{found.code} - {found.nom}" if found else None


class _Pays:
    def search(self, query: str, limit: int) -> list[Hit]:
        return [Hit(p.code, p.nom) for p in pays_index().search(query, limit=limit)]

    def label(self, value: str) -> str | None:
        found = referentials.pays_by_code(value)
        return found.nom if found else None


class _Specialites:
    def search(self, query: str, limit: int) -> list[Hit]:
        found = specialite_index().search(query, limit=limit)
        return [Hit(s.nom, s.nom) for s in found]

    def label(self, value: str) -> str | None:
        # A name outside the list (a draft typed before it) shows as it was typed.
        found = referentials.specialite_by_name(value)
        return found.nom if found else None


class _Communes:
    def __init__(self, owner: FilterSelect) -> None:
        self.owner = owner

    def search(self, query: str, limit: int) -> list[Hit]:
        communes = commune_index().search(
            query,
            departement=self.owner.departement or None,
            postal_code=self.owner.postal_code or None,
            limit=limit,
        )
        return [_commune_hit(commune) for commune in communes]

    def label(self, value: str) -> str | None:
        found = referentials.communes_by_code(value)
        return _commune_label(found[0]) if found else None

    def allowed(self, value: str) -> bool:
        """Whether ``value`` is still among the communes the restriction allows."""
        departement, postal_code = self.owner.departement, self.owner.postal_code
        for commune in referentials.communes_by_code(value):
            if departement and commune.departement != departement.upper():
                continue
            if postal_code and postal_code not in commune.codes_postaux:
                continue
            return True
        return False


class _Choices:
    def __init__(self, choices: Sequence[Choice]) -> None:
        self.choices = tuple(choices)
        self.keys = [normalize(choice.label) for choice in self.choices]

    def search(self, query: str, limit: int) -> list[Hit]:
        wanted = normalize(query)
        ranked: list[tuple[int, int, Choice]] = []
        for position, (key, choice) in enumerate(zip(self.keys, self.choices, strict=True)):
            if not wanted or key.startswith(wanted):
                rank = 0
            elif f" {wanted}" in key:
                rank = 1
            elif wanted in key:
                rank = 2
            else:
                continue
            ranked.append((rank, position, choice))
        ranked.sort(key=lambda entry: entry[:2])
        return [Hit(choice.value, choice.label) for _r, _p, choice in ranked[:limit]]

    def label(self, value: str) -> str | None:
        return next((c.label for c in self.choices if c.value == value), None)


class _FilterInput(Input):
    """The text part of a `FilterSelect` (its own class: the `FilterSelect` listens to
    its messages only, not to those of an input a subclass might put beside it)."""


class _HitList(OptionList):
    """The hits under the input; never focused (the input keeps the keyboard).

    It floats over the fields below (``overlay: screen``, as Textual's own `Select` shows
    its `SelectOverlay`): opening and closing it move no row. Its height is fixed
    (`FilterSelect.list_height`), so it never grows down over the status line."""

    can_focus = False


class FilterSelect(Widget):
    """Pick one department, commune, country (or choice) by typing a few characters."""

    DEFAULT_CSS = """
    FilterSelect {
        height: auto;
        width: 1fr;
        & > _FilterInput {
            width: 1fr;
        }
        & > _HitList {
            display: none;
            overlay: screen;
            constrain: none inside;
            height: 8;
            width: 1fr;
            border: none;
            padding: 0;
            margin: 0 0 0 1;
            background: $panel;
            scrollbar-size-vertical: 1;
            text-wrap: nowrap;
            text-overflow: ellipsis;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "cursor_down", "Résultat suivant", show=False, id="filter.down"),
        Binding("up", "cursor_up", "Résultat précédent", show=False, id="filter.up"),
        Binding("escape", "close", "Fermer la liste", show=False, id="filter.close"),
    ]

    #: For communes: only those of this department ("87", "2A").
    departement: reactive[str | None] = reactive(None, init=False)
    #: For communes: only those of this postal code ("87000").
    postal_code: reactive[str | None] = reactive(None, init=False)

    @dataclass
    class Changed(Message):
        """The picked value changed (None: nothing picked)."""

        filter_select: FilterSelect
        value: str | None

        @property
        def control(self) -> FilterSelect:
            return self.filter_select

    def __init__(
        self,
        kind: FilterKind,
        *,
        value: str | None = None,
        choices: Sequence[Choice] = (),
        departement: str | None = None,
        postal_code: str | None = None,
        max_hits: int = 8,
        limit: int = 30,
        placeholder: str = "",
        compact: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.kind: FilterKind = kind
        self.max_hits = max_hits
        self.limit = limit
        self.set_reactive(FilterSelect.departement, departement)
        self.set_reactive(FilterSelect.postal_code, postal_code)
        self._source: HitSource
        if kind == "departement":
            self._source = _Departements()
        elif kind == "commune":
            self._source = _Communes(self)
        elif kind == "pays":
            self._source = _Pays()
        elif kind == "specialite":
            self._source = _Specialites()
        else:
            self._source = _Choices(choices)
        self._value: str | None = value or None
        self._hits: list[Hit] = []
        #: A form moves the cursor on Enter (and closes the list if it cannot).
        self.enter_moves_on = False
        #: The program sets the input's text (a picked value's label): nothing typed.
        self._showing_label = False
        self._input = _FilterInput(
            value=self._label_of(self._value),
            placeholder=placeholder or _PLACEHOLDERS[kind],
            compact=compact,
        )
        self._list = _HitList()

    # --- composition -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield self._input
        yield self._list

    def on_mount(self) -> None:
        # The text is followed from a watcher of the input's value, not from
        # `Input.Changed`: the list changes in the same frame as the text (ADR 0024, "a
        # key's effects in its own frame"). The message reached this widget after the
        # frame had shown the text, and the new list (its size changed) took a second
        # layout and a second frame.
        self.watch(self._input, "value", self._typed, init=False)
        lines = self.list_height
        self._list.lines = lines
        # Also the cap: `OptionList`'s own is 100 % of the parent (the one-line input).
        self._list.styles.height = self._list.styles.max_height = lines
        if not isinstance(self._source, _Choices) or len(self._source.choices) > lines:
            # The scrollbar always there: narrowing the list does not change its width.
            self._list.styles.overflow_y = "scroll"

    @property
    def list_height(self) -> int:
        """The lines of the open list: `max_hits`, or fewer for a short list of choices."""
        source = self._source
        if isinstance(source, _Choices):
            return max(1, min(self.max_hits, len(source.choices)))
        return self.max_hits

    @property
    def input(self) -> Input:
        return self._input

    @property
    def hits(self) -> list[Hit]:
        """The hits currently listed (at most `limit`)."""
        return list(self._hits)

    @property
    def is_open(self) -> bool:
        return self._list.styles.display != "none"

    @property
    def highlighted_hit(self) -> Hit | None:
        index = self._list.highlighted
        if index is None or not 0 <= index < len(self._hits):
            return None
        return self._hits[index]

    def focus(self, scroll_visible: bool = True) -> FilterSelect:
        self._input.focus(scroll_visible)
        return self

    # --- value -------------------------------------------------------------------------

    @property
    def value(self) -> str | None:
        return self._value

    @value.setter
    def value(self, value: str | None) -> None:
        self._set_value(value or None, show_label=True)

    @property
    def label(self) -> str:
        """The label of the current value ("" when none)."""
        return self._label_of(self._value)

    def _label_of(self, value: str | None) -> str:
        if not value:
            return ""
        return self._source.label(value) or value

    def _set_value(self, value: str | None, *, show_label: bool) -> None:
        if show_label:
            self._showing_label = True
            try:
                self._input.value = self._label_of(value)
            finally:
                self._showing_label = False
            self._input.cursor_position = len(self._input.value)
        if value != self._value:
            self._value = value
            self.post_message(self.Changed(self, value))

    def pick(self, hit: Hit, *, close: bool = True) -> None:
        """Take ``hit`` as the value and close the list (or leave that to the focus move
        that follows)."""
        if close:
            self.close()
        self._set_value(hit.value, show_label=True)

    def close(self) -> None:
        """Close the list (it opens again on the next arrival in the field or Down)."""
        self._list.display = False

    # --- filtering ---------------------------------------------------------------------

    def search(self, query: str) -> list[Hit]:
        return self._source.search(query, self.limit)

    def _refresh_hits(self, query: str, *, highlight: bool = True) -> None:
        """List the hits of ``query``; the first one highlighted (Enter takes it) unless
        ``highlight`` is false (the list shown on arrival: Enter then only moves on)."""
        self._hits = self.search(query)
        if self._hits:
            self._list.set_options([Option(hit.prompt()) for hit in self._hits])
            if highlight:
                self._list.highlighted = 0
        else:
            self._list.set_options([Option(_NO_HIT, disabled=True)])

    def _open(self) -> None:
        if not self.is_open:
            self._list.display = True
            self.call_after_refresh(self._place_list)

    def _place_list(self) -> None:
        """Keep the open list inside the part of the screen that holds the field (its
        form; without one, the screen): it floats over the screen (``overlay``) and
        under a field at the foot of a form it covered the status line and the footer
        (issue 13). Not enough room below the field: the form scrolls up to make it;
        the form at its end: the list opens above the field."""
        if not self.is_open or not self.is_attached:
            return
        lines = self.list_height
        container = next(
            (a for a in self.ancestors if isinstance(a, ScrollableContainer)), self.screen
        )
        bottom = container.region.bottom if container.region else self.screen.size.height
        below = bottom - self._input.region.bottom
        offset = 0
        if below < lines:
            need = lines - below
            if isinstance(container, ScrollableContainer) and (
                container.max_scroll_y - container.scroll_y >= need
            ):
                container.scroll_relative(y=need, animate=False, immediate=True)
            else:
                offset = -(lines + self._input.region.height)
        if self._list.styles.offset.y.value != offset:
            self._list.styles.offset = (0, offset)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.arrive()

    def arrive(self) -> None:
        """The cursor came into the field. Nothing picked yet: the list opens, so that
        typing the first characters only narrows it (opening it is a layout, on the move
        into the field rather than on a key typed in it). Nothing is highlighted: Enter
        moves on without picking. Called on the focus event, or at once by a form that
        moves the cursor here (the list then opens in the frame of the move)."""
        if self._value is None and not self.is_open and self.screen.focused is self._input:
            self._refresh_hits(self._input.value, highlight=bool(self._input.value.strip()))
            self._open()

    @on(_FilterInput.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()  # followed already, by `_typed`

    def _typed(self, text: str) -> None:
        """The text of the input changed: the list follows it, at once (a watcher of the
        input's value). A value set by the program shows its label: nothing typed."""
        if self._showing_label or not self.is_mounted:
            return
        if self._value is not None and text == self.label:
            return  # nothing typed: the text is the picked value's label
        if self._value is not None:
            self._set_value(None, show_label=False)
        self._refresh_hits(text, highlight=bool(text.strip()))
        if self._input.has_focus:
            self._open()

    @on(_FilterInput.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        # Enter picks the highlighted hit; the message goes on bubbling so that a form
        # moves to its next field, and the move closes the list (`enter_moves_on`).
        if self.is_open and (hit := self.highlighted_hit) is not None:
            self.pick(hit, close=not self.enter_moves_on)

    @on(_FilterInput.Blurred)
    def _left(self, event: Input.Blurred) -> None:
        event.stop()
        self.close()
        text = self._input.value
        if self._value is None and text.strip():
            hits = self.search(text)
            if len(hits) == 1:
                self.pick(hits[0])

    @on(_HitList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self._hits):
            self.pick(self._hits[event.option_index])
            self._input.focus()

    # --- restrictions (communes) -----------------------------------------------------------

    def _restriction_changed(self) -> None:
        source = self._source
        if isinstance(source, _Communes) and self._value and not source.allowed(self._value):
            self._set_value(None, show_label=True)
        if self.is_open or (self._input.has_focus and self._input.value.strip()):
            self._refresh_hits(self._input.value, highlight=bool(self._input.value.strip()))
            self._open()

    def set_restriction(
        self,
        *,
        departement: str | None = None,
        postal_code: str | None = None,
        clear_invalid: bool = True,
    ) -> None:
        """Restrict communes to a department and/or postal code. With ``clear_invalid``
        (a change made by the user), a value outside the new restriction is cleared;
        without it (showing a stored dossier), the value is kept as it is."""
        if clear_invalid:
            self.departement = departement
            self.postal_code = postal_code
        else:
            self.set_reactive(FilterSelect.departement, departement)
            self.set_reactive(FilterSelect.postal_code, postal_code)

    def watch_departement(self, departement: str | None) -> None:
        if departement and isinstance(self._source, _Communes):
            self.run_worker(
                lambda: warm_departement(departement),
                thread=True,
                group="warm-departement",
                exclusive=True,
                exit_on_error=False,
            )
        self._restriction_changed()

    def watch_postal_code(self) -> None:
        self._restriction_changed()

    # --- actions -----------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        if not self.is_open:
            picked = self._value
            self._refresh_hits("" if picked is not None else self._input.value)
            if not self._hits:
                raise SkipAction()
            index = next((i for i, hit in enumerate(self._hits) if hit.value == picked), 0)
            self._list.highlighted = index
            self._open()
            return
        self._list.action_cursor_down()

    def action_cursor_up(self) -> None:
        if not self.is_open:
            raise SkipAction()
        self._list.action_cursor_up()

    def action_close(self) -> None:
        if not self.is_open:
            raise SkipAction()
        self.close()


#: The one line of an open list that matches nothing.
_NO_HIT = Content.styled("Aucun résultat", "italic")

_PLACEHOLDERS: dict[FilterKind, str] = {
    "departement": "Numéro ou nom du département",
    "commune": "Premières lettres de la commune",
    "pays": "Premières lettres du pays",
    "specialite": "Premières lettres de la spécialité",
    "choice": "Tapez pour filtrer",
}
