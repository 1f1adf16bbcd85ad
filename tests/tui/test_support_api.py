"""`cesp_client.api.support` against the platform on loopback: search, history, mails,
diagnostic (with the client's version, masked), import (a refused file is a report, not
an exception), export; refusals and an unreachable platform raise as elsewhere."""

from __future__ import annotations

import csv
import io
import json

import pytest

from cesp_client.api.client import ApiClient
from cesp_client.api.errors import ApiError, Offline
from cesp_client.api.support import (
    client_version,
    diagnostic,
    dossier_history,
    dossier_mails,
    export_dossiers,
    import_dossiers,
    search_dossiers,
)
from tests.support.accounts import create_cesp_account, create_staff_account
from tests.support.dossiers import (
    CESP_IBAN,
    CESP_NIR,
    complete_cesp_values,
    create_dossier,
    fill_dossier,
    import_csv,
    import_row,
    make_campaign,
)
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink


async def test_support_reads_through_the_api_module(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign_id = make_campaign(server, label="CESP de test")
    owner = create_cesp_account(server, smtp, "jean.durand@example.org")
    with server.client(owner) as client:
        dossier = create_dossier(client, campaign_id)
        fill_dossier(client, dossier, complete_cesp_values())
    support = create_staff_account(server, "support", "anne.support@example.org")
    async with ApiClient(server.url, support) as api:
        listed = await search_dossiers(api, f"  {CESP_NIR}  ")
        assert [item["id"] for item in listed["items"]] == [dossier["id"]]
        assert CESP_NIR not in json.dumps(listed)
        history = await dossier_history(api, dossier["id"])
        assert {e["action"] for e in history} >= {"enregistrement"}
        mails = await dossier_mails(api, dossier["id"])
        assert mails and all("[code masqué]" in m["body"] for m in mails if "code" in m["subject"])
        bundle = await diagnostic(api, dossier["id"])
        assert bundle["versions"]["client"] == client_version() != "inconnue"
        assert bundle["client"]["server_url"] == server.url
        text = json.dumps(bundle, ensure_ascii=False).replace(" ", "")
        assert CESP_NIR not in text and CESP_IBAN not in text
        content = await export_dossiers(api, fmt="csv", campaign_id=campaign_id)
        assert content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
        assert [r["dossier.id"] for r in rows] == [dossier["id"]]
        assert "*" in rows[0]["etat_civil.nir"]
        with pytest.raises(ApiError) as refused:
            await export_dossiers(api, fmt="json", unmasked=True)
        assert refused.value.status == 403 and refused.value.code == "unmasked_forbidden"
        with pytest.raises(ApiError) as no_import:
            await import_dossiers(
                api, campaign_id, import_csv([import_row("x@example.org")]), "a.csv"
            )
        assert no_import.value.status == 403
    server.stop()
    async with ApiClient(server.url, support) as api:
        with pytest.raises(Offline):
            await search_dossiers(api, "durand")


async def test_import_outcomes(server: ServerHandle) -> None:
    campaign_id = make_campaign(server, label="CESP de test")
    agent = create_staff_account(server, "agent", "paul.agent@example.org")
    bad = import_row("jean.faux@example.org")
    bad["etat_civil.date_naissance"] = "31/02/1999"
    async with ApiClient(server.url, agent) as api:
        refused = await import_dossiers(
            api, campaign_id, import_csv([import_row("jean.durand@example.org"), bad]), "a.csv"
        )
        assert not refused.accepted
        assert "aucun dossier n'a été importé" in refused.detail
        assert [line["status"] for line in refused.lines] == ["ok", "refused"]
        invalid = await import_dossiers(api, campaign_id, b"[1, 2", "a.json")
        assert not invalid.accepted and invalid.file_problems
        assert invalid.lines == []
        good = await import_dossiers(
            api, campaign_id, import_csv([import_row("jean.durand@example.org")]), "a.csv"
        )
        assert good.accepted and good.report["created"] == 1
        assert good.lines[0]["numero"].startswith("CESP-")
        again = await import_dossiers(
            api, campaign_id, import_csv([import_row("jean.durand@example.org")]), "a.csv"
        )
        assert again.accepted and again.report["created"] == 0
        assert again.lines[0]["action"] == "existant"
