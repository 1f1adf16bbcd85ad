"""The logged-in user's local side, as the screens work with it (no Textual).

`Workspace`: the draft store, its writer, who is logged in and the platform's API;
`DossierSnapshot`: one dossier as the store has it, with its pieces and waiting
operations; `load_snapshot` reads one (blocking: call from a thread).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cesp_client.events import SyncConflict
from cesp_client.store.kinds import OpKind
from cesp_core.lifecycle import READ_ONLY_ROLES, Role
from cesp_core.timefmt import format_moment, paris

if TYPE_CHECKING:
    from cesp_client.api import ApiClient
    from cesp_client.store import DraftStore, DraftWriter, LocalDossier, LocalPiece, PendingOp

__all__ = [
    "CONFLICT_PREFIX",
    "REFUSED_PREFIX",
    "DossierSnapshot",
    "Workspace",
    "load_snapshot",
    "transmitted_on",
]

#: ``last_error`` prefixes the sync engine gives parked operations (cesp_client.sync.local).
CONFLICT_PREFIX = "conflit"
REFUSED_PREFIX = "refusé"


@dataclass
class Workspace:
    """The logged-in user's local side: the store, its writer, who and where.

    ``server_key`` and ``username`` select the account's dossiers in the store
    (`cesp_client.session.Session`); ``api`` lists campaigns (None: offline or tests)."""

    store: DraftStore
    writer: DraftWriter
    server_key: str
    username: str
    role: str = "candidat"
    #: The démarche this account applies to (None for staff).
    applicant_demarche: str | None = "cesp"
    api: ApiClient | None = None
    #: Campaign id -> label, learnt whenever the platform lists its campaigns.
    campaign_labels: dict[int, str] = dataclass_field(default_factory=dict)
    #: Campaign id -> the platform's campaign (closes_at, days_left, is_closed).
    campaign_info: dict[int, dict[str, Any]] = dataclass_field(default_factory=dict)

    def pending_count(self) -> int:
        """The account's changes that the server does not have yet, as the sync engine
        counts them (blocking: call from a thread)."""
        from cesp_client.sync.local import pending_count

        return pending_count(self.store, self.server_key, self.username)

    @property
    def read_only_role(self) -> bool:
        try:
            return Role(self.role) in READ_ONLY_ROLES
        except ValueError:
            return False


@dataclass
class DossierSnapshot:
    """A dossier as the store has it, with its pieces and waiting operations."""

    dossier: LocalDossier
    pieces: list[LocalPiece]
    ops: list[PendingOp]
    #: Read from the platform for a staff member (`cesp_client.remote`), not in the store.
    remote: bool = False

    @property
    def transmit_pending(self) -> bool:
        return any(op.kind == OpKind.TRANSMIT for op in self.ops)

    def conflicts(self) -> list[SyncConflict]:
        """Saves parked on a conflict, as the sync engine announces them."""
        dossier = self.dossier
        found = []
        for op in self.ops:
            if op.kind != OpKind.SAVE_TAB or not op.tab:
                continue
            if not (op.last_error or "").startswith(CONFLICT_PREFIX):
                continue
            found.append(
                SyncConflict(
                    dossier.id,
                    op.tab,
                    dict(op.payload.get("values") or {}),
                    dict((dossier.server_data or {}).get(op.tab) or {}),
                    dossier.server_version or 0,
                    dict(op.payload.get("base") or {}),
                )
            )
        return found


def load_snapshot(store: DraftStore, dossier_id: str) -> DossierSnapshot | None:
    """Blocking: call from a thread."""
    dossier = store.get(dossier_id)
    if dossier is None:
        return None
    return DossierSnapshot(dossier, store.pieces(dossier_id), store.ops(dossier_id))


def transmitted_on(dossier: LocalDossier, receipt: dict[str, Any] | None = None) -> str:
    """``12/03/2026 à 14:05``: from the receipt when known, else the last sync."""
    moment: datetime | None = None
    text = (receipt or {}).get("transmitted_at")
    if isinstance(text, str):
        try:
            moment = paris(text)
        except ValueError:
            moment = None
    if moment is None:
        moment = dossier.synced_at or dossier.updated_at
    return format_moment(moment)
