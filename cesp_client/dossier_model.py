"""One dossier's local copy, and the one write path for everything done to it.

`DossierModel` holds what the dossier screen shows (values, pieces, certifications, tabs
typed but not saved, tabs queued, conflicts) and performs every change: a field typed, a
tab saved, the certifications ticked, the transmission, a merge, the agent's carry-over
and "Idem", a deletion. Screens and views call it; they never write the store themselves.

Two kinds of methods:
- *on the UI thread, never blocking*: `set_field` (the `DraftWriter` writes in its own
  thread), `carry_over_values`, `idem_value`, and the read-only properties;
- *blocking* (SQLite): `save_tab`, `save_for_next`, `write_certifications`,
  `queue_transmit`, `apply_merge`, `pending_count`, `load`; call them from a worker and
  then give the result to `adopt_*` on the UI thread.

`delete_dossier` is the one deletion path, for "Mes demandes" and "Récap.
candidatures" alike: a draft the platform never heard of goes at once, otherwise the
deletion is queued for the sync engine (even for a row known only to the platform).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cesp_client.events import SyncConflict
from cesp_client.store import LocalDossier, LocalPiece, OpKind, PendingOp, PieceState
from cesp_client.workspace import DossierSnapshot, load_snapshot
from cesp_core.demarches import get_demarche, rules
from cesp_core.demarches.model import Demarche, TabKind, Value
from cesp_core.lifecycle import DossierState

if TYPE_CHECKING:
    from cesp_client.store import DraftStore, DraftWriter

__all__ = ["DeleteResult", "DossierModel", "SnapshotChanges", "delete_dossier"]


def _queued_tabs(ops: Sequence[PendingOp]) -> set[str]:
    return {op.tab for op in ops if op.kind == OpKind.SAVE_TAB and op.tab}


@dataclass
class SnapshotChanges:
    """What `DossierModel.adopt_snapshot` changed: form tabs to rebuild, and whether the
    dossier's read-only state may have moved."""

    rebuilt_tabs: list[str]


class DossierModel:
    """See the module's docstring. ``read_only_role``: support and jury read only;
    ``campaign_closed`` is kept up to date by the screen (the platform says when)."""

    def __init__(
        self,
        store: DraftStore,
        writer: DraftWriter,
        snapshot: DossierSnapshot,
        *,
        read_only_role: bool = False,
    ) -> None:
        self.store = store
        self.writer = writer
        self.dossier: LocalDossier = snapshot.dossier
        self.demarche: Demarche = get_demarche(snapshot.dossier.demarche)
        self.data: dict[str, dict[str, Value]] = {
            key: dict(values) for key, values in (snapshot.dossier.data or {}).items()
        }
        self.pieces: list[LocalPiece] = list(snapshot.pieces)
        self.remote = snapshot.remote
        self.certifications: list[str] = list(snapshot.dossier.certifications)
        self.dirty_tabs: list[str] = list(snapshot.dossier.dirty_tabs)
        self.transmit_pending = snapshot.transmit_pending
        self.conflicts: list[SyncConflict] = snapshot.conflicts()
        self.queued_tabs: set[str] = _queued_tabs(snapshot.ops)
        self.read_only_role = read_only_role
        self.campaign_closed = False
        #: The server confirmed the transmission (a later, older store copy must not
        #: make the dossier an editable draft again).
        self.just_transmitted = False

    # --- reading -------------------------------------------------------------------------

    @property
    def dossier_id(self) -> str:
        return self.dossier.id

    @property
    def readonly(self) -> bool:
        return (
            self.dossier.state != DossierState.BROUILLON
            or self.transmit_pending
            or self.read_only_role
            or self.campaign_closed
        )

    @property
    def piece_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for piece in self.pieces:
            if piece.state != PieceState.REFUSED:
                counts[piece.piece_type] = counts.get(piece.piece_type, 0) + 1
        return counts

    def tab_states(self) -> dict[str, rules.TabState | None]:
        counts = self.piece_counts
        return {
            tab.key: (
                None
                if tab.kind is TabKind.SYNTHESE
                else rules.tab_state(self.demarche, tab.key, self.data, counts)
            )
            for tab in self.demarche.tabs
        }

    def saved_or_queued(self) -> set[str]:
        return set(self.dossier.saved_tabs) | self.queued_tabs

    # --- changes on the UI thread ----------------------------------------------------------

    def set_field(self, tab: str, field: str, value: Value) -> bool:
        """A field now holds ``value``: in the copy, and to the store at once (the writer's
        thread). False when the dossier is read-only (nothing written)."""
        if self.readonly:
            return False
        self.data.setdefault(tab, {})[field] = value
        self.writer.set_field(self.dossier_id, tab, field, value)
        if tab not in self.dirty_tabs:
            self.dirty_tabs.append(tab)
        return True

    def carry_over_values(self, previous: Mapping[str, Any] | None) -> dict[str, dict[str, Value]]:
        """The batch's repeatable fields of the ``previous`` dossier, for blank fields."""
        from cesp_core.keying import carry_over

        if not previous:
            return {}
        return carry_over(self.demarche, previous, self.data)

    def idem_value(self, previous: Mapping[str, Any] | None, tab: str, field: str) -> Value:
        """The same field's value in the ``previous`` dossier ("Idem"), or None."""
        from cesp_core.keying import previous_value

        return previous_value(previous, tab, field)

    # --- blocking writes: from a worker ------------------------------------------------------

    def save_tab(self, tab: str) -> int:
        """ "Enregistrer": every keystroke is in the store, the tab is marked saved and
        queued for the server. Returns the account's pending count (`pending_count`)."""
        self.writer.flush()
        self.store.mark_tab_saved(self.dossier_id, tab)
        return self.pending_count()

    def save_for_next(self, tabs: Sequence[str]) -> None:
        """The agent's "next dossier": the typed tabs are saved and queued."""
        self.writer.flush()
        for tab in tabs:
            self.store.mark_tab_saved(self.dossier_id, tab)

    def write_certifications(self, ticked: Sequence[str]) -> None:
        self.store.set_certifications(self.dossier_id, list(ticked))

    def queue_transmit(self) -> int:
        """ "Transmettre": queued with the certifications ticked; returns the pending count."""
        self.writer.flush()
        self.store.queue_transmit(self.dossier_id, list(self.certifications))
        return self.pending_count()

    def apply_merge(self, tab: str, values: Mapping[str, Value]) -> bool:
        """The merge screen's result for ``tab``; True when a new save was queued (False:
        the server's copy was kept as it is)."""
        from cesp_client.sync import resolve_conflict

        self.writer.flush()
        return resolve_conflict(self.store, self.dossier_id, tab, dict(values)) is not None

    def add_piece(self, piece_type: str, path: Path) -> None:
        """A file for ``piece_type``: copied into the store and queued for upload."""
        self.store.add_piece(self.dossier_id, piece_type, path)

    def remove_piece(self, piece_id: str) -> None:
        self.store.remove_piece(piece_id)

    def pending_count(self) -> int:
        """The changes of the dossier's account that wait for the server: the number the
        sync engine counts and every status line shows (not this dossier's alone)."""
        from cesp_client.sync.local import pending_count

        return pending_count(self.store, self.dossier.server_url, self.dossier.account_username)

    def load(self) -> DossierSnapshot | None:
        """The dossier as the store has it now (None: deleted)."""
        return load_snapshot(self.store, self.dossier_id)

    # --- results back on the UI thread --------------------------------------------------------

    def adopt_tab_saved(self, tab: str) -> None:
        self.dirty_tabs = [t for t in self.dirty_tabs if t != tab]
        self.queued_tabs = {*self.queued_tabs, tab}

    def adopt_certifications(self, ticked: Sequence[str]) -> None:
        self.certifications = list(ticked)

    def adopt_merge(self, tab: str, values: Mapping[str, Value]) -> None:
        self.data[tab] = dict(values)
        self.dirty_tabs = [t for t in self.dirty_tabs if t != tab]
        self.conflicts = [c for c in self.conflicts if c.tab != tab]

    def adopt_transmitted(self, numero: str | None) -> None:
        self.just_transmitted = True
        self.transmit_pending = False
        self.dossier.state = DossierState.TRANSMIS
        if numero:
            self.dossier.numero = numero

    def adopt_snapshot(
        self, snapshot: DossierSnapshot, *, merging: set[str] | frozenset[str] = frozenset()
    ) -> SnapshotChanges:
        """The store's copy after the sync engine changed it. Tabs typed here and not saved
        keep what the screen shows; other tabs take the store's values."""
        if self.just_transmitted and snapshot.dossier.state == DossierState.BROUILLON:
            snapshot.dossier.state = self.dossier.state
            snapshot.dossier.numero = snapshot.dossier.numero or self.dossier.numero
        self.dossier = snapshot.dossier
        self.pieces = list(snapshot.pieces)
        self.transmit_pending = snapshot.transmit_pending and not self.just_transmitted
        self.conflicts = [c for c in snapshot.conflicts() if c.tab not in merging]
        self.queued_tabs = _queued_tabs(snapshot.ops)
        rebuilt: list[str] = []
        for key, values in (snapshot.dossier.data or {}).items():
            if key in self.dirty_tabs:
                continue
            if dict(values) != self.data.get(key, {}):
                self.data[key] = dict(values)
                rebuilt.append(key)
        self.dirty_tabs = sorted(set(self.dirty_tabs) | set(snapshot.dossier.dirty_tabs))
        self.certifications = list(snapshot.dossier.certifications)
        return SnapshotChanges(rebuilt)


@dataclass(frozen=True)
class DeleteResult:
    """``at_once``: gone (the platform never had it); else the deletion is queued."""

    at_once: bool


def delete_dossier(
    store: DraftStore,
    dossier_id: str,
    *,
    server_key: str,
    username: str,
    server_copy: Mapping[str, Any] | None = None,
) -> DeleteResult:
    """Blocking. Deletes a draft: at once when the platform never heard of it, else a
    DELETE is queued for the sync engine. A row known only to the platform
    (``server_copy``: its id, démarche, campaign and version) is first recorded here so that
    its deletion is queued too, never reported done while nothing was sent."""
    if store.get(dossier_id) is None:
        if server_copy is None:
            return DeleteResult(at_once=True)
        store.create_local(
            server_key,
            username,
            str(server_copy["demarche"]),
            server_copy.get("campaign_id"),
            dossier_id=dossier_id,
            server_version=int(server_copy.get("version") or 0),
            numero=server_copy.get("numero"),
            state=str(server_copy.get("state") or DossierState.BROUILLON.value),
        )
    return DeleteResult(at_once=store.delete_dossier(dossier_id))
