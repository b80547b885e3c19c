"""Encrypting an unencrypted database in place, so that a process killed at any instant leaves
the path holding an openable database with every row.

1. An administrator signs in; the file is taken for this process alone (keys.exclusive).
2. A new key is made and shown as the recovery key; nothing goes further until the caller
   confirms it was stored.
3. An encrypted copy is built beside the file (`.encrypting`), the administrator's key pair and
   the conversion's audit entry are written into it, and it is checked: integrity, and every
   table's rows against the original.
4. The keyring is written (beside a plaintext file it is ignored, so this changes nothing yet).
5. The original gets a second name (`.plaintext-old`, a hard link), then the copy is renamed
   over the path: one atomic rename, so the path holds either the old file or the new one.
6. The new file is opened with the key and checked again; then every plaintext copy (the
   second name, the unencrypted backups made before) is overwritten and removed, and the caller
   is told which.

A process killed before step 5 leaves the old file at the path: the next sign-in removes the
half-built copy and its keyring (`undo_interrupted`). Killed after it, the encrypted file opens
with the administrator's password, and the next sign-in removes the plaintext copies
(`finish_interrupted`). Each step is proved by killing a process at it
(tests/store/test_kill_keys.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mdtapp.store import keys, passwords
from mdtapp.store.backup import backups_dir
from mdtapp.store.connection import connect, has_sqlite_header
from mdtapp.store.errors import PermissionDenied, StoreError
from mdtapp.store.files import remove, replace
from mdtapp.store.keyring import (
    Credential,
    Keyring,
    Keyset,
    key_id,
    keyring_path,
    new_database_key,
    recovery_code,
)
from mdtapp.store.repository import Store
from mdtapp.store.schema import APPLICATION_ID


@dataclass(frozen=True)
class Encrypted:
    recovery_code: str
    removed: tuple[Path, ...]  # the plaintext copies overwritten and removed


def staged_path(path: Path) -> Path:
    return path.with_name(path.name + ".encrypting")


def old_path(path: Path) -> Path:
    return path.with_name(path.name + ".plaintext-old")


def _companions(path: Path) -> list[Path]:
    return [path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal")]


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


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def undo_interrupted(path: Path) -> None:
    """The path still holds the plaintext file: remove what a killed conversion left."""
    old = old_path(path)
    if old.exists() and (_same_file(old, path) or old.stat().st_size == 0):
        remove(old)  # only a second name of the live file (or the empty mark of one)
    staged = staged_path(path)
    if staged.exists():
        for leftover in (staged, *_companions(staged), keyring_path(path)):
            remove(leftover)  # the keyring sealed the half-built copy's key, nothing else


SHREDDING = ".shredding"  # a copy being overwritten: renamed first, so a kill cannot hide it


def plaintext_copies(path: Path) -> list[Path]:
    """Every unencrypted copy of this database mdtapp made: the plaintext backups (daily,
    before a migration, before a restore), then the old file's second name. That name goes
    last: while it is there, the removal is not finished (a killed process's next sign-in
    carries on). Copies whose overwriting was cut short are included."""
    found = []
    folder = backups_dir(path)
    if folder.is_dir():
        for copy in sorted(folder.glob(f"{path.stem}-*.db")):
            if copy.is_file() and copy.stat().st_size and has_sqlite_header(copy):
                found.append(copy)
        found += sorted(folder.glob(f"{path.stem}-*.db{SHREDDING}"))
    old = old_path(path)
    cut_short = old.with_name(old.name + SHREDDING)
    if cut_short.exists():
        found.append(cut_short)
    if old.exists() and not _same_file(old, path):
        found.append(old)
    return found


def shred(path: Path) -> None:
    """Overwrite, then delete (best effort: SSDs and snapshots may keep copies; security.md).
    Renamed first, so that a copy half overwritten is still known for one."""
    if not path.name.endswith(SHREDDING):
        target = path.with_name(path.name + SHREDDING)
        replace(path, target)
        for companion in _companions(path):
            remove(companion)
        path = target
    size = path.stat().st_size
    with path.open("r+b") as f:  # over every byte, in place
        chunk = b"\0" * (1 << 20)
        for start in range(0, size, len(chunk)):
            f.write(chunk[: min(len(chunk), size - start)])
        f.flush()
        os.fsync(f.fileno())
    remove(path)


def _remove_plaintext(path: Path) -> tuple[Path, ...]:
    copies = plaintext_copies(path)
    for copy in copies:
        shred(copy)
    return tuple(copies)


def finish_interrupted(store: Store) -> tuple[Path, ...]:
    """An encrypted file that opened: remove the plaintext copies a conversion killed after its
    swap left behind, with an audit entry naming them."""
    if store.path is None or not store.encrypted:
        return ()
    if not old_path(store.path).exists():
        return ()
    removed = _remove_plaintext(store.path)
    if removed:
        store.record_event(
            "encrypt",
            detail="unencrypted copies overwritten and removed: "
            + ", ".join(str(p) for p in removed),
        )
    return removed


def encrypt_in_place(
    path: Path,
    username: str,
    password: str,
    *,
    confirm_recovery_key: Callable[[str], bool],
) -> Encrypted:
    """Convert a plaintext database to an encrypted one (see the module's docstring)."""
    from mdtapp.store.access import is_encrypted, sign_in

    path = Path(path)
    if path.exists() and not path.is_dir() and path.stat().st_size and is_encrypted(path):
        raise StoreError(f"{path} is already encrypted")
    store = sign_in(path, username, password)  # a plaintext sign-in: throttled, checked
    try:
        try:
            if "admin" not in store.principal.roles:
                raise PermissionDenied("Encrypting the database needs an administrator")
            key, code, before = _build_copy(store, path, username, password, confirm_recovery_key)
        finally:
            store.close()
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size:
            raise StoreError(
                f"{path} was written to by another program during the conversion: nothing was "
                "changed; close it there and try again"
            )
        for companion in _companions(path):
            remove(companion)
    except BaseException:
        undo_interrupted(path)
        raise
    replace(staged_path(path), path)  # the swap: the path holds the old file or the new one
    try:
        _check_copy(path, key, before)
    except BaseException:
        if old_path(path).exists():
            replace(old_path(path), path)  # put the original back
            remove(keyring_path(path))
        raise
    return Encrypted(code, _remove_plaintext(path))


def _build_copy(
    store: Store,
    path: Path,
    username: str,
    password: str,
    confirm_recovery_key: Callable[[str], bool],
) -> tuple[bytes, str, dict[str, int]]:
    """Steps 1-5 up to the swap: the checked encrypted copy, its keyring, the old file's second
    name. Returns the key, its recovery code and the original's row counts."""
    with keys.exclusive(store):
        plain = store.db.conn
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = _row_counts(plain)
        identity = keys.db_id(store)
        key = new_database_key()
        code = recovery_code(key)
        if not confirm_recovery_key(code):  # shown and confirmed before anything changes
            raise StoreError(
                "Not encrypted: the recovery key was not confirmed as stored; nothing was changed"
            )
        staged = staged_path(path)
        for leftover in (staged, *_companions(staged)):
            remove(leftover)
        plain.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"", [str(staged)])
        plain.execute("SELECT sqlcipher_export('encrypted')")
        version = plain.execute("PRAGMA user_version").fetchone()[0]
        plain.execute(f"PRAGMA encrypted.user_version = {version}")
        plain.execute(f"PRAGMA encrypted.application_id = {APPLICATION_ID}")
        plain.execute("DETACH DATABASE encrypted")
        secret = passwords.derive(password)
        entry = Credential.create(secret, key, db_id=identity, username=username, generation=1)
        _prepare(staged, key, store, username, secret, entry)
        _check_copy(staged, key, before)
        ring = Keyring(keyring_path(path), [Keyset(identity, 1, {username: entry}, key_id(key))])
        ring.save()  # beside a plaintext file a keyring is ignored: nothing has changed yet
        remove(old_path(path))
        try:  # the original keeps a name, to be overwritten after the swap
            os.link(path, old_path(path))
        except OSError:  # no hard links here (FAT, some shares): its blocks are freed without
            old_path(path).touch()  # being overwritten; the empty name marks the removal to do
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return key, code, before


def _prepare(
    staged: Path,
    key: bytes,
    store: Store,
    username: str,
    secret: passwords.Secret,
    entry: Credential,
) -> None:
    """Inside the encrypted copy: the administrator's new password check and public key, and
    the conversion's audit entry (so the copy records its own making)."""
    copy = Store.open(staged, user=store.principal, key=key, create=False, clock=store.clock)
    try:
        copy.daily_backups_kept = 0  # no daily copy of a file not yet in use
        with copy.transaction():
            copy.db.execute(
                "UPDATE users SET password_hash = ?, public_key = ? WHERE username = ?",
                [passwords.record(secret), entry.public_key.hex(), username],
            )
            copy.record_event(
                "encrypt",
                detail="converted from plaintext; other users need an administrator to set "
                "their passwords",
            )
        copy.db.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    finally:
        copy.close()


def _check_copy(path: Path, key: bytes, before: dict[str, int]) -> None:
    conn = connect(path, key)
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        after = _row_counts(conn)
    finally:
        conn.close()
    expected = {**before, "audit": before.get("audit", 0) + 1}
    # the summary cache may be filled in by the copy's first write (summaries.py): every
    # record, version, signature, account and audit entry is compared
    after.pop("patient_summary", None)
    expected.pop("patient_summary", None)
    if not ok or after != expected:
        raise StoreError("The encrypted copy did not match the original: nothing was changed")
