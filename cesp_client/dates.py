"""Dates as the screens print them (French order: 31/03/2026)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

__all__ = ["day_text"]


def day_text(value: Any) -> str:
    """``"2026-03-31T23:59:00+02:00"`` (or a date) → ``"31/03/2026"``; what cannot be read
    is shown as given (its first 10 characters), never an error."""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    text = str(value or "")
    try:
        return datetime.fromisoformat(text).strftime("%d/%m/%Y")
    except ValueError:
        return text[:10]
