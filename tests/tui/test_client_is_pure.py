"""cesp_client is the client without Textual: it must never import the shell or Textual
(the embedded platform imports cesp_server, lazily, and that is allowed)."""

from __future__ import annotations

from pathlib import Path

import cesp_client
from tests.support.purity import forbidden_imports, loaded_after_importing_all

FORBIDDEN = ("textual", "cesp_tui")
CLIENT = Path(cesp_client.__file__).parent


def test_no_textual_import_in_source() -> None:
    assert forbidden_imports(CLIENT, FORBIDDEN) == []


def test_importing_everything_loads_no_textual() -> None:
    assert loaded_after_importing_all("cesp_client", FORBIDDEN) == ""
