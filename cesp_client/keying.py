"""The agent's keying session in the client: "saisie continue", the batch's campaign and
the previous dossier (for carry-over and the "dup" key).

The domain rules (NIR prefill, which fields carry over) are in `cesp_core.keying`; this
module keeps what the client remembers while an agent keys a batch of paper dossiers:

- ``continuous``: "saisie continue" on/off (after a transmission or "Dossier suivant", a
  new paper dossier starts at once);
- ``campaign_id``: the campaign of the batch (remembered between runs, in
  ``<data_dir>/agent_keying.json``, with ``continuous``);
- ``previous``: the data of the dossier keyed just before, in this run.

One `KeyingSession` per app (`keying_session(app)`); `load` / `save` do file I/O: call
them from a worker.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cesp_core.demarches.model import Value

__all__ = ["KEYING_FILE", "KeyingSession", "is_agent", "keying_session"]

KEYING_FILE = "agent_keying.json"

_ATTRIBUTE = "_cesp_keying_session"


def is_agent(role: str | None) -> bool:
    """The roles that key paper dossiers (the data-entry behaviour of the forms)."""
    return role == "agent"


@dataclass
class KeyingSession:
    continuous: bool = False
    campaign_id: int | None = None
    #: Data of the previous dossier of the batch (None: first dossier of this run).
    previous: dict[str, dict[str, Value]] | None = None
    previous_id: str | None = None
    #: How many dossiers were started in this run.
    started: int = 0

    def remember_previous(self, dossier_id: str, data: dict[str, dict[str, Value]]) -> None:
        self.previous_id = dossier_id
        self.previous = copy.deepcopy(data)

    # --- file (workers only) -------------------------------------------------------

    def load(self, data_dir: Path | None) -> None:
        if data_dir is None:
            return
        try:
            raw: Any = json.loads((data_dir / KEYING_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(raw, dict):
            return
        self.continuous = raw.get("continuous") is True
        campaign = raw.get("campaign_id")
        self.campaign_id = campaign if isinstance(campaign, int) else None

    def save(self, data_dir: Path | None) -> None:
        if data_dir is None:
            return
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / KEYING_FILE
        payload = {"continuous": self.continuous, "campaign_id": self.campaign_id}
        path.write_text(json.dumps(payload) + "\n", encoding="utf-8")


def keying_session(app: Any) -> KeyingSession:
    """The app's keying session (created on first use)."""
    found = getattr(app, _ATTRIBUTE, None)
    if not isinstance(found, KeyingSession):
        found = KeyingSession()
        setattr(app, _ATTRIBUTE, found)
    return found


def data_dir_of(app: Any) -> Path | None:
    """Where the client keeps its files (None for test hosts without a config)."""
    config = getattr(app, "config", None)
    path = getattr(config, "data_dir", None)
    return Path(path) if path is not None else None
