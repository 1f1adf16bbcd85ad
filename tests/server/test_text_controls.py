"""Issue 15, item 6: control characters and escape sequences never reach a dossier."""

from __future__ import annotations

from tests.support.accounts import create_cesp_account
from tests.support.dossiers import complete_cesp_values, create_dossier, make_campaign
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink


def test_tab_save_refuses_control_characters_per_field(
    server: ServerHandle, smtp: SmtpSink
) -> None:
    campaign = make_campaign(server, "cesp")
    token = create_cesp_account(server, smtp, "controles@exemple.fr")
    with server.client(token) as c:
        dossier = create_dossier(c, campaign)
        url = f"/dossiers/{dossier['id']}/tabs/etat_civil"
        values = {
            **complete_cesp_values()["etat_civil"],
            "nom_naissance": "Durand\x1b]0;piege\x07\x1b[2J",
            "prenoms": "Jean\r\nPierre",
            "nom_usage": "A\x00B",
        }
        r = c.put(url, json={"values": values}, headers={"If-Match": '"1"'})
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["code"] == "invalid_values"
        by_field = {p["field"]: p["message"] for p in body["problems"]}
        assert set(by_field) == {"nom_naissance", "prenoms", "nom_usage"}
        assert "U+001B" in by_field["nom_naissance"]
        assert "une ligne" in by_field["prenoms"]

        # bidi override and line separator in a multi-line field: refused too
        social = f"/dossiers/{dossier['id']}/tabs/volet_social"
        for bad in ("a\u202eb", "a\u2028b", "a\x9b31mb"):
            r = c.put(
                social,
                json={"values": {"commentaire": bad}},
                headers={"If-Match": '"1"'},
            )
            assert r.status_code == 422, (bad, r.text)
            assert [p["field"] for p in r.json()["problems"]] == ["commentaire"]

        # newline and tab in a multi-line field are kept
        r = c.put(
            social,
            json={"values": {"commentaire": "Ligne 1\nLigne 2\tsuite"}},
            headers={"If-Match": '"1"'},
        )
        assert r.status_code == 200, r.text
        assert r.json()["values"]["commentaire"] == "Ligne 1\nLigne 2\tsuite"

        stored = c.get(f"/dossiers/{dossier['id']}").json()
        assert stored["version"] == 2  # nothing of the refused saves was written


def test_jury_comment_refuses_escape_sequences(server: ServerHandle, smtp: SmtpSink) -> None:
    from tests.support.accounts import create_staff_account
    from tests.support.dossiers import fill_dossier, transmit

    campaign = make_campaign(server, "cesp")
    owner = create_cesp_account(server, smtp, "commentaire@exemple.fr")
    jury = create_staff_account(server, "instructeur", "jury.echap@exemple.fr")
    with server.client(owner) as c:
        dossier = create_dossier(c, campaign)
        fill_dossier(c, dossier)
        assert transmit(c, dossier).status_code == 200
    url = f"/dossiers/{dossier['id']}/decision"
    with server.client(jury) as c:
        r = c.put(url, json={"decision": "accepte", "comment": "Bien\x1b]52;c;eA==\x07"})
        assert r.status_code == 422, r.text
        assert [p["field"] for p in r.json()["problems"]] == ["comment"]
        r = c.put(url, json={"decision": "accepte", "comment": "Très bien.\r\nÀ suivre."})
        assert r.status_code == 200, r.text
        assert r.json()["comment"] == "Très bien.\nÀ suivre."
