"""Opening a database: one function for every file, in steps that each say what they refuse.

A new file is built under a temporary name and renamed into place, so a crash never leaves a
half-made database at the real path. An existing file is refused, never overwritten, unless it is
an mdtapp database this version understands. Opening reads: checking the file, its key and its
pages writes nothing. The one step that writes, bringing an older file up to date (backed up
first), is upgrade.py's.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from mdtapp.store import files
from mdtapp.store.backup import latest_backup
from mdtapp.store.connection import (
    SQLITE_HEADER,
    configure_for_writing,
    connect,
    has_sqlite_header,
)
from mdtapp.store.errors import (
    CorruptDatabase,
    NewerDatabase,
    NotAnMdtappDatabase,
    ReadOnlyDatabase,
    StoreError,
    WrongKey,
)
from mdtapp.store.faults import Explanations, Fault, known_faults
from mdtapp.store.schema import APPLICATION_ID, MIGRATION_NAMES
from mdtapp.store.sqlite import Database, database, dbapi
from mdtapp.store.upgrade import applied_migrations, apply_migrations, upgrade

DB_FILENAME = "mdtapp.db"

__all__ = ["SQLITE_HEADER", "connect", "open_database", "resolve_db_path"]


def default_db_path() -> Path:
    from mdtapp.paths import user_data_dir

    return user_data_dir() / DB_FILENAME


def resolve_db_path(arg: str | os.PathLike[str] | None) -> Path:
    """--db, else MDTAPP_DB, else the user data folder."""
    if arg:
        return Path(arg).expanduser()
    env = os.environ.get("MDTAPP_DB")
    return Path(env).expanduser() if env else default_db_path()


def _refuse_unless_sqlite(path: Path, key: bytes | None) -> None:
    if path.is_dir():
        raise NotAnMdtappDatabase(f"{path} is a folder, not an mdtapp database file")
    size = path.stat().st_size
    if size == 0:
        raise NotAnMdtappDatabase(
            f"{path} is empty (0 bytes), so it is not an mdtapp database; if it should hold "
            "records, restore it from a backup"
        )
    if key is None and not has_sqlite_header(path):
        raise NotAnMdtappDatabase(
            f"{path} is not an mdtapp database (it is not an SQLite file, or it is "
            "encrypted and needs a password); it was left untouched"
        )


# A whole-file check at open costs about 7 ms a MiB: done for files up to this size (a real
# centre's database, a handful of patients, is 1-2 MiB). Larger files are checked in full by
# every daily backup (the copy is integrity-checked) and by `mdtapp check`.
QUICK_CHECK_MAX_BYTES = 16 * 1024 * 1024


CIPHER_PAGE_SIZE = 4096  # SQLCipher 4's default, which mdtapp never changes


def truncation(path: Path, key: bytes | None) -> str | None:
    """A file cut short, seen from its size alone, before any page is read."""
    size = path.stat().st_size
    if key is None:
        with path.open("rb") as f:
            header = f.read(100)
        page_size = int.from_bytes(header[16:18], "big")
        page_size = 65536 if page_size == 1 else page_size
        pages = int.from_bytes(header[28:32], "big")
        if pages and size < pages * page_size:
            return (
                f"it is truncated: its header says {pages * page_size} bytes but the file "
                f"has {size}"
            )
    elif size % CIPHER_PAGE_SIZE:
        return (
            f"it is truncated: {size} bytes is not a whole number of {CIPHER_PAGE_SIZE}-byte pages"
        )
    return None


def damage(path: Path, conn: dbapi.Connection) -> str | None:
    """A full quick_check when the file is small enough for it to take well under a second."""
    size = path.stat().st_size
    if size <= QUICK_CHECK_MAX_BYTES:
        problems = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            return "; ".join(problems[:3])
    return None


def damaged_message(path: Path, why: str) -> str:
    newest = latest_backup(path)
    advice = (
        f"The newest backup is {newest}: restore it (mdtapp restore {newest}, or the app offers it)"
        if newest
        else "No backup was found beside it"
    )
    return f"{path} is damaged ({why}). {advice}; the damaged file is kept."


def _create(path: Path, key: bytes | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # a name of its own: two processes creating the same database must never delete one
    # another's file in progress (Windows refuses; POSIX pulls it from under the other)
    building = path.with_name(f"{path.name}.{os.getpid()}-{secrets.token_hex(4)}.creating")
    conn = connect(building, key)
    try:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        apply_migrations(database(conn))
    finally:
        conn.close()
    if path.exists():  # another process won the race: keep theirs
        files.remove(building)
        return
    files.replace(building, path)


def _opening_faults(path: Path, key: bytes | None, key_verified: bool) -> Explanations:
    """What each known fault means while a file is opened and checked."""

    def damaged(e: Exception) -> StoreError:
        return CorruptDatabase(damaged_message(path, str(e)))

    def not_a_database(e: Exception) -> StoreError:
        if key_verified:  # the right key (or, once read, the file itself): damaged pages
            return CorruptDatabase(damaged_message(path, f"its pages fail their check: {e}"))
        if key is not None:
            return WrongKey(
                f"{path} cannot be opened: the password is wrong, or the file "
                "is not an mdtapp database"
            )
        return NotAnMdtappDatabase(f"{path} is not a readable mdtapp database")

    def unreachable(e: Exception) -> StoreError:
        return StoreError(
            f"{path} cannot be opened: check that the file and its folder can "
            "be reached and written to, and that the disk is connected"
        )

    return {
        Fault.NOT_A_DATABASE: not_a_database,
        Fault.CORRUPT: damaged,
        Fault.IO_ERROR: damaged,
        Fault.CANT_OPEN: unreachable,
        Fault.READ_ONLY: lambda e: ReadOnlyDatabase(
            f"{path} is read-only: mdtapp needs to write to it (check the file's permissions)"
        ),
        Fault.BUSY: lambda e: StoreError(
            f"{path} is busy in another window or program: try again in a moment"
        ),
        Fault.DISK_FULL: lambda e: StoreError(
            f"{path} cannot be brought up to date: the disk is full. Free some space and "
            "open it again."
        ),
    }


def _identify(conn: dbapi.Connection, path: Path) -> Database:
    """The first read: the key opens it and it says it is an mdtapp database of a schema this
    version knows."""
    if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
        raise NotAnMdtappDatabase(
            f"{path} is an SQLite file but not an mdtapp database; it was left untouched"
        )
    db = database(conn)
    applied = applied_migrations(db)
    unknown = [name for name in applied if name not in MIGRATION_NAMES]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if unknown or version > len(MIGRATION_NAMES):
        raise NewerDatabase(
            f"{path} was written by a newer mdtapp (schema {version}, this version knows "
            f"{len(MIGRATION_NAMES)}); install the newer mdtapp to open it"
        )
    return db


def open_database(
    path: Path,
    *,
    key: bytes | None = None,
    create: bool = True,
    check: bool = True,
    key_verified: bool = False,
) -> Database:
    """Open (or create) an mdtapp database; raise a StoreError a person can act on.
    `key_verified`: the key is known to be right (unwrapped with a password, or the recovery
    key), so a file it cannot read is damaged, not locked with another key."""
    path = Path(path)
    if not path.exists():
        if not create:
            raise StoreError(f"{path} does not exist")
        try:
            _create(path, key)
        except OSError as e:
            raise StoreError(f"cannot create {path}: {e.strerror or e}") from None
    _refuse_unless_sqlite(path, key)
    if check:
        why = truncation(path, key)
        if why:
            raise CorruptDatabase(damaged_message(path, why))
    with known_faults(_opening_faults(path, key, key_verified)):
        conn = connect(path, key)
    try:
        with known_faults(_opening_faults(path, key, key_verified)):
            db = _identify(conn, path)
        # the key has read the first page: from here a page it cannot read is damage
        with known_faults(_opening_faults(path, key, key_verified=True)):
            if check:
                why = damage(path, conn)
                if why:
                    raise CorruptDatabase(damaged_message(path, why))
            configure_for_writing(conn)
            upgrade(db, path, key)
        return db
    except BaseException:
        conn.close()
        raise
