"""`SpanCompositor`: Textual's compositor, rendering for a partial update only the
widgets under the regions that changed.

Textual paints a partial update (a repaint without layout: a key typed, a focus move)
by asking every visible widget inside the *bounding box* of the changed regions for its
lines, then writes out only the changed spans. A focus move changes the two inputs and
their labels near the top of a dossier tab and the help band at its foot: the box is
the whole form, and all of its ~40 widgets render, twice (one frame for the inputs'
restyle, one for the labels and the help band). Only the widgets whose visible part
overlaps a changed region can contribute to what is written, so the others are left
out: the spans written are the same, from a third of the renders (ADR 0011).

It overrides two members of a private Textual class (`textual._compositor.Compositor`,
Textual 8.2): `tests/tui/test_compositor.py` checks that a frame's output is the same as
the stock compositor's, so an upgrade that changes them fails there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region

if TYPE_CHECKING:
    from textual.widget import Widget

__all__ = ["SpanCompositor"]


class SpanCompositor(Compositor):
    """Renders, for a partial update, only the widgets that overlap a changed region."""

    def __init__(self) -> None:
        super().__init__()
        self._only: dict[Widget, tuple[Region, Region]] | None = None

    @property
    def visible_widgets(self) -> dict[Widget, tuple[Region, Region]]:
        only = self._only
        return only if only is not None else super().visible_widgets

    def render_partial_update(self) -> ChopsUpdate | None:
        regions = list(self._dirty_regions)
        if len(regions) > 1:
            # The cuts (where each line splits between widgets) are cached on first use:
            # they must come from every visible widget, never from the filtered few.
            self.cuts  # noqa: B018
            overlaps = Region.overlaps
            self._only = {
                widget: (region, clip)
                for widget, (region, clip) in super().visible_widgets.items()
                if any(overlaps(region.intersection(clip), dirty) for dirty in regions)
            }
        try:
            return super().render_partial_update()
        finally:
            self._only = None
