"""Writing a list (columns and rows) to a file: CSV for French spreadsheets, JSON, PDF.

A generic API for every list the client exports ("Récap. candidatures" first):

```python
columns = [Column("numero", "N°"), Column("etat", "État"), "Candidat"]
rows = [{"numero": "ASP-2026-000001", "etat": "Brouillon", "Candidat": "Claire Martin"}]
write_csv(path, columns, rows)            # UTF-8 with BOM, ";" separator
write_json(path, columns, rows)           # [{"numero": ..., "etat": ..., ...}]
write_pdf(path, "Récapitulatif", columns, rows)   # A4 landscape, a real PDF
```

A column is a `Column(key, label)` or a plain string (key and label at once). A row is a
mapping (read by column key) or a sequence (read by position). Cells are written as people
read them (`cell_text`: "" for None, "Oui"/"Non", dates ``jj/mm/aaaa``); JSON keeps numbers,
booleans and null, dates in ISO form.

Blocking file I/O: call these from a worker. Each writer creates the parent directory,
writes to a temporary file next to the target and renames it (no half-written file), and
returns the path written.

Long lists: ``progress(done, total)`` is called as rows are written (at most about a
hundred times), and ``cancelled()`` is asked between rows: when it says True the writer
stops, removes its temporary file and raises `WriteCancelled` (the target is untouched).
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from cesp_core.imports import guard_formula
from cesp_core.timefmt import paris

__all__ = [
    "Column",
    "ColumnSpec",
    "Row",
    "WriteCancelled",
    "cell_text",
    "find_unicode_font",
    "latin1_text",
    "normalise_columns",
    "row_cells",
    "write_csv",
    "write_json",
    "write_pdf",
]


@dataclass(frozen=True, slots=True)
class Column:
    """``key``: where a mapping row holds the value (and the JSON key); ``label``: the
    header people read."""

    key: str
    label: str


ColumnSpec = Column | str
Row = Mapping[str, Any] | Sequence[Any]
#: ``progress(rows_done, rows_total)``.
RowProgress = Callable[[int, int], None]


class WriteCancelled(Exception):
    """``cancelled()`` said stop: nothing was written."""


class _Rows:
    """Counts rows as they are written: reports progress about every 1 %, asks whether
    to stop."""

    def __init__(
        self,
        total: int,
        progress: RowProgress | None,
        cancelled: Callable[[], bool] | None,
    ) -> None:
        self.total = total
        self.progress = progress
        self.cancelled = cancelled
        self.step = max(1, total // 100)

    def start(self) -> None:
        self.check()
        if self.progress is not None:
            self.progress(0, self.total)

    def done(self, count: int) -> None:
        """``count`` rows written so far."""
        self.check()
        if self.progress is not None and (count % self.step == 0 or count == self.total):
            self.progress(count, self.total)

    def check(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise WriteCancelled


#: TrueType fonts with the whole of Unicode's Latin range (Debian/Ubuntu, Fedora, macOS).
UNICODE_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
)

#: What the PDF core fonts (latin-1) cannot draw, replaced by the nearest latin-1 text.
_LATIN1_REPLACEMENTS = {
    "œ": "oe",
    "Œ": "OE",
    "’": "'",
    "‘": "'",
    "‚": ",",
    "“": '"',
    "”": '"',
    "„": '"',
    "–": "-",
    "—": "-",
    "‑": "-",
    "…": "...",
    "€": "EUR",
    "\u202f": " ",  # narrow no-break space (French typography before ; : ! ?)
    "\u2009": " ",
    "\u200b": "",
    "Ÿ": "Y",
    "›": ">",
    "‹": "<",
    "•": "-",
    "✓": "x",
    "✗": "-",
}


def normalise_columns(columns: Sequence[ColumnSpec]) -> list[Column]:
    """Plain strings become ``Column(s, s)``."""
    return [c if isinstance(c, Column) else Column(str(c), str(c)) for c in columns]


def _raw_cells(columns: Sequence[Column], row: Row) -> list[Any]:
    if isinstance(row, Mapping):
        return [row.get(c.key) for c in columns]
    values = list(row)
    if len(values) < len(columns):
        values += [None] * (len(columns) - len(values))
    return values[: len(columns)]


def cell_text(value: Any) -> str:
    """A value as people read it in a table cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, datetime):
        return paris(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def row_cells(columns: Sequence[ColumnSpec], row: Row) -> list[str]:
    """The texts of one row, in the columns' order."""
    return [cell_text(v) for v in _raw_cells(normalise_columns(columns), row)]


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _write_atomically(path: Path, write: Callable[[IO[Any]], None], *, binary: bool) -> Path:
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        if binary:
            with os.fdopen(handle, "wb") as stream:
                write(stream)
        else:
            # utf-8-sig: the BOM tells spreadsheets the file is UTF-8 (accents).
            with os.fdopen(handle, "w", encoding="utf-8-sig", newline="") as stream:
                write(stream)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


# --- CSV and JSON ------------------------------------------------------------------------------


def write_csv(
    path: Path | str,
    columns: Sequence[ColumnSpec],
    rows: Iterable[Row],
    *,
    delimiter: str = ";",
    progress: RowProgress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Path:
    """A CSV file French spreadsheets open as is: UTF-8 with a BOM, ``;`` between cells,
    a header line of the columns' labels. A cell a spreadsheet would run as a formula
    (``=HYPERLINK(…)``) is written with a ``'`` in front, as the server's export does
    (`cesp_core.imports.guard_formula`)."""
    cols = normalise_columns(columns)
    materialised = list(rows)
    counter = _Rows(len(materialised), progress, cancelled)

    def write(stream: IO[Any]) -> None:
        writer = csv.writer(stream, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL)
        writer.writerow([c.label for c in cols])
        counter.start()
        for count, row in enumerate(materialised, 1):
            writer.writerow([guard_formula(text) for text in row_cells(cols, row)])
            counter.done(count)

    return _write_atomically(Path(path), write, binary=False)


def write_json(path: Path | str, columns: Sequence[ColumnSpec], rows: Iterable[Row]) -> Path:
    """A JSON array of objects keyed by the columns' keys (UTF-8, no BOM)."""
    cols = normalise_columns(columns)
    items = [
        {c.key: _json_value(v) for c, v in zip(cols, _raw_cells(cols, row), strict=True)}
        for row in rows
    ]
    text = json.dumps(items, ensure_ascii=False, indent=2) + "\n"

    def write(stream: IO[Any]) -> None:
        stream.write(text.encode("utf-8"))

    return _write_atomically(Path(path), write, binary=True)


# --- PDF ---------------------------------------------------------------------------------------


def find_unicode_font() -> Path | None:
    """A TrueType font of the system that draws every French character (None: none)."""
    for candidate in UNICODE_FONTS:
        path = Path(candidate)
        if path.is_file():
            return path
    return None


def latin1_text(text: str) -> str:
    """``text`` with what latin-1 lacks replaced ("œ" → "oe", "’" → "'"); French accents
    (é, è, à, ç, ô, ï...) are latin-1 and stay."""
    out = []
    for char in text:
        if char in _LATIN1_REPLACEMENTS:
            out.append(_LATIN1_REPLACEMENTS[char])
            continue
        try:
            char.encode("latin-1")
        except UnicodeEncodeError:
            out.append("?")
        else:
            out.append(char)
    return "".join(out)


def _column_widths(
    measure: Callable[[str], float],
    labels: Sequence[str],
    body: Sequence[Sequence[str]],
    available: float,
    padding: float,
) -> list[float]:
    """Widths (mm) that fit ``available``: each column's natural width (its longest cell,
    capped), shrunk in proportion when they do not fit, never below its header's longest
    word."""
    count = len(labels)
    if count == 0:
        return []
    natural: list[float] = []
    floor: list[float] = []
    for index, label in enumerate(labels):
        cells = [label, *(row[index] for row in body)]
        longest_line = max(
            (measure(line) for cell in cells for line in (cell.splitlines() or [""])),
            default=0.0,
        )
        natural.append(min(longest_line, available * 0.45) + padding)
        words = [w for cell in cells for w in cell.split()] or [""]
        floor.append(min(max(measure(w) for w in words) + padding, available / count))
    total = sum(natural)
    if total <= available:
        spare = (available - total) / count
        return [w + spare for w in natural]
    widths = list(floor)
    room = available - sum(floor)
    extra = [n - f for n, f in zip(natural, floor, strict=True)]
    extra_total = sum(e for e in extra if e > 0)
    if room > 0 and extra_total > 0:
        widths = [w + room * max(e, 0) / extra_total for w, e in zip(widths, extra, strict=True)]
    scale = available / sum(widths)
    return [w * scale for w in widths]


def write_pdf(
    path: Path | str,
    title: str,
    columns: Sequence[ColumnSpec],
    rows: Iterable[Row],
    *,
    subtitle: str | None = None,
    unicode_font: Path | str | bool | None = True,
    progress: RowProgress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Path:
    """A landscape A4 PDF: the title, an optional subtitle, then a table whose columns
    fit the page (cells wrap, the header repeats on each page, pages are numbered).

    ``unicode_font``: True (default) uses a system TrueType font when one is found
    (`find_unicode_font`), a path uses that font, False/None uses the PDF core font
    Helvetica, latin-1 only: what it lacks is replaced (`latin1_text`)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    cols = normalise_columns(columns)
    body = [row_cells(cols, row) for row in rows]
    labels = [c.label for c in cols]
    counter = _Rows(len(body), progress, cancelled)
    counter.start()

    font_path: Path | None
    if unicode_font is True:
        font_path = find_unicode_font()
    elif unicode_font:
        font_path = Path(unicode_font)
    else:
        font_path = None

    def text(value: str) -> str:
        return value if font_path is not None else latin1_text(value)

    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(auto=True, margin=12)
    if font_path is not None:
        pdf.add_font("Body", "", str(font_path))
        family, bold_style = "Body", ""
    else:
        family, bold_style = "Helvetica", "B"
    pdf.set_title(text(title))
    pdf.set_creator("CESP — client terminal")

    footer_text = text("Page {page} / {{nb}}")

    def footer() -> None:
        pdf.set_y(-9)
        pdf.set_font(family, "", 7)
        pdf.cell(0, 4, footer_text.format(page=pdf.page_no()), align="R")

    pdf.footer = footer  # type: ignore[method-assign]
    pdf.alias_nb_pages("{nb}")
    pdf.add_page()
    pdf.set_font(family, bold_style, 14)
    pdf.multi_cell(0, 7, text(title), new_x="LMARGIN", new_y="NEXT")
    if subtitle:
        pdf.set_font(family, "", 9)
        pdf.multi_cell(0, 5, text(subtitle), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    font_size = 8 if len(cols) <= 8 else 7
    pdf.set_font(family, "", font_size)
    available = pdf.w - pdf.l_margin - pdf.r_margin
    widths = _column_widths(
        lambda s: pdf.get_string_width(text(s)),
        labels,
        body,
        available,
        padding=2 * pdf.c_margin + 1,
    )
    if cols:
        with pdf.table(
            col_widths=tuple(widths),
            width=available,
            line_height=font_size * 0.5,
            text_align="LEFT",
            headings_style=FontFace(
                family=family, emphasis=bold_style or None, fill_color=(225, 230, 240)
            ),
            repeat_headings=1,
            first_row_as_headings=True,
        ) as table:
            header = table.row()
            for label in labels:
                header.cell(text(label))
            for count, cells in enumerate(body, 1):
                line = table.row()
                for value in cells:
                    line.cell(text(value))
                counter.done(count)
    if not body:
        pdf.ln(2)
        pdf.set_font(family, "", 9)
        pdf.cell(0, 5, text("Aucune ligne."))

    counter.check()
    data = bytes(pdf.output())  # the table is laid out here, pages and all
    counter.check()

    def write(stream: IO[Any]) -> None:
        stream.write(data)

    return _write_atomically(Path(path), write, binary=True)
