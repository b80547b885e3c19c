"""Opening a database: one function for every connection, file checks, migrations.

A new file is built under a temporary name and renamed into place, so a crash never leaves a
half-made database at the real path. An existing file is refused, never overwritten, unless it is
an mdtapp database this version understands; before migrating it is backed up.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from mdtapp.store import files
from mdtapp.store.errors import (
    CorruptDatabase,
    NewerDatabase,
    NotAnMdtappDatabase,
    ReadOnlyDatabase,
    StoreError,
    WrongKey,
)
from mdtapp.store.schema import APPLICATION_ID, MIGRATION_NAMES, migrations
from mdtapp.store.sqlite import DatabaseError, OperationalError, database, dbapi, sqlite_utils

SQLITE_HEADER = b"SQLite format 3\x00"
DB_FILENAME = "mdtapp.db"


def default_db_path() -> Path:
    from mdtapp.paths import user_data_dir

    return user_data_dir() / DB_FILENAME


def resolve_db_path(arg: str | os.PathLike[str] | None) -> Path:
    """--db, else MDTAPP_DB, else the user data folder."""
    if arg:
        return Path(arg).expanduser()
    env = os.environ.get("MDTAPP_DB")
    return Path(env).expanduser() if env else default_db_path()


def backups_dir(db_path: Path) -> Path:
    return db_path.parent / "mdtapp-backups"


def connect(path: Path, key: bytes | None = None) -> dbapi.Connection:
    """Every connection is made here: the key first, then the settings that keep data safe."""
    conn = dbapi.connect(str(path), timeout=15)
    if key is not None:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("PRAGMA busy_timeout = 15000")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.execute("PRAGMA secure_delete = ON")  # deleted pages are zeroed, not left readable
    return conn


def _configure_for_writing(conn: dbapi.Connection) -> None:
    # each page read from the file is decrypted: a 32 MiB cache spares repeating that work
    conn.execute("PRAGMA cache_size = -32768")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")  # a committed save survives a power cut


@contextlib.contextmanager
def immediate(conn: dbapi.Connection) -> Iterator[None]:
    """One write transaction, taking the write lock at the start (no lost updates)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def _refuse_unless_sqlite(path: Path, key: bytes | None) -> None:
    if path.is_dir():
        raise NotAnMdtappDatabase(f"{path} is a folder, not an mdtapp database file")
    size = path.stat().st_size
    if size == 0:
        raise NotAnMdtappDatabase(
            f"{path} is empty (0 bytes), so it is not an mdtapp database; if it should hold "
            "records, restore it from a backup"
        )
    if key is None:
        with path.open("rb") as f:
            header = f.read(16)
        if header != SQLITE_HEADER:
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
    from mdtapp.store.backup import latest_backup

    newest = latest_backup(path)
    advice = (
        f"The newest backup is {newest}: restore it (mdtapp restore {newest}, or the app offers it)"
        if newest
        else "No backup was found beside it"
    )
    return f"{path} is damaged ({why}). {advice}; the damaged file is kept."


def _applied(db: sqlite_utils.Database) -> list[str]:
    return [m.name for m in migrations.applied(db)]


def _apply_migrations(db: sqlite_utils.Database) -> None:
    with immediate(db.conn):
        migrations.apply(db)
        db.execute(f"PRAGMA user_version = {len(MIGRATION_NAMES)}")


def _create(path: Path, key: bytes | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # a name of its own: two processes creating the same database must never delete one
    # another's file in progress (Windows refuses; POSIX pulls it from under the other)
    building = path.with_name(f"{path.name}.{os.getpid()}-{secrets.token_hex(4)}.creating")
    conn = connect(building, key)
    try:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        _apply_migrations(database(conn))
    finally:
        conn.close()
    if path.exists():  # another process won the race: keep theirs
        files.remove(building)
        return
    files.replace(building, path)


def backup_before_migrating(
    db: sqlite_utils.Database, path: Path, pending: list[str], key: bytes | None = None
) -> Path:
    """A verified copy, under the same key as the database (never a plaintext copy of an
    encrypted one), before any migration touches it."""
    from mdtapp.store.backup import backup_to
    from mdtapp.store.keyring import copy_keyring

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = backups_dir(path) / f"{path.stem}-{stamp}-before-{pending[0]}.db"
    made = backup_to(db.conn, target, key=key)
    if key is not None:
        copy_keyring(path, made)
    return made


def open_database(
    path: Path,
    *,
    key: bytes | None = None,
    create: bool = True,
    check: bool = True,
    key_verified: bool = False,
) -> sqlite_utils.Database:
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
    try:
        conn = connect(path, key)
    except OperationalError as e:
        if "unable to open" in str(e):
            raise StoreError(
                f"{path} cannot be opened: check that the file and its folder can "
                "be reached and written to, and that the disk is connected"
            ) from None
        raise
    try:
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        except DatabaseError as e:
            if key is not None and key_verified:
                raise CorruptDatabase(
                    damaged_message(path, f"its pages fail their check: {e}")
                ) from None
            if key is not None:
                raise WrongKey(
                    f"{path} cannot be opened: the password is wrong, or the file "
                    "is not an mdtapp database"
                ) from None
            if "malformed" in str(e):
                raise CorruptDatabase(damaged_message(path, str(e))) from None
            raise NotAnMdtappDatabase(f"{path} is not a readable mdtapp database") from None
        if app_id != APPLICATION_ID:
            raise NotAnMdtappDatabase(
                f"{path} is an SQLite file but not an mdtapp database; it was left untouched"
            )
        if check:
            try:
                why = damage(path, conn)
            except DatabaseError as e:  # "database disk image is malformed" and the like
                why = str(e)
            if why:
                raise CorruptDatabase(damaged_message(path, why))
        db = database(conn)
        applied = _applied(db)
        unknown = [name for name in applied if name not in MIGRATION_NAMES]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if unknown or version > len(MIGRATION_NAMES):
            raise NewerDatabase(
                f"{path} was written by a newer mdtapp (schema {version}, this version knows "
                f"{len(MIGRATION_NAMES)}); install the newer mdtapp to open it"
            )
        pending = [name for name in MIGRATION_NAMES if name not in applied]
        try:
            _configure_for_writing(conn)
            if pending:
                backup_before_migrating(db, path, pending, key)
                _apply_migrations(db)
        except OperationalError as e:
            if "readonly" in str(e) or "read-only" in str(e):
                raise ReadOnlyDatabase(
                    f"{path} is read-only: mdtapp needs to write to it "
                    "(check the file's permissions)"
                ) from None
            raise
        return db
    except BaseException:
        conn.close()
        raise
