"""What a call to the platform can raise: a refusal (`ApiError`) or no answer (`Offline`)."""

from __future__ import annotations

from typing import Any

from cesp_core.problems import Problem

__all__ = ["AUTH_EXPIRED_CODES", "ApiError", "Offline"]

#: 401 codes after which a new login (not a new attempt) is needed.
AUTH_EXPIRED_CODES = frozenset({"session_expired", "unauthenticated"})


class ApiError(Exception):
    """The platform answered with an error (problem+json).

    ``detail`` is French, written for the user; ``problems`` point at tabs and fields;
    ``body`` is the whole answer (``tries_left``, ``current_values``... live there).
    """

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        problems: list[Problem] | None = None,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.problems = list(problems or [])
        self.body = dict(body or {})
        self.headers = dict(headers or {})

    @property
    def auth_expired(self) -> bool:
        """The session is over (expired, revoked): the user must log in again."""
        return self.status == 401 and self.code in AUTH_EXPIRED_CODES

    @property
    def transient(self) -> bool:
        """Worth retrying as is later (server trouble, rate limit)."""
        return self.status >= 500 or self.status in (408, 429)

    @property
    def retry_after(self) -> float | None:
        """Seconds from ``Retry-After`` (when the server gave them)."""
        value = self.headers.get("retry-after")
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None

    def field_problems(self) -> dict[str, str]:
        """Field key -> message (the first one per field), for routing under inputs."""
        out: dict[str, str] = {}
        for problem in self.problems:
            if problem.field and problem.field not in out:
                out[problem.field] = problem.message
        return out


class Offline(Exception):
    """The platform did not answer (refused connection, timeout, cut link)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
