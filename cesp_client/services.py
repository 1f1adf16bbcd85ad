"""`ClientServices`: everything the terminal client reads from outside, in one object.

`cesp_tui.app.CespApp` is built from one `ClientServices` and nothing else (ADR 0028):
the product builds it from the configuration (`ClientServices.from_config`), the tests
with a memory token store, a draft store in a temporary directory and either a closed
loopback port or the real platform on loopback (``tests/support/tui.py``).

The heavy parts are factories, called on first use from a worker: opening the draft
store or the keyring must stay off the UI thread, and importing them must not slow the
first screen (nothing heavy is imported here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cesp_client.config import ClientConfig

if TYPE_CHECKING:
    from cesp_client.api.client import ApiClient
    from cesp_client.credentials import TokenStore
    from cesp_client.embedded import EmbeddedPlatform
    from cesp_client.store import DraftStore

__all__ = ["ApiFactory", "ClientServices"]

#: Makes the platform's client: ``(base_url, token)``.
ApiFactory = Callable[[str, "str | None"], "ApiClient"]


def _open_tokens() -> TokenStore:
    from cesp_client.credentials import TokenStore

    return TokenStore()


def _new_api(base_url: str, token: str | None) -> ApiClient:
    from cesp_client.api.client import ApiClient

    return ApiClient(base_url, token)


@dataclass(frozen=True, slots=True)
class ClientServices:
    """What `CespApp` needs from outside: the configuration, the embedded platform (None
    for a shared one), and factories for the token store, the draft store and the API
    client. The factories block (keyring, SQLite): the app calls them from workers."""

    config: ClientConfig
    #: The in-process platform when ``config.server_url`` is None; None otherwise.
    platform: EmbeddedPlatform | None
    #: Opens the session token store (the system keyring, or memory only).
    open_tokens: Callable[[], TokenStore]
    #: Opens the local draft store.
    open_drafts: Callable[[], DraftStore]
    #: Makes a client of the platform at ``base_url`` carrying ``token``.
    new_api: ApiFactory

    @classmethod
    def from_config(cls, config: ClientConfig) -> ClientServices:
        """The product's services: the system keyring, the draft store of
        ``config.data_dir``, the HTTP client, and the embedded platform when no server is
        configured."""
        platform: EmbeddedPlatform | None = None
        if config.embedded:
            from cesp_client.embedded import EmbeddedPlatform

            platform = EmbeddedPlatform()

        def open_drafts() -> DraftStore:
            from cesp_client.store import DraftStore

            return DraftStore(config.drafts_path)

        return cls(
            config=config,
            platform=platform,
            open_tokens=_open_tokens,
            open_drafts=open_drafts,
            new_api=_new_api,
        )
