"""A platform dossier read by a staff member (support, jury): the owner's `DossierScreen`,
read-only, with the platform's verdict on the real values.

Staff read a masked copy (NIR ``1 ** ** ** *** *** 46``, IBAN ``FR76 **** …``).
`cesp_core` checked on that copy would find a « * » in the NIR and call the tab wrong
where the owner sees it complete; the platform computes the tab states and problems on
the real values (``tabs`` of the dossier document), so `StaffDossierScreen` takes the
platform's verdict for every tab, and for the synthesis keeps the client's own list
except for the masked fields, whose problems are the platform's. Everything else (tabs,
forms, messages, pieces, banner) is the owner's screen as is; the dossier's state or the
workspace's role (``support``) makes it read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cesp_client.dossier_model import DossierModel
from cesp_client.workspace import DossierSnapshot, Workspace
from cesp_core.demarches import rules
from cesp_core.demarches.model import Demarche, Tab, TabKind
from cesp_core.masking import is_masked, sensitive_fields
from cesp_core.problems import Problem
from cesp_tui.screens.dossier.dossier import DossierScreen
from cesp_tui.screens.dossier.synthese import SyntheseScreen, synthesis_problems
from cesp_tui.screens.dossier.tab import DossierView

if TYPE_CHECKING:
    from cesp_client.api.client import ApiClient, Dossier

__all__ = [
    "ServerVerdict",
    "StaffDossierScreen",
    "fetch_consulted",
    "support_synthesis",
]


@dataclass
class ServerVerdict:
    """Tab states and problems as the platform computed them on the real values."""

    states: dict[str, rules.TabState]
    problems: dict[str, list[Problem]]
    masked: bool

    @classmethod
    def from_document(cls, document: Dossier | dict[str, Any]) -> ServerVerdict:
        states: dict[str, rules.TabState] = {}
        problems: dict[str, list[Problem]] = {}
        for tab in document.get("tabs") or []:
            key = str(tab.get("key") or "")
            try:
                states[key] = rules.TabState(str(tab.get("state")))
            except ValueError:
                continue
            found = []
            for item in tab.get("problems") or []:
                try:
                    found.append(Problem.from_dict(item))
                except (ValueError, AttributeError):
                    continue
            problems[key] = found
        return cls(states, problems, bool(document.get("masked")))


def _masked_fields(demarche: Demarche, data: dict[str, dict[str, Any]]) -> set[tuple[str, str]]:
    """(tab, field) of the sensitive values shown masked."""
    found = set()
    for tab_key, field_key in sensitive_fields(demarche):
        value = (data.get(tab_key) or {}).get(field_key)
        if is_masked(value):
            found.add((tab_key, field_key))
    return found


def support_synthesis(screen: DossierModel, verdict: ServerVerdict) -> list[Problem]:
    """The synthesis' problems: the client's own list, except for masked fields, whose
    problems are the platform's (found on the real values)."""
    local = synthesis_problems(
        screen.demarche, screen.data, screen.piece_counts, screen.certifications, screen.dirty_tabs
    )
    if not verdict.masked:
        return local
    masked = _masked_fields(screen.demarche, screen.data)
    kept = [p for p in local if (p.tab, p.field) not in masked]
    from_server = [
        p for found in verdict.problems.values() for p in found if (p.tab, p.field) in masked
    ]
    return kept + from_server


def verdict_states(
    states: dict[str, rules.TabState | None], verdict: ServerVerdict
) -> dict[str, rules.TabState | None]:
    """Tab states with the platform's verdict where values are masked here."""
    if not verdict.masked:
        return states
    return {
        key: verdict.states.get(key, state) if state is not None else None
        for key, state in states.items()
    }


class _StaffSynthese(SyntheseScreen):
    """The synthesis of `StaffDossierScreen` (see `support_synthesis`)."""

    def __init__(
        self, tab: Tab, model: DossierModel, verdict: ServerVerdict, *, readonly: bool = False
    ) -> None:
        super().__init__(tab, model, readonly=readonly)
        self.verdict = verdict

    def current_problems(self) -> list[Problem]:
        return support_synthesis(self.model, self.verdict)

    def tab_states(self) -> dict[str, rules.TabState | None]:
        return verdict_states(self.model.tab_states(), self.verdict)


async def fetch_consulted(
    api: ApiClient, dossier_id: str, server_key: str, viewer: str
) -> tuple[DossierSnapshot, Dossier]:
    """The dossier as a read-only snapshot and the platform's document (its verdict)."""
    from cesp_client.remote import snapshot_from_server

    document = await api.get_dossier(dossier_id)
    if not document.get("pieces"):
        document = dict(document)  # type: ignore[assignment]
        document["pieces"] = list(await api.pieces(dossier_id))
    return snapshot_from_server(document, server_key, viewer), document


class StaffDossierScreen(DossierScreen):
    """The owner's dossier screen for a staff reader, with the platform's verdict."""

    def __init__(
        self,
        workspace: Workspace,
        snapshot: DossierSnapshot,
        document: Dossier | dict[str, Any],
        *,
        tab: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(workspace, snapshot, tab=tab, field=field)
        self.verdict = ServerVerdict.from_document(document)

    def tab_states(self) -> dict[str, rules.TabState | None]:
        return verdict_states(super().tab_states(), self.verdict)

    def _make_view(self, tab: Tab) -> DossierView:
        if tab.kind is TabKind.SYNTHESE:
            return _StaffSynthese(tab, self.model, self.verdict, readonly=self.readonly)
        return super()._make_view(tab)

    def synthesis(self) -> list[Problem]:
        """The problems the synthesis lists (the owner's; masked fields: the platform's)."""
        return support_synthesis(self.model, self.verdict)
