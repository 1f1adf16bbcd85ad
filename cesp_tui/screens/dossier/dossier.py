"""One open dossier: its tabs' header, the current tab, and what the sync engine says.

`DossierScreen` holds the dossier's local copy (``data``, pieces, certifications) and
switches between one view per tab in a ``ContentSwitcher`` (`TabScreen` for form tabs,
`PiecesScreen`, `SyntheseScreen`; built on first visit and kept, so the cursor and the
scroll position of each tab survive a switch). Why a ContentSwitcher rather than
Textual's screen stack: docs/adr/0007-dossier-screens.md.

- Every field change goes to the local store at once through the app's `DraftWriter`;
  the header's states (`rules.tab_state`) follow, a fifth of a second later.
- "Enregistrer" (Ctrl+S) checks the tab with `cesp_core`, shows the problems under their
  fields, marks the tab saved and queues it for the server (`DraftStore.mark_tab_saved`);
  "Enregistrer et suivant" (Ctrl+N) then opens the next tab when nothing is missing.
- A transmitted (or closed) dossier opens read-only under a banner; a save the server
  refuses (`SaveRefused`) is loud (banner, error notification, problems on their
  fields); a conflict (`SyncConflict`) opens the merge screen.

Workers only read and write the store and post messages; handlers change the screen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.message import Message
from textual.reactive import Reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Static

from cesp_client.api.etablissement import CampaignWindow, fetch_campaign_window, window_of
from cesp_client.dossier_model import DossierModel
from cesp_client.events import (
    DossiersPulled,
    DossierSynced,
    DossierTransmitted,
    SaveRefused,
    SyncConflict,
)
from cesp_client.keying import is_agent, keying_session
from cesp_client.store import LocalDossier, LocalPiece
from cesp_client.workspace import (
    DossierSnapshot,
    Workspace,
    load_snapshot,
    transmitted_on,
)
from cesp_core.demarches import rules
from cesp_core.demarches.model import Demarche, Tab, TabKind, Value
from cesp_core.lifecycle import STATE_LABELS, DossierState
from cesp_core.problems import Problem
from cesp_tui.messages import (
    CertificationsChanged,
    PiecesChanged,
    ShowTab,
    SyncRequested,
    TransmitRequested,
)
from cesp_tui.screens.dossier.pieces import PiecesScreen
from cesp_tui.screens.dossier.synthese import TRANSMITTED_BANNER, SyntheseScreen
from cesp_tui.screens.dossier.tab import DossierView, TabScreen
from cesp_tui.screens.etablissement.confirmer import (
    CONFIRMED_BANNER,
    ConfirmerResult,
    first_tab_hint,
)
from cesp_tui.services import client_app
from cesp_tui.sync_news import FollowsSyncNews, report_pending
from cesp_tui.textual_compat import alt_digit_key
from cesp_tui.widgets.footer import StableFooter
from cesp_tui.widgets.readonly_banner import ReadonlyBanner
from cesp_tui.widgets.status_line import StatusLine
from cesp_tui.widgets.tab_form import TabForm
from cesp_tui.widgets.tab_header import TabHeader, tab_keys_display
from cesp_tui.workers import work

if TYPE_CHECKING:
    from cesp_client.store import DraftStore

__all__ = [
    "DossierLoaded",
    "DossierScreen",
    "OpensDossiers",
]

#: Delay before the header's states follow the typing.
STATES_DELAY = 0.2
#: Seconds without a key (no field change, no focus move, no tab change) before the next
#: unvisited tab's view is built in the background (ADR 0024).
PREBUILD_IDLE = 0.5


@dataclass
class DossierLoaded(Message):
    """A dossier was read from the store (None: it is not there), to be shown."""

    dossier_id: str
    snapshot: DossierSnapshot | None
    tab: str | None = None
    field: str | None = None


_HERE = Path(__file__).parent


class OpensDossiers:
    """For screens that open dossiers (home, dossier, command palette): read the dossier in
    a worker, then push (or switch to) its `DossierScreen` in the handler."""

    def open_dossier(
        self, dossier_id: str, *, tab: str | None = None, field: str | None = None
    ) -> None:
        assert isinstance(self, Screen)
        workspace = self.workspace  # type: ignore[attr-defined]
        if isinstance(self, DossierScreen) and dossier_id == self.dossier_id:
            self.call_next(self.show_tab, tab or self.current_tab, field)
            return
        if workspace is None:  # not logged in yet / store still opening: right after
            self._open_when_ready = (dossier_id, tab, field)
            return
        self._load_for_opening(workspace.store, dossier_id, tab, field)

    #: A dossier asked for before the workspace was known (home screen at login).
    _open_when_ready: tuple[str, str | None, str | None] | None = None

    @work(thread=True, group="open-dossier", exclusive=True, description="l'ouverture du dossier")
    def _load_for_opening(
        self, store: DraftStore, dossier_id: str, tab: str | None, field: str | None
    ) -> None:
        assert isinstance(self, DOMNode)
        snapshot = load_snapshot(store, dossier_id)
        self.post_message(DossierLoaded(dossier_id, snapshot, tab, field))

    def on_dossier_loaded(self, message: DossierLoaded) -> None:
        assert isinstance(self, Screen)
        message.stop()
        if message.snapshot is None:
            self.notify("Ce dossier n'est plus sur ce poste.", severity="error")
            return
        screen = DossierScreen(
            self.workspace,  # type: ignore[attr-defined]
            message.snapshot,
            tab=message.tab,
            field=message.field,
        )
        if isinstance(self, DossierScreen):
            self.app.switch_screen(screen)
        else:
            self.app.push_screen(screen)


# --- messages of the screen's own workers ------------------------------------------------------


@dataclass
class _TabQueued(Message):
    tab: str
    problems: list[Problem]
    go_next: bool


@dataclass
class _SnapshotReloaded(Message):
    snapshot: DossierSnapshot | None


@dataclass
class _TransmitQueued(Message):
    pass


@dataclass
class _MergeApplied(Message):
    tab: str
    values: dict[str, Value]
    requeued: bool


@dataclass
class _PendingCounted(Message):
    count: int


@dataclass
class _ReadyForNext(Message):
    """Agent: the dossier's typed tabs are queued; the next paper dossier can start."""

    saved: list[str]


@dataclass
class _CampaignKnown(Message):
    window: CampaignWindow


def _commands() -> Any:
    from cesp_tui.commands import DossierCommands

    return DossierCommands


# --- the screen -----------------------------------------------------------------------------------


#: The agent's keying keys, named at the status line (binding id -> word).
_AGENT_KEYS = {
    "dossier.carry_over": "lot",
    "dossier.dup": "idem",
    "dossier.next_dossier": "suivant",
}


class DossierScreen(FollowsSyncNews, OpensDossiers, Screen[None]):
    """The tabs of one dossier. ``tab`` / ``field``: where to put the cursor first."""

    #: Absolute: screens of other folders subclass this one (Textual reads a relative
    #: path beside the subclass's module).
    CSS_PATH: ClassVar[list[str | PurePath]] = [
        _HERE / "dossier.tcss",
        _HERE / "tab.tcss",
        _HERE / "pieces.tcss",
        _HERE / "synthese.tcss",
    ]
    COMMANDS: ClassVar[set[Any]] = {_commands}
    AUTO_FOCUS = None

    #: `Screen.focused` repaints the whole screen on every focus move (a full render of
    #: the form, ~40 ms at 80x24). The widgets whose look depends on the focus restyle
    #: and repaint themselves (`Screen._update_focus_styles`), so none is needed (ADR 0011).
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Enregistrer", id="dossier.save"),
        Binding(
            "ctrl+n",
            "save_next",
            "Enr. et suivant",
            tooltip="Enregistrer et suivant",
            id="dossier.save_next",
        ),
        # Tabs (ADR 0026): Alt+1…Alt+8, Ctrl+PgUp/Ctrl+PgDn. Never a printable key: a
        # digit typed anywhere in a form is data, not a tab change.
        # Each also on the key ESC+digit arrives as in xterm/tmux (`textual_compat`).
        Binding(
            f"alt+1,{alt_digit_key(1)}",
            "goto(1)",
            "Onglets",
            key_display="Alt+1…7",
            id="dossier.tab_1",
        ),
        *(
            Binding(
                f"alt+{n},{alt_digit_key(n)}",
                f"goto({n})",
                f"Onglet {n}",
                show=False,
                id=f"dossier.tab_{n}",
            )
            for n in range(2, 9)
        ),
        # Priority: a table in a tab (DataTable's Ctrl+PgUp/PgDn page sideways) must not
        # take the tab keys.
        Binding(
            "ctrl+pageup",
            "cycle_tab(-1)",
            "Onglet précédent",
            show=False,
            priority=True,
            id="dossier.tab_previous",
        ),
        Binding(
            "ctrl+pagedown",
            "cycle_tab(1)",
            "Onglet suivant",
            show=False,
            priority=True,
            id="dossier.tab_next",
        ),
        Binding("f9", "home", "Retour", tooltip="Mes demandes", id="dossier.home"),
        Binding("ctrl+r", "merge", "Fusionner les versions", id="dossier.merge"),
        # Agents keying paper dossiers (cesp_client.keying): for the agent role only, named
        # by the status line (`_AGENT_KEYS`: "^g lot · ^b idem · ^o suivant"), F1 and the
        # palette; in the footer they went past the right edge at 80 columns.
        Binding("ctrl+g", "carry_over", "Reprendre lot", show=False, id="dossier.carry_over"),
        Binding("ctrl+b", "dup", "Idem", show=False, id="dossier.dup"),
        Binding("ctrl+o", "next_dossier", "Dossier suivant", show=False, id="dossier.next_dossier"),
        Binding("ctrl+d", "decision", "Décision", id="dossier.decision"),
        Binding("ctrl+t", "confirmer", "Confirmer", id="dossier.confirmer"),
    ]

    def __init__(
        self,
        workspace: Workspace,
        snapshot: DossierSnapshot,
        *,
        tab: str | None = None,
        field: str | None = None,
        greeting: str | None = None,
    ) -> None:
        super().__init__(id=f"dossier-{snapshot.dossier.id}")
        #: Said at the status line once the dossier shows ("Dossier … créé"): a toast
        #: covered the tab header (issue 13: nothing said covers what is keyed).
        self._greeting = greeting
        self.workspace = workspace
        #: The dossier's local copy and its one write path (`cesp_client.dossier_model`).
        self.model = DossierModel(
            workspace.store,
            workspace.writer,
            snapshot,
            read_only_role=workspace.read_only_role,
        )
        self.demarche: Demarche = self.model.demarche
        self.remote = snapshot.remote
        self.current_tab: str = self._initial_tab(tab)
        self._initial_field = field
        self._views: dict[str, DossierView] = {}
        self._states_timer: Timer | None = None
        self._prebuild_timer: Timer | None = None
        #: The tab whose view is being built ahead, and its end.
        self._building: tuple[str, asyncio.Event] | None = None
        self._server_problems: dict[str, list[Problem]] = {}
        self._receipt: dict[str, Any] = {}
        self._merging: set[str] = set()
        #: Tabs saved here whose platform verdict is not known yet.
        self._awaiting_verdict: set[str] = set()
        self._select_piece_type: str | None = None
        #: The tab the platform's last refusal spoke of, while its banner shows.
        self._refused_tab: str | None = None
        #: The widget that had the focus when each tab was left.
        self._last_focus: dict[str, Widget] = {}
        #: The campaign's window (closing date, days left), as last learnt.
        self.campaign: CampaignWindow | None = window_of(
            workspace.campaign_info, snapshot.dossier.campaign_id
        )
        self.model.campaign_closed = self.campaign_closed
        #: Fires at the campaign's closing instant (the dossier turns read-only then).
        self._closing_timer: Timer | None = None

    def _initial_tab(self, tab: str | None) -> str:
        keys = [t.key for t in self.demarche.tabs]
        if tab in keys:
            return tab  # type: ignore[return-value]
        return self.demarche.first_tab or keys[0]

    # --- state ---------------------------------------------------------------------------

    # The model's state, read through the screen by the views and staff subclasses.

    @property
    def dossier(self) -> LocalDossier:
        return self.model.dossier

    @property
    def data(self) -> dict[str, dict[str, Value]]:
        return self.model.data

    @property
    def pieces(self) -> list[LocalPiece]:
        return self.model.pieces

    @property
    def certifications(self) -> list[str]:
        return self.model.certifications

    @property
    def dirty_tabs(self) -> list[str]:
        return self.model.dirty_tabs

    @property
    def conflicts(self) -> list[SyncConflict]:
        return self.model.conflicts

    @property
    def transmit_pending(self) -> bool:
        return self.model.transmit_pending

    @property
    def dossier_id(self) -> str:
        return self.model.dossier_id

    @property
    def readonly(self) -> bool:
        return self.model.readonly

    @property
    def campaign_closed(self) -> bool:
        """Past the campaign's closing date: nothing can change any more."""
        return self.campaign is not None and self.campaign.closed()

    @property
    def piece_counts(self) -> dict[str, int]:
        return self.model.piece_counts

    def tab_states(self) -> dict[str, rules.TabState | None]:
        return self.model.tab_states()

    def view(self, tab: str) -> DossierView | None:
        return self._views.get(tab)

    @property
    def current_view(self) -> DossierView | None:
        return self._views.get(self.current_tab)

    def title_text(self) -> str:
        state = STATE_LABELS.get(DossierState(self.dossier.state), self.dossier.state)
        numero = self.dossier.numero or "numéro attribué à la première synchronisation"
        window = ""
        if self.campaign is not None and self.dossier.state == DossierState.BROUILLON:
            window = f" · {self.campaign.days_text()}" if self.campaign.days_text() else ""
        return f"{self.demarche.short_title} · {numero} · {state}{window}"

    def banner_text(self) -> tuple[str, str]:
        """(text, kind) of the read-only banner ("" when the dossier is editable)."""
        if self.model.just_transmitted:
            when = transmitted_on(self.dossier, self._receipt)
            if self.demarche.key == "asp":
                return f"{CONFIRMED_BANNER}\nCandidature confirmée le {when} : lecture seule.", (
                    "success"
                )
            return f"{TRANSMITTED_BANNER}\nDemande transmise le {when} : lecture seule.", "success"
        if self.transmit_pending:
            return (
                "Transmission demandée : elle part dès que la plateforme répond. Lecture seule.",
                "info",
            )
        state = self.dossier.state
        if state == DossierState.TRANSMIS:
            when = transmitted_on(self.dossier, self._receipt)
            return f"Demande transmise le {when} : lecture seule.", "info"
        if state != DossierState.BROUILLON:
            label = STATE_LABELS.get(DossierState(state), state).lower()
            return f"Demande {label} : lecture seule.", "info"
        if self.workspace.read_only_role:
            return "Consultation (support) : lecture seule.", "info"
        if self.campaign is not None and self.campaign_closed:
            return self.campaign.closed_banner(), "error"
        return "", "info"

    # --- composition -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(self.title_text(), id="dossier-title", markup=False)
        text, kind = self.banner_text()
        yield ReadonlyBanner(text, kind, id="dossier-banner")  # type: ignore[arg-type]
        yield TabHeader(
            self.demarche, states=self.tab_states(), current=self.current_tab, id="dossier-tabs"
        )
        yield ContentSwitcher(id="dossier-views")
        agent_keys = _AGENT_KEYS if self.keying_mode and not self.readonly else None
        yield StatusLine(dossier_id=self.dossier_id, screen_keys=agent_keys)
        yield StableFooter()

    async def on_mount(self) -> None:
        await self.show_tab(self.current_tab, self._initial_field)
        self._count_pending(self.model)
        if self.conflicts:
            self.call_after_refresh(self.action_merge)
        if not self.remote:
            self._fetch_campaign()
        self._watch_closing()
        if (hint := first_tab_hint(self.model, self.current_tab)) is not None:
            self.status.show_message(hint)
        if self._greeting:
            self.status.show_message(self._greeting)
        self._user_active()  # the other tabs are built once the user pauses

    @property
    def banner(self) -> ReadonlyBanner:
        return self.query_one("#dossier-banner", ReadonlyBanner)

    @property
    def header(self) -> TabHeader:
        return self.query_one("#dossier-tabs", TabHeader)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def tab_count(self) -> int:
        """How many tabs Alt+1…Alt+N reach (`NumberedTabs`)."""
        return len(self.demarche.tabs)

    def _make_view(self, tab: Tab) -> DossierView:
        if tab.kind is TabKind.PIECES:
            return PiecesScreen(tab, self.model, readonly=self.readonly)
        if tab.kind is TabKind.SYNTHESE:
            return SyntheseScreen(tab, self.model, readonly=self.readonly)
        return TabScreen(tab, self.model, readonly=self.readonly)

    # --- tabs built ahead, while the user is idle (ADR 0024) --------------------------------

    #: Build the unvisited tabs' views in the user's pauses, one per pause, so that a first
    #: visit only shows a view already mounted. False: each view is built on first visit.
    prebuild_tabs: ClassVar[bool] = True

    def _user_active(self) -> None:
        """A key did something: the next prebuild waits for `PREBUILD_IDLE` of quiet."""
        if not self.prebuild_tabs or len(self._views) >= len(self.demarche.tabs):
            return
        if self._prebuild_timer is None:
            self._prebuild_timer = self.set_timer(PREBUILD_IDLE, self._prebuild_next)
        else:
            self._prebuild_timer.reset()

    async def _prebuild_next(self) -> None:
        self._prebuild_timer = None
        tab = next((t for t in self.demarche.tabs if t.key not in self._views), None)
        if tab is None or not self.is_attached:
            return
        view = self._make_view(tab)
        done = asyncio.Event()
        # Timers run in their own task: a key may ask for this tab while it is mounting.
        # The view joins `_views` (what every other method sees) once composed.
        self._building = (tab.key, done)
        try:
            await self.query_one(ContentSwitcher).add_content(view)  # hidden until shown
            if not (self.is_attached and view.is_attached) or (
                isinstance(view, TabScreen) and not view.query(TabForm)
            ):
                return  # the screen closed (or its views were replaced) meanwhile
            if isinstance(view, TabScreen):
                view.form.keying = self.keying_mode
            if view.readonly != self.readonly:  # the dossier changed while it was built
                view.set_readonly(self.readonly)
            self._views[tab.key] = view
        finally:
            self._building = None
            done.set()
        self._user_active()  # the next one after another pause

    def on_descendant_focus(self) -> None:
        if self._prebuild_timer is not None:
            self._prebuild_timer.reset()

    async def show_tab(self, tab_key: str, field: str | None = None) -> None:
        """Show ``tab_key`` (built on first visit) with the cursor in ``field``."""
        if self._building is not None and self._building[0] == tab_key:
            await self._building[1].wait()  # being built ahead: shown once mounted
        try:
            tab = self.demarche.tab(tab_key)
        except KeyError:
            return
        switcher = self.query_one(ContentSwitcher)
        view = self._views.get(tab_key)
        if view is None:
            view = self._make_view(tab)
            self._views[tab_key] = view
            await switcher.mount(view)
            if isinstance(view, TabScreen):
                view.form.keying = self.keying_mode
        else:
            view.refresh_view()
        previous = self.current_tab
        previous_view = self._views.get(previous)
        focused = self.app.focused
        if previous_view is not None and focused is not None and previous_view in focused.ancestors:
            self._last_focus[previous] = focused
        self.current_tab = tab_key
        switcher.current = view.id
        self.header.current = tab_key
        if previous != tab_key and previous in self.dirty_tabs and not self.readonly:
            label = self.demarche.tab(previous).label
            self.status.show_message(
                f"« {label} » est gardé sur ce poste ; Ctrl+S dans l'onglet pour l'enregistrer."
            )
        if previous != tab_key and (hint := first_tab_hint(self.model, tab_key)) is not None:
            self.status.show_message(hint, error=True)
        if tab_key in self._server_problems:
            view.show_problems(self._server_problems[tab_key])
        if field is None and self.keying_mode and tab_key not in self._last_focus:
            field = self._first_to_key(tab)  # an agent: the first required field left blank
        remembered = self._last_focus.get(tab_key) if field is None else None
        if remembered is not None and remembered.is_attached and remembered.focusable:
            remembered.focus()  # back where the cursor was on this tab
        elif not view.focus_field(field):
            view.focus_default()
        self.refresh_bindings()

    # --- typing where nothing can change ---------------------------------------------------

    def readonly_text(self) -> str:
        """Why a key typed in a form changes nothing (French, one line)."""
        if self.workspace.read_only_role:
            return "Lecture seule : le support consulte, sans rien modifier."
        if self.campaign is not None and self.campaign_closed:
            return "Lecture seule : la campagne est close."
        return "Lecture seule : ce dossier ne peut plus être modifié."

    def on_key(self, event: events.Key) -> None:
        """A printable key typed in a read-only form (support, a transmitted dossier, a
        closed campaign) reached the screen: nothing took it. Say why (issue 13)."""
        if not (event.is_printable and self.readonly):
            return
        view = self.current_view
        focused = self.focused
        if not isinstance(view, TabScreen) or focused is None:
            return
        if focused is not view and view not in focused.ancestors:
            return
        self.status.show_message(self.readonly_text())

    # --- changes -----------------------------------------------------------------------------

    def field_changed(self, tab: str, field_key: str, value: Value) -> None:
        """A field of ``tab`` now holds ``value``: to the store at once, header soon."""
        if self.model.set_field(tab, field_key, value):
            self._schedule_states()

    def _schedule_states(self) -> None:
        """The tabs' states follow the typing a fifth of a second later; the tabs built
        ahead wait for the next pause."""
        if self._prebuild_timer is not None:
            self._prebuild_timer.reset()
        if self._states_timer is not None:
            self._states_timer.stop()
        self._states_timer = self.set_timer(STATES_DELAY, self.refresh_states)

    @on(TabForm.FieldChanged)
    def _field_edited(self, event: TabForm.FieldChanged) -> None:
        """A view wrote a field through the model and let the message bubble up."""
        event.stop()
        self._schedule_states()

    @on(ShowTab)
    async def _show_tab_asked(self, message: ShowTab) -> None:
        message.stop()
        await self.show_tab(message.tab, message.field)

    @on(CertificationsChanged)
    def _certifications_changed(self, message: CertificationsChanged) -> None:
        message.stop()
        self.set_certifications(message.ticked)

    @on(TransmitRequested)
    def _transmit_asked(self, message: TransmitRequested) -> None:
        message.stop()
        self.transmit()

    @on(PiecesChanged)
    def _pieces_changed(self, message: PiecesChanged) -> None:
        message.stop()
        # A file added or removed since a file was refused: the refused one has its own
        # line in the pieces table; the red banner no longer speaks of the present.
        if self._refused_tab is not None and self._refused_tab == self.current_tab:
            self._refusal_behind_us()
        self.reload_pieces(message.select_type)

    def _refusal_behind_us(self) -> None:
        """The platform's last refusal was answered (the tab saved again, a file added or
        removed on the tab it spoke of): the banner and the status line leave it."""
        self._refused_tab = None
        if self.banner.kind == "error":
            text, kind = self.banner_text()
            self.banner.show(text, kind)  # type: ignore[arg-type]
            self.status.clear_message()

    def refresh_states(self) -> None:
        self._states_timer = None
        self.header.set_states(self.tab_states())

    def set_certifications(self, ticked: Sequence[str]) -> None:
        self.model.adopt_certifications(ticked)
        self._write_certifications(self.model, list(ticked))

    @work(thread=True, group="dossier-io", description="l'enregistrement des certifications")
    def _write_certifications(self, model: DossierModel, ticked: list[str]) -> None:
        model.write_certifications(ticked)

    # --- save ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("save", "save_next"):  # hidden where there is nothing to save
            view = self.current_view
            if action == "save_next" and self.current_tab == self.demarche.tabs[-1].key:
                return False  # no next tab: Ctrl+S saves (and the footer keeps its room)
            return view is not None and view.can_save
        if action == "goto":
            number = parameters[0] if parameters else 0
            return isinstance(number, int) and 1 <= number <= len(self.demarche.tabs)
        if action == "decision":  # the jury's decision, once the dossier is decided
            return self.dossier.state in (DossierState.ACCEPTE, DossierState.REFUSE)
        if action == "merge":  # shown only while a conflict waits
            return bool(self.conflicts)
        if action in ("carry_over", "dup"):  # agents keying paper dossiers
            return self.keying_mode and not self.readonly
        if action == "next_dossier":
            return self.keying_mode
        if action == "confirmer":  # ASP "Confirmer" (no "Synthèse" tab to transmit from)
            has_synthese = any(t.kind is TabKind.SYNTHESE for t in self.demarche.tabs)
            if has_synthese or not self.demarche.certifications or self.remote:
                return False  # hidden
            return not self.readonly
        return True

    def action_save(self) -> None:
        self._save(go_next=False)

    def action_save_next(self) -> None:
        self._save(go_next=True)

    def _save(self, *, go_next: bool) -> None:
        view = self.current_view
        if self._closing_reached():  # closed since the screen last looked: said, not saved
            label = self.demarche.tab(self.current_tab).label
            self.notify(
                f"« {label} » n'est pas enregistré : la campagne est close.",
                title="Enregistrer",
                severity="error",
            )
            return
        if view is None or not view.can_save:
            return
        tab = view.tab_key
        first = rules.first_tab_problem(self.demarche, tab, self.model.saved_or_queued())
        if first is not None:
            self.notify(first.message, severity="error")
            return
        problems = view.problems()
        self._server_problems.pop(tab, None)
        view.show_problems(problems, focus=bool(problems))
        self._queue_save(self.model, tab, problems, go_next)

    @property
    def queued_tabs(self) -> set[str]:
        """Tabs saved here and waiting for (or sent to) the server."""
        return set(self.model.queued_tabs)

    @work(thread=True, group="dossier-save", description="l'enregistrement de l'onglet")
    def _queue_save(
        self, model: DossierModel, tab: str, problems: list[Problem], go_next: bool
    ) -> None:
        pending = model.save_tab(tab)  # every keystroke typed so far is in the store first
        self.post_message(_TabQueued(tab, problems, go_next))
        self.post_message(_PendingCounted(pending))

    async def on__tab_queued(self, message: _TabQueued) -> None:
        tab = message.tab
        label = self.demarche.tab(tab).label
        self.model.adopt_tab_saved(tab)
        self._refusal_behind_us()  # saved again
        if tab == self.demarche.first_tab:
            self.status.clear_message()  # the "save it first" hint is behind us
        self.refresh_states()
        self.post_message(SyncRequested())
        count = len(message.problems)
        # What is true now: the tab is saved on this computer. The platform's verdict
        # follows (`news_dossier_synced`: "reçu par la plateforme"; `news_save_refused`).
        self._awaiting_verdict.add(tab)
        # Said at the status line, not in a notification: at 80x24 a notification at
        # the top right covered the first fields of the next tab, where typing goes on.
        if count:
            points = f"{count} point{'s' if count > 1 else ''}"
            text = f"« {label} » enregistré sur ce poste ; {points} à corriger."
            if message.go_next:
                text += (
                    " Complétez l'onglet pour passer au suivant "
                    f"({tab_keys_display(self.tab_count)} : changer d'onglet)."
                )
            self.status.show_message(text, error=True)
            return
        self.status.show_message(f"« {label} » enregistré sur ce poste ; envoi à la plateforme.")
        if message.go_next:
            keys = [t.key for t in self.demarche.tabs]
            index = keys.index(tab)
            if index + 1 < len(keys):
                await self.show_tab(keys[index + 1])

    def on__pending_counted(self, message: _PendingCounted) -> None:
        report_pending(self, message.count)  # the account's count, as every screen shows

    @work(thread=True, group="dossier-io", description="le décompte des modifications en attente")
    def _count_pending(self, model: DossierModel) -> None:
        self.post_message(_PendingCounted(model.pending_count()))

    # --- transmission ----------------------------------------------------------------------

    def transmit(self) -> None:
        """ "Transmettre ma demande" confirmed: queue it (the sync engine sends it)."""
        if self.readonly:
            return
        self._queue_transmit(self.model)

    @work(thread=True, group="dossier-save", description="la transmission")
    def _queue_transmit(self, model: DossierModel) -> None:
        pending = model.queue_transmit()
        self.post_message(_TransmitQueued())
        self.post_message(_PendingCounted(pending))

    def on__transmit_queued(self, _message: _TransmitQueued) -> None:
        self.model.transmit_pending = True
        self._apply_readonly()
        self.post_message(SyncRequested())
        self.status.show_message("Transmission demandée : elle part dès que la plateforme répond.")
        if self.keying_mode and keying_session(self.app).continuous:
            self.action_next_dossier()  # saisie continue: the next paper dossier at once

    # --- keying paper dossiers (agents) ----------------------------------------------------

    @property
    def keying_mode(self) -> bool:
        """An agent keying a paper dossier: data-entry forms, carry-over, dup, next."""
        return is_agent(self.workspace.role) and not self.remote

    def _put_values(self, values: dict[str, dict[str, Value]]) -> int:
        """Values into the dossier as if typed (forms already built show them)."""
        count = 0
        for tab_key, fields in values.items():
            view = self._views.get(tab_key)
            for key, value in fields.items():
                if isinstance(view, TabScreen):
                    view.form.set_value(key, value)
                else:
                    self.field_changed(tab_key, key, value)
                count += 1
        return count

    def _first_to_key(self, tab: Tab) -> str | None:
        from cesp_core.keying import first_field_to_key

        if tab.kind is not TabKind.FORM or self.readonly:
            return None
        return first_field_to_key(self.demarche, tab.key, self.data)

    def action_carry_over(self) -> None:
        """The repeatable fields of the previous dossier of the batch (filière, université,
        année universitaire, DES...), all at once, into the blank fields of this one."""

        previous = keying_session(self.app).previous
        if not previous:
            self.status.show_message("Aucun dossier précédent dans ce lot : rien à reprendre.")
            return
        values = self.model.carry_over_values(previous)
        if not self._put_values(values):
            self.status.show_message("Les champs du lot sont déjà remplis.")
            return
        labels = ", ".join(
            self.demarche.tab(tab).field(key).label for tab, keys in values.items() for key in keys
        )
        self.status.show_message(f"Repris du dossier précédent : {labels}.")

    def action_dup(self) -> None:
        """The field under the cursor takes the value of the same field of the previous
        dossier (the "dup" key of a data-entry screen), and the cursor moves on."""
        from cesp_tui.widgets.field_row import FieldRow

        focused = self.app.focused
        ancestors = focused.ancestors_with_self if focused is not None else []
        row = next((a for a in ancestors if isinstance(a, FieldRow)), None)
        view = self.current_view
        if row is None or not isinstance(view, TabScreen):
            return
        value = self.model.idem_value(keying_session(self.app).previous, view.tab_key, row.key)
        if value is None:
            self.status.show_message(
                "Rien à reprendre : ce champ est vide dans le dossier précédent."
            )
            return
        view.form.set_value(row.key, value)
        self.call_after_refresh(view.form.move_on, row)

    def action_next_dossier(self) -> None:
        """Queue the typed tabs, remember this dossier for carry-over, and start the next
        paper dossier (the applicant's identity first)."""
        dirty: list[str] = []
        if not self.readonly:
            dirty = [t for t in self.dirty_tabs if self.demarche.tab(t).kind is TabKind.FORM]
        self._queue_for_next(self.model, dirty)

    @work(thread=True, group="dossier-save", description="l'enregistrement de l'onglet")
    def _queue_for_next(self, model: DossierModel, tabs: list[str]) -> None:
        model.save_for_next(tabs)
        self.post_message(_ReadyForNext(tabs))

    def on__ready_for_next(self, message: _ReadyForNext) -> None:
        from cesp_tui.screens.staff.on_behalf import OnBehalfScreen

        if message.saved:
            self.post_message(SyncRequested())
        session = keying_session(self.app)
        session.remember_previous(self.dossier_id, self.data)
        if session.campaign_id is None and self.dossier.campaign_id is not None:
            session.campaign_id = self.dossier.campaign_id
        self.app.switch_screen(OnBehalfScreen(self.workspace))

    @on(TabForm.EndReached)
    def _end_of_tab(self, event: TabForm.EndReached) -> None:
        event.stop()
        self.action_save_next()

    def action_confirmer(self) -> None:
        """ASP "Confirmer": tick every box, save (= transmit)."""
        from cesp_tui.screens.etablissement.confirmer import ConfirmerScreen

        if self.readonly:
            return

        async def answered(result: ConfirmerResult | None) -> None:
            if result is None:
                return
            if result.transmit:
                self.transmit()
            elif result.tab:
                await self.show_tab(result.tab, result.field)

        self.app.push_screen(ConfirmerScreen(self.model, self.set_certifications), answered)

    # --- the campaign's window ----------------------------------------------------------

    @work(group="dossier-campaign", exclusive=True, description="la lecture de la campagne")
    async def _fetch_campaign(self) -> None:
        window = await fetch_campaign_window(self.workspace.api, self.dossier.campaign_id)
        if window is not None:
            self.post_message(_CampaignKnown(window))

    def on__campaign_known(self, message: _CampaignKnown) -> None:
        was_readonly = self.readonly
        self.campaign = message.window
        self.model.campaign_closed = self.campaign_closed
        self.workspace.campaign_info[message.window.campaign_id] = dict(message.window.raw)
        if was_readonly != self.readonly:
            self._apply_readonly()
        else:
            self.query_one("#dossier-title", Static).update(self.title_text())
        self._watch_closing()

    #: Closings further away than this are not timed (the screen is reopened by then).
    CLOSING_WATCH_SECONDS: ClassVar[float] = 2 * 24 * 3600.0

    def _watch_closing(self) -> None:
        """A timer at the campaign's closing instant: then the dossier turns read-only,
        and the footer stops offering Ctrl+S / Ctrl+T (issue 13)."""
        if self._closing_timer is not None:
            self._closing_timer.stop()
            self._closing_timer = None
        campaign = self.campaign
        if campaign is None or campaign.closes_at is None or self.model.campaign_closed:
            return
        delay = (campaign.closes_at - datetime.now(UTC)).total_seconds()
        if delay <= self.CLOSING_WATCH_SECONDS:
            self._closing_timer = self.set_timer(max(0.0, delay) + 0.05, self._closing_reached)

    def _closing_reached(self) -> bool:
        """The campaign closed by this computer's clock: read-only from now on (True when
        that changed something)."""
        self._closing_timer = None
        if self.campaign is None or not self.campaign.closed() or self.model.campaign_closed:
            return False
        self.model.campaign_closed = True
        self._apply_readonly()
        return True

    def _apply_readonly(self) -> None:
        readonly = self.readonly
        for view in self._views.values():
            view.set_readonly(readonly)
            view.refresh_view()
        text, kind = self.banner_text()
        if text or self.banner.kind != "error":  # a refusal stays until a new save
            self.banner.show(text, kind)  # type: ignore[arg-type]
        self.query_one("#dossier-title", Static).update(self.title_text())
        self.refresh_bindings()
        view = self.current_view
        if view is not None:
            view.focus_default()

    # --- the jury's decision (Candidature -> Afficher -> Décision) -----------------------

    def action_decision(self) -> None:
        """Ctrl+D: the decision, read from the platform in a small read-only box."""
        from cesp_tui.screens.staff.decision_view import DecisionViewModal

        api = client_app(self.app).api or self.workspace.api
        numero = self.dossier.numero or ""
        self.app.push_screen(DecisionViewModal(api, self.dossier_id, numero))

    # --- navigation ----------------------------------------------------------------------

    async def action_goto(self, number: int) -> None:
        tabs = self.demarche.tabs
        if 1 <= number <= len(tabs):
            await self.show_tab(tabs[number - 1].key)

    async def action_cycle_tab(self, step: int) -> None:
        """Ctrl+PgUp / Ctrl+PgDn: the previous or next tab (wraps round)."""
        keys = [tab.key for tab in self.demarche.tabs]
        if self.current_tab in keys:
            index = (keys.index(self.current_tab) + step) % len(keys)
            await self.show_tab(keys[index])

    def action_home(self) -> None:
        self.dismiss()

    @on(TabHeader.TabSelected)
    async def _tab_clicked(self, event: TabHeader.TabSelected) -> None:
        event.stop()
        await self.show_tab(event.tab)

    # --- the sync engine's news ---------------------------------------------------------

    def reload(self) -> None:
        """Read the dossier again from the store (after the sync engine changed it)."""
        if self.remote:  # a staff view of the platform's copy: the store has none
            return
        self._reload(self.model)

    @work(
        thread=True, group="dossier-reload", exclusive=True, description="la relecture du dossier"
    )
    def _reload(self, model: DossierModel) -> None:
        self.post_message(_SnapshotReloaded(model.load()))

    def reload_pieces(self, select_type: str | None = None) -> None:
        self._select_piece_type = select_type
        self.reload()

    async def on__snapshot_reloaded(self, message: _SnapshotReloaded) -> None:
        snapshot = message.snapshot
        if snapshot is None:
            self.notify("Ce dossier a été supprimé.", severity="warning")
            self.dismiss()
            return
        was_readonly = self.readonly
        changes = self.model.adopt_snapshot(snapshot, merging=set(self._merging))
        for key in changes.rebuilt_tabs:
            await self._rebuild_form(key)
        if was_readonly != self.readonly:
            self._apply_readonly()
        else:
            self.query_one("#dossier-title", Static).update(self.title_text())
            if self.banner.kind != "error" or not self.banner.visible_text:
                text, kind = self.banner_text()
                self.banner.show(text, kind)  # type: ignore[arg-type]
        for view in self._views.values():
            if view.tab.kind is not TabKind.FORM:
                view.refresh_view()
        if self._select_piece_type is not None:
            pieces_view = next(
                (v for v in self._views.values() if isinstance(v, PiecesScreen)), None
            )
            if pieces_view is not None:
                pieces_view.select_piece_type(self._select_piece_type)
            self._select_piece_type = None
        self.refresh_states()
        self.refresh_bindings()

    async def _rebuild_form(self, tab_key: str) -> None:
        """A form tab's values changed in the store (the server's copy, a merge)."""
        view = self._views.get(tab_key)
        if not isinstance(view, TabScreen):
            return
        current = tab_key == self.current_tab
        del self._views[tab_key]
        await view.remove()
        if current:
            await self.show_tab(tab_key)

    def _mine(self, message: Any) -> bool:
        return getattr(message, "dossier_id", None) == self.dossier_id

    # The sync engine's news arrives through the app's `sync_news` (`FollowsSyncNews`).

    def news_save_refused(self, message: SaveRefused) -> None:
        if not self._mine(message):
            return
        detail = message.detail
        where = ""
        if message.tab:
            try:
                where = f"« {self.demarche.tab(message.tab).label} » : "
            except KeyError:
                where = ""
        text = f"Refusé par la plateforme — {where}{detail}"
        self._refused_tab = message.tab
        self.banner.show(text, "error")  # loud and sticky (the app also notifies)
        self.status.show_message(text, error=True)
        by_tab: dict[str, list[Problem]] = {}
        for problem in message.problems:
            by_tab.setdefault(problem.tab, []).append(problem)
        for tab, problems in by_tab.items():
            self._server_problems[tab] = problems
            view = self._views.get(tab)
            if view is not None:
                view.show_problems(problems)
        if message.tab:
            self._awaiting_verdict.discard(message.tab)
        if message.tab and message.tab not in self.model.dirty_tabs:
            self.model.dirty_tabs.append(message.tab)
        self.reload()
        self._fetch_campaign()  # refused for a closed campaign: read-only from now on

    def news_sync_conflict(self, message: SyncConflict) -> None:
        if not self._mine(message):
            return
        if all(c.tab != message.tab for c in self.model.conflicts):
            self.model.conflicts.append(message)
        self.refresh_bindings()
        self.action_merge()

    def news_dossier_synced(self, message: DossierSynced) -> None:
        if not self._mine(message):
            return
        tab = message.tab
        if tab is not None and tab in self._awaiting_verdict:
            self._awaiting_verdict.discard(tab)
            try:
                label = self.demarche.tab(tab).label
            except KeyError:
                label = tab
            if not (self.banner.kind == "error" and self.banner.visible_text):
                self.status.show_message(f"« {label} » enregistré sur la plateforme.")
        self.reload()

    def news_dossier_transmitted(self, message: DossierTransmitted) -> None:
        if not self._mine(message):
            return
        self._receipt = dict(message.receipt or {})
        self.model.adopt_transmitted(message.numero)
        self._apply_readonly()  # the guide's banner (the app also shows a notification)
        self.reload()

    def news_dossiers_pulled(self, message: DossiersPulled) -> None:
        if self.dossier_id in message.updated:
            self.reload()

    # --- merge -----------------------------------------------------------------------------

    def action_merge(self) -> None:
        """Open the merge screen for the first conflict waiting."""
        from cesp_tui.screens.dossier.merge import MergeScreen

        pending = [c for c in self.conflicts if c.tab not in self._merging]
        if not pending:
            return
        conflict = pending[0]
        self._merging.add(conflict.tab)

        def merged(values: dict[str, Value] | None) -> None:
            self._merging.discard(conflict.tab)
            if values is None:
                self.status.show_message(
                    "Conflit en attente : Ctrl+R pour fusionner les deux versions.", error=True
                )
                return
            self.model.conflicts = [c for c in self.model.conflicts if c.tab != conflict.tab]
            self._apply_merge(self.model, conflict.tab, dict(values))

        self.app.push_screen(
            MergeScreen(
                self.demarche,
                conflict.tab,
                conflict.mine,
                conflict.theirs,
                conflict.server_version,
                conflict.base,
            ),
            merged,
        )

    @work(thread=True, group="dossier-save", description="l'enregistrement de la fusion")
    def _apply_merge(self, model: DossierModel, tab: str, values: dict[str, Value]) -> None:
        requeued = model.apply_merge(tab, values)
        self.post_message(_MergeApplied(tab, values, requeued))

    async def on__merge_applied(self, message: _MergeApplied) -> None:
        tab = message.tab
        self.model.adopt_merge(tab, message.values)
        self._server_problems.pop(tab, None)
        await self._rebuild_form(tab)
        label = self.demarche.tab(tab).label
        if message.requeued:
            self.notify(f"Fusion de « {label} » enregistrée : elle part vers le serveur.")
            self.post_message(SyncRequested())
        else:
            self.notify(f"« {label} » : la version du serveur est reprise.")
        self.status.clear_message()
        self.refresh_states()
        self.reload()
        if self.conflicts:
            self.action_merge()
