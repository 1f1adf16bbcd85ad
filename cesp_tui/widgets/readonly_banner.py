"""A banner over a dossier: read-only, transmitted, refused by the server."""

from __future__ import annotations

from typing import Literal

from textual.widgets import Static

__all__ = ["BannerKind", "ReadonlyBanner"]

BannerKind = Literal["info", "success", "error"]


class ReadonlyBanner(Static):
    """One or two lines across the screen; hidden while it has nothing to say.

    ``info``: a read-only dossier ("Demande transmise le … : lecture seule");
    ``success``: the guide's green banner after a transmission;
    ``error``: a save the server refused (stays until replaced).
    """

    DEFAULT_CSS = """
    ReadonlyBanner {
        display: none;
        width: 1fr;
        height: auto;
        padding: 0 1;
        text-style: bold;
        &.-visible { display: block; }
        &.-info { background: $primary-muted; color: $text; }
        &.-success { background: $success-muted; color: $text-success; }
        &.-error { background: $error; color: $text; }
    }
    """

    def __init__(
        self,
        text: str = "",
        kind: BannerKind = "info",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__("", name=name, id=id, classes=classes, markup=False)
        self.text = ""
        self.kind: BannerKind = kind
        self.show(text, kind)

    def show(self, text: str, kind: BannerKind = "info") -> None:
        """Show ``text`` (an empty text hides the banner)."""
        self.text, self.kind = text, kind
        self.update(text)
        for name in ("info", "success", "error"):
            self.set_class(name == kind, f"-{name}")
        self.set_class(bool(text), "-visible")

    def hide(self) -> None:
        self.show("")

    @property
    def visible_text(self) -> str:
        """What the banner says now ("" when hidden)."""
        return self.text
