"""`PlatformListScreen`: a list the platform gives about one dossier (its history, its
mails), read in a worker and shown by the subclass; a refusal or an unreachable
platform shows in French in the screen's status line. Fixed data (snapshots) skip the
read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from cesp_client.api.errors import ApiError, Offline
from cesp_tui.services import client_app
from cesp_tui.workers import work

__all__ = ["ListLoaded", "PlatformListScreen"]


@dataclass
class ListLoaded(Message):
    items: list[dict[str, Any]]
    error: str | None = None


class PlatformListScreen(Screen[None]):
    """Subclasses say where the status line is, what to say offline, how to read the
    list (`fetch`) and how to show it (`show_items`)."""

    #: The id of the status `Static` (loading, error, count).
    STATUS_ID: ClassVar[str] = "list-status"
    #: What the status line says when the platform does not answer.
    OFFLINE_TEXT: ClassVar[str] = "Hors ligne : la liste n'a pas pu être lue."

    def __init__(self, dossier_id: str, given: list[dict[str, Any]] | None) -> None:
        super().__init__()
        self.dossier_id = dossier_id
        #: Fixed data given at construction: nothing is read from the platform.
        self._given = given is not None

    async def fetch(self, api: Any) -> list[dict[str, Any]]:
        raise NotImplementedError

    def show_items(self, items: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def action_back(self) -> None:
        self.dismiss()

    def action_refresh(self) -> None:
        if self._given:
            return
        api = client_app(self.app).api
        if api is None:
            self.post_message(ListLoaded([], "Plateforme non connectée."))
            return
        self._load(api)

    @work(group="platform-list", exclusive=True, description="le chargement")
    async def _load(self, api: Any) -> None:
        try:
            items = await self.fetch(api)
        except Offline:
            message = ListLoaded([], self.OFFLINE_TEXT)
        except ApiError as error:
            message = ListLoaded([], error.detail)
        else:
            message = ListLoaded(list(items))
        if not get_current_worker().is_cancelled:
            self.post_message(message)

    def on_list_loaded(self, message: ListLoaded) -> None:
        status = self.query_one(f"#{self.STATUS_ID}", Static)
        if message.error:
            status.update(message.error)
            status.add_class("-error")
            return
        status.remove_class("-error")
        self.show_items(message.items)
