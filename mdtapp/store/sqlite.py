"""The one SQLite module mdtapp uses: sqlcipher3 (SQLite with SQLCipher), for every file.

sqlite-utils uses `pysqlite3` when it can import it, so sqlcipher3 is registered under that name
before sqlite-utils is first imported; then its exceptions and ours are the same classes.
"""

from __future__ import annotations

import sys

import sqlcipher3
import sqlcipher3.dbapi2 as dbapi

if "sqlite_utils" not in sys.modules:
    sys.modules.setdefault("pysqlite3", sqlcipher3)
    sys.modules.setdefault("pysqlite3.dbapi2", dbapi)

import sqlite_utils  # noqa: E402
import sqlite_utils.migrations  # noqa: E402
import sqlite_utils.utils  # noqa: E402

if vars(sqlite_utils.utils).get("sqlite3") is not sqlcipher3:  # pragma: no cover - import order
    raise RuntimeError(
        "sqlite_utils was imported before mdtapp.store: it would use another SQLite module. "
        "Import mdtapp.store first."
    )

Connection = dbapi.Connection
DatabaseError = dbapi.DatabaseError
IntegrityError = dbapi.IntegrityError
OperationalError = dbapi.OperationalError
Migrations = sqlite_utils.migrations.Migrations


def database(conn: Connection) -> sqlite_utils.Database:
    """sqlite-utils on one of our connections, with its plugins left out: code that happens to be
    installed beside mdtapp must not hook into a patient database (and finding it scans every
    installed package's metadata, ~50 ms of each start-up)."""
    return sqlite_utils.Database(conn, execute_plugins=False)


__all__ = [
    "Connection",
    "DatabaseError",
    "IntegrityError",
    "Migrations",
    "OperationalError",
    "database",
    "dbapi",
    "sqlite_utils",
]
