"""Encryption at rest, named accounts and roles, signing and amendment, throttled sign-in."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from mdtapp.domain.model import Infusion, Regimen
from mdtapp.store import access
from mdtapp.store.attempts import Throttle
from mdtapp.store.errors import (
    NotAnMdtappDatabase,
    PermissionDenied,
    SignedRecordError,
    WrongKey,
)
from mdtapp.store.keyring import keyring_path
from mdtapp.store.repository import Store
from mdtapp.store.sqlite import IntegrityError
from tests.factories import assessment
from tests.store.conftest import jane, table_counts

ADMIN_PW = "alice-long-passphrase"
NAME = "Quenby-Xylander"  # distinctive, so a byte search cannot match by chance
NHS = "9434765919"


@pytest.fixture
def encrypted(tmp_path):
    created = access.create_database(
        tmp_path / "enc.db", username="alice", display_name="Dr Alice", password=ADMIN_PW
    )
    yield created
    created.store.close()


def _patient(store: Store) -> str:
    uid = store.add_patient(jane(family_name=NAME, nhs_number=NHS)).uid
    store.save("assessments", uid, assessment(date(2026, 11, 1)))
    return uid


def _files(db: Path) -> list[Path]:
    return [p for p in db.parent.iterdir() if p.name.startswith(db.name)]


def _leaks(db: Path) -> list[str]:
    needles = [NAME.encode(), NAME.upper().encode(), NHS.encode(), b"943 476 5919"]
    found = []
    for path in _files(db):
        raw = path.read_bytes()
        found += [f"{path.name}: {n.decode()}" for n in needles if n in raw]
    return found


def test_the_files_hold_no_plaintext_patient_data(encrypted, tmp_path):
    store = encrypted.store
    uid = _patient(store)
    store.save_draft(uid, "assessments", {"notes": NAME})
    # the app still has the database open: the WAL and shared-memory files exist now
    assert {p.name for p in _files(store.path)} >= {"enc.db", "enc.db-wal", "enc.db.keys"}
    assert _leaks(store.path) == []
    # the same records in a plaintext database are found by this very search
    plain = Store.open(tmp_path / "plain.db", user="tester")
    _patient(plain)
    assert _leaks(plain.path) != []
    plain.close()


def test_a_wrong_password_or_no_key_opens_nothing(encrypted):
    path = encrypted.store.path
    with pytest.raises(access.LoginFailed, match="not right"):
        access.sign_in(path, "alice", "not-the-passphrase")
    with pytest.raises(access.LoginFailed):
        access.sign_in(path, "mallory", ADMIN_PW)
    with pytest.raises(NotAnMdtappDatabase):
        Store.open(path, user="x", create=False)  # no key at all
    with pytest.raises(WrongKey):
        Store.open(path, user="x", key=b"\x01" * 32, create=False)


def test_two_users_open_the_same_file_with_their_own_passwords(encrypted):
    store = encrypted.store
    _patient(store)
    store.add_account("bob", "Bob Pharm", ["pharmacist"], "bobs-own-passphrase")
    key = store.key
    store.close()
    alice = access.sign_in(store.path, "alice", ADMIN_PW)
    bob = access.sign_in(store.path, "bob", "bobs-own-passphrase")
    assert alice.key == bob.key == key
    assert [s.family_name for s in bob.summaries()] == [NAME]
    assert bob.principal.roles == frozenset({"pharmacist"})
    bob.set_password("bob", "bobs-new-passphrase", current_password="bobs-own-passphrase")
    bob.close()
    alice.close()
    again = access.sign_in(store.path, "bob", "bobs-new-passphrase")
    assert again.key == key  # a password change re-wraps the key; the data is not re-encrypted
    again.close()
    with pytest.raises(access.LoginFailed):
        access.sign_in(store.path, "bob", "bobs-own-passphrase")


def test_a_viewer_cannot_save_an_assessment(encrypted):
    store = encrypted.store
    uid = _patient(store)
    store.add_account("vera", "Vera View", ["viewer"], "vera-passphrase")
    viewer = access.sign_in(store.path, "vera", "vera-passphrase")
    before = table_counts(viewer)
    with pytest.raises(
        PermissionDenied,
        match="Vera View is signed in as viewer: saving assessment needs the clinician role",
    ):
        viewer.save("assessments", uid, assessment(date(2026, 11, 2)))
    with pytest.raises(PermissionDenied):
        viewer.save_draft(uid, "assessments", {"x": 1})
    assert table_counts(viewer) == before
    assert viewer.load(uid).assessments  # reading is allowed
    viewer.close()


def test_what_each_role_may_save(encrypted):
    store = encrypted.store
    uid = _patient(store)
    store.add_account("paul", "Paul Pharm", ["pharmacist"], "paul-passphrase")
    store.add_account("ada", "Ada Admin", ["admin"], "ada-passphrase-1")
    pharmacist = access.sign_in(store.path, "paul", "paul-passphrase")
    pharmacist.save("regimens", uid, Regimen(date(2026, 11, 1), 2.0, 5, 4, "iv", 70.0))
    pharmacist.save("infusions", uid, Infusion(date(2026, 11, 2), 25.0, "Privigen", "B", "iv"))
    with pytest.raises(PermissionDenied, match="needs the clinician role"):
        pharmacist.save("assessments", uid, assessment(date(2026, 11, 3)))
    with pytest.raises(PermissionDenied, match="needs the admin role"):
        pharmacist.add_account("eve", "Eve", ["viewer"], "eve-passphrase")
    pharmacist.close()
    admin = access.sign_in(store.path, "ada", "ada-passphrase-1")
    with pytest.raises(PermissionDenied, match="needs the pharmacist role"):
        admin.save("infusions", uid, Infusion(date(2026, 11, 3), 25.0, "Privigen", "B", "iv"))
    admin.add_account("eve", "Eve", ["viewer"], "eve-passphrase")
    admin.close()
    # the clinician who signed in (alice) may assess but not record an infusion
    with pytest.raises(PermissionDenied, match="needs the pharmacist role"):
        store.save("infusions", uid, Infusion(date(2026, 11, 4), 25.0, "Privigen", "B", "iv"))


def test_a_signed_assessment_cannot_be_altered_and_an_amendment_keeps_both(encrypted):
    store = encrypted.store
    uid = _patient(store)
    saved = store.load(uid).assessments[0]
    with pytest.raises(PermissionDenied, match="password is not right"):
        store.sign("assessments", saved.uid, saved.version, "wrong")
    signature = store.sign("assessments", saved.uid, saved.version, ADMIN_PW)
    assert (signature.name, signature.version) == ("Dr Alice", 1)
    changed = assessment(date(2026, 11, 1), itch=10)
    before = table_counts(store)
    with pytest.raises(
        SignedRecordError,
        match="signed by Dr Alice on .*: a change is an amendment and needs a reason",
    ):
        store.save("assessments", uid, changed, uid=saved.uid, base_version=1)
    assert table_counts(store) == before
    with pytest.raises(IntegrityError):
        store.db.execute("UPDATE assessments SET data = '{}' WHERE uid = ?", [saved.uid])
    with pytest.raises(IntegrityError):
        store.db.execute("DELETE FROM signatures")
    amended = store.save(
        "assessments",
        uid,
        changed,
        uid=saved.uid,
        base_version=1,
        reason="itch VAS re-measured: 1 cm, not 6 cm",
    )
    history = store.history("assessments", saved.uid)
    assert [(h.version, h.value.itch_vas_mm) for h in history] == [(1, 60), (2, 10)]
    assert history[1].change_reason == "itch VAS re-measured: 1 cm, not 6 cm"
    assert store.signatures("assessments", saved.uid, 1) and not store.signatures(
        "assessments", saved.uid, 2
    )
    assert store.audit_entries(patient_uid=uid, limit=1)[0].action == "amend"
    assert amended.version == 2


def test_a_viewer_cannot_sign(encrypted):
    store = encrypted.store
    uid = _patient(store)
    store.add_account("vera", "Vera View", ["viewer"], "vera-passphrase")
    viewer = access.sign_in(store.path, "vera", "vera-passphrase")
    saved = viewer.load(uid).assessments[0]
    with pytest.raises(PermissionDenied, match="signing needs the clinician role"):
        viewer.sign("assessments", saved.uid, saved.version, "vera-passphrase")
    viewer.close()


def test_failed_sign_ins_are_counted_and_slowed(encrypted):
    path = encrypted.store.path
    now = [datetime(2026, 11, 21, 10, 0, tzinfo=UTC)]
    clock = lambda: now[0]  # noqa: E731
    for _ in range(3):  # three free attempts
        with pytest.raises(access.LoginFailed):
            access.sign_in(path, "alice", "guess", clock=clock)
    with pytest.raises(access.LoginThrottled, match="wait 2 seconds"):
        access.sign_in(path, "alice", ADMIN_PW, clock=clock)  # refused without trying it
    now[0] += timedelta(seconds=2)
    with pytest.raises(access.LoginFailed):
        access.sign_in(path, "alice", "guess", clock=clock)  # the 4th failure: now 4 s
    now[0] += timedelta(seconds=3)
    with pytest.raises(access.LoginThrottled, match="wait 1 second and"):
        access.sign_in(path, "alice", ADMIN_PW, clock=clock)
    now[0] += timedelta(seconds=1)
    store = access.sign_in(path, "alice", ADMIN_PW, clock=clock)
    store.close()
    assert Throttle(path).failures("alice") == 0  # success resets the count


def test_editing_the_keyring_cannot_open_another_account(encrypted):
    store = encrypted.store
    store.add_account("vera", "Vera View", ["viewer"], "vera-passphrase")
    path = store.path
    ring = json.loads(keyring_path(path).read_text())
    users = ring["keysets"][0]["users"]
    users["alice"] = users["vera"]  # vera's wrapped key under alice's name
    keyring_path(path).write_text(json.dumps(ring))
    with pytest.raises(access.LoginFailed):
        access.sign_in(path, "alice", "vera-passphrase")  # bound to the user name: refused


def test_no_password_is_written_anywhere(encrypted):
    store = encrypted.store
    store.add_account("bob", "Bob", ["viewer"], "bobs-secret-passphrase")
    store.close()
    for path in _files(store.path):
        raw = path.read_bytes()
        assert ADMIN_PW.encode() not in raw and b"bobs-secret-passphrase" not in raw


def test_the_recovery_key_resets_an_administrators_password(encrypted):
    store = encrypted.store
    _patient(store)
    store.close()
    keyring_path(store.path).unlink()  # the keyring is lost
    with pytest.raises(NotAnMdtappDatabase, match="keyring enc.db.keys is missing"):
        access.sign_in(store.path, "alice", ADMIN_PW)
    access.recover(store.path, encrypted.recovery_code, "alice", "a-brand-new-passphrase")
    again = access.sign_in(store.path, "alice", "a-brand-new-passphrase")
    assert [s.family_name for s in again.summaries()] == [NAME]
    again.close()


def _dump(store: Store) -> dict[str, list[tuple]]:
    tables = [
        r["name"]
        for r in store.db.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {t: sorted(tuple(r) for r in store.db.execute(f"SELECT * FROM [{t}]")) for t in tables}


def test_encrypt_keeps_every_row_of_a_plaintext_copy(tmp_path):
    fixture = Path(__file__).parent.parent / "fixtures" / "schema-m003_accounts_and_signatures.db"
    path = tmp_path / "copy.db"
    shutil.copy(fixture, path)
    before_store = access.sign_in(path, "fixture.admin", "fixture-passphrase")
    before = _dump(before_store)
    shown_before = before_store.summaries()
    before_store.close()
    assert b"Demo-Alder" in path.read_bytes()
    code = access.encrypt_in_place(
        path, "fixture.admin", "fixture-passphrase", confirm_recovery_key=lambda code: True
    )
    assert len(code.split("-")) == 8
    assert access.is_encrypted(path) and b"Demo-Alder" not in path.read_bytes()
    assert not path.with_name(path.name + ".plaintext-old").exists()
    after_store = access.sign_in(path, "fixture.admin", "fixture-passphrase")
    after = _dump(after_store)
    assert after.pop("audit")[:-1] == before.pop("audit")  # plus one entry: the conversion
    after.pop("users")
    before.pop("users")  # the sign-in itself updates the failure counters
    # the cached summaries were made under older forms: opening shows them recomputed and the
    # conversion (a write) stores them; what a person sees is the same before and after
    after.pop("patient_summary")
    before.pop("patient_summary")
    assert after_store.summaries() == shown_before
    assert after == before
    assert after_store.audit_entries(limit=1)[0].action == "encrypt"
    after_store.close()


def test_signing_in_writes_nothing_unless_failures_are_to_be_cleared(tmp_path):
    path = tmp_path / "plain.db"
    created = access.create_database(
        path, username="ann", display_name="Ann", password=ADMIN_PW, plaintext=True
    )
    created.store.close()
    store = access.sign_in(path, "ann", ADMIN_PW)
    assert store.db.conn.total_changes == 0  # opening reads; the first write is a save's
    store.close()
    with pytest.raises(access.LoginFailed):
        access.sign_in(path, "ann", "not-the-passphrase")
    store = access.sign_in(path, "ann", ADMIN_PW)  # a plaintext file counts failures inside
    failures = "SELECT failed_logins, last_failure FROM users WHERE username = 'ann'"
    assert tuple(store.db.execute(failures).fetchone()) == (0, None)
    store.close()
