"""Rate-limit counters kept in the database, so that every worker sees the same counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class RateCounter(SQLModel, table=True):
    """How many events `key` had in the fixed window starting at `window_start`."""

    __table_args__ = (UniqueConstraint("key", "window_start", name="uq_ratecounter_window"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200)
    window_start: datetime = Field(index=True)
    count: int = 0
