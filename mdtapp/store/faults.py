"""Known database faults, told apart from bugs by SQLite's result code, never by its words.

A full disk, a read-only or busy file, a damaged one or a wrong key are facts about the
machine a person can act on; any other SQLite error is a bug and propagates. This module is the
one place that maps result codes to those faults; each caller says what a fault means where it
happens (saving, opening, checking a backup), with `known_faults`.

Both sqlcipher3 (which mdtapp uses) and Python's sqlite3 put the code on the errors a
statement raises, as `sqlite_errorcode` and `sqlite_errorname`. sqlite3 gives the *extended* code
(SQLITE_READONLY_DBMOVED, SQLITE_CONSTRAINT_UNIQUE, ...); sqlcipher3 0.6 gives only the
*primary* code (the low 8 bits: SQLITE_READONLY, SQLITE_CONSTRAINT). The table below is read
through the primary code, so both work. The one thing a primary code cannot say is which
constraint failed (UNIQUE, CHECK, NOT NULL, a foreign key and our immutability triggers are all
SQLITE_CONSTRAINT): `is_duplicate` then asks the caller to look for the conflicting row, which
inside the write transaction is a certain answer (nothing else can write meanwhile).

One path in sqlcipher3 carries no code at all: `Connection.backup` raises with only
`sqlite3_errstr(rc)` as its message, SQLite's fixed text for that result code ("database or
disk is full"). Such an error is known by its whole message being exactly one of those texts
(ERRSTR_CODES), never by words found in it.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable, Iterator, Mapping

from mdtapp.store.errors import StoreError


class Fault(enum.Enum):
    DISK_FULL = "disk full"
    READ_ONLY = "read-only"
    BUSY = "busy or locked"
    NOT_A_DATABASE = "not a database, or the wrong key"
    CORRUPT = "damaged"
    CANT_OPEN = "cannot be opened"
    IO_ERROR = "disk input/output error"
    DUPLICATE = "a UNIQUE constraint failed"
    CONSTRAINT = "a constraint failed (SQLite did not say which)"


# SQLite's primary result codes (https://www.sqlite.org/rescode.html); the rest are bugs
PRIMARY_CODES: Mapping[int, Fault] = {
    5: Fault.BUSY,  # SQLITE_BUSY: another connection holds the lock past the busy timeout
    6: Fault.BUSY,  # SQLITE_LOCKED: a conflict within this process
    8: Fault.READ_ONLY,  # SQLITE_READONLY and SQLITE_READONLY_*
    10: Fault.IO_ERROR,  # SQLITE_IOERR and SQLITE_IOERR_*
    11: Fault.CORRUPT,  # SQLITE_CORRUPT and SQLITE_CORRUPT_*
    13: Fault.DISK_FULL,  # SQLITE_FULL
    14: Fault.CANT_OPEN,  # SQLITE_CANTOPEN and SQLITE_CANTOPEN_*
    26: Fault.NOT_A_DATABASE,  # SQLITE_NOTADB: also SQLCipher's answer to a wrong key
}
SQLITE_CONSTRAINT = 19
UNIQUE_CODES = (
    SQLITE_CONSTRAINT | 8 << 8,  # SQLITE_CONSTRAINT_UNIQUE
    SQLITE_CONSTRAINT | 6 << 8,  # SQLITE_CONSTRAINT_PRIMARYKEY
)


# sqlite3_errstr() of each primary code above (tests check them against the linked SQLite)
ERRSTR_CODES: Mapping[str, int] = {
    "database is locked": 5,
    "database table is locked": 6,
    "attempt to write a readonly database": 8,
    "disk I/O error": 10,
    "database disk image is malformed": 11,
    "database or disk is full": 13,
    "unable to open database file": 14,
    "file is not a database": 26,
}


def result_code(error: BaseException) -> int | None:
    """SQLite's result code for an error it raised; None for one the Python module raised."""
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code
    if type(error).__module__.startswith("sqlcipher3") and len(error.args) == 1:
        return ERRSTR_CODES.get(str(error.args[0]))  # sqlcipher3's backup: errstr(rc) alone
    return None


def fault_of(error: BaseException) -> Fault | None:
    """The known fault an SQLite error reports, or None for a bug."""
    code = result_code(error)
    if code is None:  # raised by the Python module itself (misuse), not by SQLite
        return None
    if code in UNIQUE_CODES:
        return Fault.DUPLICATE
    if code == SQLITE_CONSTRAINT:  # the primary code alone: which constraint is unknown
        return Fault.CONSTRAINT
    return PRIMARY_CODES.get(code & 0xFF)


def is_duplicate(error: BaseException, conflicting_row_exists: Callable[[], bool]) -> bool:
    """A UNIQUE constraint failed: said by the extended code, or (primary code only) shown by
    the conflicting row being there. A CHECK, NOT NULL or trigger failure is not one."""
    fault = fault_of(error)
    if fault is Fault.DUPLICATE:
        return True
    return fault is Fault.CONSTRAINT and conflicting_row_exists()


# what each fault means where it happened: the StoreError to raise, made from the SQLite error
Explanations = Mapping[Fault, Callable[[Exception], StoreError]]


@contextlib.contextmanager
def known_faults(explain: Explanations) -> Iterator[None]:
    """Turn an SQLite error whose fault `explain` covers into the StoreError it makes (the
    message a person can act on, and no traceback); any other error propagates unchanged."""
    try:
        yield
    except Exception as e:
        fault = fault_of(e)
        if fault is None or fault not in explain:
            raise
        raise explain[fault](e) from None
