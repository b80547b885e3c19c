"""Keys as an attacker tries them (issue 14 items 4, 7, 8; issue 19's one argon2id): a disabled
account's old keyring copy, parallel guesses, a password change, older keyrings, damaged ones."""

from __future__ import annotations

import base64
import inspect
import json
import multiprocessing
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mdtapp.store import access
from mdtapp.store.errors import StoreError, WrongKey
from mdtapp.store.keyring import key_from_recovery_code, keyring_path
from mdtapp.store.repository import Store
from tests.store.conftest import jane

ALICE, BOB, VERA = "alice-long-passphrase", "bobs-own-passphrase", "vera-passphrase"
FIXTURE_V1 = Path(__file__).parent.parent / "fixtures" / "keyring-v1"
V1_RECOVERY = "A33CB4D7-1F85BA7F-7276478E-16C51327-7E7A355C-CEEEBDF0-3E097084-DA77C891"


@pytest.fixture
def three(tmp_path):
    """An encrypted database: alice (admin), bob (clinician), vera (viewer), one patient."""
    created = access.create_database(
        tmp_path / "k.db", username="alice", display_name="Dr Alice", password=ALICE
    )
    store = created.store
    store.add_account("bob", "Bob", ["clinician"], BOB)
    store.add_account("vera", "Vera", ["viewer"], VERA)
    store.add_patient(jane())
    yield created
    store.close()


def _argon2_counter(monkeypatch) -> list[str]:
    """Every argon2 computation, whichever API makes it (this version's or an older one's)."""
    import argon2._password_hasher as hasher
    import argon2.low_level as low

    calls: list[str] = []

    def counted(name, real):
        def run(*a, **k):
            calls.append(name)
            return real(*a, **k)

        return run

    monkeypatch.setattr(low, "hash_secret_raw", counted("raw", low.hash_secret_raw))
    monkeypatch.setattr(hasher, "verify_secret", counted("verify", hasher.verify_secret))
    from mdtapp.store import keyring

    if hasattr(keyring, "hash_secret_raw"):  # the keyring before key pairs imported it
        monkeypatch.setattr(keyring, "hash_secret_raw", counted("raw", keyring.hash_secret_raw))
    return calls


def _key_from_keyring_copy(ring_file: Path, username: str, password: str) -> bytes | None:
    """What an attacker with a copy of the keyring and a password gets, whatever its format."""
    from argon2.low_level import Type, hash_secret_raw
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    data = json.loads(ring_file.read_text())
    if data["format"] == "mdtapp-keyring/1":
        e = data["users"][username]
        kek = hash_secret_raw(
            password.encode(),
            base64.b64decode(e["salt"]),
            time_cost=e["time_cost"],
            memory_cost=e["memory_cost"],
            parallelism=e["parallelism"],
            hash_len=32,
            type=Type.ID,
        )
        aad = f"mdtapp-keyring/1|{data['db_id']}|{username}".encode()
        return AESGCM(kek).decrypt(
            base64.b64decode(e["nonce"]), base64.b64decode(e["wrapped_key"]), aad
        )
    from mdtapp.store import passwords
    from mdtapp.store.keyring import Keyring

    ring = Keyring.load(ring_file)
    for keyset in ring.keysets:
        entry = keyset.users.get(username)
        if entry is not None:
            secret = passwords.derive(password, entry.salt, entry.params)
            key = entry.database_key(
                secret, db_id=keyset.db_id, username=username, generation=keyset.generation
            )
            if key is not None:
                return key
    return None


def _confirmed(codes: list[str]):
    def confirm(code: str) -> bool:
        codes.append(code)
        return True

    return confirm


def _disable(store: Store, username: str, codes: list[str]) -> None:
    """Disable an account (this version asks for the new recovery key to be confirmed)."""
    kwargs = {}
    if "confirm_recovery_key" in inspect.signature(store.set_roles).parameters:
        kwargs["confirm_recovery_key"] = _confirmed(codes)
    store.set_roles(username, ["viewer"], active=False, **kwargs)


def _opens(path: Path, key: bytes | None) -> bool:
    if key is None:
        return False
    try:
        Store.open(path, user="x", key=key, create=False).close()
    except WrongKey:
        return False
    return True


# ------------------------------------------------------------------ item 4: revoked is revoked


def test_a_disabled_accounts_old_keyring_copy_and_password_open_nothing(three, tmp_path):
    store = three.store
    path = store.path
    stolen = tmp_path / "stolen.keys"
    shutil.copy(keyring_path(path), stolen)  # vera's copy, taken while she had access
    assert _opens(path, _key_from_keyring_copy(stolen, "vera", VERA))  # the attack works today
    codes: list[str] = []
    _disable(store, "vera", codes)
    store.close()
    # the attack, after her account was disabled: her copy still opens a key, an old one
    assert not _opens(path, _key_from_keyring_copy(stolen, "vera", VERA))
    assert not _opens(path, key_from_recovery_code(three.recovery_code))  # the old sheet too
    assert len(codes) == 1 and _opens(path, key_from_recovery_code(codes[0]))  # the new one
    for user, password in (("alice", ALICE), ("bob", BOB)):  # everyone else carries on
        again = access.sign_in(path, user, password)
        assert again.count_patients() == 1
        again.close()
    with pytest.raises(access.LoginFailed):
        access.sign_in(path, "vera", VERA)
    alice = access.sign_in(path, "alice", ALICE)
    assert [e.action for e in alice.audit_entries(limit=2)] == ["key-replaced", "user-roles"]
    alice.close()


def test_an_administrator_rotates_the_key(three, tmp_path):
    store = three.store
    stolen = tmp_path / "copy.keys"
    shutil.copy(keyring_path(store.path), stolen)
    codes: list[str] = []
    new = store.replace_key(confirm_recovery_key=_confirmed(codes))
    assert new.sealed_for == ("alice", "bob", "vera") and new.left_out == ()
    store.close()
    assert not _opens(store.path, _key_from_keyring_copy(stolen, "bob", BOB))
    assert _opens(store.path, key_from_recovery_code(codes[0]))
    access.sign_in(store.path, "vera", VERA).close()


def test_a_new_recovery_key_not_confirmed_changes_nothing(three):
    store = three.store
    with pytest.raises(StoreError, match="not confirmed"):
        store.set_roles("vera", ["viewer"], active=False, confirm_recovery_key=lambda c: False)
    assert store.account("vera").active
    store.close()
    assert _opens(store.path, key_from_recovery_code(three.recovery_code))
    access.sign_in(store.path, "vera", VERA).close()


def test_the_key_is_not_replaced_under_another_open_window(three):
    store = three.store
    other = access.sign_in(store.path, "bob", BOB)  # a second window has the file open
    other.count_patients()
    with pytest.raises(StoreError, match="open in another mdtapp window"):
        store.replace_key(confirm_recovery_key=lambda c: True)
    assert other.count_patients() == 1  # and it still reads
    other.close()
    store.replace_key(confirm_recovery_key=lambda c: True)  # once it is closed


def test_a_keyring_entry_swapped_for_another_key_pair_is_not_sealed_to(three):
    """Editing the keyring cannot slip an attacker's key pair in before a rotation: the new
    key is sealed to the public keys the database holds."""
    store = three.store
    ring = json.loads(keyring_path(store.path).read_text())
    users = ring["keysets"][0]["users"]
    users["bob"] = users["vera"]  # vera's key pair under bob's name
    keyring_path(store.path).write_text(json.dumps(ring))
    new = store.replace_key(confirm_recovery_key=lambda c: True)
    assert "bob" in new.left_out and "bob" not in new.sealed_for


# ------------------------------------------------------------------ item 8: password change


def test_a_password_change_and_the_keyring_change_together(three):
    store = three.store
    store.close()
    bob = access.sign_in(store.path, "bob", BOB)
    bob.set_password("bob", "bobs-new-passphrase", current_password=BOB)
    bob.close()
    access.sign_in(store.path, "bob", "bobs-new-passphrase").close()
    with pytest.raises(access.LoginFailed):
        access.sign_in(store.path, "bob", BOB)
    ring = json.loads(keyring_path(store.path).read_text())
    assert len(ring["keysets"]) == 1  # the change is finished: one keyset


def test_a_failed_database_write_puts_the_keyring_back(three, monkeypatch):
    store = three.store
    before = keyring_path(store.path).read_bytes()
    from mdtapp.store import accounts

    def fail(*a, **k):
        raise StoreError("The disk is full: nothing was saved")

    monkeypatch.setattr(accounts.Accounts, "change_password", fail)
    with pytest.raises(StoreError, match="disk is full"):
        store.set_password("bob", "bobs-new-passphrase")
    assert keyring_path(store.path).read_bytes() == before
    store.close()
    access.sign_in(store.path, "bob", BOB).close()


# ------------------------------------------------------------------ issue 19: one argon2id


def test_signing_in_costs_one_argon2id_computation(three, monkeypatch):
    three.store.close()
    calls = _argon2_counter(monkeypatch)
    access.sign_in(three.store.path, "bob", BOB).close()
    assert len(calls) == 1, calls
    calls.clear()
    with pytest.raises(access.LoginFailed):
        access.sign_in(three.store.path, "bob", "a-wrong-passphrase")
    assert len(calls) == 1, calls
    calls.clear()
    with pytest.raises(access.LoginFailed):
        access.sign_in(three.store.path, "nobody", BOB)  # an unknown name costs the same
    assert len(calls) == 1, calls


def test_the_password_parameters_are_at_or_above_owasps_minimum(three):
    from mdtapp.store import passwords

    p, low = passwords.PARAMS, passwords.OWASP_MINIMUM
    assert (p.memory_cost, p.time_cost) >= (low.memory_cost, low.time_cost)
    assert p.memory_cost >= 19 * 1024 and p.time_cost >= 2
    ring = json.loads(keyring_path(three.store.path).read_text())
    entry = ring["keysets"][0]["users"]["alice"]
    assert (entry["memory_cost"], entry["time_cost"]) == (p.memory_cost, p.time_cost)
    stored = three.store.db.execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith(f"$mdtapp-argon2id$v=19$m={p.memory_cost},t={p.time_cost},")


def test_a_keyring_from_before_key_pairs_opens_and_is_upgraded_at_the_next_sign_in(
    tmp_path, monkeypatch
):
    path = tmp_path / "v1.db"
    shutil.copy(FIXTURE_V1 / "v1.db", path)
    shutil.copy(FIXTURE_V1 / "v1.db.keys", keyring_path(path))
    calls = _argon2_counter(monkeypatch)
    store = access.sign_in(path, "alice", ALICE)  # the old entry, then the old hash: two
    assert len(calls) == 2 and store.count_patients() == 1
    store.close()
    ring = json.loads(keyring_path(path).read_text())
    assert ring["format"] == "mdtapp-keyring/2" and len(ring["keysets"]) == 1
    users = ring["keysets"][0]["users"]
    assert users["alice"]["kdf"] == "argon2id" and users["bob"]["kdf"] == "argon2id-v1"
    calls.clear()
    access.sign_in(path, "alice", ALICE).close()  # upgraded: one computation from now on
    assert len(calls) == 1
    access.sign_in(path, "bob", BOB).close()  # bob, not yet upgraded, still opens
    calls.clear()
    access.sign_in(path, "bob", BOB).close()
    assert len(calls) == 1
    # the recovery key printed then still opens it, and the key never changed
    assert _opens(path, key_from_recovery_code(V1_RECOVERY))


def test_an_old_account_not_yet_upgraded_is_named_when_the_key_is_replaced(tmp_path):
    path = tmp_path / "v1.db"
    shutil.copy(FIXTURE_V1 / "v1.db", path)
    shutil.copy(FIXTURE_V1 / "v1.db.keys", keyring_path(path))
    store = access.sign_in(path, "alice", ALICE)
    new = store.replace_key(confirm_recovery_key=lambda c: True)
    assert new.sealed_for == ("alice",) and new.left_out == ("bob",)
    store.set_password("bob", "bobs-reset-passphrase")  # an administrator sets it
    store.close()
    access.sign_in(path, "bob", "bobs-reset-passphrase").close()


# ------------------------------------------------------------------ item 7: throttling


def _guess(args: tuple[str, str]) -> str:
    path, password = args
    try:
        access.sign_in(Path(path), "alice", password).close()
    except access.LoginThrottled:
        return "throttled"
    except access.LoginFailed:
        return "failed"
    return "signed in"


def test_parallel_wrong_guesses_each_count(three):
    three.store.close()
    path = three.store.path
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.map(_guess, [(str(path), f"guess-number-{i}") for i in range(8)])
    assert results.count("failed") + results.count("throttled") == 8
    assert results.count("failed") <= 4  # three free, then (at most) one per expired wait
    from mdtapp.store.attempts import Throttle, attempts_path

    assert Throttle(path).failures("alice") == results.count("failed")
    # at the instant of the last counted guess (the first wait is 2 s: a busy machine, or Wine
    # ending the pool, can outlast it before the next line runs)
    (entry,) = json.loads(attempts_path(path).read_text())["users"].values()
    last = datetime.fromisoformat(entry["last"])
    with pytest.raises(access.LoginThrottled):  # the right password is not even tried then
        access.sign_in(path, "alice", ALICE, clock=lambda: last)


def test_nothing_is_done_while_throttled_not_even_a_restore(three, tmp_path):
    from mdtapp.store.backup import backup_to
    from mdtapp.store.keyring import copy_keyring
    from mdtapp.store.restoring import restore

    store = three.store
    backup = backup_to(store.db.conn, tmp_path / "b" / "copy.db", key=store.key)
    copy_keyring(store.path, backup)
    store.add_patient(jane(nhs_number="4010232137", family_name="Later"))
    store.close()
    now = [datetime(2026, 11, 21, 10, 0, tzinfo=UTC)]
    for _ in range(3):
        with pytest.raises(access.LoginFailed):
            access.sign_in(store.path, "alice", "guess-guess", clock=lambda: now[0])
    with pytest.raises(access.LoginThrottled):
        restore(store.path, backup, "alice", ALICE, clock=lambda: now[0])
    again = access.sign_in(store.path, "alice", ALICE, clock=lambda: now[0] + timedelta(minutes=9))
    assert again.count_patients() == 2  # nothing was restored
    assert "restore" not in [e.action for e in again.audit_entries()]
    again.close()


def test_a_colleague_confirming_with_their_password_is_throttled_and_audited(three):
    store = three.store
    with pytest.raises(access.LoginFailed):
        access.verify_other(store, "bob", "not-bobs", purpose="countersign the decision")
    account = access.verify_other(store, "bob", BOB, purpose="countersign the decision")
    assert account.username == "bob"
    actions = [(e.action, e.entity_uid) for e in store.audit_entries(limit=2)]
    assert actions == [("password-confirmed", "bob"), ("password-refused", "bob")]
    for _ in range(3):
        with pytest.raises(access.LoginFailed):
            access.verify_other(store, "bob", "not-bobs", purpose="x")
    with pytest.raises(access.LoginThrottled):
        access.verify_other(store, "bob", BOB, purpose="x")  # not tried: the count is shared
    with pytest.raises(access.LoginThrottled):
        access.sign_in(store.path, "bob", BOB)


def test_signing_a_record_and_unlocking_share_the_count(three):
    store = three.store
    for _ in range(3):
        assert not store.verify_password("alice", "guess-guess")
    with pytest.raises(access.LoginThrottled):
        store.verify_password("alice", ALICE)


# ------------------------------------------------------------------ item 10: damaged keyrings


@pytest.mark.parametrize(
    "damage",
    [
        "not json at all",
        "[]",
        '{"format": "mdtapp-keyring/2"}',
        '{"format": "mdtapp-keyring/2", "keysets": [{"db_id": 1, "generation": 1, "users": {}}]}',
        '{"format": "mdtapp-keyring/1", "db_id": "x", "users": {"alice": 5}}',
        '{"format": "mdtapp-keyring/1", "db_id": "x", "users": {"alice": {"salt": "AA==", '
        '"time_cost": 0, "memory_cost": 1, "parallelism": 0, "nonce": "", "wrapped_key": ""}}}',
        '{"format": "mdtapp-keyring/1", "db_id": "x", "users": {"alice": {"salt": "c2FsdHNhbHQ=",'
        ' "time_cost": 3, "memory_cost": 4000000000, "parallelism": 4, "nonce": "bm9uY2Vub25jZQ==",'
        ' "wrapped_key": "!!"}}}',
        "[" * 100000,
    ],
)
def test_a_damaged_keyring_is_one_clear_message(three, damage):
    three.store.close()
    keyring_path(three.store.path).write_text(damage)
    with pytest.raises(StoreError, match="keyring"):
        access.sign_in(three.store.path, "alice", ALICE)


def test_a_keyring_that_is_a_folder_is_named_as_one(three):
    # POSIX says "Is a directory"; Windows only "Permission denied": the message is the same
    three.store.close()
    keys = keyring_path(three.store.path)
    keys.unlink()
    keys.mkdir()
    with pytest.raises(StoreError, match="should be the keyring file, but it is a folder"):
        access.sign_in(three.store.path, "alice", ALICE)
