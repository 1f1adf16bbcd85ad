"""NIR, IBAN and tokens never reach a log: every record of `cesp_server` and `uvicorn` is
masked.

Tokens: the API never takes one in a path or a query string (they travel in POST bodies
and the Authorization header), but an old client or a mistyped URL may still put one
there, and uvicorn's access log writes the path. Anything token-shaped is replaced by
``[jeton masqué]``: a ``jeton=``/``token=`` parameter value, and any run of 32 or more
URL-safe base64 characters (our tokens are 43; UUIDs, with their hyphens every few
characters, and the 4-digit codes are not touched).

A search by NIR puts the NIR in a URL (``GET /dossiers?q=1%2099%2003...``), which the
access log writes; an exception may quote a value. `install_log_masking()` (called by
`create_app`) wraps the process's log-record factory so that every record created by a
logger named ``cesp_server...`` or ``uvicorn...`` goes through `MaskingFilter` before any
handler sees it, whatever the handlers and their configuration (uvicorn's dictConfig,
pytest's capture, a syslog handler added later). The message and each text argument are
masked separately, so formatters that read `record.args` (uvicorn's access log) keep
working; a traceback is rendered and masked into `record.exc_text`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from typing import Any

from cesp_core.masking import mask_text

__all__ = ["MASKED_LOGGERS", "MaskingFilter", "install_log_masking", "mask_log_text"]

#: Logger names (and their children) whose records are masked.
MASKED_LOGGERS = ("cesp_server", "uvicorn")

_lock = threading.Lock()
_installed = False


_TOKEN_PARAM = re.compile(
    r"(?P<name>\b(?:jeton|token|code|access_token)=)[^&#\s\"']+", re.IGNORECASE
)
_TOKEN_RUN = re.compile(r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{32,}(?![A-Za-z0-9_\-])")
TOKEN_MASK = "[jeton masqué]"


def _token_run(match: re.Match[str]) -> str:
    text = match.group(0)
    # a UUID or a slug (segments of letters between hyphens) is not a token
    if "-" in text and max(len(part) for part in text.split("-")) < 20:
        return text
    return TOKEN_MASK


def mask_log_text(text: str) -> str:
    """`text` with NIR, IBAN and anything token-shaped masked."""
    text = _TOKEN_PARAM.sub(lambda m: m.group("name") + TOKEN_MASK, text)
    text = _TOKEN_RUN.sub(_token_run, text)
    return mask_text(text)


def _mask_arg(value: Any) -> Any:
    return mask_log_text(value) if isinstance(value, str) else value


class MaskingFilter(logging.Filter):
    """Masks NIR-, IBAN- and token-shaped text in a record; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            if isinstance(record.msg, str):
                record.msg = mask_log_text(record.msg)
            args = record.args
            if isinstance(args, tuple):
                record.args = tuple(_mask_arg(a) for a in args)
            elif isinstance(args, Mapping):
                record.args = {k: _mask_arg(v) for k, v in args.items()}
            if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
                record.exc_text = mask_log_text(
                    logging.Formatter().formatException(record.exc_info)
                )
        except Exception:  # pragma: no cover - masking must never break logging
            pass
        return True


def _concerned(name: str) -> bool:
    return any(name == n or name.startswith(n + ".") for n in MASKED_LOGGERS)


def install_log_masking() -> None:
    """Mask every record of `MASKED_LOGGERS` from now on (idempotent, process-wide)."""
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()
        masking = MaskingFilter()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            if _concerned(record.name):
                masking.filter(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
