"""The garbage collector and the keyboard: no full collection over the referentials.

The client keeps large, permanent structures: the department, country and commune
indexes (35,000 communes, pre-normalised), the démarche definitions, the imported
modules (and, in embedded mode, the server's). CPython's full (generation 2) collection
walks every tracked object; in `bench/bench_tui_keying.py` 13 of them landed on keys,
up to 300 ms each, most of the keying's worst latencies (ADR 0011).

`gc.freeze()` moves every object alive at that moment to a permanent generation the
collector no longer walks. Called once, when the indexes are built at start: what it
freezes lives as long as the process anyway. Never called again later (screens come and
go: freezing them would keep their reference cycles forever).
"""

from __future__ import annotations

import gc

__all__ = ["freeze_startup_heap"]


def freeze_startup_heap() -> int:
    """Freeze what is alive now; returns how many objects the collector will skip."""
    gc.freeze()
    return gc.get_freeze_count()
