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

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, cast

from textual._compositor import ChopsUpdate, Compositor, MapGeometry, ReflowResult
from textual.geometry import Region, Size
from textual.strip import Strip

if TYPE_CHECKING:
    from textual.widget import Widget

#: An overlay owner's geometry and the overlay's scrollbars (shown or not), and the map
#: entries of what is inside the owner (its own widgets, the overlay and the overlay's
#: scrollbars), with the overlay shown or hidden.
_Snapshot = tuple[tuple[MapGeometry, bool, bool], dict["Widget", MapGeometry]]


def _key(geometry: MapGeometry, overlay: Widget) -> tuple[MapGeometry, bool, bool]:
    return geometry, overlay.show_vertical_scrollbar, overlay.show_horizontal_scrollbar


def _matches(key: tuple[MapGeometry, bool, bool], geometry: MapGeometry, overlay: Widget) -> bool:
    """Whether a snapshot taken under ``key`` holds for the owner at ``geometry`` now.
    The overlay's scrollbars count only while it is shown: hidden, neither it nor they
    are in the map (and a list never shown yet has not had its scrollbars worked out)."""
    if not overlay.display:
        return key[0] == geometry
    return key == _key(geometry, overlay)


__all__ = ["SpanCompositor"]


class SpanCompositor(Compositor):
    """Renders, for a partial update, only the widgets whose lines it will write."""

    def __init__(self) -> None:
        super().__init__()
        self._only: dict[Widget, tuple[Region, Region]] | None = None
        #: Per overlay owner, what a full layout gave inside it with the overlay shown
        #: (True) and hidden (False).
        self._overlay_snapshots: dict[Widget, dict[bool, _Snapshot]] = {}
        #: How many layouts were answered from the snapshots (for tests).
        self.overlay_reflows = 0

    # --- layout: an overlay shown or hidden ----------------------------------------------

    def reflow(self, parent: Widget, size: Size) -> ReflowResult:
        result = self._reflow_overlays(parent, size)
        if result is not None:
            self.overlay_reflows += 1
            return result
        result = super().reflow(parent, size)
        # `update_widgets` flags the map as stale when a widget it was given is not in
        # it (one just shown); the layout that follows has just built it anew, but the
        # flag stays, and the next look at the map arranged the whole screen again.
        self._full_map_invalidated = False
        self._snapshot_overlays()
        return result

    def _snapshot_overlays(self) -> None:
        """After a full layout: note, for each widget of the map that owns an overlay
        (``overlay_widget``: the list of a `FilterSelect`), the entries inside it."""
        full_map = self._full_map
        owners = [w for w in full_map if getattr(w, "overlay_widget", None) is not None]
        inside: dict[Widget, dict[Widget, MapGeometry]] = {owner: {} for owner in owners}
        if owners:
            # One walk up from each widget to the owner it is in, if any.
            for widget, geometry in full_map.items():
                node = widget.parent
                while node is not None:
                    if node in inside:
                        inside[node][widget] = geometry
                        break
                    node = node.parent
        snapshots: dict[Widget, dict[bool, _Snapshot]] = {}
        for owner in owners:
            overlay = owner.overlay_widget  # type: ignore[attr-defined]
            states = dict(self._overlay_snapshots.get(owner, {}))
            states[bool(overlay.display)] = (_key(full_map[owner], overlay), inside[owner])
            snapshots[owner] = states
        self._overlay_snapshots = snapshots

    def _reflow_overlays(self, parent: Widget, size: Size) -> ReflowResult | None:
        """The new map without arranging the screen, when the only layouts asked for
        come from overlays shown or hidden (a list opened or closed on a focus move: a
        full layout of a dossier tab is 5-10 ms of the move, ADR 0011), each owner still
        where it was when a full layout saw its overlay in the state it is in now. An
        overlay takes no room (``overlay: screen``): nothing outside its owner moves.
        `tests/tui/test_compositor.py` compares every map so made with a full layout's."""
        asked: dict[Widget, set[Widget]] | None = getattr(parent, "_layout_widgets", None)
        if not asked or size != self.size:
            return None
        origins = set().union(*asked.values()) - asked.keys()
        if not origins:
            return None
        if self._full_map_invalidated:
            # Stale only because of widgets to repaint that are not on screen yet: it
            # must be the overlays being shown, or what is inside them.
            dirty: set[Widget] = getattr(parent, "_dirty_widgets", set())
            unknown = dirty - self._full_map.keys()
            if any(not any(w is o or _within(w, o) for o in origins) for w in unknown):
                return None
        old_map = self._full_map
        for owner in self._overlay_snapshots:
            overlay = getattr(owner, "overlay_widget", None)
            # Another list shown or hidden whose layout is not asked yet: a full layout
            # sees it now.
            if (
                overlay is not None
                and overlay not in origins
                and bool(overlay.display) != (overlay in old_map)
            ):
                return None
        new_map = dict(old_map)
        shown: set[Widget] = set()
        hidden: set[Widget] = set()
        for overlay in origins:
            owner = overlay.parent
            states = self._overlay_snapshots.get(owner) if owner is not None else None
            if states is None or getattr(owner, "overlay_widget", None) is not overlay:
                return None
            now = bool(overlay.display)
            snapshot = states.get(now)
            geometry = old_map.get(owner)
            if snapshot is None or geometry is None or not _matches(snapshot[0], geometry, overlay):
                return None
            for widget in [w for w in new_map if w is not owner and _within(w, owner)]:
                del new_map[widget]
            new_map.update(snapshot[1])
            (shown if now else hidden).add(overlay)
        changes = new_map.items() ^ old_map.items()
        self._cuts = None
        self._layers = None
        self._layers_visible = None
        self._visible_widgets = None
        self._visible_map = None
        self._full_map = new_map
        self._full_map_invalidated = False
        self.widgets = (self.widgets - hidden) | shown
        screen_region = size.region
        if screen_region not in self._dirty_regions:
            self._dirty_regions.update(
                region for region in (g.clip.intersection(g.region) for _, g in changes) if region
            )
        return ReflowResult(hidden=hidden, shown=shown, resized=set())

    # --- painting ---------------------------------------------------------------------------

    @property
    def visible_widgets(self) -> dict[Widget, tuple[Region, Region]]:
        only = self._only
        return only if only is not None else super().visible_widgets

    def render_partial_update(self) -> ChopsUpdate | None:
        regions = list(self._dirty_regions)
        if not regions:
            return None
        self._dirty_regions.clear()
        # The cuts (where each line splits between widgets) are cached on first use:
        # they must come from every visible widget, never from the filtered few.
        cuts = self.cuts
        if len(regions) > 1:
            overlaps = Region.overlaps
            self._only = {
                widget: (region, clip)
                for widget, (region, clip) in super().visible_widgets.items()
                if any(overlaps(region.intersection(clip), dirty) for dirty in regions)
            }
        try:
            crop = Region.from_union(regions).intersection(self.size.region)
            spans = list(self._regions_to_spans(regions))
            chops = self._render_span_chops(crop, spans)
        finally:
            self._only = None
        return ChopsUpdate(chops, spans, [cut_set[1:] for cut_set in cuts])

    def _render_span_chops(
        self, crop: Region, spans: list[tuple[int, int, int]]
    ) -> Sequence[Mapping[int, Strip]]:
        """`Compositor._render_chops` for a partial update, front to back as it goes, but
        a widget is asked for its lines only if one of the chops (pieces of a line
        between two cuts) it covers is still empty *and* written by the update (it
        overlaps a span, as `ChopsUpdate` decides). What the others would have given is
        either under a widget in front, or never written: a list open over the form
        spares the rows under it, an input the containers around it."""
        cuts = self.cuts
        chops: list[dict[int, Strip | None]] = [dict.fromkeys(cut_set[:-1]) for cut_set in cuts]
        by_line: dict[int, list[tuple[int, int]]] = {}
        for y, x1, x2 in spans:
            by_line.setdefault(y, []).append((x1, x2))
        intersection = Region.intersection
        for widget, (region, clip) in self.visible_widgets.items():
            if not crop.overlaps(clip):
                continue
            render_region = intersection(region, clip)
            if not (render_region.width and render_region.height):
                continue
            first_cut, last_cut = render_region.column_span
            lines = render_region.line_range
            if not _wanted(chops, cuts, by_line, lines, first_cut, last_cut):
                continue
            strips = widget.render_lines(
                Region(
                    render_region.x - region.x,
                    render_region.y - region.y,
                    render_region.width,
                    render_region.height,
                )
            )
            render_x = render_region.x
            for y, strip in zip(lines, strips, strict=False):
                if y not in by_line:
                    continue
                chops_line = chops[y]
                final_cuts = [cut for cut in cuts[y] if last_cut >= cut >= first_cut]
                cut_strips = strip.divide([cut - render_x for cut in final_cuts[1:]])
                for cut, piece in zip(final_cuts, cut_strips, strict=False):
                    if chops_line.get(cut) is None:
                        chops_line[cut] = piece
        return cast("Sequence[Mapping[int, Strip]]", chops)


def _wanted(
    chops: list[dict[int, Strip | None]],
    cuts: list[list[int]],
    by_line: dict[int, list[tuple[int, int]]],
    lines: range,
    first_cut: int,
    last_cut: int,
) -> bool:
    """Whether a widget spanning ``first_cut``..``last_cut`` on ``lines`` would fill a
    chop still empty that a span of its line writes (`ChopsUpdate`: a chop from ``x``
    to ``end`` is written unless ``x > x2 or end <= x1``)."""
    for y in lines:
        line_spans = by_line.get(y)
        if line_spans is None:
            continue
        chops_line = chops[y]
        line_cuts = cuts[y]
        for index in range(len(line_cuts) - 1):
            x = line_cuts[index]
            if x < first_cut:
                continue
            end = line_cuts[index + 1]
            if end > last_cut:
                break
            if chops_line.get(x) is not None:
                continue
            for x1, x2 in line_spans:
                if not (x > x2 or end <= x1):
                    return True
    return False


def _within(widget: Widget, owner: Widget) -> bool:
    """Whether ``widget`` is inside ``owner`` (a scrollbar counts as its widget's)."""
    node = widget.parent
    while node is not None:
        if node is owner:
            return True
        node = node.parent
    return False
