"""The support in the real client against the platform on loopback: find an applicant's
dossier by NIR, open it as its owner sees it (same tab states and problems, read-only),
read its history and mails, save the diagnostic bundle (NIR and IBAN masked), and change
nothing (keys do nothing; a crafted PUT with the support's token is refused)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from cesp_client.api.support import client_version
from cesp_core.demarches import get_demarche, rules
from cesp_core.demarches.model import TabKind
from cesp_tui.app import CespApp
from cesp_tui.screens.account.login import LoginScreen
from cesp_tui.screens.dossier.synthese import synthesis_problems
from cesp_tui.screens.dossier.tab import TabScreen
from cesp_tui.screens.staff.dossier_history import DossierHistoryScreen
from cesp_tui.screens.staff.dossier_mails import DossierMailsScreen
from cesp_tui.screens.staff.support_dossier import DiagnosticModal, SupportDossierScreen
from cesp_tui.screens.staff.support_home import SupportHomeScreen
from cesp_tui.widgets.tab_header import STATE_TEXT
from tests.support.accounts import create_cesp_account, create_staff_account
from tests.support.dossiers import (
    CESP_IBAN,
    CESP_NIR,
    complete_cesp_values,
    create_dossier,
    make_campaign,
    save_tab,
    tiny_pdf,
    upload,
)
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink
from tests.support.tui import tui_app, until

SIZE = (120, 40)
OWNER_EMAIL = "jean.durand@example.org"
SUPPORT_EMAIL = "anne.support@example.org"


def prepare_dossier(server: ServerHandle, smtp: SmtpSink) -> tuple[str, dict[str, Any], str]:
    """An applicant's draft: a wrong phone number, no "Volet social", one piece only.
    Returns (owner token, the dossier as the owner reads it, its data)."""
    make_campaign(server, label="CESP de test")
    token = create_cesp_account(server, smtp, OWNER_EMAIL)
    values = complete_cesp_values()
    values["adresse"]["telephone"] = "12 34"  # wrong: a problem to see
    del values["volet_social"]  # missing: a tab left empty
    with server.client(token) as client:
        dossier = create_dossier(client, server_campaign(server, client))
        version = dossier["version"]
        for tab, tab_values in values.items():
            version = save_tab(client, dossier["id"], tab, tab_values, version)["version"]
        response = upload(client, dossier["id"], "piece_identite", tiny_pdf("cni"), "cni.pdf")
        assert response.status_code == 201, response.text
        document = client.get(f"/dossiers/{dossier['id']}").json()
    assert document["masked"] is False
    assert document["data"]["etat_civil"]["nir"] == CESP_NIR
    return token, document, dossier["id"]


def server_campaign(server: ServerHandle, client: Any) -> int:
    campaigns = client.get("/campaigns", params={"demarche": "cesp"}).json()
    return int(campaigns[0]["id"])


async def login_support(pilot: Pilot[Any], app: CespApp) -> None:
    await until(pilot, lambda: isinstance(app.screen, LoginScreen) and app.api is not None)
    app.screen.query_one("#identifier", Input).value = SUPPORT_EMAIL
    app.screen.query_one("#password", Input).focus()
    await pilot.press(*"Motdepasse1!", "enter")
    await until(pilot, lambda: isinstance(app.screen, SupportHomeScreen))


def owner_states(document: dict[str, Any]) -> dict[str, rules.TabState | None]:
    """What the owner's `DossierScreen` computes: `cesp_core` on the real values."""
    demarche = get_demarche("cesp")
    counts: dict[str, int] = {}
    for piece in document["pieces"]:
        counts[piece["piece_type"]] = counts.get(piece["piece_type"], 0) + 1
    return {
        tab.key: None
        if tab.kind is TabKind.SYNTHESE
        else rules.tab_state(demarche, tab.key, document["data"], counts)
        for tab in demarche.tabs
    }


def nir_digits_absent(text: str) -> bool:
    """Neither the NIR nor the IBAN (even spaced) appears in ``text``."""
    compact = "".join(text.split())
    return CESP_NIR not in compact and CESP_IBAN not in compact


async def test_support_finds_reads_and_changes_nothing(
    tmp_path: Path, server: ServerHandle, smtp: SmtpSink
) -> None:
    owner_token, document, dossier_id = prepare_dossier(server, smtp)
    support_token = create_staff_account(server, "support", SUPPORT_EMAIL)
    expected_states = owner_states(document)
    assert expected_states["adresse"] is rules.TabState.ERREURS
    assert expected_states["volet_social"] is rules.TabState.VIDE
    assert expected_states["etat_civil"] is rules.TabState.COMPLET

    app = tui_app(tmp_path / "client", server_url=server.url)
    async with app.run_test(size=SIZE) as pilot:
        await login_support(pilot, app)
        home = app.screen
        assert isinstance(home, SupportHomeScreen)

        # Search by NIR typed with spaces, as read over the phone.
        spaced = " ".join([CESP_NIR[0], CESP_NIR[1:3], CESP_NIR[3:5], CESP_NIR[5:]])
        search = home.query_one("#support-search", Input)
        search.focus()
        await pilot.press(*spaced, "enter")
        await until(pilot, lambda: home.results)
        assert [r["id"] for r in home.results] == [dossier_id]
        table_text = " ".join(
            str(c) for i in range(home.table.row_count) for c in home.table.get_row_at(i)
        )
        assert document["numero"] in table_text
        assert "DURAND" in table_text
        assert nir_digits_absent(table_text)

        # Enter opens it read-only through the owner's screens.
        assert app.focused is home.table
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SupportDossierScreen))
        screen = app.screen
        assert isinstance(screen, SupportDossierScreen)
        await until(pilot, lambda: screen.current_view is not None)
        assert screen.readonly
        assert {"ctrl+g", "ctrl+o", "ctrl+t"} <= set(screen.active_bindings)
        assert screen.banner.visible_text == "Consultation (support) : lecture seule."
        assert screen.data["etat_civil"]["nir"] != CESP_NIR  # masked for the support
        assert "*" in str(screen.data["etat_civil"]["nir"])
        # Same tab states as the owner, header included.
        assert screen.tab_states() == expected_states
        for key, state in expected_states.items():
            shown_state = screen.header.state_text(key)
            assert shown_state == ("" if state is None else STATE_TEXT[state])
        # Same problems as the owner's synthesis (cesp_core on the real values).
        demarche = get_demarche("cesp")
        counts = {p["piece_type"]: 1 for p in document["pieces"]}
        owner_problems = synthesis_problems(demarche, document["data"], counts, [], [])
        assert [p.message for p in screen.synthesis()] == [p.message for p in owner_problems]
        assert any(p.field == "telephone" for p in screen.synthesis())
        assert not any("*" in p.message for p in screen.synthesis())
        # The synthesis tab shows that list.
        await pilot.press("alt+7")
        await until(pilot, lambda: screen.current_tab == "synthese")
        shown = screen.current_view
        assert shown is not None
        assert [p.message for p in shown.problems()] == [p.message for p in owner_problems]

        # Keys change nothing: typing, Ctrl+S, on a form tab.
        await pilot.press("alt+2")
        await until(pilot, lambda: screen.current_tab == "adresse")
        view = screen.current_view
        assert isinstance(view, TabScreen)
        assert all(row.disabled for row in view.form.rows)
        before = json.dumps(screen.data, sort_keys=True)
        await pilot.press("tab", *"99 rue", "ctrl+s", "ctrl+n")
        await pilot.pause()
        assert json.dumps(screen.data, sort_keys=True) == before
        assert app.drafts.pending_count() == 0
        assert screen.check_action("save", ()) is False
        with server.client(support_token) as client:
            crafted = client.put(
                f"/dossiers/{dossier_id}/tabs/adresse",
                json={"values": {**document["data"]["adresse"], "telephone": "0611111111"}},
                headers={"If-Match": f'"{document["version"]}"'},
            )
            assert crafted.status_code == 403, crafted.text
            assert crafted.json()["code"] == "read_only_role"
        with server.client(owner_token) as client:
            after = client.get(f"/dossiers/{dossier_id}").json()
        assert after["version"] == document["version"]
        assert after["data"] == document["data"]

        # History: who did what, when.
        with server.client(support_token) as client:
            history = client.get(f"/dossiers/{dossier_id}/history").json()
            mails = client.get(f"/dossiers/{dossier_id}/mails").json()
        await pilot.press("ctrl+g")
        await until(pilot, lambda: isinstance(app.screen, DossierHistoryScreen))
        history_screen = app.screen
        assert isinstance(history_screen, DossierHistoryScreen)
        await until(pilot, lambda: history_screen.table.row_count == len(history))
        cells = [
            [str(c).strip() for c in history_screen.table.get_row_at(i)]
            for i in range(history_screen.table.row_count)
        ]
        actors = {e["actor"]["display_name"] for e in history}
        assert {row[1].rsplit(" (", 1)[0] for row in cells} == actors
        assert {row[2] for row in cells} >= {e["action_label"] for e in history}
        assert any(row[3] == "Adresse" for row in cells)
        await pilot.press("f9")
        await until(pilot, lambda: app.screen is screen)

        # Mails: the list and a body, codes masked.
        assert mails, "the owner's sign-up mails"
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, DossierMailsScreen))
        mails_screen = app.screen
        assert isinstance(mails_screen, DossierMailsScreen)
        await until(pilot, lambda: mails_screen.table.row_count == len(mails))
        assert mails[0]["subject"] in mails_screen.shown_text
        code_mail = next(i for i, m in enumerate(mails) if "code" in m["subject"].lower())
        mails_screen.table.move_cursor(row=code_mail)
        await until(pilot, lambda: "[code masqué]" in mails_screen.shown_text)
        await pilot.press("f9")
        await until(pilot, lambda: app.screen is screen)

        # The diagnostic bundle, written where the support says.
        target = tmp_path / "tickets" / "diagnostic.json"
        await pilot.press("ctrl+t")
        await until(pilot, lambda: isinstance(app.screen, DiagnosticModal))
        modal = app.screen
        path_input = modal.query_one("#diagnostic-path", Input)
        assert path_input.value.endswith(".json")
        assert document["numero"] in path_input.value
        path_input.value = str(target)
        await pilot.press("enter")
        await until(pilot, lambda: screen.last_diagnostic == target)
        text = target.read_text(encoding="utf-8")
        assert nir_digits_absent(text)
        # Nor the key of this machine's drafts (unlocked at login), in any form.
        assert app.session is not None
        owner = (app.session.server_key, app.session.username)
        row = app.drafts.key_row(owner)
        assert row is not None and row.wrapped_key and app.drafts.is_unlocked(owner)
        secret = app.drafts.sealer.key_for_owner(owner).export_for_keyring()  # type: ignore[union-attr]
        raw = base64.urlsafe_b64decode(secret)
        for form in (secret, raw.hex(), base64.b64encode(raw).decode(), row.wrapped_key):
            assert form not in text
        bundle = json.loads(text)
        assert bundle["dossier"]["id"] == dossier_id
        assert bundle["dossier"]["masked"] is True
        assert "*" in bundle["dossier"]["data"]["etat_civil"]["nir"]
        assert "*" in bundle["dossier"]["data"]["coordonnees_bancaires"]["iban"]
        assert bundle["versions"]["client"] == client_version()
        assert bundle["versions"]["server"]
        assert bundle["client"]["version"] == client_version()
        assert {t["key"]: t["state"] for t in bundle["validation"]}["adresse"] == "erreurs"

        # Nothing of the platform is copied to the support's computer.
        session = app.session
        assert session is not None
        assert app.drafts.list(session.server_key, session.username) == []

        # Back home: the same keys work on the row under the cursor.
        await pilot.press("f9")
        await until(pilot, lambda: app.screen is home)
        await pilot.press("ctrl+g")
        await until(pilot, lambda: isinstance(app.screen, DossierHistoryScreen))
        await pilot.press("f9")
        await until(pilot, lambda: app.screen is home)


async def test_search_by_name_email_or_numero_and_a_failed_save(
    tmp_path: Path, server: ServerHandle, smtp: SmtpSink
) -> None:
    _owner_token, document, dossier_id = prepare_dossier(server, smtp)
    create_staff_account(server, "support", SUPPORT_EMAIL)
    app = tui_app(tmp_path / "client", server_url=server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await login_support(pilot, app)
        home = app.screen
        assert isinstance(home, SupportHomeScreen)
        search = home.query_one("#support-search", Input)

        async def find(text: str) -> list[str]:
            home.results = []
            home.query_text = ""
            search.value = text
            search.focus()
            await pilot.press("enter")
            await until(pilot, lambda: home.query_text == text)
            return [str(r["id"]) for r in home.results]

        assert await find("durand") == [dossier_id]  # case ignored
        assert await find(OWNER_EMAIL) == [dossier_id]
        assert await find(document["numero"][-6:]) == [dossier_id]  # part of the number
        assert await find("personne-inconnue") == []
        status = str(home.status.content)
        assert status == "Aucun dossier ne correspond à « personne-inconnue »."

        # A diagnostic that cannot be written: said, nothing crashes.
        assert await find("durand") == [dossier_id]
        blocker = tmp_path / "un-fichier"
        blocker.write_text("x", encoding="utf-8")
        await pilot.press("ctrl+t")
        await until(pilot, lambda: isinstance(app.screen, DiagnosticModal))
        app.screen.query_one("#diagnostic-path", Input).value = str(blocker / "diag.json")
        await pilot.press("enter")
        await until(
            pilot,
            lambda: any("Écriture impossible" in str(n.message) for n in app._notifications),
        )
        assert app.screen is home
        assert home.last_diagnostic is None

        # The platform goes away: the search says so, the results stay.
        server.stop()
        search.value = "martin"
        search.focus()
        await pilot.press("enter")
        await until(pilot, lambda: "Hors ligne" in str(home.status.content))
        assert [str(r["id"]) for r in home.results] == [dossier_id]
        assert app.screen is home
