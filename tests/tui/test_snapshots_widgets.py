"""SVG snapshots of the "État civil" form (tab header, fields, status line, footer).

Update after a deliberate visual change with ``pytest tests/tui --snapshot-update`` and
look at the new SVGs before committing them.
"""

from __future__ import annotations

from pathlib import Path

APP = Path(__file__).parents[1] / "support" / "tab_form_app.py"


def test_etat_civil_form_at_80x24(snap_compare) -> None:
    assert snap_compare(APP, terminal_size=(80, 24))


def test_etat_civil_form_at_120x40(snap_compare) -> None:
    assert snap_compare(APP, terminal_size=(120, 40))


def test_departement_hits_at_80x24(snap_compare) -> None:
    async def open_hits(pilot) -> None:
        form = pilot.app.query_one("TabForm")
        form.row("departement_naissance").focus_control()
        await pilot.press(*"haute")
        await pilot.pause()

    assert snap_compare(APP, terminal_size=(80, 24), run_before=open_hits)


def test_etat_civil_form_without_colour_marks_the_focused_row(snap_compare, monkeypatch) -> None:
    """NO_COLOR (issue 13): the focused field's label in reverse video, not only in the
    accent colour that the terminal does not show."""
    monkeypatch.setenv("NO_COLOR", "1")
    from tests.support.tab_form_app import TabFormApp

    assert snap_compare(TabFormApp(), terminal_size=(80, 24))
