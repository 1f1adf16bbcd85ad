"""ASP fixes of issue 13 (item 8) through the API, on SQLite and PostgreSQL: the recruiter
comes from the établissement's account, the specialty from the 44 DES, a planned Ordre
registration date is not in the past."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session

from cesp_core import timefmt
from cesp_core.demarches.rules import SPECIALITE_MESSAGE
from cesp_core.timefmt import paris_now
from cesp_server.models import Dossier
from tests.support.accounts import create_etablissement_account
from tests.support.dossiers import complete_asp_values, create_dossier, make_campaign, save_tab
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink

ACCOUNT_NAME = "Centre hospitalier de Test"
ACCOUNT_FINESS = "750712184"


def _put(client, dossier: dict, tab: str, values: dict, version: int):  # type: ignore[no-untyped-def]
    return client.put(
        f"/dossiers/{dossier['id']}/tabs/{tab}",
        json={"values": values},
        headers={"If-Match": f'"{version}"'},
    )


def test_the_recruiter_is_the_account_whatever_is_sent(
    server: ServerHandle, smtp: SmtpSink
) -> None:
    asp = make_campaign(server, "asp")
    etab = create_etablissement_account(server, smtp, "bam@hopital-test.fr")
    identification = complete_asp_values()["identification"]
    with server.client(etab) as c:
        dossier = create_dossier(c, asp)
        sent = {
            **identification,
            "etab_recruteur_nom": "Un autre hôpital",
            "etab_recruteur_finess": "010002699",
        }
        saved = save_tab(c, dossier["id"], "identification", sent, dossier["version"])
        assert saved["values"]["etab_recruteur_nom"] == ACCOUNT_NAME
        assert saved["values"]["etab_recruteur_finess"] == ACCOUNT_FINESS
        # Nothing sent for them: still the account's.
        without = {k: v for k, v in identification.items() if not k.startswith("etab_recruteur")}
        saved = save_tab(c, dossier["id"], "identification", without, saved["version"])
        read = c.get(f"/dossiers/{dossier['id']}").json()
        assert read["data"]["identification"]["etab_recruteur_nom"] == ACCOUNT_NAME
        assert read["data"]["identification"]["etab_recruteur_finess"] == ACCOUNT_FINESS


def test_the_specialty_is_one_of_the_des(server: ServerHandle, smtp: SmtpSink) -> None:
    asp = make_campaign(server, "asp")
    etab = create_etablissement_account(server, smtp, "bam@hopital-test.fr")
    identification = complete_asp_values()["identification"]
    with server.client(etab) as c:
        dossier = create_dossier(c, asp)
        r = _put(c, dossier, "identification", {**identification, "specialite": "Cardiologie"}, 1)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert [(p["field"], p["message"]) for p in r.json()["problems"]] == [
            ("specialite", SPECIALITE_MESSAGE)
        ]
        saved = save_tab(
            c,
            dossier["id"],
            "identification",
            {**identification, "specialite": "anesthesie reanimation"},
            1,
        )
        assert saved["values"]["specialite"] == "Anesthésie-réanimation"
        assert saved["problems"] == []
    # A draft that holds a free text from before the list: kept, readable, saved again
    # as it is, and flagged until a specialty is picked.
    with Session(server.app.state.engine) as session:
        data = {**saved["values"], "specialite": "Cardiologie interventionnelle"}
        session.exec(  # type: ignore[call-overload]
            update(Dossier)
            .where(Dossier.id == dossier["id"])  # type: ignore[arg-type]
            .values(data={"identification": data})
        )
        session.commit()
    with server.client(etab) as c:
        read = c.get(f"/dossiers/{dossier['id']}").json()
        assert read["data"]["identification"]["specialite"] == "Cardiologie interventionnelle"
        saved = save_tab(c, dossier["id"], "identification", data, read["version"])
        assert saved["values"]["specialite"] == "Cardiologie interventionnelle"
        assert [(p["field"], p["message"]) for p in saved["problems"]] == [
            ("specialite", SPECIALITE_MESSAGE)
        ]


def test_a_planned_registration_date_in_the_past_is_refused(
    server: ServerHandle, smtp: SmtpSink
) -> None:
    asp = make_campaign(server, "asp")
    etab = create_etablissement_account(server, smtp, "bam@hopital-test.fr")
    values = complete_asp_values()
    yesterday = (paris_now().date() - timedelta(days=1)).isoformat()
    with server.client(etab) as c:
        dossier = create_dossier(c, asp)
        saved = save_tab(c, dossier["id"], "identification", values["identification"], 1)
        candidat = {**values["candidat"], "date_previsionnelle_inscription": yesterday}
        saved = save_tab(c, dossier["id"], "candidat", candidat, saved["version"])
        assert saved["state"] == "erreurs"
        (problem,) = saved["problems"]
        assert problem["field"] == "date_previsionnelle_inscription"
        assert "passée" in problem["message"]
        later = (paris_now().date() + timedelta(days=30)).isoformat()
        candidat["date_previsionnelle_inscription"] = later
        saved = save_tab(c, dossier["id"], "candidat", candidat, saved["version"])
        assert saved["problems"] == [] and saved["state"] == "complet"


def test_mails_say_until_when_a_link_or_code_is_valid_in_paris_time(
    server: ServerHandle, smtp: SmtpSink
) -> None:
    """The code and the link mails give their end as the client shows times
    (`cesp_core.timefmt`, Europe/Paris): « valable ..., jusqu'à HH:MM »."""
    from sqlmodel import col, select

    from cesp_server.models import LinkToken, VerificationCode
    from tests.support.accounts import signup_until_link, wait_mail

    email = "horaire@exemple.fr"
    signup_until_link(server, smtp, email)
    code_mail = wait_mail(server, smtp, email, "code de vérification")
    link_mail = wait_mail(server, smtp, email, "Initialisation mdp")
    with Session(server.app.state.engine) as session:
        code = session.exec(select(VerificationCode)).first()
        link = session.exec(select(LinkToken).order_by(col(LinkToken.expires_at).desc())).first()
        assert code is not None and link is not None
        code_until, link_until = code.expires_at, link.expires_at
    flat_code, flat_link = " ".join(code_mail.split()), " ".join(link_mail.split())
    assert f"jusqu'à {timefmt.format_time(code_until)} (heure de Paris)" in flat_code
    assert f"jusqu'à {timefmt.format_time(link_until)} (heure de Paris)" in flat_link
