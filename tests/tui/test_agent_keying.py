"""A back-office agent keys paper dossiers in the real `CespApp` against the platform on
loopback: "File de saisie", "saisie continue", the applicant's identity, the dossier's
forms in keying mode (auto-advance, NIR prefill, carry-over of the batch's fields, "dup"),
the saves through the draft store and the sync engine; then an applicant claims one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from cesp_client.keying import keying_session
from cesp_tui.app import CespApp
from cesp_tui.screens.account.login import LoginScreen
from cesp_tui.screens.dossier.dossier import DossierScreen
from cesp_tui.screens.dossier.home import HomeScreen
from cesp_tui.screens.staff.agent_home import AgentHomeScreen
from cesp_tui.screens.staff.export_dossiers import ExportScreen
from cesp_tui.screens.staff.import_dossiers import ImportScreen
from cesp_tui.screens.staff.on_behalf import OnBehalfScreen
from cesp_tui.widgets.field_row import FieldRow
from tests.support.accounts import claim_token, create_cesp_account, create_staff_account
from tests.support.dossiers import CESP_IBAN, CESP_NIR, make_campaign, nir_with_key
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink
from tests.support.tui import tui_app, until

SIZE = (80, 24)
AGENT_EMAIL = "agent.saisie@example.org"

#: Three applicants of one batch (same faculty, same year): identity, NIR, address.
APPLICANTS: list[dict[str, str]] = [
    {
        "email": "jean.durand@example.org",
        "civilite": "m",
        "nom": "Durand",
        "prenom": "Jean Pierre",
        "date": "15031999",
        "iso": "1999-03-15",
        "nir": CESP_NIR,  # 1 99 03 87 085 123: a man born in March 1999 in Limoges
        "adresse": "12 rue Jean Jaurès",
        "cp": "87000",
        "tel": "0612345678",
        "niveau": "dfasm2",
    },
    {
        "email": "lea.martin@example.org",
        "civilite": "f",
        "nom": "Martin",
        "prenom": "Léa",
        "date": "14042000",
        "iso": "2000-04-14",
        "nir": nir_with_key("2000487085456"),  # a woman born in April 2000 in Limoges
        "adresse": "3 place Denis Dussoubs",
        "cp": "87000",
        "tel": "0698765432",
        "niveau": "dfasm3",
    },
    {
        "email": "paul.bernard@example.org",
        "civilite": "m",
        "nom": "Bernard",
        "prenom": "Paul",
        "date": "02021998",
        "iso": "1998-02-02",
        "nir": nir_with_key("1980287085789"),
        "adresse": "",  # "dup": the same address as the previous applicant
        "cp": "87000",
        "tel": "0611223344",
        "niveau": "dfasm1",
    },
]
UNIVERSITE = "Université de Limoges, UFR de médecine"


def focused_field(app: CespApp) -> str | None:
    node: Any = app.focused
    while node is not None:
        if isinstance(node, FieldRow):
            return node.key
        node = node.parent
    return None


def dossier_screen(app: CespApp) -> DossierScreen:
    screen = app.screen
    assert isinstance(screen, DossierScreen), screen
    return screen


async def log_in(app: CespApp, pilot: Pilot[Any], identifier: str) -> None:
    await until(pilot, lambda: isinstance(app.screen, LoginScreen) and app.api is not None)
    app.screen.query_one("#identifier").value = identifier  # type: ignore[attr-defined]
    app.screen.query_one("#password").focus()
    await pilot.press(*"Motdepasse1!", "enter")


async def key_identity(app: CespApp, pilot: Pilot[Any], who: dict[str, str]) -> DossierScreen:
    """The "Nouveau dossier papier" form, keyed: Enter moves on, the civilité is picked
    with the arrows and Space, the date moves on when full, Enter at the end creates the dossier."""
    await until(
        pilot,
        lambda: isinstance(app.screen, OnBehalfScreen) and app.screen.campaign_id is not None,
        what="on-behalf form with its campaign",
    )
    assert focused_field(app) == "email"
    await pilot.press(*who["email"], "enter")
    assert focused_field(app) == "civilite"
    # Arrows move, Space picks (and moves on in keying mode); a letter jumps only by the
    # visible label, and "M." and "Mme" both start with m.
    await pilot.press(*({"m": ["space"], "f": ["right", "space"]}[who["civilite"]]))
    await until(pilot, lambda: focused_field(app) == "nom", what="civilité moved on")
    await pilot.press(*who["nom"], "enter", *who["prenom"], "enter", *who["date"])
    await pilot.press("enter")  # the end of the form: create
    await until(pilot, lambda: isinstance(app.screen, DossierScreen), what="dossier opened")
    return dossier_screen(app)


async def key_dossier(
    app: CespApp, pilot: Pilot[Any], who: dict[str, str], *, carry: bool
) -> tuple[str, list[str]]:
    """Key one paper dossier; returns its id and the keys pressed that are not data."""
    screen = await key_identity(app, pilot, who)
    dossier_id = screen.dossier_id
    assert screen.current_tab == "etat_civil"
    # Said at the status line, not in a toast over the tab header (seen in tmux).
    numero = screen.model.dossier.numero
    assert numero and f"Dossier {numero} créé : saisissez-le." in screen.status.said
    assert not any("créé" in n.message for n in app._notifications)
    values = screen.data["etat_civil"]
    # The identity typed in the form is in "État civil" already.
    assert values["nom_naissance"] == who["nom"]
    assert values["date_naissance"] == who["iso"]
    # The cursor is on the NIR: it fills what it tells (department and commune).
    await until(pilot, lambda: focused_field(app) == "nir", what="cursor on the NIR")
    if carry:
        await pilot.press("ctrl+g")  # the batch's fields, all at once
        await pilot.pause()
        assert screen.data["etudes"]["universite"] == UNIVERSITE
        assert screen.data["etudes"]["filiere"] == "medecine"
    await pilot.press(*who["nir"])
    await until(
        pilot,
        lambda: screen.data["etat_civil"].get("commune_naissance") == "87085",
        what="NIR prefill",
    )
    assert screen.data["etat_civil"]["departement_naissance"] == "87"
    await pilot.press("enter")  # the last field: save and next tab
    await until(pilot, lambda: screen.current_tab == "adresse", what="adresse tab")

    # Adresse: the postal code moves on by itself, past the commune it fills.
    await until(pilot, lambda: focused_field(app) == "adresse")
    if who["adresse"]:
        await pilot.press(*who["adresse"], "enter")
    else:
        await pilot.press("ctrl+b")  # "dup": the previous dossier's address
        await until(pilot, lambda: focused_field(app) == "complement", what="dup moved on")
    await pilot.press("enter", "enter")  # past "Complément", "Pays" (France)
    assert focused_field(app) == "code_postal"
    await pilot.press(*who["cp"])
    await until(pilot, lambda: focused_field(app) == "telephone", what="postal code moved on")
    assert screen.data["adresse"]["commune"] == "87085"
    await pilot.press(*who["tel"], "ctrl+n")
    await until(pilot, lambda: screen.current_tab == "etudes", what="etudes tab")

    # Études: first dossier keyed in full; later ones start on "Niveau".
    if not carry:
        assert focused_field(app) == "filiere"
        await pilot.press("m")  # Médecine, moves on
        await until(pilot, lambda: focused_field(app) == "niveau")
        await pilot.press(*who["niveau"], "enter")
        await until(pilot, lambda: focused_field(app) == "universite")
        await pilot.press(*UNIVERSITE, "enter", *"2025", "enter")  # picked: save and next
    else:
        await until(pilot, lambda: focused_field(app) == "niveau", what="cursor on niveau")
        await pilot.press(*who["niveau"], "enter", "ctrl+n")
    await until(pilot, lambda: screen.current_tab == "volet_social", what="volet social")

    # Volet social: "c" picks "Célibataire".
    await until(pilot, lambda: focused_field(app) == "situation_familiale")
    await pilot.press("c", "ctrl+n")
    await until(pilot, lambda: screen.current_tab == "coordonnees_bancaires")

    # Coordonnées bancaires: the IBAN moves on once complete; Ctrl+O queues and goes on.
    await pilot.press(*f"{who['prenom']} {who['nom'].upper()}", "enter", *CESP_IBAN.lower())
    await until(pilot, lambda: focused_field(app) == "bic", what="IBAN moved on")
    await pilot.press("ctrl+o")
    await until(pilot, lambda: isinstance(app.screen, OnBehalfScreen), what="next dossier")
    return dossier_id, []


async def test_an_agent_keys_three_paper_dossiers_in_a_row_and_an_applicant_claims_one(
    tmp_path: Path, server: ServerHandle, smtp: SmtpSink
) -> None:
    campaign_id = make_campaign(server, label="CESP de test")
    agent_token = create_staff_account(server, "agent", AGENT_EMAIL)
    app = tui_app(tmp_path / "client", server_url=server.url)
    ids: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await log_in(app, pilot, AGENT_EMAIL)
        await until(pilot, lambda: isinstance(app.screen, AgentHomeScreen), what="agent home")
        home = app.screen
        assert isinstance(home, AgentHomeScreen)
        await until(pilot, lambda: home.workspace is not None)
        await pilot.press("c")  # saisie continue on
        assert keying_session(app).continuous
        await pilot.press("n")
        for index, who in enumerate(APPLICANTS):
            dossier_id, _ = await key_dossier(app, pilot, who, carry=index > 0)
            ids.append(dossier_id)
        # Everything reached the platform through the sync engine.
        await until(pilot, lambda: app.drafts.pending_count() == 0, what="sync done")
        assert keying_session(app).campaign_id == campaign_id
        # F9: back to the queue, which lists the three dossiers and what they miss.
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, AgentHomeScreen))
        await until(pilot, lambda: len(app.screen.summaries) == 3, what="queue")  # type: ignore[attr-defined]
        summaries = app.screen.summaries  # type: ignore[attr-defined]
        assert {s["id"] for s in summaries} == set(ids)
        assert all("Pièce : RIB" in s["missing"] for s in summaries)
        # The import and export screens are one key away, and F9 comes back.
        for key, screen_class in (("i", ImportScreen), ("e", ExportScreen)):
            await pilot.press(key)
            await until(pilot, lambda cls=screen_class: isinstance(app.screen, cls), what=key)
            await pilot.press("f9")
            await until(pilot, lambda: isinstance(app.screen, AgentHomeScreen), what="back")
        # Enter opens the selected one, editable, with what was keyed.
        selected = app.screen.selected_id()  # type: ignore[attr-defined]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DossierScreen), what="opened")
        opened = dossier_screen(app)
        assert opened.dossier_id == selected and not opened.readonly
        assert opened.data["etudes"]["universite"] == UNIVERSITE

    with server.client(agent_token) as client:
        agent = client.get("/auth/me").json()
        for who, dossier_id in zip(APPLICANTS, ids, strict=True):
            dossier = client.get(f"/dossiers/{dossier_id}").json()
            data = dossier["data"]
            assert data["etat_civil"]["nom_naissance"] == who["nom"]
            assert data["etat_civil"]["civilite"] == who["civilite"].upper()
            assert data["etat_civil"]["date_naissance"] == who["iso"]
            assert data["etat_civil"]["nir"] == who["nir"]
            assert data["etat_civil"]["commune_naissance"] == "87085"
            assert data["adresse"]["adresse"] == (who["adresse"] or APPLICANTS[1]["adresse"])
            assert data["adresse"]["commune"] == "87085"
            assert data["etudes"]["filiere"] == "medecine"
            assert data["etudes"]["niveau"] == who["niveau"].upper()
            assert data["etudes"]["universite"] == UNIVERSITE  # carried over
            assert data["etudes"]["annee_universitaire"] == "2025-2026"
            assert data["volet_social"]["situation_familiale"] == "celibataire"
            assert data["coordonnees_bancaires"]["iban"] == CESP_IBAN
            assert set(dossier["saved_tabs"]) >= {
                "etat_civil",
                "adresse",
                "etudes",
                "volet_social",
                "coordonnees_bancaires",
            }
            history = client.get(f"/dossiers/{dossier_id}/history").json()
            saves = [e for e in history if e["action"] == "enregistrement"]
            assert {e["tab"] for e in saves} >= {"etat_civil", "coordonnees_bancaires"}
            assert history[0]["action"] in ("creation_pour_compte", "enregistrement")
            # Every line names the agent: the creation for the applicant and each save.
            assert {(e["actor"]["id"], e["actor"]["role"]) for e in history} == {
                (agent["id"], "agent")
            }, history
            assert "creation_pour_compte" in {e["action"] for e in history}

    # The first applicant claims their dossier (the claim mail) and sees it as theirs.
    email = APPLICANTS[0]["email"]
    token = claim_token(server, smtp, email)
    applicant_token = create_cesp_account(server, smtp, email)
    with server.client(applicant_token) as client:
        r = client.post("/dossiers/claim", json={"token": token})
        assert r.status_code == 200, r.text
        mine = client.get("/dossiers").json()["items"]
        assert [d["id"] for d in mine] == [ids[0]]
        claimed = client.get(f"/dossiers/{ids[0]}").json()
        assert claimed["data"]["etat_civil"]["nir"] == APPLICANTS[0]["nir"]
        username = client.get("/auth/me").json()["username"]
        numero = mine[0]["numero"]

    # In the client, "Mes demandes" lists it (the sync engine brings it) and it opens with
    # what the agent keyed.
    app = tui_app(tmp_path / "applicant", server_url=server.url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(app, pilot, username)

        def listed() -> bool:
            screen = app.screen
            if not isinstance(screen, HomeScreen):
                return False
            return [r.numero for r in screen.table.dossier_rows] == [numero]

        await until(pilot, listed, what="the claimed dossier in Mes demandes")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DossierScreen), what="opened")
        screen = dossier_screen(app)
        assert screen.dossier_id == ids[0]
        assert screen.data["etat_civil"]["nom_naissance"] == "Durand"
        assert not screen.readonly
        assert not screen.check_action("carry_over", ())  # the agent's keys are not theirs
