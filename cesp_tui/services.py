"""Typed access to what the app holds, for screens that may run under another host.

Screens ask `workspace_of(self.app)` rather than reading attributes of the app by name:
`CespApp` implements `WorkspaceSource`; a host without a session gives None.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from cesp_client.workspace import Workspace

__all__ = ["WorkspaceSource", "workspace_of"]


@runtime_checkable
class WorkspaceSource(Protocol):
    def workspace(self) -> Workspace | None:
        """The logged-in user's workspace (None before login); opens the draft store on
        first use: call from a worker."""


def workspace_of(app: Any) -> Workspace | None:
    """The app's workspace, or None (not logged in, or a host without sessions)."""
    if isinstance(app, WorkspaceSource):
        return app.workspace()
    return None
