"""Costs added by the accounts hardening (issue 15, ADR 0016), per operation.

Run from the repository root::

    .venv/bin/python bench/bench_auth_hardening.py [--rounds 2000]

- ``mask_log_text``: the token masking added to every access-log line (a typical line
  without a token, and one with a token in its path);
- ``seal`` / ``open_seal``: Fernet sealing of a code mail at queue time and its opening
  at send time;
- ``password_problems``: the policy with the common-password look-up (first call loads
  zxcvbn's list: printed apart).

Prints microseconds per operation and writes ``bench/results/auth_hardening.json``.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cesp_core.validators.password import password_problems
from cesp_server.log_masking import mask_log_text
from cesp_server.mail.sealing import open_seal, seal
from cesp_server.settings import Settings

LINE = '127.0.0.1:51514 - "GET /api/v1/dossiers?campaign=12&page=2 HTTP/1.1" 200'
TOKEN_LINE = (
    '127.0.0.1:51514 - "GET /api/v1/accounts/password/reset/'
    'Zq3vX9_kLm-8PqR2sT4uV6wY8zA1bC3dE5fG7hJ9kL0 HTTP/1.1" 404'
)
BODY = "Bonjour Jeanne DUPONT,\n\nVotre code de vérification : 0420\n" + "x" * 600


def per_op(function: Callable[[], object], rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        function()
    return (time.perf_counter() - start) / rounds * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        sealed = seal(settings, "Votre code de vérification : 0420", BODY)
        start = time.perf_counter()
        password_problems("Motdepasse1!")
        first_policy_ms = (time.perf_counter() - start) * 1e3
        figures = {
            "mask_log_text_plain_us": per_op(lambda: mask_log_text(LINE), rounds),
            "mask_log_text_token_us": per_op(lambda: mask_log_text(TOKEN_LINE), rounds),
            "seal_us": per_op(lambda: seal(settings, "Sujet", BODY), rounds),
            "open_seal_us": per_op(lambda: open_seal(settings, sealed), rounds),
            "password_problems_first_call_ms": first_policy_ms,
            "password_problems_us": per_op(lambda: password_problems("Motdepasse1!"), rounds),
        }
    for name, value in figures.items():
        print(f"{name:36} {value:10.1f}")
    out = Path(__file__).parent / "results" / "auth_hardening.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {"rounds": rounds, "python": platform.python_version(), "figures": figures},
            indent=2,
        )
        + "\n"
    )
    print(f"written {out}")


if __name__ == "__main__":
    main()
