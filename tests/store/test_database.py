from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from mdtapp.store.database import open_database, resolve_db_path
from mdtapp.store.errors import NewerDatabase, NotAnMdtappDatabase
from mdtapp.store.repository import Store
from mdtapp.store.schema import APPLICATION_ID, MIGRATION_NAMES, RECORD_TABLES

FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_a_new_database_is_created_in_a_missing_folder(db_path):
    db = open_database(db_path)
    conn = db.conn
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATION_NAMES)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert not db_path.with_name(db_path.name + ".creating").exists()
    conn.close()


@pytest.mark.parametrize("content", [b"patient notes, not a database\n", b"\x00" * 4096])
def test_a_file_that_is_not_a_database_is_refused_and_untouched(tmp_path, content):
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(NotAnMdtappDatabase, match="not an mdtapp database"):
        open_database(path)
    assert path.read_bytes() == content


def test_an_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.db"
    path.touch()
    with pytest.raises(NotAnMdtappDatabase, match="empty"):
        open_database(path)
    assert path.stat().st_size == 0


def test_another_programs_sqlite_file_is_refused_and_untouched(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(NotAnMdtappDatabase, match="SQLite file but not an mdtapp database"):
        open_database(path)
    assert path.read_bytes() == before


def test_a_database_from_a_newer_mdtapp_is_refused(db_path):
    open_database(db_path).conn.close()
    conn = sqlite3.connect(db_path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('mdtapp', 'm999_from_the_future', '2030-01-01')"
    )
    conn.execute(f"PRAGMA user_version = {len(MIGRATION_NAMES) + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(NewerDatabase, match="newer mdtapp"):
        open_database(db_path)


def test_db_path_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("MDTAPP_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MDTAPP_DB", raising=False)
    assert resolve_db_path(None) == tmp_path / "home" / "mdtapp.db"
    monkeypatch.setenv("MDTAPP_DB", str(tmp_path / "env.db"))
    assert resolve_db_path(None) == tmp_path / "env.db"
    assert resolve_db_path(str(tmp_path / "arg.db")) == tmp_path / "arg.db"


def _fingerprint(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    out = {
        t: sorted(conn.execute(f"SELECT uid, version, data FROM {t}").fetchall())
        for t in RECORD_TABLES
    }
    out["audit"] = conn.execute("SELECT id, action, entity_uid FROM audit ORDER BY id").fetchall()
    conn.close()
    return out


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("schema-*.db")), ids=lambda p: p.stem)
def test_every_shipped_schema_upgrades_keeping_every_row(tmp_path, fixture):
    path = tmp_path / fixture.name
    shutil.copy(fixture, path)
    before = _fingerprint(path)
    store = Store.open(path, user="tester")
    try:
        after = _fingerprint(path)
        for table, rows in before.items():
            # every row that was there is still there, unchanged
            assert set(rows) <= set(after[table]), table
        for uid in store.patient_uids():
            file = store.load(uid)  # every patient still loads and decodes
            assert file.patient.value.nhs_number
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATION_NAMES)
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        store.close()
    applied_then = fixture.stem.removeprefix("schema-")
    if applied_then != MIGRATION_NAMES[-1]:  # there were migrations to run: a backup was made
        assert list((tmp_path / "mdtapp-backups").glob(f"{path.stem}-*-before-*.db"))


def test_there_is_a_frozen_fixture_for_every_schema():
    shipped = {p.stem.removeprefix("schema-") for p in FIXTURES.glob("schema-*.db")}
    assert shipped == set(MIGRATION_NAMES)


def _encrypted_copy(fixture: Path, out: Path, key: bytes) -> None:
    from mdtapp.store.database import connect

    plain = connect(fixture)
    try:
        plain.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"", [str(out)])
        plain.execute("SELECT sqlcipher_export('encrypted')")
        for pragma in ("user_version", "application_id"):
            value = plain.execute(f"PRAGMA {pragma}").fetchone()[0]
            plain.execute(f"PRAGMA encrypted.{pragma} = {value}")
        plain.execute("DETACH DATABASE encrypted")
    finally:
        plain.close()


def test_an_encrypted_database_upgrades_with_an_encrypted_backup(tmp_path):
    from mdtapp.store.access import is_encrypted
    from mdtapp.store.backup import verify_database
    from mdtapp.store.keyring import new_database_key

    key = new_database_key()
    path = tmp_path / "clinic.db"
    _encrypted_copy(FIXTURES / f"schema-{MIGRATION_NAMES[0]}.db", path, key)
    store = Store.open(path, user="tester", key=key)
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATION_NAMES)
        patients = len(store.patient_uids())
        assert patients
    finally:
        store.close()
    [backup] = (tmp_path / "mdtapp-backups").glob("clinic-*-before-*.db")
    # the copy taken before migrating is as protected as the database, and complete
    assert is_encrypted(backup)
    assert verify_database(backup, key=key) == patients


def test_sqlite_utils_plugins_never_hook_into_a_patient_database(db_path, monkeypatch):
    # a package installed beside mdtapp that registers sqlite-utils' prepare_connection hook
    # must not see, or change, our connections
    import sqlite_utils
    from sqlite_utils.plugins import pm

    hooked = []

    class Plugin:
        @sqlite_utils.hookimpl
        def prepare_connection(self, conn):
            hooked.append(conn)

    plugin = Plugin()
    pm.register(plugin, name="intruder")
    try:
        db = open_database(db_path)
        db.conn.close()
        db = open_database(db_path)
        db.conn.close()
    finally:
        pm.unregister(plugin)
    assert hooked == []


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("schema-*.db")), ids=lambda p: p.stem)
def test_applied_migrations_are_read_as_sqlite_utils_reads_them(tmp_path, fixture):
    # the store reads them with plain SQL (sqlite-utils is loaded only to apply them)
    from mdtapp.store.database import database
    from mdtapp.store.schema import migrations
    from mdtapp.store.sqlite import dbapi
    from mdtapp.store.upgrade import applied_migrations

    path = tmp_path / fixture.name
    shutil.copy(fixture, path)
    conn = dbapi.connect(str(path))
    try:
        db = database(conn)
        assert applied_migrations(db) == [m.name for m in migrations().applied(db.utils())]
    finally:
        conn.close()


def test_an_up_to_date_database_opens_without_loading_sqlite_utils(db_path):
    import subprocess
    import sys

    open_database(db_path).conn.close()
    probe = (
        "import sys\n"
        "from mdtapp.store.repository import Store\n"
        f"Store.open({str(db_path)!r}, user='tester').close()\n"
        "print('sqlite_utils' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"
