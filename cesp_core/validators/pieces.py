"""The files a piece justificative may be: format (extension and first bytes) and size.

One definition for the client, which checks a file before queueing it, and the platform,
which checks it again on upload: a file is accepted when its extension and its content
signature (magic bytes) name the same allowed format, PDF ``%PDF-``, JPEG ``FF D8 FF``,
PNG ``89 50 4E 47 0D 0A 1A 0A`` (an ``.exe`` renamed ``.pdf`` is refused), and when it
fits the size limits. Messages in French.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath

__all__ = [
    "HEAD_BYTES",
    "PIECE_FORMATS",
    "PieceFormat",
    "extension_format",
    "formats_phrase",
    "human_size",
    "sniff",
    "validate_piece_file",
]


@dataclass(frozen=True, slots=True)
class PieceFormat:
    key: str
    label: str
    mime: str
    extensions: tuple[str, ...]
    #: The first bytes of every file of the format.
    signature: bytes


#: format key (as `PieceType.formats` names them) -> the format.
PIECE_FORMATS: dict[str, PieceFormat] = {
    f.key: f
    for f in (
        PieceFormat("pdf", "PDF", "application/pdf", (".pdf",), b"%PDF-"),
        PieceFormat("jpeg", "JPEG", "image/jpeg", (".jpg", ".jpeg"), b"\xff\xd8\xff"),
        PieceFormat("png", "PNG", "image/png", (".png",), b"\x89PNG\r\n\x1a\n"),
    )
}

#: Bytes to read from the start of a file to recognise its format.
HEAD_BYTES = 16


def sniff(head: bytes) -> str | None:
    """The format the first bytes say, or None."""
    return next((f.key for f in PIECE_FORMATS.values() if head.startswith(f.signature)), None)


def extension_format(filename: str) -> str | None:
    """The format the file name's extension says, or None."""
    suffix = PurePath(filename).suffix.lower()
    return next((f.key for f in PIECE_FORMATS.values() if suffix in f.extensions), None)


def formats_phrase(formats: Iterable[str]) -> str:
    """``PDF`` / ``PDF, JPEG ou PNG``."""
    labels = [PIECE_FORMATS[f].label for f in formats if f in PIECE_FORMATS]
    if len(labels) <= 1:
        return "".join(labels)
    return f"{', '.join(labels[:-1])} ou {labels[-1]}"


def human_size(size: int) -> str:
    """``812 o``, ``12,5 Ko``, ``3,2 Mo`` (French decimal comma)."""
    if size < 1024:
        return f"{size} o"
    for unit in ("Ko", "Mo", "Go"):
        value = size / 1024
        if value < 1024 or unit == "Go":
            text = f"{value:.1f}".rstrip("0").rstrip(".")
            return f"{text.replace('.', ',')} {unit}"
        size = int(value)
    raise AssertionError("unreachable")


def validate_piece_file(
    filename: str,
    head: bytes,
    size: int,
    formats: Iterable[str],
    max_bytes: int,
    *,
    room_left: int | None = None,
) -> str | None:
    """Why a file cannot be a piece (French), or None: ``head`` is its first bytes (at
    least `HEAD_BYTES`), ``formats`` the piece type's, ``room_left`` what the dossier's
    total size limit still allows."""
    allowed_formats = list(formats)
    allowed = formats_phrase(allowed_formats)
    kind = extension_format(filename)
    if kind is None or kind not in allowed_formats:
        return f"Format refusé pour « {filename} » : formats acceptés {allowed}."
    if size == 0:
        return f"« {filename} » est vide."
    if sniff(head) != kind:
        return (
            f"« {filename} » n'est pas un vrai fichier {PIECE_FORMATS[kind].label} : son "
            f"contenu ne correspond pas à son extension. Fichier refusé (formats acceptés "
            f"{allowed})."
        )
    if size > max_bytes:
        return (
            f"« {filename} » est trop volumineux ({human_size(size)}) : "
            f"{human_size(max_bytes)} au plus par fichier."
        )
    if room_left is not None and size > room_left:
        return (
            f"« {filename} » ({human_size(size)}) dépasserait la taille totale permise pour "
            f"le dossier : il reste {human_size(max(room_left, 0))}."
        )
    return None
