"""Mails as the support reads them: codes, links and tokens replaced, NIR and IBAN masked.

`queue_mail` renders every mail a second time with its secret context values replaced
(`redacted_context`) and stores that copy beside the real one: the support never reads a
live code or password link. `redact_text` is the fallback for rows queued before the
copy existed (and a second net): it removes what looks like a link with a token, a
bare token or a 4-digit verification code, then masks NIR and IBAN.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cesp_core.masking import mask_text

__all__ = ["SECRET_KEYS", "redact_text", "redacted_context"]

#: Context keys of the templates that carry secrets, and what the support reads instead.
SECRET_KEYS: Mapping[str, str] = {
    "code": "[code masqué]",
    "token": "[jeton masqué]",
    "link": "[lien masqué]",
}

_LINK = re.compile(r"https?://\S*(?:jeton|token)=\S*", re.IGNORECASE)
_TOKEN = re.compile(r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{32,}(?![A-Za-z0-9_\-])")
_CODE = re.compile(r"(code de vérification\s*:\s*)\d{4}", re.IGNORECASE)


def redacted_context(context: Mapping[str, Any]) -> dict[str, Any]:
    return {k: SECRET_KEYS.get(k, v) for k, v in context.items()}


def redact_text(text: str) -> str:
    text = _LINK.sub(SECRET_KEYS["link"], text)
    text = _TOKEN.sub(SECRET_KEYS["token"], text)
    text = _CODE.sub(lambda m: m.group(1) + SECRET_KEYS["code"], text)
    return mask_text(text)
