"""A process killed (SIGKILL; TerminateProcess on Windows) at every step of encrypting a
database, replacing its key (an account disabled), changing a password, restoring a backup and
upgrading an old keyring (issue 14 items 3, 4, 8, 9; issue 19).

The child counts each step that changes a file (a rename, a link, a removal) or a database
(BEGIN, COMMIT, PRAGMA rekey, sqlcipher_export, a backup...) and kills itself outright just
before step N: no `finally`, no `except`, as a crash or a power cut. N runs from 1 until the
child finishes, so every step is an instant the test stops at. After each kill the database must
open, with the password it has at that instant, holding every row, or the next sign-in must
finish or undo what was started. Argon2id is made cheap here (the steps are what is tested).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mdtapp.store import access
from mdtapp.store.backup import backup_to, backups_dir
from mdtapp.store.connection import has_sqlite_header
from mdtapp.store.demo import add_demo_patients
from mdtapp.store.errors import WrongKey
from mdtapp.store.keyring import copy_keyring, key_from_recovery_code, keyring_path
from mdtapp.store.repository import Store
from tests.store.conftest import jane

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_V1 = ROOT / "tests" / "fixtures" / "keyring-v1"
ALICE, BOB, VERA, NEW = "alice-long-passphrase", "bobs-own-passphrase", "vera-passphrase", "x" * 12

CHILD = r"""
import os, signal, sys
from pathlib import Path

target, scenario, folder = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
count = 0

def point(what):
    global count
    count += 1
    print("step", count, what, flush=True)
    if count == target:  # no finally, no except, no atexit, no flush: a crash
        # POSIX: SIGKILL. Windows has none: os.kill with any other number is TerminateProcess,
        # the process's exit code that number (9, as SIGKILL's)
        os.kill(os.getpid(), getattr(signal, "SIGKILL", 9))
        os._exit(99)  # never reached; were the kill to return, the parent says so

from mdtapp.store.sqlite import dbapi

try:  # cheap argon2id: the steps are what is tested
    from mdtapp.store import passwords
    passwords.PARAMS = passwords.KdfParams(time_cost=1, memory_cost=64, parallelism=1)
except ImportError:  # a version before passwords.py (run to show the defects it had)
    pass
WATCHED = ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA REKEY", "SELECT SQLCIPHER_EXPORT", "ATTACH",
           "DETACH", "PRAGMA JOURNAL_MODE", "PRAGMA WAL_CHECKPOINT", "PRAGMA LOCKING_MODE")

class Killable(dbapi.Connection):
    def execute(self, sql, *args):
        if sql.lstrip().upper().startswith(WATCHED):
            point(sql.strip()[:28])
        return super().execute(sql, *args)

    def backup(self, *args, **kwargs):
        point("backup")
        return super().backup(*args, **kwargs)

real_connect = dbapi.connect

def connect(*args, **kwargs):
    kwargs.setdefault("factory", Killable)
    return real_connect(*args, **kwargs)

dbapi.connect = connect
for name in ("replace", "rename", "link", "unlink", "remove"):
    def wrapped(*args, _real=getattr(os, name), _name=name, **kwargs):
        point("os." + _name + " " + str(args[-1])[-24:])
        return _real(*args, **kwargs)
    setattr(os, name, wrapped)

def confirm(code):
    print("recovery-key", code, flush=True)
    return True

import inspect
from mdtapp.store import access

def confirming(function):  # an older version took no confirmation
    asks = "confirm_recovery_key" in inspect.signature(function).parameters
    return {"confirm_recovery_key": confirm} if asks else {}

path = folder / "k.db"
if scenario == "encrypt":
    code = access.encrypt_in_place(path, "alice", "alice-long-passphrase",
                                   **confirming(access.encrypt_in_place))
    print("recovery-key", code, flush=True)  # an older version printed it at the end
elif scenario == "disable":
    store = access.sign_in(path, "alice", "alice-long-passphrase")
    store.set_roles("vera", ["viewer"], active=False, **confirming(store.set_roles))
elif scenario == "password":
    store = access.sign_in(path, "bob", "bobs-own-passphrase")
    store.set_password("bob", "x" * 12, current_password="bobs-own-passphrase")
elif scenario == "restore":
    backup = folder / "b" / "copy.db"
    try:
        from mdtapp.store.restoring import restore
    except ImportError:  # an older version: what its `mdtapp restore` did
        from mdtapp.store.backup import restore_file
        key = access.authorise_restore(path, backup, "alice", "alice-long-passphrase")
        kept = restore_file(path, backup, key=key)
        store = access.sign_in(path, "alice", "alice-long-passphrase")
        store.record_event("restore", detail=f"from {backup}; previous content kept at {kept}")
    else:
        restore(path, backup, "alice", "alice-long-passphrase")
elif scenario == "upgrade":
    access.sign_in(path, "alice", "alice-long-passphrase").close()
print("done", flush=True)
"""


# how the parent sees the child's kill: killed by signal 9 (POSIX); exit code 9 (Windows)
KILLED = 9 if sys.platform == "win32" else -9


def _run(folder: Path, scenario: str, target: int) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(target), scenario, str(folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    lines = done.stdout.splitlines()
    if "done" not in lines and done.returncode != KILLED:
        raise AssertionError(f"the child failed, not killed:\n{done.stdout}\n{done.stderr}")
    return lines


def _every_step(tmp_path: Path, template: Path, scenario: str, check) -> int:
    """Run the scenario killed before step 1, 2, ... until it finishes; check each time."""
    for target in range(1, 300):
        folder = tmp_path / f"{scenario}-{target}"
        shutil.copytree(template, folder)
        lines = _run(folder, scenario, target)
        codes = [line.split()[1] for line in lines if line.startswith("recovery-key")]
        check(folder / "k.db", codes, finished="done" in lines)
        if "done" in lines:
            return target - 1
    raise AssertionError("the scenario never finished")


def _opens(path: Path, key: bytes) -> bool:
    try:
        Store.open(path, user="x", key=key, create=False).close()
    except WrongKey:
        return False
    return True


@pytest.fixture
def cheap(monkeypatch):
    """Cheap argon2id for the databases made here (the steps are what is tested)."""
    try:
        from mdtapp.store import passwords
    except ImportError:  # a version before passwords.py (run to show its defects)
        return
    monkeypatch.setattr(
        passwords, "PARAMS", passwords.KdfParams(time_cost=1, memory_cost=64, parallelism=1)
    )


def _old(path: Path) -> Path:
    return path.with_name(path.name + ".plaintext-old")


def _staged(path: Path) -> Path:
    return path.with_name(path.name + ".encrypting")


def _encrypted(folder: Path) -> Path:
    folder.mkdir()
    created = access.create_database(
        folder / "k.db", username="alice", display_name="Dr Alice", password=ALICE
    )
    store = created.store
    store.add_account("bob", "Bob", ["clinician"], BOB)
    store.add_account("vera", "Vera", ["viewer"], VERA)
    add_demo_patients(store)
    store.close()
    (folder / "recovery").write_text(created.recovery_code)
    return folder


def _counts(store: Store) -> tuple[int, int]:
    return store.count_patients(), store.db.execute("SELECT count(*) FROM assessments").fetchone()[
        0
    ]


# ------------------------------------------------------------------ item 3: encrypt


@pytest.mark.slow
def test_a_killed_encryption_leaves_an_openable_database_with_every_row(tmp_path, cheap):
    template = tmp_path / "template"
    template.mkdir()
    created = access.create_database(
        template / "k.db", username="alice", display_name="A", password=ALICE, plaintext=True
    )
    add_demo_patients(created.store)
    expected = _counts(created.store)
    # a plaintext backup made before the conversion: it must go too
    daily = backup_to(created.store.db.conn, backups_dir(template / "k.db") / "k-daily-1.db")
    created.store.close()

    def check(path: Path, codes: list[str], finished: bool) -> None:
        encrypted = access.is_encrypted(path)
        if encrypted:  # the key was shown and confirmed before the swap, and it opens the file
            assert codes and _opens(path, key_from_recovery_code(codes[-1]))
        store = access.sign_in(path, "alice", ALICE)  # finishes or undoes what was left
        assert _counts(store) == expected
        store.close()
        assert not _staged(path).exists()
        if encrypted:
            assert not _old(path).exists()
            assert not (path.parent / "mdtapp-backups" / daily.name).exists()
            assert b"DEMO-" not in path.read_bytes()
        else:
            assert not keyring_path(path).exists()
            if int(path.parent.name.rsplit("-", 1)[1]) % 4 == 0:  # and from here it can finish
                access.encrypt_in_place(path, "alice", ALICE, confirm_recovery_key=lambda c: True)
                assert access.is_encrypted(path)

    steps = _every_step(tmp_path, template, "encrypt", check)
    assert steps >= 10  # the swap and the removals are among them


# ------------------------------------------------------------------ item 4: a new key


@pytest.mark.slow
def test_a_killed_key_replacement_leaves_old_or_new_never_neither(tmp_path, cheap):
    template = _encrypted(tmp_path / "template")
    stolen = template / "vera.keys"
    shutil.copy(keyring_path(template / "k.db"), stolen)  # vera's copy, from when she had access
    first_code = (template / "recovery").read_text()
    store = access.sign_in(template / "k.db", "alice", ALICE)
    expected = _counts(store)
    store.close()

    def check(path: Path, codes: list[str], finished: bool) -> None:
        store = access.sign_in(path, "alice", ALICE)  # finishes a replacement left half-done
        assert _counts(store) == expected
        vera_active = store.account("vera").active
        key = store.key
        store.close()
        access.sign_in(path, "bob", BOB).close()
        if vera_active:  # the old state whole: nothing was disabled, the key never changed
            assert key == key_from_recovery_code(first_code)
            access.sign_in(path, "vera", VERA).close()
        else:  # the new state whole: her old copy of the keyring opens nothing
            assert codes and key == key_from_recovery_code(codes[-1])
            assert not _opens(path, key_from_recovery_code(first_code))
            from tests.store.test_keys import _key_from_keyring_copy

            old_key = _key_from_keyring_copy(stolen, "vera", VERA)
            assert old_key is not None and not _opens(path, old_key)
            with pytest.raises(access.LoginFailed):
                access.sign_in(path, "vera", VERA)

    assert _every_step(tmp_path, template, "disable", check) >= 6


# ------------------------------------------------------------------ item 8: a password


@pytest.mark.slow
def test_a_killed_password_change_leaves_the_old_password_or_the_new(tmp_path, cheap):
    template = _encrypted(tmp_path / "template")

    def check(path: Path, codes: list[str], finished: bool) -> None:
        works = []
        for password in (BOB, NEW):
            try:
                access.sign_in(path, "bob", password).close()
                works.append(password)
            except access.LoginFailed:
                pass
        assert len(works) == 1, works  # old or new, never neither (nor both)
        if finished:
            assert works == [NEW]
        access.sign_in(path, "alice", ALICE).close()

    assert _every_step(tmp_path, template, "password", check) >= 4


# ------------------------------------------------------------------ item 9: a restore


@pytest.mark.slow
@pytest.mark.parametrize("live", ["sound", "damaged"])
def test_a_killed_restore_leaves_the_old_content_or_the_restored_one_with_its_audit(
    tmp_path, cheap, live
):
    template = _encrypted(tmp_path / "template")
    store = access.sign_in(template / "k.db", "alice", ALICE)
    backup = backup_to(store.db.conn, template / "b" / "copy.db", key=store.key)
    copy_keyring(store.path, backup)
    restored_counts = _counts(store)
    store.add_patient(jane(nhs_number="4010232137", family_name="Later"))
    old_counts = _counts(store)
    store.close()
    if live == "damaged":
        path = template / "k.db"
        path.write_bytes(path.read_bytes()[: -4096 * 3 + 100])  # cut short mid-page

    def check(path: Path, codes: list[str], finished: bool) -> None:
        try:
            store = access.sign_in(path, "alice", ALICE)
        except access.StoreError:
            assert live == "damaged" and not finished  # still the damaged file, untouched
            return
        counts = _counts(store)
        actions = [e.action for e in store.audit_entries()]
        store.close()
        assert counts in (old_counts, restored_counts)
        if counts == restored_counts:
            assert "restore" in actions  # the restored content records its restoring
        if finished:
            assert counts == restored_counts
        access.sign_in(path, "bob", BOB).close()

    assert _every_step(tmp_path, template, "restore", check) >= 5


# ------------------------------------------------------------------ issue 19: the upgrade


@pytest.mark.slow
def test_a_killed_upgrade_of_an_old_keyring_leaves_both_passwords_working(tmp_path):
    template = tmp_path / "template"
    template.mkdir()
    shutil.copy(FIXTURE_V1 / "v1.db", template / "k.db")
    shutil.copy(FIXTURE_V1 / "v1.db.keys", keyring_path(template / "k.db"))

    def check(path: Path, codes: list[str], finished: bool) -> None:
        for user, password in (("alice", ALICE), ("bob", BOB), ("alice", ALICE)):
            store = access.sign_in(path, user, password)
            assert store.count_patients() == 1
            store.close()
        text = keyring_path(path).read_text()
        assert '"keysets"' in text and text.count('"db_id"') == 1  # settled: one keyset

    assert _every_step(tmp_path, template, "upgrade", check) >= 4


def test_every_plaintext_copy_is_found(tmp_path):
    created = access.create_database(
        tmp_path / "k.db", username="alice", display_name="A", password=ALICE, plaintext=True
    )
    conn = created.store.db.conn
    backup_to(conn, backups_dir(tmp_path / "k.db") / "k-daily-2026-11-20.db")
    backup_to(conn, backups_dir(tmp_path / "k.db") / "k-20261120T100000Z-before-restore.db")
    created.store.close()
    from mdtapp.store.encrypting import plaintext_copies

    found = plaintext_copies(tmp_path / "k.db")
    assert all(has_sqlite_header(p) for p in found)
    assert {"k-daily-2026-11-20.db", "k-20261120T100000Z-before-restore.db"} <= {
        p.name for p in found
    }
