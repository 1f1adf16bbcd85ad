"""`CampaignFileScreen`: what the import and export screens share (a staff member picks a
CESP campaign, then a file): the campaigns fetched in a worker, one status line, F9 back.

The campaign is a field of their form (a `Select`, the export's with "Toutes les
campagnes"), not the `CampaignPicker` box; the fetch (`fetch_campaigns`, answered by
`CampaignsLoaded`) and the lines (`campaign_line`) are the picker's.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.screen import Screen
from textual.widgets import Static

from cesp_tui.messages import CampaignsLoaded
from cesp_tui.screens.common.campaigns import fetch_campaigns
from cesp_tui.services import client_app

__all__ = ["CampaignFileScreen"]


class CampaignFileScreen(Screen[None]):
    """Subclasses name their status line (``STATUS_ID``) and show the campaigns
    (`set_campaigns`)."""

    STATUS_ID: ClassVar[str]

    @property
    def status(self) -> Static:
        return self.query_one(f"#{self.STATUS_ID}", Static)

    def action_back(self) -> None:
        self.dismiss()

    def load_campaigns(self) -> bool:
        """Fetch the campaigns in a worker; False when the platform is not connected."""
        api = client_app(self.app).api
        if api is None:
            return False
        fetch_campaigns(self, api, "cesp", offline="Hors ligne : campagnes inconnues.")
        return True

    def on_campaigns_loaded(self, message: CampaignsLoaded) -> None:
        message.stop()
        if message.error:
            self._say(message.error, error=True)
            return
        self.set_campaigns(message.campaigns)

    def set_campaigns(self, campaigns: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def _say(self, text: str, *, error: bool = False, success: bool = False) -> None:
        self.status.update(text)
        self.status.set_class(error, "-error")
        self.status.set_class(success, "-success")
