"""Campaigns: a démarche's application window, and its published results."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import utcnow


class Campaign(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    #: "cesp" or "asp" (`cesp_core.demarches.DEMARCHES`).
    demarche: str = Field(index=True, max_length=20)
    year: int = Field(index=True)
    label: str = Field(max_length=200)
    #: Naive UTC. Writes are accepted from `opens_at` to `closes_at` included: the exact
    #: closing instant is stored ("jusqu'au 13 mars inclus" is 13 March 23:59:59 Paris).
    opens_at: datetime
    closes_at: datetime = Field(index=True)
    #: Set once, when an instructeur publishes the results (mails go out then).
    results_published_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
