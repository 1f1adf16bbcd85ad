"""What the streamed upload body (ADR 0032) costs against httpx's own multipart.

Run from the repository root::

    .venv/bin/python bench/bench_upload_progress.py [--rounds 5] [--megabytes 8]

The platform on loopback (SQLite, uvicorn in a thread, an SMTP sink for the sign-up); one
CESP account, one dossier, one PDF of ``--megabytes``. Each round sends the same file
(the platform answers with the piece already attached: it still reads the whole body)
once through httpx's ``files=`` (the client before ADR 0032) and once through
`ApiClient.upload_piece` (the streamed body, progress after each 64 KiB chunk). Prints the
median throughput of each, the progress calls per upload and the ratio; writes
``bench/results/upload_progress.json``. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402

from cesp_client.api import ApiClient  # noqa: E402
from tests.support.accounts import create_cesp_account  # noqa: E402
from tests.support.dossiers import make_campaign, tiny_pdf  # noqa: E402
from tests.support.server import start_server, test_settings  # noqa: E402
from tests.support.smtp import SmtpSink  # noqa: E402


async def measure(
    url: str, token: str, campaign: int, path: Path, rounds: int
) -> dict[str, object]:
    size = path.stat().st_size
    plain: list[float] = []
    streamed: list[float] = []
    calls: list[int] = []
    async with ApiClient(url, token) as api:
        dossier = await api.create_dossier("0" * 8 + "-0000-4000-8000-" + "0" * 12, campaign)
        target = f"/dossiers/{dossier['id']}/pieces/cv"
        async with httpx.AsyncClient(
            base_url=f"{url}/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ) as http:
            for _ in range(rounds):
                start = time.perf_counter()
                with path.open("rb") as handle:
                    answer = await http.post(
                        target, files={"file": (path.name, handle, "application/pdf")}
                    )
                plain.append(time.perf_counter() - start)
                assert answer.status_code in (200, 201), answer.text
                seen: list[int] = []
                start = time.perf_counter()
                await api.upload_piece(
                    dossier["id"], "cv", path, progress=lambda sent, _total, s=seen: s.append(sent)
                )
                streamed.append(time.perf_counter() - start)
                calls.append(len(seen))
    mb = size / 1e6
    return {
        "file_bytes": size,
        "rounds": rounds,
        "httpx_files_mb_s_median": round(mb / statistics.median(plain), 1),
        "streamed_body_mb_s_median": round(mb / statistics.median(streamed), 1),
        "streamed_over_httpx_time_ratio": round(
            statistics.median(streamed) / statistics.median(plain), 2
        ),
        "progress_calls_per_upload": statistics.median(calls),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--megabytes", type=float, default=8.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        sink = SmtpSink()
        sink.start()
        server = start_server(test_settings(root / "server", smtp_port=sink.port))
        try:
            token = create_cesp_account(server, sink, "bench.upload@example.fr")
            campaign = make_campaign(server)
            pdf = root / "gros.pdf"
            pdf.write_bytes(tiny_pdf("Bench", padding=int(args.megabytes * 1e6)))
            figures = asyncio.run(measure(server.url, token, campaign, pdf, args.rounds))
        finally:
            server.stop()
            sink.stop()
    figures["python"] = platform.python_version()
    figures["machine"] = platform.machine()
    for key, value in figures.items():
        print(f"{key:34} {value}")
    out = REPO_ROOT / "bench" / "results" / "upload_progress.json"
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"written: {out.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
