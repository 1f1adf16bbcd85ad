"""The draft store encrypted at rest: no NIR nor IBAN in drafts.db, its WAL or its shared
memory file; keys from the keyring or the password; migration of a plain store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend

from cesp_client.credentials import DRAFT_KEY_SERVICE, TokenStore
from cesp_client.store import DraftStore, keys
from cesp_client.store.crypto import SEALED_PREFIX, DataKey, DraftsLocked, WrongPassword
from cesp_client.sync import local
from tests.support.dossiers import CESP_IBAN, nir_with_key

SERVER = "http://127.0.0.1:8000"
OWNER = (SERVER, "agent.dupont")
PASSWORD = "Motdepasse1!"
#: A valid NIR made here (a woman born in July 1985 in Paris 14e, order 217).
NIR = nir_with_key("2850775114217")
IBAN_SPACED = "FR76 3000 6000 0112 3456 7890 189"
assert IBAN_SPACED.replace(" ", "") == CESP_IBAN
SECRETS = (NIR, CESP_IBAN, IBAN_SPACED, "Durand-Personnel")


class NoKeyring(KeyringBackend):
    """A backend that is there but has no keyring behind it (headless SSH)."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.NoKeyringError("no keyring")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.NoKeyringError("no keyring")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.NoKeyringError("no keyring")


def store_files(path: Path) -> dict[str, bytes]:
    found = {}
    for suffix in ("", "-wal", "-shm"):
        file = path.with_name(path.name + suffix)
        if file.exists():
            found[file.name] = file.read_bytes()
    return found


def leaks(path: Path) -> list[tuple[str, str]]:
    """(file, secret) for every secret found in clear in the store's files."""
    return [
        (name, secret)
        for name, content in store_files(path).items()
        for secret in SECRETS
        for encoded in {secret.encode("utf-8"), secret.encode("utf-16-le")}
        if encoded in content
    ]


def fill(store: DraftStore, tmp_path: Path) -> tuple[str, int]:
    """A dossier with every kind of personal data the store keeps; returns its id and the
    id of a save parked on a conflict."""
    dossier = store.create_local(*OWNER, "cesp", 1, data={"etat_civil": {"nom_naissance": "X"}})
    store.set_field(dossier.id, "etat_civil", "nir", NIR)
    store.set_field(dossier.id, "coordonnees_bancaires", "iban", IBAN_SPACED)
    store.set_field(dossier.id, "etat_civil", "nom_naissance", "Durand-Personnel")
    store.mark_tab_saved(dossier.id, "coordonnees_bancaires")  # a queued tab save
    saved = store.mark_tab_saved(dossier.id, "etat_civil")
    assert saved.id is not None
    local.park_op(store, saved.id, local.CONFLICT)  # a conflict copy, waiting for the merge
    store.apply_server_copy(  # the last-synced copy
        dossier.id, version=3, data={"etat_civil": {"nir": NIR, "nom_naissance": "Durand"}}
    )
    source = tmp_path / f"RIB {CESP_IBAN}.pdf"
    source.write_bytes(b"%PDF-1.4 not personal")
    store.add_piece(dossier.id, "rib", source)  # its file name is personal
    return dossier.id, saved.id


def check_values(store: DraftStore, dossier_id: str) -> None:
    dossier = store.get(dossier_id)
    assert dossier is not None
    assert dossier.data["etat_civil"]["nir"] == NIR
    assert dossier.data["coordonnees_bancaires"]["iban"] == IBAN_SPACED
    assert dossier.server_data == {"etat_civil": {"nir": NIR, "nom_naissance": "Durand"}}
    ops = store.ops(dossier_id)
    saves = {op.tab: op.payload for op in ops if op.kind == "save_tab"}
    assert saves["coordonnees_bancaires"] == {"values": {"iban": IBAN_SPACED}}
    assert saves["etat_civil"]["values"]["nir"] == NIR
    assert [p.filename for p in store.pieces(dossier_id)] == [f"RIB {CESP_IBAN}.pdf"]


@pytest.fixture
def tokens() -> TokenStore:
    return TokenStore()  # the MemoryKeyring of conftest.py


def test_no_nir_nor_iban_in_the_files_before_a_checkpoint(
    tmp_path: Path, tokens: TokenStore
) -> None:
    path = tmp_path / "client" / "drafts.db"
    store = DraftStore(path)
    assert keys.unlock_with_password(store, tokens, OWNER, PASSWORD, verified=True)
    dossier_id, _ = fill(store, tmp_path)
    assert (path.parent / "drafts.db-wal").stat().st_size > 0  # the writes are in the WAL
    assert leaks(path) == []
    check_values(store, dossier_id)
    # Identifiers and states stay in clear for the queries.
    assert dossier_id.encode() in b"".join(store_files(path).values())
    store.close()
    assert leaks(path) == []


def test_a_restart_is_locked_until_the_keyring_or_the_password_opens_it(
    tmp_path: Path, tokens: TokenStore
) -> None:
    path = tmp_path / "drafts.db"
    store = DraftStore(path)
    keys.unlock_with_password(store, tokens, OWNER, PASSWORD, verified=True)
    dossier_id, _ = fill(store, tmp_path)
    store.close()

    store = DraftStore(path)
    with pytest.raises(DraftsLocked):
        store.get(dossier_id)
    with pytest.raises(DraftsLocked):
        store.set_field(dossier_id, "etat_civil", "nir", "x")
    assert store.unsent_count(OWNER) == 4  # create, two saves, upload: no key needed
    assert keys.unlock_from_keyring(store, TokenStore(), OWNER)  # the keyring kept it
    check_values(store, dossier_id)
    store.close()

    keyring.get_keyring().passwords.clear()  # type: ignore[attr-defined]
    store = DraftStore(path)
    assert not keys.unlock_from_keyring(store, TokenStore(), OWNER)
    with pytest.raises(WrongPassword):
        keys.unlock_with_password(store, TokenStore(), OWNER, "Mauvais1!", verified=False)
    with pytest.raises(DraftsLocked):
        store.get(dossier_id)
    assert keys.unlock_with_password(store, TokenStore(), OWNER, PASSWORD, verified=False)
    check_values(store, dossier_id)
    store.close()


def test_a_value_moved_to_another_field_or_dossier_does_not_open(
    tmp_path: Path, tokens: TokenStore
) -> None:
    path = tmp_path / "drafts.db"
    store = DraftStore(path)
    keys.unlock_with_password(store, tokens, OWNER, PASSWORD, verified=True)
    first = store.create_local(*OWNER, "cesp")
    second = store.create_local(*OWNER, "cesp")
    store.set_field(first.id, "etat_civil", "nir", NIR)
    store.set_field(second.id, "etat_civil", "nom_naissance", "Martin")
    with sqlite3.connect(path) as db:
        (raw,) = db.execute("SELECT data FROM local_dossier WHERE id = ?", (first.id,)).fetchone()
        sealed = json.loads(raw)["etat_civil"]["nir"]
        assert sealed.startswith(SEALED_PREFIX)
        db.execute(
            "UPDATE local_dossier SET data = json_set(data, '$.etat_civil.nom_naissance', ?) "
            "WHERE id = ?",
            (sealed, second.id),
        )
    from cryptography.exceptions import InvalidTag

    with pytest.raises(InvalidTag):
        store.get(second.id)
    assert store.get(first.id).data["etat_civil"]["nir"] == NIR  # type: ignore[union-attr]
    store.close()


def test_a_plain_store_is_encrypted_on_first_unlock(tmp_path: Path, tokens: TokenStore) -> None:
    path = tmp_path / "drafts.db"
    plain = DraftStore(path)  # as today's client leaves it: no key at all
    dossier_id, conflict_id = fill(plain, tmp_path)
    other = plain.create_local(SERVER, "someone.else", "cesp")
    plain.set_field(other.id, "etat_civil", "nom_naissance", "Autre")
    check_values(plain, dossier_id)
    plain.close()
    assert leaks(path) != []  # in clear before

    store = DraftStore(path)
    assert keys.unlock_with_password(store, tokens, OWNER, PASSWORD, verified=True)
    assert leaks(path) == []  # after: the rows, the free pages and the WAL
    check_values(store, dossier_id)
    assert local.is_parked(next(op for op in store.ops(dossier_id) if op.id == conflict_id))
    # Another account's drafts are left to its own first unlock.
    assert store.get(other.id).data == {"etat_civil": {"nom_naissance": "Autre"}}  # type: ignore[union-attr]
    store.set_field(dossier_id, "etat_civil", "nir", NIR)  # and new writes are sealed
    assert leaks(path) == []
    store.close()


def test_a_changed_password_rewraps_the_key_without_touching_the_data(
    tmp_path: Path, tokens: TokenStore
) -> None:
    path = tmp_path / "drafts.db"
    store = DraftStore(path)
    keyring.set_keyring(NoKeyring())
    headless = TokenStore()
    keys.unlock_with_password(store, headless, OWNER, PASSWORD, verified=True)
    dossier_id, _ = fill(store, tmp_path)
    with sqlite3.connect(path) as db:
        before = db.execute("SELECT data FROM local_dossier").fetchall()
    store.close()

    store = DraftStore(path)
    with pytest.raises(keys.PasswordChanged):  # the server accepts the new one...
        keys.unlock_with_password(store, headless, OWNER, "Nouveau1!", verified=True)
    with pytest.raises(WrongPassword):  # ...the previous one opens the drafts
        keys.unlock_with_old_password(store, headless, OWNER, "Faux1!", "Nouveau1!")
    keys.unlock_with_old_password(store, headless, OWNER, PASSWORD, "Nouveau1!")
    check_values(store, dossier_id)
    store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT data FROM local_dossier").fetchall() == before
    store = DraftStore(path)
    with pytest.raises(WrongPassword):
        keys.unlock_with_password(store, headless, OWNER, PASSWORD, verified=False)
    keys.unlock_with_password(store, headless, OWNER, "Nouveau1!", verified=False)
    check_values(store, dossier_id)
    store.close()


def test_with_a_keyring_a_changed_password_rewraps_from_it(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts.db")
    keys.unlock_with_password(store, TokenStore(), OWNER, PASSWORD, verified=True)
    dossier_id, _ = fill(store, tmp_path)
    store.close()
    store = DraftStore(tmp_path / "drafts.db")
    keys.unlock_with_password(store, TokenStore(), OWNER, "Nouveau1!", verified=True)
    check_values(store, dossier_id)
    store.close()
    store = DraftStore(tmp_path / "drafts.db")
    keys.unlock_with_password(store, TokenStore(), OWNER, "Nouveau1!", verified=False)
    check_values(store, dossier_id)
    store.close()


def test_a_reset_says_what_it_loses_and_keeps_other_accounts(
    tmp_path: Path, tokens: TokenStore
) -> None:
    store = DraftStore(tmp_path / "drafts.db")
    keys.unlock_with_password(store, tokens, OWNER, PASSWORD, verified=True)
    dossier_id, _ = fill(store, tmp_path)
    other = store.create_local(SERVER, "someone.else", "cesp")
    assert list(store.pieces_dir.iterdir()) != []
    store.lock(OWNER)
    assert store.unsent_count(OWNER) == 4
    assert keys.reset(store, tokens, OWNER) == 4
    assert store.get(dossier_id) is None
    assert store.key_row(OWNER) is None
    assert list(store.pieces_dir.iterdir()) == []
    assert store.get(other.id) is not None
    assert (DRAFT_KEY_SERVICE, f"{SERVER} agent.dupont") not in keyring.get_keyring().passwords  # type: ignore[attr-defined]
    store.close()


def test_the_key_never_shows_in_a_repr_nor_a_pickle(tmp_path: Path, tokens: TokenStore) -> None:
    import pickle

    key = DataKey.generate()
    secret = key.export_for_keyring()
    assert secret not in repr(key) and secret not in str(key)
    with pytest.raises(TypeError):
        pickle.dumps(key)
    store = DraftStore(tmp_path / "drafts.db")
    store.unlock(OWNER, key)
    assert secret not in repr(store.sealer)
    store.close()
