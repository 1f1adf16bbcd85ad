"""Deeper checks of a received file, run on the staged copy before it is stored.

The magic bytes only say how a file starts. Here:
- a PDF must parse as a PDF (pypdf), carry no JavaScript (``/JS``, ``/JavaScript``, an
  ``/OpenAction`` or ``/AA`` running a script) and end at its ``%%EOF`` (only blank bytes
  after it): a PDF header followed by HTML or a ZIP archive (a polyglot) is refused;
- a PNG must be a chain of chunks with correct CRCs ending with ``IEND`` and nothing
  after it; a JPEG must end with its ``EOI`` marker (only blank bytes after it);
- an optional scanner (`Settings.scan_command`, ClamAV-style ``clamdscan -``) reads the
  file on its standard input: exit 0 clean, 1 infected, anything else unavailable.
Each refusal is a French 422 (503 when the scanner cannot answer).
"""

from __future__ import annotations

import io
import logging
import re
import shlex
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any, BinaryIO

from .errors import ApiProblem

__all__ = ["check_content", "scan"]

log = logging.getLogger("cesp_server.pieces")

_BLANK = b" \t\r\n\f\x00"
_TAIL_BLOCK = 64 * 1024
#: Objects of a PDF walked when looking for scripts (a bigger file is refused).
_MAX_PDF_OBJECTS = 50_000
_HTML = re.compile(rb"<\s*(html|script|body|iframe|svg)\b", re.IGNORECASE)


def _refuse(code: str, detail: str) -> ApiProblem:
    return ApiProblem(422, code, detail)


def _content_end(path: Path) -> tuple[int, bytes]:
    """Where the file's content ends (blank padding skipped) and its last bytes (≤ 64 KiB)."""
    with path.open("rb") as handle:
        end = handle.seek(0, 2)
        while end > 0:
            start = max(0, end - _TAIL_BLOCK)
            handle.seek(start)
            block = handle.read(end - start).rstrip(_BLANK)
            if block:
                return start + len(block), block
            end = start
    return 0, b""


def _last_bytes(path: Path) -> bytes:
    return _content_end(path)[1]


class _Prefix(io.RawIOBase):
    """The first `size` bytes of a file, as a seekable stream (pypdf reads a PDF from its
    end backwards, line by line: megabytes of blank padding would cost it seconds)."""

    def __init__(self, handle: BinaryIO, size: int) -> None:
        self.handle, self.size, self.pos = handle, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.pos, 2: self.size}[whence]
        self.pos = max(0, min(self.size, base + offset))
        return self.pos

    def tell(self) -> int:
        return self.pos

    def readinto(self, buffer: Any) -> int:
        count = min(len(buffer), self.size - self.pos)
        if count <= 0:
            return 0
        self.handle.seek(self.pos)
        data = self.handle.read(count)
        buffer[: len(data)] = data
        self.pos += len(data)
        return len(data)


def _has_script(value: object, depth: int = 0) -> bool:
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    if depth > 8:
        return False
    if isinstance(value, DictionaryObject):
        if "/JS" in value or value.get("/S") == NameObject("/JavaScript"):
            return True
        if "/JavaScript" in value:
            return True
        return any(_has_script(item, depth + 1) for key, item in value.items() if key != "/Parent")
    if isinstance(value, ArrayObject):
        return any(_has_script(item, depth + 1) for item in value)
    return False


def _check_pdf(path: Path) -> None:

    end, tail = _content_end(path)
    if not tail.endswith(b"%%EOF"):
        raise _refuse(
            "pdf_trailing_content",
            "Fichier refusé : des données suivent la fin du PDF (fichier piégé ou "
            "endommagé). Enregistrez-le à nouveau en PDF.",
        )
    with path.open("rb") as handle:
        if _HTML.search(handle.read(4096)):
            raise _refuse(
                "pdf_invalid", "Fichier refusé : ce n'est pas un PDF valide (HTML détecté)."
            )
    with path.open("rb") as raw:
        _read_pdf(io.BufferedReader(_Prefix(raw, end)))


def _read_pdf(stream: BinaryIO) -> None:
    from pypdf import PdfReader
    from pypdf.generic import IndirectObject

    try:
        reader = PdfReader(stream, strict=False)
        if len(reader.pages) < 1:
            raise _refuse("pdf_invalid", "Fichier refusé : ce PDF ne contient aucune page.")
        scripted = _has_script(reader.trailer["/Root"].get_object())
        references = [(num, gen) for gen, nums in reader.xref.items() for num in nums]
        references += [(num, 0) for num in reader.xref_objStm]
        if len(references) > _MAX_PDF_OBJECTS:
            raise _refuse("pdf_invalid", "Fichier refusé : PDF trop complexe.")
        for num, gen in references:
            if scripted:
                break
            scripted = _has_script(IndirectObject(num, gen, reader).get_object())
        if scripted:
            raise _refuse(
                "pdf_javascript",
                "Fichier refusé : ce PDF contient du JavaScript. Enregistrez-le à nouveau "
                "en PDF sans script (« Imprimer en PDF »).",
            )
    except ApiProblem:
        raise
    except Exception as exc:  # whatever a hostile file makes the parser raise
        log.info("PDF refused: %s", type(exc).__name__)
        raise _refuse(
            "pdf_invalid",
            "Fichier refusé : ce PDF est illisible ou endommagé. Enregistrez-le à nouveau en PDF.",
        ) from exc


def _check_png(path: Path) -> None:
    bad = _refuse("image_invalid", "Fichier refusé : cette image PNG est endommagée.")
    with path.open("rb") as handle:
        handle.seek(8)
        while True:
            header = handle.read(8)
            if len(header) < 8:
                raise bad
            length, kind = struct.unpack(">I4s", header)
            data = handle.read(length)
            crc = handle.read(4)
            if len(data) < length or len(crc) < 4:
                raise bad
            if zlib.crc32(kind + data) != struct.unpack(">I", crc)[0]:
                raise bad
            if kind == b"IEND":
                break
        if handle.read(_TAIL_BLOCK).strip(_BLANK) or handle.read(1):
            raise _refuse(
                "image_trailing_content",
                "Fichier refusé : des données suivent la fin de l'image PNG.",
            )


def _check_jpeg(path: Path) -> None:
    # The signature (FF D8 FF) was checked; a JPEG ends with its EOI marker (FF D9), so a
    # file carrying an archive or a page after the image is refused.
    if not _last_bytes(path).endswith(b"\xff\xd9"):
        raise _refuse(
            "image_trailing_content",
            "Fichier refusé : des données suivent la fin de l'image JPEG (ou elle est tronquée).",
        )


def check_content(path: Path, kind: str) -> None:
    """Raise a French 422 when the file is not a clean file of its format."""
    if kind == "pdf":
        _check_pdf(path)
    elif kind == "png":
        _check_png(path)
    elif kind == "jpeg":
        _check_jpeg(path)


def scan(path: Path, command: str, timeout: float = 120.0) -> None:
    """Run the configured scanner on the file (standard input)."""
    if not command:
        return
    try:
        with path.open("rb") as handle:
            done = subprocess.run(
                shlex.split(command),
                stdin=handle,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.error("piece scanner failed: %s", type(exc).__name__)
        raise ApiProblem(
            503,
            "scan_unavailable",
            "L'analyse antivirus est momentanément indisponible : réessayez plus tard.",
        ) from exc
    if done.returncode == 1:
        raise _refuse("virus_found", "Fichier refusé : l'analyse antivirus l'a signalé.")
    if done.returncode != 0:
        log.error("piece scanner exit status %d", done.returncode)
        raise ApiProblem(
            503,
            "scan_unavailable",
            "L'analyse antivirus est momentanément indisponible : réessayez plus tard.",
        )
