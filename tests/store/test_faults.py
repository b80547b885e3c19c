"""Faults: damaged files, a full disk, a read-only file, daily backups."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from mdtapp.domain.model import Admission
from mdtapp.store import access
from mdtapp.store.backup import backups_of, latest_good_backup, restore_file
from mdtapp.store.database import open_database
from mdtapp.store.errors import CorruptDatabase, ReadOnlyDatabase, StoreError
from mdtapp.store.repository import Store
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


def test_a_read_only_file_opens_and_refuses_saves_clearly(tmp_path, monkeypatch):
    from mdtapp.store import database

    path = tmp_path / "ro.db"
    Store.open(path, user="tester").close()
    real = database.dbapi.connect

    def read_only(target, *args, **kwargs):  # root ignores file modes: open it read-only
        if str(target) == str(path):
            return real(f"file:{target}?mode=ro", *args, uri=True, **kwargs)
        return real(target, *args, **kwargs)

    monkeypatch.setattr(database.dbapi, "connect", read_only)
    store = Store(open_database(path), user="tester", path=path)
    assert store.summaries() == []  # reading works
    with pytest.raises(ReadOnlyDatabase, match="read-only: nothing was saved"):
        store.add_patient(jane())
    store.close()
