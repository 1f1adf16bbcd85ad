"""Long transfers with their progress: a multipart body streamed chunk by chunk, a
download written through a temporary file.

`multipart_body` builds a ``multipart/form-data`` request body with one file part as an
async generator (httpx sends it as it is produced): the file is read in chunks off the
event loop, and ``progress(sent, total)`` is called after each chunk handed to httpx
(``sent`` counts the file's bytes). The exact ``Content-Length`` is computed up front, so
the platform can refuse a file too big before reading it, as with httpx's own multipart.

``Pace`` is how fast the body goes: chunk size, and a pause between chunks (0 in
production; tests use it to stand for a slow link, without touching the server).

Plain callbacks, no Textual (`cesp_client` never imports it): the shell turns them into
messages.
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Pace",
    "Progress",
    "multipart_body",
    "partial_path_for",
]

#: ``progress(done, total)``: called from the event loop (async transfers) or the
#: worker's thread (file writers); ``total`` None when unknown.
Progress = Callable[[int, int | None], None]


@dataclass
class Pace:
    """How a body is sent: ``chunk_bytes`` at a time, ``pause`` seconds between chunks."""

    chunk_bytes: int = 64 * 1024
    pause: float = 0.0


def _form_param(value: str) -> str:
    """A quoted form parameter as httpx writes it (``"`` → ``%22``, ``\\`` doubled,
    control characters percent-encoded)."""
    out = []
    for char in value.replace("\\", "\\\\"):
        if char == '"':
            out.append("%22")
        elif ord(char) < 0x20 and char != "\x1b":
            out.append(f"%{ord(char):02X}")
        else:
            out.append(char)
    return "".join(out)


def multipart_body(
    source: Path | bytes,
    filename: str,
    content_type: str,
    *,
    field: str = "file",
    pace: Pace | None = None,
    progress: Progress | None = None,
    sent_all: Callable[[], None] | None = None,
) -> tuple[dict[str, str], AsyncIterator[bytes]]:
    """(headers, body) of a one-file multipart request; see the module's docstring.
    ``source`` is a file on disk (read in chunks) or bytes already in memory.
    ``sent_all()`` is called once httpx has taken the body's last bytes (it asks for
    more only after writing what it had): from then on the platform may have it whole,
    and stopping the request no longer guarantees it was not acted on."""
    pace = pace or Pace()
    boundary = secrets.token_hex(16)
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{_form_param(field)}"; '
        f'filename="{_form_param(filename)}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    total = source.stat().st_size if isinstance(source, Path) else len(source)
    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(len(head) + total + len(tail)),
    }
    step = max(1, pace.chunk_bytes)

    async def chunks() -> AsyncIterator[bytes]:
        if isinstance(source, bytes):
            for start in range(0, len(source), step):
                yield source[start : start + step]
            return
        handle = await asyncio.to_thread(source.open, "rb")
        try:
            while True:
                chunk = await asyncio.to_thread(handle.read, step)
                if not chunk:
                    return
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    async def body() -> AsyncIterator[bytes]:
        sent = 0
        if progress is not None:
            progress(0, total)
        yield head
        async for chunk in chunks():
            if pace.pause > 0:
                await asyncio.sleep(pace.pause)
            yield chunk
            sent += len(chunk)
            if progress is not None:
                progress(sent, total)
        if sent != total:  # the file changed while it was sent: let the server refuse it
            raise OSError(f"{filename}: {sent} octets lus au lieu de {total}")
        yield tail
        if sent_all is not None:
            sent_all()

    return headers, body()


def partial_path_for(path: Path) -> tuple[int, Path]:
    """A new temporary file next to ``path`` (same directory: the final rename is
    atomic), as (descriptor, path); the caller writes, then renames or removes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    return handle, Path(temporary)


def remove_quietly(path: Path) -> None:
    path.unlink(missing_ok=True)
