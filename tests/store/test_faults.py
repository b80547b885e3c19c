"""Faults: damaged files, a full disk, a read-only or busy file, daily backups; known faults
told from bugs by SQLite's result code."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest

from mdtapp.domain.model import Admission
from mdtapp.store import access
from mdtapp.store.backup import (
    backup_to,
    backups_of,
    latest_good_backup,
    restore_file,
    verify_database,
)
from mdtapp.store.database import open_database
from mdtapp.store.errors import CorruptDatabase, ReadOnlyDatabase, StoreError, WrongKey
from mdtapp.store.faults import ERRSTR_CODES, PRIMARY_CODES, Fault, fault_of, is_duplicate
from mdtapp.store.repository import Store
from mdtapp.store.sqlite import DatabaseError, IntegrityError, OperationalError
from tests.factories import assessment
from tests.store.conftest import jane, table_counts

DAY1 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _two_days(path, *, key=None, keyring=None):
    """A patient saved on day 1; on day 2 the first write makes a backup holding them."""
    clock = [DAY1]
    store = Store.open(path, user="tester", key=key, keyring=keyring, clock=lambda: clock[0])
    uid = store.add_patient(jane()).uid
    clock[0] += timedelta(days=1)
    store.save("assessments", uid, assessment(date(2026, 11, 21)))
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return uid


def test_a_daily_backup_comes_before_the_first_write_of_each_day(tmp_path):
    path = tmp_path / "d.db"
    clock = [DAY1]
    store = Store.open(path, user="tester", clock=lambda: clock[0])
    store.daily_backups_kept = 3
    uid = store.add_patient(jane()).uid
    for _ in range(5):
        clock[0] += timedelta(days=1)
        store.save("assessments", uid, assessment(clock[0].date() - timedelta(days=1)))
        store.save("admissions", uid, Admission(clock[0].date() - timedelta(days=3), None, False))
    daily = sorted(p.name for p in backups_of(path) if "-daily-" in p.name)
    assert daily == ["d-daily-2026-11-23.db", "d-daily-2026-11-24.db", "d-daily-2026-11-25.db"]
    # each backup is one self-contained file: nothing else is left in the folder
    assert sorted(p.name for p in (tmp_path / "mdtapp-backups").iterdir()) == daily
    # each holds the state before that day's first write: the day before's last save
    copy = Store.open(tmp_path / "mdtapp-backups" / "d-daily-2026-11-25.db", user="x")
    assert len(copy.load(uid).assessments) == 4
    copy.close()
    store.close()


@pytest.mark.parametrize("encrypted", [False, True], ids=["plaintext", "encrypted"])
def test_a_truncated_file_is_detected_on_open_and_restored_from_the_newest_backup(
    tmp_path, encrypted
):
    path = tmp_path / "t.db"
    key = keyring = None
    if encrypted:
        created = access.create_database(
            path,
            username="ann",
            display_name="Ann",
            password="ann-passphrase",
            clock=lambda: DAY1 - timedelta(days=1),
        )
        created.store.close()
        key = created.store.key
        keyring = created.store.keyring
    uid = _two_days(path, key=key, keyring=keyring)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 100])  # cut mid-page, as a failing disk might
    with pytest.raises(CorruptDatabase) as raised:
        open_database(path, key=key, key_verified=True)
    message = str(raised.value)
    assert "is damaged (it is truncated" in message and "t-daily-2026-11-21.db" in message
    assert "the damaged file is kept" in message
    backup = latest_good_backup(path, key=key)
    assert backup is not None and backup.name == "t-daily-2026-11-21.db"
    kept = restore_file(path, backup, key=key)
    assert kept is not None and kept.read_bytes() == data[: len(data) // 2 + 100]
    store = Store.open(path, user="x", key=key)
    assert store.load(uid).patient.value.family_name == "Smith"
    store.close()


def test_garbage_in_the_middle_is_detected(tmp_path):
    path = tmp_path / "g.db"
    _two_days(path)
    data = bytearray(path.read_bytes())
    page = 4096
    data[3 * page : 4 * page] = bytes(range(256)) * (page // 256)  # scribble over a page
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptDatabase, match="is damaged"):
        open_database(path)


def test_a_full_disk_writes_nothing_and_the_store_carries_on(tmp_path):
    store = Store.open(tmp_path / "f.db", user="tester")
    uid = store.add_patient(jane()).uid
    before = table_counts(store)
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")  # the disk is now full
    big = assessment(date(2026, 11, 1))
    big = type(big)(**{**big.__dict__, "notes": "x" * 3900})
    with pytest.raises(StoreError, match="The disk is full: nothing was saved"):
        store.save("assessments", uid, big)
    assert table_counts(store) == before
    store.db.execute(f"PRAGMA max_page_count = {pages * 100}")  # space freed
    store.save("assessments", uid, big)
    assert len(store.load(uid).assessments) == 1
    store.close()


def test_a_read_only_file_refuses_the_write_with_a_clear_message(tmp_path):
    store = Store.open(tmp_path / "r.db", user="tester")
    uid = store.add_patient(jane()).uid
    before = table_counts(store)
    store.db.execute("PRAGMA query_only = ON")  # as if the file became read-only
    with pytest.raises(ReadOnlyDatabase, match="read-only: nothing was saved"):
        store.save("assessments", uid, assessment(date(2026, 11, 1)))
    store.db.execute("PRAGMA query_only = OFF")
    assert table_counts(store) == before
    store.save("assessments", uid, assessment(date(2026, 11, 1)))  # and it carries on
    store.close()


def test_a_read_only_file_opens_and_refuses_saves_clearly(tmp_path, read_only):
    path = tmp_path / "ro.db"
    Store.open(path, user="tester").close()
    read_only(path)
    store = Store(open_database(path), user="tester", path=path)
    assert store.summaries() == []  # reading works
    with pytest.raises(ReadOnlyDatabase, match="read-only: nothing was saved"):
        store.add_patient(jane())
    store.close()


# ---------------------------------------------------------------- known faults by result code


def _error(code: int | None, message: str) -> Exception:
    error = OperationalError(message)
    if code is not None:
        error.sqlite_errorcode = code  # as sqlcipher3 and sqlite3 set it
    return error


@pytest.mark.parametrize(
    ("code", "fault"),
    [
        (5, Fault.BUSY),  # SQLITE_BUSY
        (517, Fault.BUSY),  # SQLITE_BUSY_SNAPSHOT (an extended code, as sqlite3 gives)
        (6, Fault.BUSY),  # SQLITE_LOCKED
        (8, Fault.READ_ONLY),  # SQLITE_READONLY
        (1032, Fault.READ_ONLY),  # SQLITE_READONLY_DBMOVED
        (10, Fault.IO_ERROR),  # SQLITE_IOERR
        (522, Fault.IO_ERROR),  # SQLITE_IOERR_SHORT_READ
        (11, Fault.CORRUPT),  # SQLITE_CORRUPT
        (267, Fault.CORRUPT),  # SQLITE_CORRUPT_VTAB
        (13, Fault.DISK_FULL),  # SQLITE_FULL
        (14, Fault.CANT_OPEN),  # SQLITE_CANTOPEN
        (526, Fault.CANT_OPEN),  # SQLITE_CANTOPEN_ISDIR
        (26, Fault.NOT_A_DATABASE),  # SQLITE_NOTADB
        (2067, Fault.DUPLICATE),  # SQLITE_CONSTRAINT_UNIQUE
        (1555, Fault.DUPLICATE),  # SQLITE_CONSTRAINT_PRIMARYKEY
        (19, Fault.CONSTRAINT),  # SQLITE_CONSTRAINT alone (sqlcipher3): which one is unknown
        (275, None),  # SQLITE_CONSTRAINT_CHECK: a bug
        (1811, None),  # SQLITE_CONSTRAINT_TRIGGER (our immutability triggers): a bug
        (1, None),  # SQLITE_ERROR (bad SQL): a bug
        (7, None),  # SQLITE_NOMEM
        (21, None),  # SQLITE_MISUSE
        (None, None),  # raised by the Python module itself
    ],
)
def test_each_fault_is_known_by_its_result_code_whatever_the_words(code, fault):
    assert fault_of(_error(code, "some words")) is fault
    # the message is never read: a misleading one changes nothing
    assert fault_of(_error(code, "database is locked; disk is full; readonly")) is fault


def test_a_code_less_error_is_known_only_by_sqlites_exact_text_for_a_code():
    # sqlcipher3's Connection.backup raises with sqlite3_errstr(rc) alone, and no code
    assert fault_of(_error(None, "database or disk is full")) is Fault.DISK_FULL
    assert fault_of(_error(None, "file is not a database")) is Fault.NOT_A_DATABASE
    assert fault_of(_error(None, "the database or disk is full, they said")) is None
    assert fault_of(ValueError("database or disk is full")) is None  # not from SQLite


def test_the_texts_are_the_linked_sqlites_own():
    import ctypes

    import sqlcipher3

    try:
        errstr = ctypes.CDLL(sqlcipher3._sqlite3.__file__).sqlite3_errstr
    except (OSError, AttributeError):  # a build that does not export SQLite's functions
        pytest.skip("sqlcipher3's SQLite does not export sqlite3_errstr on this platform")
    errstr.restype, errstr.argtypes = ctypes.c_char_p, [ctypes.c_int]
    for text, code in ERRSTR_CODES.items():
        assert errstr(code).decode() == text
        assert PRIMARY_CODES[code] is fault_of(_error(None, text))


def test_a_full_disk_at_the_days_backup_writes_nothing_and_the_store_carries_on(
    tmp_path, monkeypatch
):
    from mdtapp.store import backup

    clock = [DAY1]
    path = tmp_path / "b.db"
    store = Store.open(path, user="tester", clock=lambda: clock[0])
    uid = store.add_patient(jane()).uid
    clock[0] += timedelta(days=1)  # the next save is the day's first: a backup comes first
    before = table_counts(store)
    real = backup.connect

    def full(target, key=None):  # the backup's disk holds two pages, not the whole copy
        conn = real(target, key)
        conn.execute("PRAGMA max_page_count = 2")
        return conn

    monkeypatch.setattr(backup, "connect", full)
    with pytest.raises(StoreError, match="The disk is full: nothing was saved"):
        store.save("assessments", uid, assessment(date(2026, 11, 21)))
    assert table_counts(store) == before
    folder = tmp_path / "mdtapp-backups"
    assert sorted(p.name for p in folder.iterdir()) == ["b-daily-2026-11-20.db"]  # no partial
    monkeypatch.setattr(backup, "connect", real)  # space freed
    store.save("assessments", uid, assessment(date(2026, 11, 21)))
    assert sorted(p.name for p in folder.iterdir()) == [
        "b-daily-2026-11-20.db",
        "b-daily-2026-11-21.db",
    ]
    store.close()


def test_real_sqlite_errors_carry_the_codes_the_table_reads(tmp_path):
    from mdtapp.store.connection import connect

    conn = connect(tmp_path / "x.db")
    conn.isolation_level = None
    conn.execute("CREATE TABLE t (k UNIQUE, n CHECK (n > 0))")
    conn.execute("INSERT INTO t VALUES (1, 1)")
    with pytest.raises(OperationalError) as bad_sql:
        conn.execute("SELECT * FROM locked_rows")  # words about a lock; SQLITE_ERROR
    assert fault_of(bad_sql.value) is None
    with pytest.raises(IntegrityError) as unique:
        conn.execute("INSERT INTO t VALUES (1, 2)")
    with pytest.raises(IntegrityError) as check:
        conn.execute("INSERT INTO t VALUES (2, 0)")
    assert is_duplicate(unique.value, lambda: True)
    assert not is_duplicate(check.value, lambda: False)  # no row with k = 2: not a duplicate
    conn.execute("PRAGMA query_only = ON")
    with pytest.raises(OperationalError) as read_only:
        conn.execute("INSERT INTO t VALUES (3, 3)")
    assert fault_of(read_only.value) is Fault.READ_ONLY
    conn.execute("PRAGMA query_only = OFF")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(OperationalError) as full:
        conn.execute("INSERT INTO t VALUES (zeroblob(100000), 4)")
    assert fault_of(full.value) is Fault.DISK_FULL
    conn.close()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\x01" * 8192)
    with pytest.raises(DatabaseError) as not_a_db:
        connect(junk).execute("PRAGMA application_id").fetchone()
    assert fault_of(not_a_db.value) is Fault.NOT_A_DATABASE


def test_the_standard_sqlite3_extended_codes_say_which_constraint_failed():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (k UNIQUE, n CHECK (n > 0))")
    conn.execute("INSERT INTO t VALUES (1, 1)")
    with pytest.raises(sqlite3.IntegrityError) as unique:
        conn.execute("INSERT INTO t VALUES (1, 2)")
    with pytest.raises(sqlite3.IntegrityError) as check:
        conn.execute("INSERT INTO t VALUES (2, 0)")
    conn.close()
    assert fault_of(unique.value) is Fault.DUPLICATE
    assert fault_of(check.value) is None
    assert not is_duplicate(check.value, lambda: True)  # the code settles it: no lookup


def test_an_error_that_only_mentions_a_lock_is_a_bug_not_a_busy_database(store):
    # classified by its words, this was "the database is busy": a bug shown as a known fault
    with pytest.raises(OperationalError, match="no such table: locked_rows"), store.transaction():
        store.db.execute("SELECT * FROM locked_rows")


def test_a_busy_database_refuses_the_save_and_writes_nothing(tmp_path):
    path = tmp_path / "busy.db"
    store = Store.open(path, user="tester", clock=lambda: DAY1)
    uid = store.add_patient(jane()).uid
    other = Store.open(path, user="other", clock=lambda: DAY1)
    other.db.conn.execute("BEGIN IMMEDIATE")  # another window holds the write lock
    store.db.execute("PRAGMA busy_timeout = 10")  # rather than waiting the usual 15 s
    with pytest.raises(StoreError, match="busy in another window or program: nothing was saved"):
        store.save("assessments", uid, assessment(date(2026, 11, 1)))
    other.db.conn.execute("ROLLBACK")
    other.close()
    assert store.load(uid).assessments == ()
    store.close()


def test_a_damaged_page_met_while_saving_is_a_damaged_file_not_a_crash(tmp_path):
    path = tmp_path / "p.db"
    store = Store.open(path, user="tester", clock=lambda: DAY1)
    store.daily_backups_kept = 0
    uid = store.add_patient(jane()).uid
    root = store.db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'audit'").fetchone()
    store.close()
    data = bytearray(path.read_bytes())
    page = 4096
    start = (root[0] - 1) * page
    data[start : start + page] = bytes(range(256)) * (page // 256)  # the audit trail's root
    path.write_bytes(bytes(data))
    damaged = Store(open_database(path, check=False), user="tester", path=path)
    damaged.daily_backups_kept = 0  # (the day's backup would refuse the damaged copy first)
    with pytest.raises(CorruptDatabase, match="damaged: nothing was saved"):
        damaged.save("assessments", uid, assessment(date(2026, 11, 1)))
    damaged.close()


def test_a_file_that_cannot_be_reached_is_refused_with_a_clear_message(tmp_path, monkeypatch):
    from mdtapp.store import connection

    path = tmp_path / "c.db"
    Store.open(path, user="tester").close()
    real = connection.dbapi.connect
    gone = tmp_path / "unplugged" / "c.db"  # as if the disk went away after the check

    def unreachable(target, *args, **kwargs):
        return real(str(gone) if str(target) == str(path) else target, *args, **kwargs)

    monkeypatch.setattr(connection.dbapi, "connect", unreachable)
    with pytest.raises(StoreError, match="cannot be opened: check that the file and its folder"):
        open_database(path)


@pytest.mark.parametrize("encrypted", [False, True], ids=["plaintext", "encrypted"])
def test_verifying_a_damaged_backup_or_with_the_wrong_key_says_which(tmp_path, encrypted):
    from mdtapp.store.keyring import new_database_key

    key = new_database_key() if encrypted else None
    path = tmp_path / "v.db"
    store = Store.open(path, user="tester", key=key)
    store.add_patient(jane())
    out = backup_to(store.db.conn, tmp_path / "copy.db", key=key)
    store.close()
    if encrypted:
        with pytest.raises(WrongKey, match="wrong password"):
            verify_database(out, key=new_database_key())
    data = bytearray(out.read_bytes())
    data[2 * 4096 : 4 * 4096] = bytes(range(256)) * 32
    out.write_bytes(bytes(data))
    with pytest.raises(CorruptDatabase, match="copy.db"):
        verify_database(out, key=key)
