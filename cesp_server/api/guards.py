"""Role guards of the write routes (beside `deps.py`).

`Writer`: every route that changes something takes its account through it, so that a
read-only role (support) is refused with 403 `read_only_role` before anything else is
looked at: a crafted request (valid body, real dossier, right headers) changes nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from cesp_core.lifecycle import Role, can_write

from ..errors import ApiProblem
from ..models import Account
from .deps import CurrentAccount, PendingAccount, pending_account_dependency

__all__ = ["READ_ONLY_MESSAGE", "PendingWriter", "Writer", "ensure_writer", "require_writer"]

READ_ONLY_MESSAGE = "Le rôle Support consulte les dossiers sans pouvoir les modifier."


def ensure_writer(account: Account) -> None:
    if not can_write(Role(account.role)):
        raise ApiProblem(403, "read_only_role", READ_ONLY_MESSAGE)


async def require_writer(account: CurrentAccount) -> Account:
    # `async`: a role check needs no thread (a `def` costs a threadpool round trip).
    ensure_writer(account)
    return account


Writer = Annotated[Account, Depends(require_writer)]

#: `Writer` checked in the route's worker thread (see `deps.PendingAccount`).
PendingWriter = Annotated[PendingAccount, Depends(pending_account_dependency(ensure_writer))]
