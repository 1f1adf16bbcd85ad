"""A problem found in a dossier: which tab, which field, what to tell the user (French).

Shared by the validators' callers (the rules), the server's answers and the client, so that
the same sentence reaches the applicant whichever side found it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["INVALID", "MISSING", "Problem"]

#: A required value is missing (an empty field, an unticked box, a missing piece).
MISSING = "missing"
#: A value is present but wrong (format, key, consistency).
INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of a dossier tab.

    ``field`` is ``None`` for a problem of the tab as a whole. ``code`` tells a missing value
    (``"missing"``) from a wrong one (``"invalid"``, the default): a tab with only missing
    values is "incomplete", a tab with a wrong value has "errors".
    """

    tab: str
    field: str | None
    message: str
    code: str = INVALID

    def to_dict(self) -> dict[str, str | None]:
        return {"tab": self.tab, "field": self.field, "message": self.message, "code": self.code}

    @classmethod
    def from_dict(cls, data: dict[str, str | None]) -> Problem:
        """The inverse of `to_dict` (for a client reading the server's answer)."""
        tab, message = data.get("tab"), data.get("message")
        if not isinstance(tab, str) or not isinstance(message, str):
            raise ValueError("a problem needs a tab and a message")
        return cls(tab, data.get("field"), message, data.get("code") or INVALID)
