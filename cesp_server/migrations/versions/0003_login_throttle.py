"""login throttle

Failed logins counted per account and per unknown identifier in one table (issue 15,
ADR 0016): a growing wait after repeated failures instead of a hard lock, the same for a
known and an unknown identifier. `account.failed_logins` and `account.locked_until` are no
longer used (kept: dropping columns on SQLite rebuilds the table).

Revision ID: 0003_login_throttle
Revises: 0002
Create Date: 2026-12-06 03:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003_login_throttle"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "loginthrottle",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(
        op.f("ix_loginthrottle_last_failure_at"),
        "loginthrottle",
        ["last_failure_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_loginthrottle_last_failure_at"), table_name="loginthrottle")
    op.drop_table("loginthrottle")
