"""The "Pièces justificatives" tab: the files of each piece type, added with the keyboard.

Each piece type of the démarche is a line of the table (marked ``*`` when
`rules.required_pieces` says this dossier needs it), followed by its files with their size
and upload state. ``a`` adds a file to the type under the cursor through a `FilePicker`
(path with completion, or a directory tree); ``x`` removes the file under the cursor.

A file is checked before anything is queued (`cesp_core.validators.pieces`, as the
platform does): its extension and its first bytes must name the same allowed format (PDF
``%PDF-``, JPEG ``FF D8 FF``, PNG signature: an ``.exe`` renamed ``.pdf`` is refused), and
it must fit the démarche's size limits. An accepted
file is copied into the draft store and its upload queued at once (`DraftStore.add_piece`);
the sync engine sends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, ProgressBar, Static
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from cesp_client.events import (
    ConnectionChanged,
    DossierSynced,
    SaveRefused,
    SyncFailed,
    UploadCancelled,
    UploadProgress,
)
from cesp_client.store import LocalPiece, PieceState
from cesp_core.demarches import rules
from cesp_core.demarches.model import Demarche, PieceType, Tab
from cesp_core.problems import Problem
from cesp_core.validators.pieces import (
    HEAD_BYTES,
    formats_phrase,
    human_size,
    validate_piece_file,
)
from cesp_tui.messages import PiecesChanged, SyncRequested, UploadCancelRequested
from cesp_tui.screens.common.confirm import ConfirmModal
from cesp_tui.screens.dossier.tab import DossierView
from cesp_tui.sync_news import FollowsSyncNews
from cesp_tui.widgets.dossier_table import PaddedTable, cell, fit
from cesp_tui.widgets.file_picker import FilePicker
from cesp_tui.widgets.footer import StableFooter
from cesp_tui.widgets.tab_form import TabForm
from cesp_tui.workers import work

if TYPE_CHECKING:
    from cesp_client.dossier_model import DossierModel

__all__ = [
    "AddPieceModal",
    "PieceAdded",
    "PieceRemoved",
    "PiecesScreen",
    "check_piece_file",
    "formats_phrase",
    "human_size",
    "piece_state_text",
]

_STATE_TEXT = {
    PieceState.PENDING: "à envoyer",
    PieceState.UPLOADING: "envoi en cours",
    PieceState.UPLOADED: "envoyée",
    PieceState.REFUSED: "refusée",
}
_STATE_STYLE = {
    PieceState.PENDING: "yellow",
    PieceState.UPLOADING: "yellow",
    PieceState.UPLOADED: "green",
    PieceState.REFUSED: "bold red",
}


def piece_state_text(piece: LocalPiece) -> str:
    state = PieceState(piece.state)
    text = _STATE_TEXT[state]
    if state is PieceState.REFUSED and piece.error:
        text += f" : {piece.error}"
    return text


def check_piece_file(
    path: Path,
    formats: Sequence[str],
    max_bytes: int,
    *,
    room_left: int | None = None,
) -> str | None:
    """Why ``path`` cannot be a piece (French), or None. Reads the first bytes: call from
    a thread. ``room_left``: what the dossier's total size limit still allows."""
    name = path.name or str(path)
    try:
        if path.is_dir():
            return f"« {name} » est un dossier : choisissez un fichier."
        if not path.is_file():
            return f"Fichier introuvable : {path}"
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as error:
        return f"Impossible de lire « {name} » : {error.strerror or error}."
    return validate_piece_file(name, head, size, formats, max_bytes, room_left=room_left)


# --- the file picker box -------------------------------------------------------------------


class AddPieceModal(ModalScreen[Path | None]):
    """Choose a file for one piece type; checked here, before anything is queued."""

    CSS_PATH = "pieces.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "cancel", "Annuler", id="add_piece.back"),
        Binding("escape", "cancel", "Annuler", show=False, id="add_piece.cancel"),
    ]

    #: The directory of the last file picked (agents add many files from one place).
    last_directory: ClassVar[Path | None] = None

    @dataclass
    class Checked(Message):
        path: Path
        error: str | None

    def __init__(
        self,
        piece_type: PieceType,
        max_bytes: int,
        *,
        room_left: int | None = None,
        start: Path | None = None,
    ) -> None:
        super().__init__()
        self.piece_type = piece_type
        self.max_bytes = max_bytes
        self.room_left = room_left
        self.start = start or AddPieceModal.last_directory or Path.cwd()

    def compose(self) -> ComposeResult:
        with Vertical(id="add-piece-box") as box:
            box.border_title = f"Ajouter : {self.piece_type.label}"
            yield Static(
                f"Formats {formats_phrase(self.piece_type.formats)}, "
                f"{human_size(self.max_bytes)} au plus. → complète le chemin, "
                "Entrée choisit, Ctrl+T : arborescence.",
                id="add-piece-help",
                markup=False,
            )
            yield FilePicker(self.start, id="add-piece-picker")
            yield Static("", id="add-piece-error", markup=False)
        yield StableFooter()

    def on_mount(self) -> None:
        self.query_one(FilePicker).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(FilePicker.Picked)
    def _picked(self, event: FilePicker.Picked) -> None:
        event.stop()
        self._check(event.path)

    @work(thread=True, exclusive=True, group="check-piece", description="la vérification")
    def _check(self, path: Path) -> None:
        error = check_piece_file(
            path, self.piece_type.formats, self.max_bytes, room_left=self.room_left
        )
        self.post_message(self.Checked(path, error))

    def on_add_piece_modal_checked(self, message: AddPieceModal.Checked) -> None:
        error_line = self.query_one("#add-piece-error", Static)
        if message.error is not None:
            error_line.update(message.error)
            error_line.add_class("-visible")
            return
        AddPieceModal.last_directory = message.path.parent
        self.dismiss(message.path)


# --- the tab -------------------------------------------------------------------------------


@dataclass
class PieceAdded(Message):
    """A file was copied into the store and its upload queued (``error``: it was not)."""

    piece_type: str
    filename: str
    error: str | None = None


@dataclass
class PieceRemoved(Message):
    filename: str


def _type_key(piece_type: str) -> str:
    return f"type:{piece_type}"


def _piece_key(piece_id: str) -> str:
    return f"piece:{piece_id}"


#: Widths of the size and state columns (cells carry one space on each side).
SIZE_WIDTH = 9
STATE_WIDTH = 16


class _PieceTable(PaddedTable):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Ligne précédente", show=False, id="pieces.up"),
        Binding("down", "cursor_down", "Ligne suivante", show=False, id="pieces.down"),
        Binding("pageup", "page_up", "Page précédente", show=False, id="pieces.page_up"),
        Binding("pagedown", "page_down", "Page suivante", show=False, id="pieces.page_down"),
    ]


def refusal_text(filename: str, error: str | None) -> str:
    """The line saying why the platform refused a file: its reason is a sentence of its
    own, often "Fichier refusé : …" already (no "refusée : Fichier refusé", no "..")."""
    name = f"«\u00a0{filename}\u00a0»"
    reason = (error or "").strip().rstrip(".")
    if not reason:
        return f"{name} refusée par la plateforme."
    if "refus" in reason.lower():
        return f"{name} : {reason}."
    return f"{name} refusée : {reason}."


def upload_text(event: UploadProgress) -> str:
    """``Envoi de « cv.pdf » : 1,2 Mo / 3,4 Mo`` (then: the platform checks it)."""
    name = fit(event.filename, 28)
    if event.sent >= event.total:
        return f"« {name} » envoyé ({human_size(event.total)}) : vérification…"
    return f"Envoi de « {name} » : {human_size(event.sent)} / {human_size(event.total)}"


class PiecesScreen(FollowsSyncNews, DossierView):
    """Piece types, their files and upload states; add and remove files. While a file of
    this dossier is sent, a progress bar shows the bytes sent, and Échap stops it (the
    file is then withdrawn: nothing of it stays on the platform)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Ajouter", tooltip="Ajouter un fichier", id="pieces.add"),
        Binding("x", "remove", "Retirer", tooltip="Retirer le fichier", id="pieces.remove"),
        Binding("escape", "cancel_upload", "Annuler l'envoi", id="pieces.cancel_upload"),
    ]

    def __init__(self, tab: Tab, model: DossierModel, *, readonly: bool = False) -> None:
        super().__init__(tab, model, readonly=readonly)
        self._widths: tuple[int, int] | None = None
        self._refused: list[str] = []
        self._problem_messages: list[str] = []
        #: The piece of this dossier being sent now (None: none).
        self.uploading: str | None = None

    def compose(self) -> ComposeResult:
        screen = self.model
        demarche = screen.demarche
        help_text = self.tab.help or ""
        limit = f"{human_size(demarche.max_file_bytes)} au plus par fichier."
        yield Static(f"{help_text} {limit}".strip(), classes="pieces-help", markup=False)
        yield _PieceTable(id="pieces-table")
        yield Static("", id="pieces-row", markup=False)
        with Horizontal(id="pieces-upload"):
            yield Static("", id="pieces-upload-text", markup=False)
            yield ProgressBar(id="pieces-upload-bar", show_eta=False)
        yield Static("", id="pieces-problems", markup=False)
        if self.tab.fields:
            yield TabForm(
                demarche,
                self.tab.key,
                screen.data.get(self.tab.key) or {},
                dossier=screen.data,
                id=f"form-{self.tab.key}",
            )

    def on_mount(self) -> None:
        self.refresh_view()
        self.set_readonly(self.readonly)

    def on_resize(self) -> None:
        if self._column_widths() != self._widths:
            self.refresh_view()

    def _column_widths(self) -> tuple[int, int]:
        """(piece, file) widths: the piece labels whole, the file names get the rest."""
        width = max(self.table.size.width or self.size.width - 2, 60) - 1  # scrollbar
        left = width - SIZE_WIDTH - STATE_WIDTH
        longest = max(len(p.label) for p in self.model.demarche.pieces) + 4  # " *"
        piece = min(longest, left - 14)
        return piece, left - piece

    @property
    def table(self) -> DataTable[object]:
        return self.query_one("#pieces-table", DataTable)

    # --- content -----------------------------------------------------------------------

    def refresh_view(self) -> None:
        screen = self.model
        demarche: Demarche = screen.demarche
        required = {p.key for p in rules.required_pieces(demarche, screen.data)}
        by_type: dict[str, list[LocalPiece]] = {}
        for piece in screen.pieces:
            by_type.setdefault(piece.piece_type, []).append(piece)
        table = self.table
        keep, keep_index = self.current_row_key(), self.table.cursor_row
        keep_type = self._type_row_above(keep_index)
        self._widths = piece_width, file_width = self._column_widths()
        table.clear(columns=True)
        table.add_column(cell("Pièce"), key="piece", width=piece_width)
        table.add_column(cell("Fichier"), key="file", width=file_width)
        table.add_column(cell("Taille"), key="size", width=SIZE_WIDTH)
        table.add_column(cell("État"), key="state", width=STATE_WIDTH)
        refused: list[str] = []
        for piece_type in demarche.pieces:
            files = by_type.get(piece_type.key, [])
            label = piece_type.label + (" *" if piece_type.key in required else "")
            counted = [f for f in files if f.state != PieceState.REFUSED]
            if piece_type.key in required and not counted:
                status = cell("manquante", "bold red")
            elif counted:
                count = len(counted)
                status = cell(f"{count} fichier{'s' if count > 1 else ''}", "green")
            else:
                status = cell("facultative", "dim")
            table.add_row(
                cell(fit(label, piece_width - 2), "bold"),
                cell(""),
                cell(""),
                status,
                key=_type_key(piece_type.key),
            )
            for piece in files:
                state = PieceState(piece.state)
                table.add_row(
                    cell(""),
                    cell(fit(piece.filename, file_width - 2)),
                    cell(human_size(piece.size)),
                    cell(_STATE_TEXT[state], _STATE_STYLE[state]),
                    key=_piece_key(piece.id),
                )
                if state is PieceState.REFUSED:
                    refused.append(refusal_text(piece.filename, piece.error))
        self._refused = refused
        self._update_problem_line()
        if keep is not None:
            try:
                row = table.get_row_index(keep)
            except RowDoesNotExist:
                # The file removed: the cursor stays at its place, on the next file of
                # the same type (x, o, x, o removes file after file); after its type's
                # last file, it goes up (to the type's row when none is left: "a" then
                # adds to that type, not to the next one).
                row = min(keep_index, table.row_count - 1)
                if self._row_key(row).startswith("type:") or (
                    self._type_row_above(row) != keep_type
                ):
                    row = max(keep_index - 1, 0)
            table.move_cursor(row=row, animate=False)
        self._show_row_whole()
        if self.tab.fields:
            self.query_one(TabForm).update_dossier(screen.data)

    def current_row_key(self) -> str | None:
        table = self.table
        if table.row_count == 0:
            return None
        try:
            row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        except CellDoesNotExist:
            return None
        return str(row_key.value) if row_key.value is not None else None

    def _row_key(self, index: int) -> str:
        value = self.table.ordered_rows[index].key.value
        return str(value) if value is not None else ""

    def _type_row_above(self, index: int) -> str | None:
        """The key of the type row that ``index`` (a type or one of its files) belongs to."""
        for row in range(min(index, self.table.row_count - 1), -1, -1):
            if (key := self._row_key(row)).startswith("type:"):
                return key
        return None

    def current_piece_type(self) -> PieceType | None:
        """The piece type of the line under the cursor (a type line or one of its files)."""
        key = self.current_row_key()
        demarche = self.model.demarche
        if key is None:
            return None
        if key.startswith("type:"):
            return demarche.piece(key.removeprefix("type:"))
        piece = self.current_piece()
        return demarche.piece(piece.piece_type) if piece else None

    def current_piece(self) -> LocalPiece | None:
        key = self.current_row_key()
        if key is None or not key.startswith("piece:"):
            return None
        piece_id = key.removeprefix("piece:")
        return next((p for p in self.model.pieces if p.id == piece_id), None)

    def select_piece_type(self, piece_type: str) -> None:
        table = self.table
        table.move_cursor(row=table.get_row_index(_type_key(piece_type)), animate=False)

    # --- DossierView -------------------------------------------------------------------

    def focus_default(self) -> None:
        self.table.focus()

    def focus_field(self, field: str | None) -> bool:
        demarche = self.model.demarche
        if field is not None and any(p.key == field for p in demarche.pieces):
            self.select_piece_type(field)
            self.table.focus()
            return True
        if field is not None and self.tab.fields:
            form = self.query_one(TabForm)
            try:
                form.row(field).focus_control()
            except KeyError:
                return False
            return True
        self.focus_default()
        return field is None

    @property
    def can_save(self) -> bool:
        return bool(self.tab.fields) and not self.readonly

    def set_readonly(self, readonly: bool) -> None:
        super().set_readonly(readonly)
        if self.tab.fields and self.query(TabForm):
            for row in self.query_one(TabForm).rows:
                row.disabled = readonly
        self.set_class(readonly, "-readonly")
        if self.is_attached:
            self.screen.refresh_bindings()

    def show_problems(self, problems: list[Problem], *, focus: bool = False) -> None:
        mine = [p for p in problems if p.tab == self.tab.key]
        self._problem_messages = [p.message for p in mine if not self._is_form_field(p.field)]
        self._update_problem_line()
        if self.tab.fields:
            self.query_one(TabForm).show_problems(
                [p for p in mine if self._is_form_field(p.field)], focus=focus
            )

    def _update_problem_line(self) -> None:
        """Refused files first (why), then the problems "Enregistrer" found."""
        messages = self._refused + self._problem_messages
        line = self.query_one("#pieces-problems", Static)
        line.update("\n".join(messages))
        line.set_class(bool(messages), "-visible")

    def _is_form_field(self, field: str | None) -> bool:
        return field is not None and any(f.key == field for f in self.tab.fields)

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_row_whole()

    def _show_row_whole(self) -> None:
        """Under the table, the line under the cursor in full when its piece type or
        file name is cut to fit the columns (at 80 columns, "Projet médical signé des
        deux éta…"): nothing the user points at stays hidden."""
        line = self.query_one("#pieces-row", Static)
        key = self.current_row_key()
        piece_width, file_width = self._widths or self._column_widths()
        text = ""
        if key is not None and key.startswith("type:"):
            piece_type = self.model.demarche.piece(key.removeprefix("type:"))
            if len(piece_type.label) + 4 > piece_width:  # " *" and the cell's margins
                text = piece_type.label
        elif (piece := self.current_piece()) is not None:
            label = self.model.demarche.piece(piece.piece_type).label
            if len(piece.filename) + 2 > file_width or len(label) + 4 > piece_width:
                text = f"{piece.filename} ({label})"
        line.update(text)
        line.set_class(bool(text), "-visible")

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a line: add a file to its piece type."""
        event.stop()
        if not self.readonly:
            self.action_add()

    @on(TabForm.FieldChanged)
    def _form_changed(self, event: TabForm.FieldChanged) -> None:
        if self.readonly or not self.model.set_field(event.tab, event.field, event.value):
            event.stop()

    # --- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Never possible on a read-only dossier (jury, support, transmitted): not shown.
        if action in ("add", "remove") and self.readonly:
            return False
        if action == "cancel_upload":  # shown only while a file of this dossier is sent
            return self.uploading is not None
        return True

    # --- the upload in flight (the sync engine's news) ---------------------------------

    def news_upload_progress(self, event: UploadProgress) -> None:
        if event.dossier_id != self.model.dossier_id:
            return
        started = self.uploading != event.piece_id
        self.uploading = event.piece_id
        self.query_one("#pieces-upload-text", Static).update(upload_text(event))
        self.query_one("#pieces-upload-bar", ProgressBar).update(
            total=max(event.total, 1), progress=event.sent
        )
        if started:
            self.add_class("-uploading")
            if self.is_attached:
                self.screen.refresh_bindings()

    def news_upload_cancelled(self, event: UploadCancelled) -> None:
        if event.dossier_id != self.model.dossier_id:
            return
        self._upload_ended()
        self.notify(f"Envoi de « {event.filename} » annulé : le fichier est retiré du dossier.")
        self.post_message(PiecesChanged())

    def news_dossier_synced(self, event: DossierSynced) -> None:
        if event.dossier_id == self.model.dossier_id and event.kind == "upload":
            self._upload_ended()

    def news_save_refused(self, event: SaveRefused) -> None:
        if event.dossier_id == self.model.dossier_id:
            self._upload_ended()

    def news_sync_failed(self, event: SyncFailed) -> None:
        if event.dossier_id == self.model.dossier_id:
            self._upload_ended()

    def news_connection_changed(self, event: ConnectionChanged) -> None:
        if not event.online:  # the upload waits for the platform: sent again later
            self._upload_ended()

    def _upload_ended(self) -> None:
        if self.uploading is None:
            return
        self.uploading = None
        self.remove_class("-uploading")
        if self.is_attached:
            self.screen.refresh_bindings()

    def action_cancel_upload(self) -> None:
        if self.uploading is not None:
            self.query_one("#pieces-upload-text", Static).update("Annulation de l'envoi…")
            self.post_message(UploadCancelRequested(self.uploading))

    def action_add(self) -> None:
        piece_type = self.current_piece_type()
        if piece_type is None:
            self.app.bell()
            return
        screen = self.model
        count = sum(
            1
            for p in screen.pieces
            if p.piece_type == piece_type.key and p.state != PieceState.REFUSED
        )
        if count >= piece_type.max_files:
            self.notify(
                f"{piece_type.max_files} fichiers au plus pour « {piece_type.label} ».",
                severity="warning",
            )
            return
        used = sum(p.size for p in screen.pieces if p.state != PieceState.REFUSED)
        room = screen.demarche.max_dossier_bytes - used

        def chosen(path: Path | None) -> None:
            if path is not None:
                self._add(screen, piece_type.key, path)

        self.app.push_screen(
            AddPieceModal(piece_type, screen.demarche.max_file_bytes, room_left=room), chosen
        )

    @work(thread=True, group="pieces-io", description="l'ajout de la pièce")
    def _add(self, model: DossierModel, piece_type: str, path: Path) -> None:
        try:
            model.add_piece(piece_type, path)
        except OSError as error:
            self.post_message(PieceAdded(piece_type, path.name, f"{error.strerror or error}"))
            return
        self.post_message(PieceAdded(piece_type, path.name))

    def on_piece_added(self, message: PieceAdded) -> None:
        if message.error is not None:
            self.notify(
                f"« {message.filename} » n'a pas pu être ajouté : {message.error}",
                severity="error",
                timeout=10,
            )
            return
        self.notify(f"« {message.filename} » ajouté ; il sera envoyé dès que possible.")
        self.post_message(SyncRequested())
        self.post_message(PiecesChanged(select_type=message.piece_type))

    def action_remove(self) -> None:
        piece = self.current_piece()
        if piece is None:
            self.notify("Placez le curseur sur un fichier pour le retirer.", severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._remove(self.model, piece.id, piece.filename)

        self.app.push_screen(
            ConfirmModal(f"Retirer « {piece.filename} » du dossier ?", title="Retirer un fichier"),
            answered,
        )

    @work(thread=True, group="pieces-io", description="le retrait de la pièce")
    def _remove(self, model: DossierModel, piece_id: str, filename: str) -> None:
        model.remove_piece(piece_id)
        self.post_message(PieceRemoved(filename))

    def on_piece_removed(self, message: PieceRemoved) -> None:
        self.notify(f"« {message.filename} » retiré du dossier.")
        self.post_message(SyncRequested())
        self.post_message(PiecesChanged())
