"""Changing the keys of an encrypted database together with the database: old or new, never
neither.

A change of the keyring (a new account, a new password, a new database key) goes in three
steps, under a lock every mdtapp process shares (keyring.keyring_lock):

1. the keyring is written with the new keyset *ahead of* the current one;
2. the database changes in one transaction (the password's check, the public key, the audit
   entry), or is re-keyed (PRAGMA rekey, one transaction in the write-ahead log);
3. the keyring is written with the new keyset alone.

A process killed after step 1 leaves both keysets: the next sign-in keeps the one the database
matches (the key that opens it, each account's salt and public key), so every account opens
with the password the database holds. `settle` does that, and finishes a key replacement that a
killed process left half-done. Each step is proved by killing a process at it
(tests/store/test_kill_keys.py).

Replacing the database key (`replace_key`: an administrator's "rotate key", and every account
disabled) makes a new random key, shows it as the new recovery key and waits for it to be
confirmed, seals it to every remaining account's public key (as the database holds them), and
re-encrypts the file with PRAGMA rekey. An account whose keyring entry predates key pairs
cannot be sealed to: it is named, and needs an administrator to set its password.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mdtapp.store import passwords
from mdtapp.store.errors import StoreError
from mdtapp.store.faults import Explanations, Fault, fault_of, known_faults
from mdtapp.store.keyring import (
    Credential,
    Entry,
    Keyring,
    KeyringError,
    Keyset,
    key_id,
    keyring_lock,
    keyring_path,
    new_database_key,
    recovery_code,
)
from mdtapp.store.passwords import Secret

if TYPE_CHECKING:
    from mdtapp.store.repository import Store

Confirm = Callable[[str], bool]


# ------------------------------------------------------------------ what the database says


def _meta(store: Store, key: str) -> str | None:
    row = store.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def _set_meta(store: Store, key: str, value: str | None) -> None:
    if value is None:
        store.db.execute("DELETE FROM meta WHERE key = ?", [key])
    else:
        store.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )


def db_id(store: Store) -> str:
    value = _meta(store, "db_id")
    if value is None:
        raise StoreError("This database has no identity (meta.db_id): it cannot be encrypted")
    return value


def key_generation(store: Store) -> int:
    """How many times the database key has been replaced, plus one."""
    return int(_meta(store, "key_generation") or 1)


def pending_generation(store: Store) -> int | None:
    """A key replacement that was started and not finished (its new keyset's generation)."""
    value = _meta(store, "key_replacement_to")
    return int(value) if value else None


def _accounts(store: Store) -> dict[str, dict[str, Any]]:
    return {r["username"]: r for r in store.db.query("SELECT * FROM users")}


def _entry_matches(entry: Entry, row: dict[str, Any] | None) -> bool:
    """Whether a keyring entry is the one the database holds for that account."""
    if row is None or not row["active"]:
        return False
    if isinstance(entry, Credential):
        stored = passwords.parse(row["password_hash"])
        return (
            stored is not None
            and stored.salt == entry.salt
            and stored.params == entry.params
            and row["public_key"] == entry.public_key.hex()
        )
    return passwords.is_legacy(row["password_hash"])  # an entry from before key pairs


def consistent(keyset: Keyset, store: Store) -> bool:
    """A keyset the database agrees with: it seals this key, and each of its accounts is
    active with this salt and this public key."""
    assert store.key is not None
    if keyset.key_id not in (None, key_id(store.key)) or keyset.db_id != db_id(store):
        return False
    rows = _accounts(store)
    return all(_entry_matches(entry, rows.get(name)) for name, entry in keyset.users.items())


# ------------------------------------------------------------------ one change


class KeyringChange:
    """Steps 1 and 3 around the caller's step 2 (see the module's docstring)."""

    def __init__(self, ring: Keyring):
        self.ring = ring
        self.before = list(ring.keysets)
        self.staged: Keyset | None = None

    @property
    def current(self) -> Keyset:
        return self.before[0]

    def stage(self, keyset: Keyset) -> None:
        self.staged = keyset
        self.ring.keysets = [keyset, *self.before]
        self.ring.save()

    def finish(self) -> None:
        if self.staged is not None:
            self.ring.keysets = [self.staged]
            self.ring.save()

    def undo(self) -> None:
        if self.staged is not None:
            self.ring.keysets = self.before
            self.ring.save()


def _settled_ring(store: Store) -> Keyring:
    """The keyring on disk, with only the keyset the database agrees with (refusing when a
    key replacement is half-done: signing in again finishes it)."""
    assert store.path is not None
    path = keyring_path(store.path)
    if not path.exists() and store.keyring is not None and not store.keyring.current.users:
        return store.keyring  # a database being created: its first account is being added
    ring = Keyring.load(path)
    if pending_generation(store) is not None:
        raise StoreError(
            "A change of the database key was interrupted: sign in again to finish it, "
            "then try again"
        )
    agreed = [k for k in ring.keysets if consistent(k, store)] or _pruned(ring, store)
    if not agreed:
        raise KeyringError(
            f"{path} does not match the database (no keyset seals its key): restore the "
            "keyring beside the newest backup, or use the recovery key"
        )
    if ring.keysets != agreed[:1]:
        ring.keysets = agreed[:1]
        ring.save()
    return ring


def _pruned(ring: Keyring, store: Store) -> list[Keyset]:
    """The keyset sealing this key, without the entries the database does not hold (edited
    or stale: they open nothing anyway, and must not be carried into a new key)."""
    assert store.key is not None
    rows = _accounts(store)
    for keyset in ring.keysets:
        if keyset.key_id in (None, key_id(store.key)) and keyset.db_id == db_id(store):
            users = {n: e for n, e in keyset.users.items() if _entry_matches(e, rows.get(n))}
            return [Keyset(keyset.db_id, keyset.generation, users, keyset.key_id)]
    return []


@contextlib.contextmanager
def changing_keys(store: Store) -> Iterator[KeyringChange | None]:
    """One change of the keyring and the database together (None: a plaintext database)."""
    if store.key is None or store.path is None:
        yield None
        return
    with keyring_lock(store.path):
        change = KeyringChange(_settled_ring(store))
        try:
            yield change
        except BaseException:
            with contextlib.suppress(Exception):  # if this fails too, settle() sorts it out
                change.undo()
            raise
        change.finish()
        store.keyring = change.ring


def credential(store: Store, change: KeyringChange, username: str, secret: Secret) -> Credential:
    """An account's new keyring entry for this password, sealing the database key."""
    assert store.key is not None
    return Credential.create(
        secret,
        store.key,
        db_id=change.current.db_id,
        username=username,
        generation=change.current.generation,
    )


def stage_credential(
    store: Store, change: KeyringChange | None, username: str, secret: Secret
) -> str | None:
    """Stage the account's new keyring entry in `change` (an encrypted database); its public
    key as stored with the account, or None for a plaintext database."""
    if change is None:
        return None
    entry = credential(store, change, username, secret)
    change.stage(change.current.with_user(username, entry))
    return entry.public_key.hex()


# ------------------------------------------------------------------ exclusive access


@contextlib.contextmanager
def exclusive(store: Store) -> Iterator[None]:
    """This connection alone has the file until the block ends: re-keying or replacing it
    under another open window would leave that window reading with a key that no longer
    works. Refused at once (nothing changed) if another window or program has it open."""
    conn = store.db.conn
    conn.execute("PRAGMA busy_timeout = 0")
    conn.execute("PRAGMA locking_mode = EXCLUSIVE")
    try:
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")
    except Exception as e:
        conn.execute("PRAGMA locking_mode = NORMAL")
        if fault_of(e) is Fault.BUSY:
            raise StoreError(
                f"{store.path} is open in another mdtapp window or program: close it there "
                "first; nothing was changed"
            ) from None
        raise
    finally:
        conn.execute("PRAGMA busy_timeout = 15000")
    try:
        yield
    finally:
        conn.execute("PRAGMA locking_mode = NORMAL")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # releases the lock


# ------------------------------------------------------------------ a new database key


@dataclass(frozen=True)
class NewKey:
    recovery_code: str
    generation: int
    sealed_for: tuple[str, ...]  # accounts that open the database with the new key
    left_out: tuple[str, ...]  # active accounts that need an administrator to set a password


def replace_key(
    store: Store,
    *,
    confirm_recovery_key: Confirm,
    reason: str,
    disabling: str | None = None,
    before: Callable[[], None] | None = None,
) -> NewKey:
    """Re-key the database and re-seal the new key for every remaining active account.
    `before` makes the database change that asked for it (disabling the account `disabling`)
    in the transaction that records the replacement as started. The caller has authorised it."""
    assert store.path is not None
    if store.key is None:
        raise StoreError("This database is not encrypted: it has no key to replace")
    new_key = new_database_key()
    with exclusive(store):
        code = recovery_code(new_key)
        if not confirm_recovery_key(code):
            raise StoreError(
                "The key was not replaced: the new recovery key was not confirmed as stored. "
                "Nothing was changed; the current recovery key still works."
            )
        with keyring_lock(store.path):
            ring = _settled_ring(store)
            current = ring.current
            generation = max(k.generation for k in ring.keysets) + 1
            ids = db_id(store)
            sealed: dict[str, Entry] = {}
            left_out = []
            for name, row in sorted(_accounts(store).items()):
                if not row["active"] or name == disabling:
                    continue
                entry = current.users.get(name)
                # sealed to the public key the database holds: editing the keyring cannot
                # slip another key pair in
                if isinstance(entry, Credential) and row["public_key"] == entry.public_key.hex():
                    sealed[name] = entry.resealed(
                        new_key, db_id=ids, username=name, generation=generation
                    )
                else:
                    left_out.append(name)
            staged = Keyset(ids, generation, sealed, key_id(new_key))
            ring.keysets = [staged, current]  # step 1
            ring.save()
            try:
                with store.transaction():
                    if before is not None:
                        before()
                    _set_meta(store, "key_replacement_to", str(generation))
            except BaseException:
                ring.keysets = [current]
                ring.save()
                raise
            # from here the replacement is recorded as started: if this process stops, the
            # next sign-in finishes it with the new key (never the old one again)
            with known_faults(_REKEY_FAULTS):
                _rekey(store, new_key)  # step 2
            _finish_replacement(store, generation, reason, tuple(left_out))
            ring.keysets = [staged]  # step 3
            ring.save()
            store.keyring = ring
    return NewKey(code, generation, tuple(sorted(sealed)), tuple(left_out))


def _not_yet(what: str) -> Callable[[Exception], StoreError]:
    def explain(e: Exception) -> StoreError:
        return StoreError(
            f"{what}: the database key is not replaced yet. The change is recorded and is "
            "finished the next time someone signs in."
        )

    return explain


_REKEY_FAULTS: Explanations = {
    Fault.DISK_FULL: _not_yet("The disk is full"),
    Fault.IO_ERROR: _not_yet("The disk could not be written to"),
    Fault.READ_ONLY: _not_yet("The database file is read-only"),
}


def _rekey(store: Store, new_key: bytes) -> None:
    store.db.conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"").fetchall()
    store.key = new_key


def _finish_replacement(
    store: Store, generation: int, reason: str, left_out: tuple[str, ...]
) -> None:
    with store.transaction():
        _set_meta(store, "key_generation", str(generation))
        _set_meta(store, "key_replacement_to", None)
        store.record_event(
            "key-replaced",
            entity="meta",
            entity_uid="key",
            detail=f"database key replaced (generation {generation}): {reason}"
            + (
                f"; to set a password for (no key pair yet): {', '.join(left_out)}"
                if left_out
                else ""
            ),
        )


# ------------------------------------------------------------------ after a sign-in


def settle(store: Store, username: str, secret: Secret | None) -> None:
    """After a sign-in to an encrypted database: finish a key replacement a killed process
    left half-done, keep only the keyset the database agrees with, and give this account a
    key pair if its entry predates them (no further argon2id: the same secret). Done only
    when no other process is changing the keys; otherwise left to a later sign-in."""
    if store.key is None or store.path is None:
        return
    try:
        with keyring_lock(store.path, wait=0):
            ring = Keyring.load(keyring_path(store.path))
            _resume_replacement(store, ring, username, secret)
            if pending_generation(store) is not None:
                return  # could not finish it now: the keysets stay for a later sign-in
            agreed = [k for k in ring.keysets if consistent(k, store)]
            if agreed and ring.keysets != agreed[:1]:
                ring.keysets = agreed[:1]
                ring.save()
            entry = ring.current.users.get(username)
            if secret is not None and entry is not None and entry.legacy and agreed:
                _give_key_pair(store, ring, username, secret)
            store.keyring = ring
    except (StoreError, OSError):
        return  # busy, or a file cannot be written now: nothing lost, tried again next time


def _resume_replacement(store: Store, ring: Keyring, username: str, secret: Secret | None) -> None:
    assert store.key is not None
    generation = pending_generation(store)
    if generation is None:
        return
    target = next((k for k in ring.keysets if k.generation == generation), None)
    if target is None:  # the new keyset was lost: the replacement never took effect
        with store.transaction():
            _set_meta(store, "key_replacement_to", None)
        return
    if target.key_id != key_id(store.key):
        entry = target.users.get(username)
        if secret is None or entry is None:
            return  # this account cannot open the new key: another will finish it
        new_key = entry.database_key(
            secret, db_id=target.db_id, username=username, generation=target.generation
        )
        if new_key is None:
            return
        try:
            with exclusive(store):
                _rekey(store, new_key)
        except StoreError:
            return  # open elsewhere: finished at a later sign-in
    _finish_replacement(store, generation, "finished after an interruption", ())


def _give_key_pair(store: Store, ring: Keyring, username: str, secret: Secret) -> None:
    """An entry from an mdtapp-keyring/1 file: a key pair for the same password and salt."""
    change = KeyringChange(ring)
    cred = credential(store, change, username, secret)
    change.stage(change.current.with_user(username, cred))
    try:
        with store.transaction():
            store.db.execute(
                "UPDATE users SET password_hash = ?, public_key = ? WHERE username = ?",
                [passwords.record(secret), cred.public_key.hex(), username],
            )
    except BaseException:
        with contextlib.suppress(Exception):
            change.undo()
        raise
    change.finish()
