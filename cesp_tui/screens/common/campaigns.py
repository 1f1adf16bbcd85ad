"""Choosing a campaign: one way to fetch the platform's campaigns, one picker box.

- `fetch_campaigns(node, api, ...)` asks the platform (``GET /campaigns``) in a worker of
  ``node`` and posts one `CampaignsLoaded` to it: the campaigns, or why they are unknown
  in French (``offline`` tells "the platform does not answer" apart from a refusal). The
  caller filters (démarche, open ones) and says "no campaign open" its own way.
- `CampaignPicker` is the modal box listing campaigns, one line each (`campaign_line`:
  the label and the closing date and hour, Paris time), keyboard only: arrows move,
  Enter picks (the box is dismissed with the campaign's id), Escape or F9 cancel (None).
- `campaign_line` is also what the import and export screens show in their campaign
  field (a `Select` among the form's other fields, not this box).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cesp_core.text import printable
from cesp_core.timefmt import format_moment
from cesp_tui.messages import CampaignsLoaded
from cesp_tui.widgets.footer import StableFooter
from cesp_tui.workers import run_guarded

if TYPE_CHECKING:
    from textual.worker import Worker

    from cesp_client.api.client import ApiClient

__all__ = [
    "CAMPAIGNS_OFFLINE",
    "CampaignPicker",
    "campaign_label",
    "campaign_line",
    "fetch_campaigns",
]

#: Said when the platform does not answer (callers may say it their own way).
CAMPAIGNS_OFFLINE = "Hors ligne : la liste des campagnes n'est pas disponible."


def campaign_label(campaign: dict[str, Any]) -> str:
    """The campaign's label as the platform gives it (``Campagne n° 7`` without one)."""
    label = printable(str(campaign.get("label") or "")).strip()
    return label or f"Campagne n° {campaign.get('id')}"


def campaign_line(campaign: dict[str, Any]) -> str:
    """``CESP 2026 — clôture le 13/03/2027 à 23:59`` (Paris time)."""
    label = campaign_label(campaign)
    closes = format_moment(campaign.get("closes_at"))
    return f"{label} — clôture le {closes}" if closes else label


# --- fetching ------------------------------------------------------------------------------


def fetch_campaigns(
    node: DOMNode,
    api: ApiClient | None,
    demarche: str | None = None,
    *,
    purpose: str = "",
    offline: str = CAMPAIGNS_OFFLINE,
) -> Worker[Any] | None:
    """Ask the platform for the campaigns (of ``demarche``, None: all) in a worker of
    ``node``, which then receives `CampaignsLoaded` (``purpose`` given back; ``offline``
    is the French text when the platform does not answer or is not connected). One fetch
    at a time per node: a newer one replaces the one under way."""
    if api is None:
        node.post_message(CampaignsLoaded(error=offline, offline=True, purpose=purpose))
        return None
    return run_guarded(
        node,
        _fetch(node, api, demarche, purpose, offline),
        "la liste des campagnes",
        group="campaigns",
        exclusive=True,
        description="la liste des campagnes",
    )


async def _fetch(
    node: DOMNode, api: ApiClient, demarche: str | None, purpose: str, offline: str
) -> None:
    from cesp_client.api.errors import ApiError, Offline

    try:
        campaigns = [dict(c) for c in await api.campaigns(demarche)]
    except Offline:
        node.post_message(CampaignsLoaded(error=offline, offline=True, purpose=purpose))
        return
    except ApiError as error:
        node.post_message(CampaignsLoaded(error=error.detail, purpose=purpose))
        return
    node.post_message(CampaignsLoaded(campaigns, purpose=purpose))


# --- the picker ----------------------------------------------------------------------------


class CampaignPicker(ModalScreen[int | None]):
    """Which campaign: dismissed with its id (Enter), or None (Escape, F9)."""

    # A file, as every box's: the app's ``Screen { background }`` rule (app.tcss) wins
    # over a screen's DEFAULT_CSS, and made the box's screen opaque.
    CSS_PATH = "campaigns.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "cancel", "Annuler", id="campaign_picker.back"),
        Binding("escape", "cancel", "Annuler", show=False, id="campaign_picker.cancel"),
    ]

    def __init__(
        self,
        campaigns: Sequence[dict[str, Any]],
        *,
        title: str = "Quelle campagne ?",
        current: int | None = None,
        describe: Callable[[dict[str, Any]], str] = campaign_line,
    ) -> None:
        super().__init__()
        self.campaigns = list(campaigns)
        self.title_text = title
        self.current = current
        self.describe = describe

    @property
    def ids(self) -> list[int]:
        return [int(c["id"]) for c in self.campaigns]

    def compose(self) -> ComposeResult:
        with Vertical(id="campaign-box") as box:
            box.border_title = self.title_text
            if self.campaigns:
                yield OptionList(
                    *(Option(self.describe(c), id=str(c["id"])) for c in self.campaigns),
                    id="campaign-list",
                )
            else:
                yield Static("Aucune campagne à choisir.", id="campaign-empty", markup=False)
        yield StableFooter()

    def on_mount(self) -> None:
        lists = self.query(OptionList)
        if not lists:
            return
        options = lists.first()
        options.focus()
        if self.current in self.ids:
            options.highlighted = self.ids.index(self.current)

    @property
    def lines(self) -> list[str]:
        """The lines the box shows, in order."""
        return [self.describe(c) for c in self.campaigns]

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)
