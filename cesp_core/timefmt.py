"""Times as people read them: always Europe/Paris, whatever the machine's time zone.

One helper for the client and the server (screens, mails, PDF, CSV, file names), so the
same instant shows the same text everywhere. A naive datetime is UTC (the store's and the
database's convention); an ISO string is read first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "PARIS",
    "file_stamp",
    "format_day",
    "format_moment",
    "format_short",
    "format_time",
    "paris",
    "paris_now",
]

PARIS = ZoneInfo("Europe/Paris")


def paris(value: datetime | str) -> datetime:
    """The instant in Europe/Paris (naive means UTC). Raises ValueError on bad text."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(PARIS)


def paris_now() -> datetime:
    return datetime.now(PARIS)


def _text(value: Any, pattern: str) -> str:
    if value is None or value == "":
        return ""
    try:
        return paris(value).strftime(pattern)
    except (TypeError, ValueError):
        return str(value)


def format_moment(value: datetime | str | None) -> str:
    """``12/03/2027 à 14:05``."""
    return _text(value, "%d/%m/%Y à %H:%M")


def format_short(value: datetime | str | None) -> str:
    """``12/03 14:05`` (lists)."""
    return _text(value, "%d/%m %H:%M")


def format_day(value: datetime | str | None) -> str:
    """``12/03/2027``."""
    return _text(value, "%d/%m/%Y")


def format_time(value: datetime | str | None) -> str:
    """``14:05``."""
    return _text(value, "%H:%M")


def file_stamp(value: datetime | None = None, pattern: str = "%Y%m%d-%H%M") -> str:
    """A file name's date, in Paris time (now by default)."""
    return (paris(value) if value is not None else paris_now()).strftime(pattern)
