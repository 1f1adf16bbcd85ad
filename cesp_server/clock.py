"""Time at the edges: naive UTC in the database, Europe/Paris for people.

Campaign dates are given and shown in the platform's time zone (`settings.timezone`,
Europe/Paris); calendar-day arithmetic (days left, the reminder two days before closing)
is done on Paris dates, so that daylight-saving changes never shift a day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo

__all__ = ["format_local", "local_date", "local_tz", "to_local", "to_utc_naive"]


@cache
def local_tz(name: str = "Europe/Paris") -> ZoneInfo:
    return ZoneInfo(name)


def to_utc_naive(value: datetime, tz_name: str = "Europe/Paris") -> datetime:
    """An aware datetime (or a naive one read as local time) as naive UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_tz(tz_name))
    return value.astimezone(UTC).replace(tzinfo=None)


def to_local(value: datetime, tz_name: str = "Europe/Paris") -> datetime:
    """A naive UTC datetime from the database as an aware local datetime."""
    return value.replace(tzinfo=UTC).astimezone(local_tz(tz_name))


def local_date(value: datetime, tz_name: str = "Europe/Paris") -> date:
    """The local calendar day of a naive UTC datetime."""
    return to_local(value, tz_name).date()


def format_local(value: datetime, tz_name: str = "Europe/Paris") -> str:
    """``13/03/2026 à 23:59`` (for mails and messages)."""
    return to_local(value, tz_name).strftime("%d/%m/%Y à %H:%M")
