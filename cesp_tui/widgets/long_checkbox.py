"""`LongCheckbox`: a checkbox whose statement wraps over several lines.

Textual's toggle buttons are one line high (`get_content_height` returns 1) and cut their
label with "…": at 80 columns the ASP "Confirmer" box read "Les deux établissements
partenaires ont validé le projet médical partag…". A certification is read before it is
ticked: it must be seen whole.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.widgets import Checkbox

__all__ = ["LongCheckbox"]


class LongCheckbox(Checkbox):
    """A `Checkbox` as tall as its wrapped label."""

    DEFAULT_CSS = """
    LongCheckbox {
        width: 1fr;
        height: auto;
        text-wrap: wrap;
        text-overflow: fold;
    }
    """

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self.render().wrap(width)))
