"""Online backup and verified restore, through the SQLite backup API.

A backup is consistent even while the app has the database open. A restore first proves the
backup is an intact mdtapp database this version can read, then keeps a copy of the current file,
then replaces the content through SQLite (so a window with it open sees the restored data, and a
crash half-way leaves the old content).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from mdtapp.store.connection import connect, has_sqlite_header
from mdtapp.store.errors import (
    CorruptDatabase,
    NewerDatabase,
    NotAnMdtappDatabase,
    StoreError,
    WrongKey,
)
from mdtapp.store.faults import Explanations, Fault, known_faults
from mdtapp.store.files import remove, replace
from mdtapp.store.schema import APPLICATION_ID, MIGRATION_NAMES, MIGRATION_SET
from mdtapp.store.sqlite import DatabaseError, dbapi


def backups_dir(db_path: Path) -> Path:
    return db_path.parent / "mdtapp-backups"


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def verify_database(path: Path, *, key: bytes | None = None) -> int:
    """Check, read-only, that `path` is an intact mdtapp database; return its patient count."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise NotAnMdtappDatabase(f"{path} is missing or empty")
    if key is None and not has_sqlite_header(path):
        raise NotAnMdtappDatabase(f"{path} is not an SQLite file (or needs a password)")

    def unreadable(e: Exception) -> StoreError:
        return CorruptDatabase(f"{path} cannot be read: {e}")

    explain: dict[Fault, Callable[[Exception], StoreError]] = {
        Fault.NOT_A_DATABASE: unreadable
        if key is None
        else lambda e: WrongKey(f"{path}: wrong password, or not an mdtapp database"),
        Fault.CORRUPT: unreadable,
        Fault.IO_ERROR: unreadable,
        Fault.CANT_OPEN: unreadable,
        Fault.BUSY: lambda e: StoreError(f"{path} is busy in another program: try again"),
    }
    with known_faults(explain):
        conn = dbapi.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
    try:
        with known_faults(explain):
            if key is not None:
                conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            if app_id != APPLICATION_ID:
                raise NotAnMdtappDatabase(f"{path} is not an mdtapp database")
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        if problems != ["ok"]:
            raise CorruptDatabase(f"{path} failed its integrity check: {'; '.join(problems[:3])}")
        applied = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET]
            )
        ]
        if any(name not in MIGRATION_NAMES for name in applied):
            raise NewerDatabase(f"{path} was written by a newer mdtapp")
        return int(conn.execute("SELECT count(*) FROM patient_keys").fetchone()[0])
    finally:
        conn.close()


def _not_made(why: str) -> Callable[[Exception], StoreError]:
    def explain(e: Exception) -> StoreError:
        return StoreError(f"{why}: the backup was not made, and nothing else changed")

    return explain


# What a known fault means while a backup is written (the database itself is only read).
BACKUP_FAULTS: Explanations = {
    Fault.DISK_FULL: _not_made("The disk is full"),
    Fault.IO_ERROR: _not_made("The disk could not be written to"),
    Fault.READ_ONLY: _not_made("The backup's folder is read-only"),
    Fault.CANT_OPEN: _not_made("The backup file cannot be created there"),
    Fault.BUSY: _not_made("The database is busy in another window: try again"),
}


def _main_file(conn: dbapi.Connection) -> Path | None:
    for _, name, file in conn.execute("PRAGMA database_list"):
        if name == "main" and file:
            return Path(file)
    return None


def backup_to(
    conn: dbapi.Connection,
    out: Path,
    *,
    key: bytes | None = None,
    faults: Explanations | None = BACKUP_FAULTS,
) -> Path:
    """Copy an open database to `out`, verified, written under a temporary name first. Known
    faults (a full disk...) are StoreErrors saying nothing was made (`faults`; None leaves them
    to the caller, as a save does for the day's first backup)."""
    if conn.in_transaction:
        # SQLite answers "locked" to a backup through a connection that is mid-write, and
        # Python's backup loop would retry for ever
        raise StoreError("A save is in progress on this connection: back up when it finishes")
    out = Path(out)
    if out.is_dir():
        raise StoreError(f"{out} is a folder: give the backup a file name, e.g. {out / 'copy.db'}")
    source = _main_file(conn)
    if out.exists() and source is not None and _same(source, out):
        raise StoreError(f"{out} is the database itself: give the backup another name")
    out.parent.mkdir(parents=True, exist_ok=True)
    # a name of its own: two processes backing up at once must never share (or delete) one
    # another's half-written copy
    partial = out.with_name(f"{out.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")
    try:
        with known_faults(faults or {}):
            dest = connect(partial, key)
            try:
                conn.backup(dest)
                # one self-contained file: the copy has no write-ahead log beside it to lose,
                # and checking it read-only leaves no -wal/-shm files behind
                dest.execute("PRAGMA journal_mode = DELETE")
            finally:
                dest.close()
            try:
                verify_database(partial, key=key)
            except CorruptDatabase as e:  # a page-for-page copy: the damage is the source's
                raise CorruptDatabase(
                    f"{source or 'The database'} is damaged ({str(e).split(': ', 1)[-1]}): no "
                    "backup was made and nothing was saved. Run mdtapp check, then restore the "
                    "newest backup (the damaged file is kept)"
                ) from None
            replace(partial, out)
    except BaseException:
        for leftover in (partial, *(partial.with_name(partial.name + s) for s in _COMPANIONS)):
            with contextlib.suppress(OSError):  # a leftover of our own name harms nothing
                remove(leftover)
        raise
    return out


_COMPANIONS = ("-journal", "-wal", "-shm")


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def backup_file(db_path: Path, out: Path, *, key: bytes | None = None) -> Path:
    """Back up a database file (which another window may have open)."""
    if not Path(db_path).exists():
        raise StoreError(f"{db_path} does not exist")
    src = connect(Path(db_path), key)
    try:
        return backup_to(src, out, key=key)
    finally:
        src.close()


def restore_file(db_path: Path, backup: Path, *, key: bytes | None = None) -> Path | None:
    """Replace `db_path`'s content with `backup`'s, under the same key, without accounts or
    keyring (maintenance and tests; people restore through restoring.py, which checks the
    password, keeps the keyring in step and audits). Returns where the old content was kept."""
    db_path = Path(db_path)
    if db_path.exists() and _same(db_path, Path(backup)):
        raise StoreError(f"{backup} is the database itself: choose a backup to restore from")
    verify_database(backup, key=key)
    kept = None
    healthy = False
    if db_path.exists():
        kept = backups_dir(db_path) / f"{db_path.stem}-{_stamp()}-before-restore.db"
        try:
            verify_database(db_path, key=key)  # read-only: what is replaced is not upgraded
            healthy = True
        except (StoreError, DatabaseError):
            healthy = False  # damaged: keep the file's bytes exactly as they are
        if not healthy:
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(db_path, kept)
        else:
            current = connect(db_path, key)
            try:
                kept = backup_to(current, kept, key=key)
            finally:
                current.close()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    if healthy:
        # a healthy file (another window may have it open): replace its content through SQLite
        src = connect(Path(backup), key)
        dest = connect(db_path, key)
        try:
            src.backup(dest)
        finally:
            src.close()
            dest.close()
        return kept
    # missing or damaged: SQLite cannot write into it, so put a copy of the backup in its place
    staged = db_path.with_name(db_path.name + ".restoring")
    try:
        shutil.copy2(backup, staged)
        with staged.open("rb+") as f:
            os.fsync(f.fileno())
        for suffix in ("-wal", "-shm"):  # the damaged file's journal must not replay onto it
            remove(db_path.with_name(db_path.name + suffix))
        replace(staged, db_path)
    except BaseException:
        remove(staged)
        raise
    return kept


def backups_of(db_path: Path) -> list[Path]:
    """This database's backups in its backups folder, newest first. Copies kept before a
    restore are left out: they may be the very state that needed restoring."""
    folder = backups_dir(Path(db_path))
    candidates = [
        p for p in folder.glob(f"{Path(db_path).stem}-*.db") if "before-restore" not in p.name
    ]
    return sorted(candidates, key=lambda p: p.stat().st_mtime, reverse=True)


def latest_backup(db_path: Path) -> Path | None:
    found = backups_of(db_path)
    return found[0] if found else None


def latest_good_backup(db_path: Path, *, key: bytes | None = None) -> Path | None:
    """The newest backup that passes its integrity check (with this key)."""
    for candidate in backups_of(db_path):
        try:
            verify_database(candidate, key=key)
        except StoreError:
            continue
        return candidate
    return None
