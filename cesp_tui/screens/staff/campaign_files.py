"""`CampaignFileScreen`: what the import and export screens share (a staff member picks a
CESP campaign, then a file): the campaigns fetched in a worker, one status line, F9 back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from cesp_client.api.support import campaigns_or_error
from cesp_tui.services import client_app
from cesp_tui.workers import work

__all__ = ["CampaignFileScreen", "CampaignsLoaded"]


@dataclass
class CampaignsLoaded(Message):
    """The CESP campaigns (or why there are none)."""

    campaigns: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


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
        self._load_campaigns(api)
        return True

    @work(group="campaigns", exclusive=True, description="la liste des campagnes")
    async def _load_campaigns(self, api: Any) -> None:
        campaigns, error = await campaigns_or_error(api, "cesp")
        self.post_message(CampaignsLoaded(campaigns, error))

    def on_campaigns_loaded(self, message: CampaignsLoaded) -> None:
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
