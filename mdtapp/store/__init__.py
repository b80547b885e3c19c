"""SQLite storage (sqlite-utils): connection, migrations, repositories, audit trail, backup."""

# First, before any module here imports sqlite_utils: make it use sqlcipher3 (see sqlite.py).
from mdtapp.store import sqlite as _sqlite  # noqa: F401
