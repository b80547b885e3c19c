"""Restoring a backup, with an administrator's password: checked, throttled, audited, and safe
at every instant.

1. The backup must be a file other than the database itself. An encrypted backup is never
   restored over an unencrypted database (that would change its protection behind the user's
   back): encrypt the database first.
2. The password is an attempt like signing in's (counted first, refused while waiting). It
   must belong to an administrator of the backup being restored (its own keyring and
   accounts); for an encrypted database it also gives the current key, so the restored content
   is re-encrypted under it.
3. The current content is kept (a verified copy, or the damaged file's bytes, in the backups
   folder, with its keyring).
4. A copy of the backup is made under the database's key (`.restoring`), and in it: every
   account that still has a keyring entry for its password keeps it; the restoring
   administrator gets a fresh one; accounts disabled in the current database stay disabled; and
   the restore's own audit entry is written. So the restored content records its restoring,
   whenever the process stops.
5. The keyring gets the new keyset ahead of the old (keys.py), then the copy goes in: through
   SQLite (one transaction: a window with the database open sees the restored content) when
   the current file is sound, else by one atomic rename. Then the keyring keeps the new keyset.

A process killed at any step leaves the database holding its old content or the restored one,
each openable (tests/store/test_kill_keys.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mdtapp.store import keys, passwords
from mdtapp.store.attempts import LoginFailed, Throttle
from mdtapp.store.backup import backup_to, backups_dir, backups_of, verify_database
from mdtapp.store.connection import connect, has_sqlite_header
from mdtapp.store.context import utc_now
from mdtapp.store.errors import PermissionDenied, StoreError
from mdtapp.store.files import remove, replace
from mdtapp.store.keyring import (
    Credential,
    Entry,
    Keyring,
    KeyringError,
    Keyset,
    copy_keyring,
    key_id,
    keyring_lock,
    keyring_path,
)
from mdtapp.store.passwords import KdfParams, Secret
from mdtapp.store.repository import Store
from mdtapp.store.security import maintenance

WRONG = "The user name or password is not right"


@dataclass(frozen=True)
class Restored:
    backup: Path
    kept: Path | None  # where the previous content was kept
    notes: tuple[str, ...] = field(default=())  # accounts that need a password set, etc.


class _Secrets:
    """One argon2id computation per distinct salt, however many keyrings are tried."""

    def __init__(self, password: str):
        self.password = password
        self.found: dict[tuple[bytes, KdfParams], Secret] = {}

    def of(self, salt: bytes, params: KdfParams) -> Secret:
        if (salt, params) not in self.found:
            self.found[salt, params] = passwords.derive(self.password, salt, params)
        return self.found[salt, params]


def _keyring_key(ring: Keyring, username: str, secrets: _Secrets) -> list[tuple[bytes, Keyset]]:
    """Every database key this password opens in a keyring, with its keyset."""
    found = []
    for keyset in ring.keysets:
        entry = keyset.users.get(username)
        if entry is None:
            continue
        key = entry.database_key(
            secrets.of(entry.salt, entry.params),
            db_id=keyset.db_id,
            username=username,
            generation=keyset.generation,
        )
        if key is not None:
            found.append((key, keyset))
    return found


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _backup_key(backup: Path, username: str, secrets: _Secrets) -> bytes | None:
    """The key an encrypted backup opens with (its own keyring); None for a plaintext one."""
    if has_sqlite_header(backup):
        return None
    ring_path = keyring_path(backup)
    if not ring_path.exists():
        raise StoreError(
            f"{backup} is encrypted and has no keyring beside it ({ring_path.name}): restore "
            "needs the keyring copied with the backup"
        )
    for key, _ in _keyring_key(Keyring.load(ring_path), username, secrets):
        try:
            verify_database(backup, key=key)
        except StoreError:
            continue
        return key
    raise LoginFailed(WRONG)


class _NoAccounts(Exception):
    """A backup from before accounts existed."""


def _authorised(backup: Path, key: bytes | None, username: str, secrets: _Secrets) -> bool:
    """Whether this password is an active account's of the backup (LoginFailed if not) and
    that account an administrator; _NoAccounts for a backup older than accounts."""
    conn = connect(backup, key)
    try:
        if not conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'users'").fetchone()[
            0
        ]:
            raise _NoAccounts()
        row = conn.execute(
            "SELECT roles, password_hash, active FROM users WHERE username = ?", [username]
        ).fetchone()
    finally:
        conn.close()
    if row is None or not row[2]:
        passwords.waste_time(secrets.password)
        raise LoginFailed(WRONG)
    stored = passwords.parse(row[1])
    if stored is not None:
        ok = passwords.matches(row[1], secrets.of(stored.salt, stored.params))
    else:
        ok = passwords.verify(row[1], secrets.password)
    if not ok:
        raise LoginFailed(WRONG)
    return "admin" in row[0]


def _live_key(path: Path, username: str, secrets: _Secrets) -> tuple[bytes | None, Keyring | None]:
    """The current database's key from its keyring and this password (None: plaintext, or the
    keyring is lost, damaged or does not know this password: the backup's key is used)."""
    if not path.exists() or has_sqlite_header(path):
        return None, None
    try:
        ring = Keyring.load(keyring_path(path))
    except KeyringError:
        return None, None
    for key, _ in _keyring_key(ring, username, secrets):
        return key, ring
    return None, ring


def _healthy(path: Path, key: bytes | None) -> bool:
    if not path.exists():
        return False
    try:
        verify_database(path, key=key)
    except StoreError:
        return False
    except Exception:
        return False  # anything SQLite says about a file it cannot read: treat it as damaged
    return True


def restore(
    path: Path,
    backup: Path,
    username: str,
    password: str,
    *,
    clock: Callable[[], datetime] = utc_now,
) -> Restored:
    """Put `backup` back as the database at `path` (see the module's docstring)."""
    path, backup = Path(path), Path(backup)
    _refuse_obvious(path, backup)
    throttle = Throttle(path)
    throttle.attempt(username, clock())  # nothing is tried while the account must wait
    secrets = _Secrets(password)
    result = _restore(path, backup, username, secrets, clock)
    throttle.succeeded(username)
    return result


def restore_latest(
    path: Path, username: str, password: str, *, clock: Callable[[], datetime] = utc_now
) -> Restored:
    """The newest backup this administrator's password opens and that passes its check."""
    path = Path(path)
    throttle = Throttle(path)
    throttle.attempt(username, clock())
    secrets = _Secrets(password)
    for candidate in backups_of(path):
        try:
            result = _restore(path, candidate, username, secrets, clock)
        except StoreError:
            continue
        throttle.succeeded(username)
        return result
    raise StoreError("No backup that passes its check opens with this user name and password")


def _refuse_obvious(path: Path, backup: Path) -> None:
    if not backup.exists():
        raise StoreError(f"{backup} does not exist")
    if backup.is_dir():
        raise StoreError(f"{backup} is a folder, not a backup file")
    if _same_file(path, backup) or path.resolve() == backup.resolve():
        raise StoreError(f"{backup} is the database itself: choose a backup to restore from")
    live_plain = path.is_file() and path.stat().st_size and has_sqlite_header(path)
    if live_plain and backup.stat().st_size and not has_sqlite_header(backup):
        raise StoreError(
            f"{backup} is encrypted and {path} is not: restoring it would replace an "
            f"unencrypted database with an encrypted one and its keys. Encrypt {path} "
            "first (mdtapp encrypt), or restore to a new path with --db"
        )


def _restore(
    path: Path, backup: Path, username: str, secrets: _Secrets, clock: Callable[[], datetime]
) -> Restored:
    _refuse_obvious(path, backup)
    backup_key = _backup_key(backup, username, secrets)
    verify_database(backup, key=backup_key)
    try:
        if not _authorised(backup, backup_key, username, secrets):
            raise PermissionDenied("Restoring needs an administrator of the backup being restored")
    except _NoAccounts:  # a backup from before accounts: an administrator of the live file
        from mdtapp.store.access import sign_in

        live = sign_in(path, username, secrets.password, clock=clock)
        admin = live.principal.has("admin")
        live.close()
        if not admin:
            raise PermissionDenied("Restoring needs an administrator") from None
    live_key, live_ring = _live_key(path, username, secrets)
    healthy = _healthy(path, live_key) if path.exists() else False
    target_key = live_key if live_key is not None else backup_key
    kept = _keep_current(path, live_key, healthy)
    path.parent.mkdir(parents=True, exist_ok=True)
    with keyring_lock(path):
        staged = path.with_name(path.name + ".restoring")
        for leftover in (staged, *(staged.with_name(staged.name + s) for s in ("-wal", "-shm"))):
            remove(leftover)
        src = connect(backup, backup_key)
        try:
            backup_to(src, staged, key=target_key)  # re-encrypted under the database's key
        finally:
            src.close()
        try:
            keyset, notes = _prepare(
                staged,
                target_key,
                path=path,
                backup=backup,
                kept=kept,
                username=username,
                secrets=secrets,
                live_key=live_key,
                live_ring=live_ring,
                clock=clock,
            )
            ring = live_ring if live_ring is not None else Keyring(keyring_path(path), [])
            before = list(ring.keysets)
            if keyset is not None:
                ring.keysets = [keyset, *before]  # step 1: the new keyset ahead of the old
                ring.save()
            if healthy:
                _through_sqlite(staged, path, target_key)
                remove(staged)
            else:
                for companion in ("-wal", "-shm", "-journal"):
                    remove(path.with_name(path.name + companion))  # the damaged file's
                replace(staged, path)
            if keyset is not None:
                ring.keysets = [keyset]  # step 3
                ring.save()
            elif keyring_path(path).exists() and target_key is None:
                remove(keyring_path(path))  # a plaintext database has no keyring
        finally:
            remove(staged)
    return Restored(backup, kept, notes)


def _keep_current(path: Path, key: bytes | None, healthy: bool) -> Path | None:
    """The content being replaced, kept in the backups folder (with its keyring)."""
    if not path.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = backups_dir(path) / f"{path.stem}-{stamp}-before-restore.db"
    kept.parent.mkdir(parents=True, exist_ok=True)
    if healthy:
        current = connect(path, key)
        try:
            kept = backup_to(current, kept, key=key)
        finally:
            current.close()
    else:  # damaged: its bytes exactly as they are
        partial = kept.with_name(f"{kept.name}.{os.getpid()}.partial")
        try:
            shutil.copy2(path, partial)
            replace(partial, kept)
        except BaseException:
            remove(partial)
            raise
    copy_keyring(path, kept)
    return kept


def _through_sqlite(staged: Path, path: Path, key: bytes | None) -> None:
    """One SQLite transaction into the live file: a window that has it open sees the result."""
    src = connect(staged, key)
    dest = connect(path, key)
    try:
        src.backup(dest)
    finally:
        src.close()
        dest.close()


def _prepare(
    staged: Path,
    key: bytes | None,
    *,
    path: Path,
    backup: Path,
    kept: Path | None,
    username: str,
    secrets: _Secrets,
    live_key: bytes | None,
    live_ring: Keyring | None,
    clock: Callable[[], datetime],
) -> tuple[Keyset | None, tuple[str, ...]]:
    """Inside the copy to be put in place: accounts reconciled with the keys, and the audit
    entry of this restore. Returns the keyset for it (None: plaintext) and notes."""
    store = Store.open(staged, user=maintenance(username), key=key, create=False, clock=clock)
    notes: list[str] = []
    try:
        store.daily_backups_kept = 0
        disabled_now = _disabled_in(path, live_key)
        with store.transaction():
            rows = {r["username"]: r for r in store.db.query("SELECT * FROM users")}
            for name in sorted(disabled_now & {n for n, r in rows.items() if r["active"]}):
                store.db.execute("UPDATE users SET active = 0 WHERE username = ?", [name])
                notes.append(f"{name} stays disabled, as in the database being replaced")
            keyset = None
            if key is not None:
                keyset = _reconcile(store, key, username, secrets, live_ring, backup, notes)
            store.record_event(
                "restore",
                detail=f"from {backup} by {username}"
                + (f"; previous content kept at {kept}" if kept else "")
                + (f"; {'; '.join(notes)}" if notes else ""),
            )
        store.db.execute("PRAGMA journal_mode = DELETE")
    finally:
        store.close()
    return keyset, tuple(notes)


def _disabled_in(path: Path, key: bytes | None) -> set[str]:
    """Accounts disabled in the database being replaced (if it can still be read)."""
    if not path.exists():
        return set()
    try:
        conn = connect(path, key)
        try:
            return {r[0] for r in conn.execute("SELECT username FROM users WHERE active = 0")}
        finally:
            conn.close()
    except Exception:
        return set()  # damaged or older than accounts: nothing to carry over


def _reconcile(
    store: Store,
    key: bytes,
    username: str,
    secrets: _Secrets,
    live_ring: Keyring | None,
    backup: Path,
    notes: list[str],
) -> Keyset:
    """A keyring entry, sealing `key`, for each active account of the restored content whose
    password an entry still matches (the current keyring's, else the backup's); a fresh one for
    the restoring administrator; the rest are named (an administrator sets their passwords)."""
    identity = keys.db_id(store)
    generation = keys.key_generation(store)
    if live_ring is not None:
        generation = max(generation, *(k.generation for k in live_ring.keysets))
    candidates: list[Keyset] = list(live_ring.keysets) if live_ring is not None else []
    with contextlib.suppress(KeyringError):
        candidates += Keyring.load(keyring_path(backup)).keysets
    entries: dict[str, Entry] = {}
    for row in store.db.query("SELECT * FROM users WHERE active = 1"):
        name = row["username"]
        if name == username:
            continue
        entry = _matching_entry(candidates, name, row)
        if entry is None:
            notes.append(f"{name} needs an administrator to set a password")
            continue
        entries[name] = entry.resealed(key, db_id=identity, username=name, generation=generation)
    secret = passwords.derive(secrets.password)
    mine = Credential.create(secret, key, db_id=identity, username=username, generation=generation)
    store.db.execute(
        "UPDATE users SET password_hash = ?, public_key = ? WHERE username = ?",
        [passwords.record(secret), mine.public_key.hex(), username],
    )
    entries[username] = mine
    store.db.execute(
        "INSERT INTO meta (key, value) VALUES ('key_generation', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [str(generation)],
    )
    store.db.execute("DELETE FROM meta WHERE key = 'key_replacement_to'")
    return Keyset(identity, generation, entries, key_id(key))


def _matching_entry(candidates: list[Keyset], name: str, row: dict[str, Any]) -> Credential | None:
    stored = passwords.parse(row["password_hash"])
    if stored is None:
        return None  # an entry from before key pairs cannot be moved to another key
    for keyset in candidates:
        entry = keyset.users.get(name)
        if (
            isinstance(entry, Credential)
            and entry.salt == stored.salt
            and entry.params == stored.params
            and row["public_key"] == entry.public_key.hex()
        ):
            return entry
    return None
