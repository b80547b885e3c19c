"""Bringing a file up to this version's schema: its own step of opening, the one that writes.

A file with pending migrations is first copied (verified, under the same key: never a plaintext
copy of an encrypted file) to the backups folder; then every pending migration runs in one
transaction with `PRAGMA user_version`. A file not yet in WAL mode is switched to it. A file
that is up to date and in WAL mode is not written to at all.

A new migration goes in schema.py (append-only); its frozen fixture is made with
tests/fixtures/make_schema_fixture.py (see docs/architecture-store.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from mdtapp.store.backup import backup_to, backups_dir
from mdtapp.store.connection import immediate, use_write_ahead_log
from mdtapp.store.keyring import copy_keyring
from mdtapp.store.schema import MIGRATION_NAMES, MIGRATION_SET, MIGRATIONS_TABLE, migrations
from mdtapp.store.sqlite import Database


def applied_migrations(db: Database) -> list[str]:
    """The migrations applied to a file, in order, read as sqlite-utils records them (without
    loading sqlite-utils: an up-to-date file opens without it)."""
    conn = db.conn
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [MIGRATIONS_TABLE]
    ).fetchone()
    if not exists:
        return []
    return [
        name
        for (name,) in conn.execute(
            f"SELECT name FROM [{MIGRATIONS_TABLE}] WHERE migration_set = ? ORDER BY rowid",
            [MIGRATION_SET],
        )
    ]


def pending_migrations(db: Database) -> list[str]:
    applied = applied_migrations(db)
    return [name for name in MIGRATION_NAMES if name not in applied]


def apply_migrations(db: Database) -> None:
    with immediate(db.conn):
        migrations().apply(db.utils())
        db.execute(f"PRAGMA user_version = {len(MIGRATION_NAMES)}")


def backup_before_migrating(
    db: Database, path: Path, pending: list[str], key: bytes | None = None
) -> Path:
    """A verified copy, under the same key as the database (never a plaintext copy of an
    encrypted one), before any migration touches it."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = backups_dir(path) / f"{path.stem}-{stamp}-before-{pending[0]}.db"
    made = backup_to(db.conn, target, key=key, faults=None)  # opening says what a fault means
    if key is not None:
        copy_keyring(path, made)
    return made


def upgrade(db: Database, path: Path, key: bytes | None) -> None:
    """WAL mode, then the pending migrations, backed up first. Nothing when up to date."""
    use_write_ahead_log(db.conn)
    pending = pending_migrations(db)
    if pending:
        backup_before_migrating(db, path, pending, key)
        apply_migrations(db)
