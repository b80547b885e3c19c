from __future__ import annotations

from datetime import date

import pytest

from mdtapp.store.backup import backup_to, restore_file, verify_database
from mdtapp.store.errors import NotAnMdtappDatabase, StoreError
from mdtapp.store.repository import Store
from tests.factories import assessment
from tests.store.conftest import fixed_clock, jane


def test_online_backup_while_another_connection_is_writing(store, db_path, tmp_path):
    p = store.add_patient(jane())
    store.save("assessments", p.uid, assessment(date(2026, 11, 1)))
    app = Store.open(db_path, user="app", clock=fixed_clock)  # the app, mid-save in its window
    app.db.conn.execute("BEGIN IMMEDIATE")
    app.db.execute("INSERT INTO audit (at, user, action) VALUES ('x', 'y', 'uncommitted')")
    out = backup_to(store.db.conn, tmp_path / "copy.db")
    app.db.conn.execute("ROLLBACK")
    app.close()
    assert verify_database(out) == 1
    backup = Store.open(out, user="tester", clock=fixed_clock)
    assert [e.action for e in backup.audit_entries()] == ["create", "create"]  # no torn write
    backup.close()
    copy = Store.open(out, user="tester", clock=fixed_clock)
    assert copy.load(p.uid).assessments[0].value.date == date(2026, 11, 1)
    copy.close()


def test_restore_replaces_the_content_and_keeps_the_old(store, db_path, tmp_path):
    p = store.add_patient(jane())
    backup = backup_to(store.db.conn, tmp_path / "b.db")
    store.save("assessments", p.uid, assessment(date(2026, 11, 1)))
    store.close()
    kept = restore_file(db_path, backup)
    assert kept is not None and kept.exists()
    restored = Store.open(db_path, user="tester", clock=fixed_clock)
    assert restored.load(p.uid).assessments == ()
    restored.close()
    old = Store.open(kept, user="tester", clock=fixed_clock)
    assert len(old.load(p.uid).assessments) == 1
    old.close()


def test_restore_refuses_a_file_that_is_not_an_mdtapp_backup(store, db_path, tmp_path):
    store.add_patient(jane())
    store.close()
    before = db_path.read_bytes()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a backup")
    with pytest.raises(NotAnMdtappDatabase):
        restore_file(db_path, junk)
    assert db_path.read_bytes() == before


def test_a_backup_through_a_connection_mid_save_is_refused_not_hung(store, tmp_path):
    store.add_patient(jane())
    store.db.conn.execute("BEGIN IMMEDIATE")
    with pytest.raises(StoreError, match="save is in progress"):
        backup_to(store.db.conn, tmp_path / "copy.db")
    store.db.conn.execute("ROLLBACK")
