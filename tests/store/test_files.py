"""Files under Windows' sharing rules: Windows refuses to replace or delete a file that any
process has open, where POSIX allows it. A file opened here stands for another process's (an
mdtapp window checking its backups, an antivirus, a sync client): Windows applies its sharing
rules to every handle alike. On POSIX these tests check the same outcomes, without the waits."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from mdtapp.store import files
from mdtapp.store.backup import backup_to, verify_database
from mdtapp.store.interchange import write_atomically
from mdtapp.store.keyring import Keyring, Keyset
from mdtapp.store.repository import Store
from tests.factories import assessment
from tests.store.conftest import jane

WINDOWS = os.name == "nt"


def test_a_backup_replaces_a_copy_another_process_is_reading(store, tmp_path, monkeypatch):
    out = tmp_path / "copy.db"
    backup_to(store.db.conn, out)
    waits: list[float] = []
    with out.open("rb") as reader:

        def reader_done(seconds: float) -> None:  # the other process finishes while we wait
            waits.append(seconds)
            reader.close()

        monkeypatch.setattr(files, "pause", reader_done)
        store.add_patient(jane())
        backup_to(store.db.conn, out)
    assert verify_database(out) == 1  # the new copy, with the patient
    assert bool(waits) == WINDOWS  # Windows refused until the reader closed it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.db", "data"]  # no .partial left


@pytest.mark.skipif(not WINDOWS, reason="POSIX replaces a file that is open")
def test_a_copy_held_open_for_good_is_reported_and_the_old_one_kept(store, tmp_path, monkeypatch):
    out = tmp_path / "copy.db"
    backup_to(store.db.conn, out)
    waits: list[float] = []
    monkeypatch.setattr(files, "pause", waits.append)
    with out.open("rb"):
        store.add_patient(jane())
        with pytest.raises(PermissionError):
            backup_to(store.db.conn, out)
    assert len(waits) == len(files.WAITS)  # it did wait (about 2 s in real time)
    assert verify_database(out) == 0  # the old copy, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.db", "data"]


def test_a_daily_backup_open_elsewhere_never_stops_a_save(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "pause", lambda seconds: None)  # held for good: no waiting
    path = tmp_path / "d.db"
    clock = [datetime(2026, 11, 20, 9, 0, tzinfo=UTC)]
    store = Store.open(path, user="tester", clock=lambda: clock[0])
    store.daily_backups_kept = 1
    uid = store.add_patient(jane()).uid
    backups = tmp_path / "mdtapp-backups"

    def next_day_save() -> None:
        clock[0] += timedelta(days=1)
        store.save("assessments", uid, assessment(clock[0].date() - timedelta(days=1)))

    next_day_save()
    with (backups / "d-daily-2026-11-21.db").open("rb"):  # another window checks it
        next_day_save()  # rotation would delete the 21st's: Windows refuses, the save goes on
        daily = sorted(p.name for p in backups.iterdir())
        assert "d-daily-2026-11-22.db" in daily
        assert ("d-daily-2026-11-21.db" in daily) == WINDOWS
    next_day_save()  # once it is closed, a later rotation removes it
    assert sorted(p.name for p in backups.iterdir()) == ["d-daily-2026-11-23.db"]
    assert len(store.load(uid).assessments) == 3
    store.close()


def test_creating_a_database_leaves_another_process_file_in_progress_alone(tmp_path):
    path = tmp_path / "new.db"
    theirs = path.with_name(path.name + ".creating")  # the name every process once shared
    theirs.write_bytes(b"another process's database, half-built")
    with theirs.open("rb"):  # still being built by that process
        Store.open(path, user="tester").close()
    assert theirs.read_bytes() == b"another process's database, half-built"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.db", "new.db.creating"]
    assert verify_database(path) == 0


def test_a_refusal_for_another_reason_is_not_retried(tmp_path, monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(files, "pause", waits.append)
    with pytest.raises(FileNotFoundError):
        files.replace(tmp_path / "missing", tmp_path / "target")
    assert waits == []


def _keyring(path, text):
    Keyring(path, [Keyset(db_id=text, generation=1, users={})]).save()


WRITERS = {
    # an export, or the audit return, over last week's, which a spreadsheet is reading
    "export": lambda path, text: write_atomically(path, text.encode()),
    # the keyring, rewritten at a password change or a failed sign-in, read by another window
    "keyring": _keyring,
}


@pytest.mark.parametrize("write", WRITERS.values(), ids=WRITERS.keys())
def test_a_file_written_whole_replaces_one_another_process_is_reading(tmp_path, monkeypatch, write):
    path = tmp_path / "file"
    write(path, "old")
    waits: list[float] = []
    with path.open("rb") as reader:

        def reader_done(seconds: float) -> None:
            waits.append(seconds)
            reader.close()

        monkeypatch.setattr(files, "pause", reader_done)
        write(path, "new")
    assert "new" in path.read_text() and "old" not in path.read_text()
    assert bool(waits) == WINDOWS
    assert [p.name for p in tmp_path.iterdir()] == ["file"]  # no temporary file left
