"""Uploaded pieces on disk: streaming multipart intake, format checks, safe names.

- The request body is parsed as it arrives (python-multipart's streaming parser): the file
  part is written to a temporary file in ``<files_dir>/tmp`` while its SHA-256 and size are
  computed, and the upload stops with 413 as soon as the size cap (per file, or what is
  left of the dossier's total) is exceeded: nothing more is written.
- A file is accepted when its extension and its content signature (magic bytes) name the
  same format and the démarche allows it (`cesp_core.validators.pieces`, which the client
  uses too): PDF ``%PDF-``, JPEG ``FF D8 FF``, PNG
  ``89 50 4E 47 0D 0A 1A 0A``. An ``.exe`` renamed ``.pdf`` is refused.
- Stored files get random names in `settings.resolved_files_dir`, which is never served:
  downloads go through the API and its access rules. The name the user gave is kept only
  for display, reduced to a safe base name.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import anyio
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from cesp_core.validators.pieces import (
    HEAD_BYTES,
    PIECE_FORMATS,
    extension_format,
    formats_phrase,
    sniff,
)

from .errors import ApiProblem

__all__ = [
    "FORMATS",
    "Upload",
    "extension_kind",
    "formats_phrase",
    "megabytes",
    "receive_upload",
    "remove_quietly",
    "sanitize_filename",
    "sniff",
    "storage_path",
]

#: format key -> (MIME type, extensions, label), from `cesp_core.validators.pieces`.
FORMATS: dict[str, tuple[str, tuple[str, ...], str]] = {
    key: (f.mime, f.extensions, f.label) for key, f in PIECE_FORMATS.items()
}

MAX_FILENAME = 120
#: Parts other than the file (ignored) are capped, and so is their number.
_MAX_OTHER_PART = 4096
_MAX_PARTS = 8
#: Multipart framing allowed on top of the file when checking Content-Length early.
_FRAMING_SLACK = 64 * 1024


#: The client checks with the same functions (`cesp_core.validators.pieces`).
extension_kind = extension_format


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} Mo"


def sanitize_filename(name: str, fallback: str) -> str:
    """A display name: base name only, no control characters, no leading dots, ≤ 120."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text
    )
    text = " ".join(text.split())
    while ".." in text:
        text = text.replace("..", ".")
    text = text.strip(" .")
    if not text:
        return fallback
    if len(text) > MAX_FILENAME:
        stem, suffix = os.path.splitext(text)
        suffix = suffix[:16]
        text = stem[: MAX_FILENAME - len(suffix)].rstrip(" .") + suffix
    return text


def storage_path(files_dir: Path, storage_name: str) -> Path:
    return files_dir / storage_name


def remove_quietly(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@dataclass
class Upload:
    """A received file, still in its temporary place."""

    temp_path: Path
    filename: str
    size: int
    sha256: str
    head: bytes


@dataclass
class _State:
    file_cap: int
    room: int
    field_name: str
    parts: int = 0
    header_name: bytes = b""
    header_value: bytes = b""
    disposition: bytes = b""
    in_file: bool = False
    file_done: bool = False
    filename: str = ""
    size: int = 0
    other_size: int = 0
    head: bytearray = field(default_factory=bytearray)
    pending: list[bytes] = field(default_factory=list)
    hasher: hashlib._Hash = field(default_factory=hashlib.sha256)


def _too_large(state: _State) -> ApiProblem:
    if state.size > state.file_cap:
        return ApiProblem(
            413,
            "file_too_large",
            f"Le fichier dépasse la taille maximale autorisée ({megabytes(state.file_cap)} "
            "par fichier).",
            extra={"max_file_bytes": state.file_cap},
        )
    return ApiProblem(
        413,
        "dossier_too_large",
        "Le total des pièces du dossier dépasserait la limite autorisée : supprimez des "
        "fichiers inutiles ou réduisez leur taille.",
        extra={"remaining_bytes": max(state.room, 0)},
    )


def _bad_multipart(detail: str = "Corps multipart/form-data invalide.") -> ApiProblem:
    return ApiProblem(400, "invalid_multipart", detail)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _callbacks(state: _State) -> dict[str, object]:
    def on_part_begin() -> None:
        state.parts += 1
        if state.parts > _MAX_PARTS:
            raise _bad_multipart("Trop de parties dans le corps multipart.")
        state.disposition = b""
        state.in_file = False

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state.header_name += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state.header_value += data[start:end]

    def on_header_end() -> None:
        if state.header_name.strip().lower() == b"content-disposition":
            state.disposition = state.header_value
        state.header_name = b""
        state.header_value = b""

    def on_headers_finished() -> None:
        _kind, options = parse_options_header(state.disposition)
        name = _decode(options.get(b"name", b""))
        if name == state.field_name and b"filename" in options and not state.file_done:
            state.in_file = True
            state.filename = _decode(options[b"filename"])

    def on_part_data(data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if not state.in_file:
            state.other_size += len(chunk)
            if state.other_size > _MAX_OTHER_PART * _MAX_PARTS:
                raise _bad_multipart("Champ de formulaire trop long.")
            return
        state.size += len(chunk)
        if state.size > state.file_cap or state.size > state.room:
            raise _too_large(state)
        if len(state.head) < HEAD_BYTES:
            state.head.extend(chunk[: HEAD_BYTES - len(state.head)])
        state.hasher.update(chunk)
        state.pending.append(chunk)

    def on_part_end() -> None:
        if state.in_file:
            state.in_file = False
            state.file_done = True

    return {
        "on_part_begin": on_part_begin,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    }


def _write_all(handle: BinaryIO, chunks: list[bytes]) -> None:
    for chunk in chunks:
        handle.write(chunk)


async def receive_upload(
    request: Request,
    *,
    tmp_dir: Path,
    file_cap: int,
    room: int,
    field_name: str = "file",
) -> Upload:
    """Stream the multipart body's `field_name` file into `tmp_dir`; 413 past the caps.

    `file_cap` is the per-file limit, `room` what is left of the dossier's total.
    """
    content_type = request.headers.get("content-type", "")
    kind, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise ApiProblem(
            415,
            "multipart_required",
            "Envoyez le fichier en multipart/form-data, dans le champ « file ».",
        )
    state = _State(file_cap=file_cap, room=room, field_name=field_name)
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > min(file_cap, room) + _FRAMING_SLACK:
        state.size = int(length)
        raise _too_large(state)

    tmp_dir.mkdir(parents=True, exist_ok=True)
    temp_path = tmp_dir / f"{uuid.uuid4().hex}.part"
    parser = MultipartParser(boundary, _callbacks(state))  # type: ignore[arg-type]
    handle = await anyio.to_thread.run_sync(temp_path.open, "wb")
    ok = False
    try:
        try:
            async for chunk in request.stream():
                if chunk:
                    parser.write(chunk)
                if state.pending:
                    pending, state.pending = state.pending, []
                    await anyio.to_thread.run_sync(_write_all, handle, pending)
            parser.finalize()
        except FormParserError:
            raise _bad_multipart() from None
        except ClientDisconnect:
            raise _bad_multipart("Envoi interrompu.") from None
        finally:
            await anyio.to_thread.run_sync(handle.close)
        if not state.file_done and not state.filename:
            raise ApiProblem(
                422, "file_missing", "Joignez un fichier (champ « file » du formulaire)."
            )
        if not state.file_done:
            raise _bad_multipart("Envoi incomplet : le fichier n'est pas arrivé en entier.")
        if state.size == 0:
            raise ApiProblem(422, "empty_file", "Le fichier est vide.")
        ok = True
        return Upload(
            temp_path=temp_path,
            filename=state.filename,
            size=state.size,
            sha256=state.hasher.hexdigest(),
            head=bytes(state.head),
        )
    finally:
        if not ok:
            remove_quietly(temp_path)
