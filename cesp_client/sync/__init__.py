"""Sync between the local draft store and the platform (see `engine`)."""

from .engine import SyncEngine, reconnect_delay
from .local import resolve_conflict

__all__ = ["SyncEngine", "reconnect_delay", "resolve_conflict"]
