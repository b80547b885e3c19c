"""Every connection mdtapp makes to a database file, and the one way it writes.

The key comes first (SQLCipher), then the settings that keep data safe. A write is one
transaction that takes the write lock at its start, so two windows never interleave a save.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from mdtapp.store.sqlite import dbapi

SQLITE_HEADER = b"SQLite format 3\x00"  # how every unencrypted SQLite file begins


def has_sqlite_header(path: Path) -> bool:
    """An unencrypted SQLite file (an encrypted one looks like random bytes from the start)."""
    with Path(path).open("rb") as f:
        return f.read(len(SQLITE_HEADER)) == SQLITE_HEADER


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


def configure_for_writing(conn: dbapi.Connection) -> None:
    """This connection's settings for saving (nothing here writes to the file)."""
    # each page read from the file is decrypted: a 32 MiB cache spares repeating that work
    conn.execute("PRAGMA cache_size = -32768")
    conn.execute("PRAGMA synchronous = FULL")  # a committed save survives a power cut


def journal_mode(conn: dbapi.Connection) -> str:
    return str(conn.execute("PRAGMA journal_mode").fetchone()[0])


def use_write_ahead_log(conn: dbapi.Connection) -> None:
    """Readers never wait for a writer. Recorded in the file: only a file not yet in WAL mode
    (new, restored from a backup by copying, or just encrypted) is written to."""
    if journal_mode(conn) != "wal":
        conn.execute("PRAGMA journal_mode = WAL")


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
