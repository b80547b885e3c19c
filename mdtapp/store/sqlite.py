"""The one SQLite module mdtapp uses: sqlcipher3 (SQLite with SQLCipher), for every file.

sqlite-utils uses `pysqlite3` when it can import it, so sqlcipher3 is registered under that name
before sqlite-utils is first imported; then its exceptions and ours are the same classes.

Reading and saving go through `Database`, a small wrapper of our own (execute, query); sqlite-utils
(and its dependencies: click, dateutil, tabulate, ~130 ms) is imported only when migrations are
applied or read from a file that has them, never before the first paint of an up-to-date file.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import sqlcipher3
import sqlcipher3.dbapi2 as dbapi

if TYPE_CHECKING:
    import sqlite_utils
    import sqlite_utils.migrations

if "sqlite_utils" not in sys.modules:
    sys.modules.setdefault("pysqlite3", sqlcipher3)
    sys.modules.setdefault("pysqlite3.dbapi2", dbapi)

Connection = dbapi.Connection
DatabaseError = dbapi.DatabaseError
IntegrityError = dbapi.IntegrityError
OperationalError = dbapi.OperationalError

Params = Sequence[Any] | dict[str, Any] | None


class Database:
    """One of our connections, with the two calls the store makes of sqlite-utils' Database
    (the same signatures and results): `execute` returns the cursor, `query` yields dicts."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def execute(self, sql: str, parameters: Params = None) -> dbapi.Cursor:
        if parameters is not None:
            return self.conn.execute(sql, parameters)
        return self.conn.execute(sql)

    def query(self, sql: str, params: Params = None) -> Iterator[dict[str, Any]]:
        cursor = self.execute(sql, params)
        keys = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(keys, row, strict=True))

    def table_names(self) -> list[str]:
        return [
            r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]

    def utils(self) -> sqlite_utils.Database:
        """sqlite-utils on this connection (for migrations), with its plugins left out."""
        return sqlite_utils_database(self.conn)


def database(conn: Connection) -> Database:
    return Database(conn)


def load_sqlite_utils() -> Any:
    """sqlite-utils, checked to be using sqlcipher3 (imported on first use)."""
    import sqlite_utils
    import sqlite_utils.migrations
    import sqlite_utils.utils

    if vars(sqlite_utils.utils).get("sqlite3") is not sqlcipher3:  # pragma: no cover
        raise RuntimeError(
            "sqlite_utils was imported before mdtapp.store: it would use another SQLite module. "
            "Import mdtapp.store first."
        )
    return sqlite_utils


def sqlite_utils_database(conn: Connection) -> sqlite_utils.Database:
    """sqlite-utils on one of our connections, with its plugins left out: code that happens to be
    installed beside mdtapp must not hook into a patient database (and finding it scans every
    installed package's metadata, ~50 ms of each start-up)."""
    return load_sqlite_utils().Database(conn, execute_plugins=False)  # type: ignore[no-any-return]


__all__ = [
    "Connection",
    "Database",
    "DatabaseError",
    "IntegrityError",
    "OperationalError",
    "database",
    "dbapi",
    "load_sqlite_utils",
    "sqlite_utils_database",
]
