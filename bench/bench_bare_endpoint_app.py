"""The baseline of `bench_server_load.py`: the platform's stack with nothing on top.

FastAPI + SQLModel + uvicorn, an engine built by `cesp_server.db.make_engine` from the
``CESP_*`` settings (an SQLite file with WAL, the same pragmas and pool, or PostgreSQL
with the same pool), sync endpoints run in the threadpool with the request's session from
the platform's own dependency (`cesp_server.api.deps.get_db`, with its admission limit),
exactly like the platform's routes. No authentication, no rules, no history:

* ``POST /rows``: one INSERT of the request's JSON (one commit), returns the row id;
* ``GET /rows/{id}``: one SELECT by primary key, returns the row.

Run by uvicorn in its own process (the bench starts it)::

    CESP_DATABASE_URL=sqlite:////tmp/bare.db .venv/bin/uvicorn --app-dir bench \\
        bench_bare_endpoint_app:create_app --factory --port 8001
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel
from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel

from cesp_server.api.deps import get_db
from cesp_server.db import make_engine
from cesp_server.models.base import utcnow
from cesp_server.settings import Settings


class BenchRow(SQLModel, table=True):
    __tablename__ = "bench_row"

    id: int | None = Field(default=None, primary_key=True)
    client: int = Field(index=True)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class RowIn(BaseModel):
    client: int
    values: dict[str, Any]


class RowOut(BaseModel):
    id: int
    client: int
    data: dict[str, Any]
    created_at: datetime


SessionDep = Annotated[Session, Depends(get_db)]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="Bare endpoint (bench baseline)")
    app.state.engine = make_engine(settings)
    SQLModel.metadata.create_all(app.state.engine, tables=[BenchRow.__table__])  # type: ignore[attr-defined]

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/rows", response_model=RowOut, status_code=201)
    def insert_row(body: RowIn, session: SessionDep) -> RowOut:
        row = BenchRow(client=body.client, data=body.values)
        session.add(row)
        session.commit()
        assert row.id is not None
        return RowOut(id=row.id, client=row.client, data=row.data, created_at=row.created_at)

    @app.get("/rows/{row_id}", response_model=RowOut)
    def read_row(row_id: int, session: SessionDep) -> RowOut:
        row = session.get(BenchRow, row_id)
        if row is None or row.id is None:
            raise HTTPException(404, "row not found")
        return RowOut(id=row.id, client=row.client, data=row.data, created_at=row.created_at)

    return app
