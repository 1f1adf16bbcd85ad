"""Three-way merge of one tab: the last synced copy (base), this workstation's values
(mine) and the platform's (theirs).

A field changed on one side only is taken from that side without a question; only a
field changed on both sides, to different values, is a conflict for the person to
decide. Blank and absent mean the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ThreeWay", "normal", "three_way"]


def normal(value: Any) -> Any:
    """Blank and absent mean the same."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


@dataclass
class ThreeWay:
    """``merged``: theirs, with the fields changed only here taken from mine (and, for
    the ``conflicts``, mine until someone decides). ``mine_changed`` / ``theirs_changed``:
    the fields each side changed since the base."""

    merged: dict[str, Any]
    conflicts: list[str] = field(default_factory=list)
    mine_changed: list[str] = field(default_factory=list)
    theirs_changed: list[str] = field(default_factory=list)


def three_way(
    base: Mapping[str, Any], mine: Mapping[str, Any], theirs: Mapping[str, Any]
) -> ThreeWay:
    merged: dict[str, Any] = dict(theirs)
    result = ThreeWay(merged)
    for key in sorted(set(base) | set(mine) | set(theirs)):
        b, m, t = normal(base.get(key)), normal(mine.get(key)), normal(theirs.get(key))
        mine_changed, theirs_changed = m != b, t != b
        if mine_changed:
            result.mine_changed.append(key)
        if theirs_changed:
            result.theirs_changed.append(key)
        if m == t:
            continue
        if mine_changed and theirs_changed:
            result.conflicts.append(key)
        if mine_changed:
            if key in mine:
                merged[key] = mine[key]
            else:
                merged.pop(key, None)
    return result
