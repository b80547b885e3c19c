"""Signing in: the one way the app and the commands open a database.

A new database is encrypted (SQLCipher) with a random key, wrapped for its first administrator in
the keyring beside it, unless a plaintext database is asked for explicitly (demos, tests). Signing
in unwraps the key with the user's password, opens the file, and checks the account inside it
(active, password, roles). Failed attempts are counted and each one after the third makes the
next wait longer. Nothing here logs or stores a password.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mdtapp.store.connection import connect, has_sqlite_header
from mdtapp.store.context import utc_now
from mdtapp.store.errors import NotAnMdtappDatabase, PermissionDenied, StoreError, WrongKey
from mdtapp.store.keyring import (
    Keyring,
    copy_keyring,
    key_from_recovery_code,
    keyring_path,
    new_database_key,
)
from mdtapp.store.keyring import wait_seconds as _wait
from mdtapp.store.repository import Store
from mdtapp.store.schema import APPLICATION_ID
from mdtapp.store.security import password_problem


class LoginFailed(StoreError):
    """Wrong user name or password (deliberately not saying which)."""


class LoginThrottled(StoreError):
    def __init__(self, seconds: int):
        self.seconds = seconds
        unit = "second" if seconds == 1 else "seconds"
        super().__init__(f"Too many failed attempts: wait {seconds} {unit} and try again")


@dataclass(frozen=True)
class Created:
    store: Store
    recovery_code: str | None  # show once, to be kept in a safe; None for plaintext


def is_encrypted(path: Path) -> bool:
    return not has_sqlite_header(path)


def db_id(store: Store) -> str:
    return str(next(iter(store.db.execute("SELECT value FROM meta WHERE key = 'db_id'")))[0])


def create_database(
    path: Path,
    *,
    username: str,
    display_name: str,
    password: str,
    plaintext: bool = False,
    clock: Callable[[], datetime] = utc_now,
) -> Created:
    """A new database with its first administrator (who may also assess: both roles)."""
    from mdtapp.store.keyring import recovery_code

    path = Path(path)
    if path.exists():
        raise StoreError(f"{path} already exists")
    problem = password_problem(password, username)
    if problem:
        raise StoreError(f"password {problem}")
    key = None if plaintext else new_database_key()
    try:
        store = Store.open(path, user=username, key=key, clock=clock)
        keyring = None
        if key is not None:
            keyring = Keyring(keyring_path(path), db_id(store))
            store.keyring = keyring
        store.add_account(username, display_name, ["admin", "clinician"], password, first=True)
    except BaseException:
        for leftover in (
            path,
            keyring_path(path),
            path.with_name(path.name + "-wal"),
            path.with_name(path.name + "-shm"),
        ):
            leftover.unlink(missing_ok=True)
        raise
    account = store.account(username)
    assert account is not None
    store.principal = account.principal
    return Created(store, recovery_code(key) if key else None)


def _throttle_state(store: Store, username: str) -> dict[str, Any] | None:
    """The account's failed sign-ins (plaintext databases keep them in the users table)."""
    rows = list(
        store.db.query(
            "SELECT failed_logins, last_failure FROM users WHERE username = ?", [username]
        )
    )
    if not rows or not (rows[0]["failed_logins"] or rows[0]["last_failure"]):
        return None
    return rows[0]


def _throttle_plaintext(store: Store, username: str, now: datetime) -> int:
    state = _throttle_state(store, username)
    if state is None or not state["last_failure"]:
        return 0
    since = (now - datetime.fromisoformat(state["last_failure"])).total_seconds()
    return max(0, int(_wait(state["failed_logins"]) - since + 0.999))


def _note_plaintext(store: Store, username: str, now: datetime, failed: bool) -> None:
    if not failed and not _throttle_state(store, username):
        return  # nothing to reset: signing in writes nothing (and makes no day's backup)
    with store.transaction():
        if failed:
            store.db.execute(
                "UPDATE users SET failed_logins = failed_logins + 1, "
                "last_failure = ? WHERE username = ?",
                [now.astimezone(UTC).isoformat(), username],
            )
        else:
            store.db.execute(
                "UPDATE users SET failed_logins = 0, last_failure = NULL WHERE username = ?",
                [username],
            )


def sign_in(
    path: Path, username: str, password: str, *, clock: Callable[[], datetime] = utc_now
) -> Store:
    """Open the database as this user; LoginFailed / LoginThrottled / a StoreError otherwise."""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path} does not exist")
    if path.stat().st_size == 0:
        raise NotAnMdtappDatabase(f"{path} is empty (0 bytes), so it is not an mdtapp database")
    now = clock()
    if is_encrypted(path):
        ring = keyring_path(path)
        if not ring.exists():
            raise NotAnMdtappDatabase(
                f"{path} is not an mdtapp database (it is not an SQLite file); if it is an "
                f"encrypted mdtapp database, its keyring {ring.name} is missing: restore it "
                "from the backup beside the database backup, or use the recovery key. The file "
                "was left untouched."
            )
        try:
            keyring = Keyring.load(ring)
        except (FileNotFoundError, ValueError) as e:
            raise StoreError(str(e)) from None
        wait = keyring.seconds_to_wait(username, now)
        if wait:
            raise LoginThrottled(wait)
        key = keyring.unwrap(username, password)
        if key is None:
            keyring.record_failure(username, now)
            raise LoginFailed("The user name or password is not right")
        try:
            store = Store.open(
                path,
                user=username,
                key=key,
                create=False,
                clock=clock,
                keyring=keyring,
                key_verified=True,
            )
        except WrongKey:
            raise StoreError(f"{keyring.path} does not belong to {path}") from None
        keyring.record_success(username)
    else:
        store = Store.open(path, user=username, create=False, clock=clock)
        if not store.accounts():
            store.close()
            raise StoreError(
                "This database has no accounts yet: create the first "
                "administrator (mdtapp user first-admin, or open it in the app)"
            )
        wait = _throttle_plaintext(store, username, now)
        if wait:
            store.close()
            raise LoginThrottled(wait)
    account = store.account(username)
    if account is None or not account.active or not store.verify_password(username, password):
        if not is_encrypted(path) and account is not None:
            _note_plaintext(store, username, now, failed=True)
        store.close()
        raise LoginFailed("The user name or password is not right")
    if not is_encrypted(path):
        _note_plaintext(store, username, now, failed=False)
    store.principal = account.principal
    return store


def add_first_admin(path: Path, *, username: str, display_name: str, password: str) -> Store:
    """A plaintext database with no accounts yet (older files, tests): its first admin."""
    store = Store.open(path, user=username, create=False)
    if store.accounts():
        store.close()
        raise PermissionDenied("This database already has accounts: sign in instead")
    store.add_account(username, display_name, ["admin", "clinician"], password, first=True)
    account = store.account(username)
    assert account is not None
    store.principal = account.principal
    return store


def needs_new_password(path: Path) -> bool:
    """True when opening would create the first administrator (so ask for the password
    twice): no file yet, or a plaintext file with no accounts."""
    path = Path(path)
    if not path.exists():
        return True
    if path.stat().st_size == 0 or is_encrypted(path):
        return False
    probe = Store.open(path, user="probe", create=False)
    try:
        return not probe.accounts()
    finally:
        probe.close()


def open_as(
    path: Path,
    username: str,
    password: str,
    *,
    create: bool = True,
    plaintext: bool = False,
    on_created: Callable[[str | None], None] | None = None,
    display_name: str = "",
) -> Store:
    """Sign in; or, for a new file (or a plaintext one without accounts), make this user its
    first administrator, named `display_name` (else the user name) on letters and signatures.
    `on_created` receives the recovery code (None if plaintext)."""
    path = Path(path)
    name = display_name.strip() or username
    if not path.exists():
        if not create:
            raise StoreError(f"{path} does not exist")
        created = create_database(
            path, username=username, display_name=name, password=password, plaintext=plaintext
        )
        if on_created:
            on_created(created.recovery_code)
        return created.store
    if plaintext and is_encrypted(path):
        raise StoreError(f"--plaintext: {path} exists and is encrypted")
    if needs_new_password(path):
        return add_first_admin(path, username=username, display_name=name, password=password)
    return sign_in(path, username, password)


def unwrap_key(path: Path, username: str, password: str) -> bytes | None:
    """The database key (None for a plaintext file), without opening the database."""
    if not is_encrypted(path):
        return None
    keyring = Keyring.load(keyring_path(path))
    key = keyring.unwrap(username, password)
    if key is None:
        keyring.record_failure(username, utc_now())
        raise LoginFailed("The user name or password is not right")
    return key


def authorise_restore(path: Path, backup: Path, username: str, password: str) -> bytes | None:
    """Restoring needs an administrator's account in the backup being restored (the live file
    may be the damaged one). Returns the key the backup opens with."""
    key = unwrap_key(path, username, password) if path.exists() else None
    if key is None and is_encrypted(backup):
        ring = keyring_path(backup)
        if not ring.exists():
            raise StoreError(f"{backup} is encrypted and has no keyring beside it")
        key = Keyring.load(ring).unwrap(username, password)
        if key is None:
            raise LoginFailed("The user name or password is not right")
    from mdtapp.store.backup import verify_database

    verify_database(backup, key=key)
    conn = connect(backup, key)
    try:
        has_accounts = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'users'"
        ).fetchone()[0]
        rows = (
            conn.execute(
                "SELECT roles, password_hash, active FROM users WHERE username = ?", [username]
            ).fetchall()
            if has_accounts
            else []
        )
    finally:
        conn.close()
    if not has_accounts:  # a backup from before accounts: an administrator of the live file
        live = sign_in(path, username, password)
        admin = live.principal.has("admin")
        live.close()
        if not admin:
            raise PermissionDenied("Restoring needs an administrator")
        return key
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        ok = bool(rows) and rows[0][2] and PasswordHasher().verify(rows[0][1], password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or "admin" not in rows[0][0]:
        raise PermissionDenied("Restoring needs an administrator of the backup being restored")
    return key


def recover(path: Path, code: str, username: str, new_password: str) -> None:
    """With the recovery key: set a new password for an account (the keyring is rebuilt if it
    was lost, with only that account; administrators re-add the others' passwords)."""
    key = key_from_recovery_code(code)
    store = Store.open(path, user=username, key=key, create=False)  # a wrong code: WrongKey
    try:
        ring_path = keyring_path(path)
        keyring = (
            Keyring.load(ring_path) if ring_path.exists() else Keyring(ring_path, db_id(store))
        )
        store.keyring = keyring
        account = store.account(username)
        if account is None:
            raise StoreError(f"No user called {username}")
        if "admin" not in account.roles:
            raise PermissionDenied(
                "Recovery resets an administrator's password; the "
                "administrator then resets the others'"
            )
        store.principal = account.principal
        store.set_password(username, new_password)
        with store.transaction():  # they chose this password themselves: no forced change
            store.db.execute(
                "UPDATE users SET must_change_password = 0 WHERE username = ?", [username]
            )
        store.record_event("recover", detail=f"password of {username} reset with the recovery key")
    finally:
        store.close()


def _row_counts(conn: object) -> dict[str, int]:
    tables = [
        r[0]
        for r in conn.execute(  # type: ignore[attr-defined]
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0]  # type: ignore
        for t in tables
    }


def encrypt_in_place(path: Path, username: str, password: str) -> str:
    """Convert a plaintext database to an encrypted one, safely: build an encrypted copy, check
    every table's rows against the original, swap, check again, and only then remove the
    plaintext (overwritten before deletion). Returns the recovery code."""
    from mdtapp.store.keyring import recovery_code

    path = Path(path)
    if is_encrypted(path):
        raise StoreError(f"{path} is already encrypted")
    store = sign_in(path, username, password)
    if "admin" not in store.principal.roles:
        store.close()
        raise PermissionDenied("Encrypting the database needs an administrator")
    plain = store.db.conn
    plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = _row_counts(plain)
    identity = db_id(store)
    key = new_database_key()
    staged = path.with_name(path.name + ".encrypting")
    staged.unlink(missing_ok=True)
    plain.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"", [str(staged)])
    plain.execute("SELECT sqlcipher_export('encrypted')")
    version = plain.execute("PRAGMA user_version").fetchone()[0]
    plain.execute(f"PRAGMA encrypted.user_version = {version}")
    plain.execute(f"PRAGMA encrypted.application_id = {APPLICATION_ID}")
    plain.execute("DETACH DATABASE encrypted")
    store.close()
    check = connect(staged, key)
    try:
        if (
            check.execute("PRAGMA integrity_check").fetchone()[0] != "ok"
            or _row_counts(check) != before
        ):
            raise StoreError("The encrypted copy did not match the original; nothing was changed")
    finally:
        check.close()
    keyring = Keyring(keyring_path(path), identity)
    keyring.wrap(username, password, key)
    old = path.with_name(path.name + ".plaintext-old")
    os.replace(path, old)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    os.replace(staged, path)
    keyring.save()
    try:
        reopened = sign_in(path, username, password)
        ok = _row_counts(reopened.db.conn) == before
        reopened.record_event(
            "encrypt",
            detail="converted from plaintext; other users need an "
            "administrator to set their passwords",
        )
        reopened.close()
        if not ok:
            raise StoreError("row counts differ after the swap")
    except BaseException:
        os.replace(old, path)  # put the original back
        keyring.path.unlink(missing_ok=True)
        raise
    _shred(old)
    return recovery_code(key)


def _shred(path: Path) -> None:
    """Overwrite, then delete (best effort: SSDs and backups may keep copies; see security.md)."""
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.write(b"\0" * size)
        f.flush()
        os.fsync(f.fileno())
    path.unlink()


copy_keyring_with_backup = copy_keyring  # the name the commands know


__all__ = [
    "Created",
    "LoginFailed",
    "LoginThrottled",
    "add_first_admin",
    "copy_keyring_with_backup",
    "create_database",
    "encrypt_in_place",
    "is_encrypted",
    "needs_new_password",
    "open_as",
    "recover",
    "sign_in",
]
