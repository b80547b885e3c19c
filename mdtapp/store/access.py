"""Signing in: the one way the app and the commands open a database.

A new database is encrypted (SQLCipher) with a random key, sealed for its first administrator in
the keyring beside it, unless a plaintext database is asked for explicitly (demos, tests).

Signing in costs one argon2id computation (passwords.py): it opens the account's private key in
the keyring, which opens the database key, and the same computation is checked against the
account's row inside the database (active, the same salt, the same check). Every attempt is
counted before it is tried, across processes, and refused while the account must wait
(attempts.py). Nothing here logs or stores a password.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mdtapp.store import keys, passwords
from mdtapp.store.attempts import LoginFailed, LoginThrottled, Throttle
from mdtapp.store.connection import connect, has_sqlite_header
from mdtapp.store.context import utc_now
from mdtapp.store.errors import NotAnMdtappDatabase, PermissionDenied, StoreError
from mdtapp.store.faults import Fault, fault_of
from mdtapp.store.keyring import (
    Credential,
    Entry,
    Keyring,
    KeyringError,
    Keyset,
    copy_keyring,
    key_id,
    keyring_path,
    new_database_key,
    recovery_code,
)
from mdtapp.store.models import Account
from mdtapp.store.passwords import KdfParams, Secret
from mdtapp.store.repository import Store
from mdtapp.store.security import password_problem

WRONG = "The user name or password is not right"


@dataclass(frozen=True)
class Created:
    store: Store
    recovery_code: str | None  # show once, to be kept in a safe; None for plaintext


def check_file(path: Path) -> None:
    """A file that could be a database: there, a file, not empty (else one clear message)."""
    if not path.exists():
        raise StoreError(f"{path} does not exist")
    if path.is_dir():
        raise NotAnMdtappDatabase(f"{path} is a folder, not an mdtapp database file")
    if path.stat().st_size == 0:
        raise NotAnMdtappDatabase(f"{path} is empty (0 bytes), so it is not an mdtapp database")


def is_encrypted(path: Path) -> bool:
    return not has_sqlite_header(path)


def db_id(store: Store) -> str:
    return keys.db_id(store)


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
    path = Path(path)
    if path.exists():
        raise StoreError(f"{path} already exists")
    problem = password_problem(password, username)
    if problem:
        raise StoreError(f"password {problem}")
    key = None if plaintext else new_database_key()
    try:
        store = Store.open(path, user=username, key=key, clock=clock)
        if key is not None:
            store.keyring = Keyring(keyring_path(path), [Keyset(db_id(store), 1, {}, key_id(key))])
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


def load_keyring(path: Path) -> Keyring:
    """The keyring beside an encrypted database, or a message that says what to do."""
    ring = keyring_path(path)
    if not ring.exists():
        raise NotAnMdtappDatabase(
            f"{path} is not an mdtapp database (it is not an SQLite file); if it is an "
            f"encrypted mdtapp database, its keyring {ring.name} is missing: restore it "
            "from the backup beside the database backup, or use the recovery key. The file "
            "was left untouched."
        )
    return Keyring.load(ring)


def _key_fits(path: Path, key: bytes) -> bool:
    """Whether this key reads the file at all (a keyset written for another key does not)."""
    conn = connect(path, key)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except Exception as e:
        # damaged, busy...: opening it properly says so
        return fault_of(e) is not Fault.NOT_A_DATABASE
    finally:
        conn.close()
    return True


def _password_is(store: Store, username: str, entry: Entry, secret: Secret, password: str) -> bool:
    """The account is active and this is its password, as the database holds it."""
    row = store.db.execute(
        "SELECT password_hash, active FROM users WHERE username = ?", [username]
    ).fetchone()
    if row is None or not row[1]:
        return False
    if passwords.matches(row[0], secret):
        return True  # the same computation: no second argon2id
    if passwords.is_legacy(row[0]) or entry.legacy:
        return passwords.verify(row[0], password)  # once, before its key pair is made
    return False  # a keyring entry the database does not hold (a stale keyset)


def unlock(
    path: Path,
    ring: Keyring,
    username: str,
    password: str,
    *,
    clock: Callable[[], datetime] = utc_now,
) -> tuple[Store, Secret] | None:
    """The database opened with this user's password, or None if it is not right. One argon2id
    computation per distinct salt (one, unless a killed process left two keysets)."""
    derived: dict[tuple[bytes, KdfParams], Secret] = {}
    unsealed: list[bytes] = []
    for keyset in ring.keysets:
        entry = keyset.users.get(username)
        if entry is None:
            continue
        ident = (entry.salt, entry.params)
        if ident not in derived:
            derived[ident] = passwords.derive(password, entry.salt, entry.params)
        secret = derived[ident]
        key = entry.database_key(
            secret, db_id=keyset.db_id, username=username, generation=keyset.generation
        )
        if key is None:
            continue
        unsealed.append(key)
        if len(ring.keysets) > 1 and not _key_fits(path, key):
            continue
        store = Store.open(
            path, user=username, key=key, create=False, clock=clock, keyring=ring, key_verified=True
        )
        if _password_is(store, username, entry, secret, password):
            return store, secret
        store.close()
    if not derived:
        passwords.waste_time(password)  # an unknown name takes as long as a wrong password
    elif unsealed and len(ring.keysets) > 1:
        # the password opened a key, but no key read the file: say what is wrong with it
        Store.open(path, user=username, key=unsealed[0], create=False, key_verified=True).close()
    return None


def sign_in(
    path: Path, username: str, password: str, *, clock: Callable[[], datetime] = utc_now
) -> Store:
    """Open the database as this user; LoginFailed / LoginThrottled / a StoreError otherwise."""
    from mdtapp.store import encrypting

    path = Path(path)
    check_file(path)
    throttle = Throttle(path)
    if is_encrypted(path):
        ring = load_keyring(path)
        throttle.attempt(username, clock())  # counted now; cleared below if it is right
        opened = unlock(path, ring, username, password, clock=clock)
        if opened is None:
            raise LoginFailed(WRONG)
        store, secret = opened
        throttle.succeeded(username)
        keys.settle(store, username, secret)
    else:
        encrypting.undo_interrupted(path)
        store = Store.open(path, user=username, create=False, clock=clock)
        try:
            if not store.accounts():
                raise StoreError(
                    "This database has no accounts yet: create the first "
                    "administrator (mdtapp user first-admin, or open it in the app)"
                )
            throttle.attempt(username, clock())
            if not store.check_password(username, password):
                raise LoginFailed(WRONG)
            throttle.succeeded(username)
        except BaseException:
            store.close()
            raise
    account = store.account(username)
    assert account is not None
    store.principal = account.principal
    if store.encrypted:
        encrypting.finish_interrupted(store)
    _adopt_legacy_settings(store)
    return store


def _adopt_legacy_settings(store: Store) -> None:
    """An administrator's sign-in moves the centre's settings from this computer's old
    settings.toml into the database, once (settings.py)."""
    if not store.can("admin"):
        return
    from mdtapp.settings import adopt_legacy_settings

    adopt_legacy_settings(store)


def verify_other(
    store: Store,
    username: str,
    password: str,
    *,
    purpose: str,
    clock: Callable[[], datetime] | None = None,
) -> Account:
    """Another person confirms with their own password, at this signed-in window (a colleague
    countersigning at the MDT meeting). Throttled with the same count as signing in, and
    audited whether it is right, wrong or refused for waiting. Returns their account;
    LoginFailed or LoginThrottled otherwise (nothing else is done)."""
    now = (clock or store.clock)()
    try:
        Throttle(store.path).attempt(username, now)
    except LoginThrottled as e:
        store.record_event(
            "password-refused", entity="users", entity_uid=username, detail=f"{purpose}: {e}"
        )
        raise
    account = store.account(username)
    if account is None or not account.active or not store.check_password(username, password):
        store.record_event(
            "password-refused",
            entity="users",
            entity_uid=username,
            detail=f"{purpose}: wrong user name or password",
        )
        raise LoginFailed(WRONG)
    Throttle(store.path).succeeded(username)
    store.record_event("password-confirmed", entity="users", entity_uid=username, detail=purpose)
    return account


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
    if path.is_dir() or path.stat().st_size == 0 or is_encrypted(path):
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
    check_file(path)
    if plaintext and is_encrypted(path):
        raise StoreError(f"--plaintext: {path} exists and is encrypted")
    if needs_new_password(path):
        return add_first_admin(path, username=username, display_name=name, password=password)
    return sign_in(path, username, password)


def recover(path: Path, code: str, username: str, new_password: str) -> None:
    """With the recovery key (the database key): set a new password for an administrator. The
    keyring is rebuilt with only that account if it was lost, damaged, or no longer holds this
    key; administrators then set the others' passwords."""
    from mdtapp.store.keyring import key_from_recovery_code, keyring_lock

    path = Path(path)
    check_file(path)
    key = key_from_recovery_code(code)
    store = Store.open(path, user=username, key=key, create=False)  # a wrong code: WrongKey
    try:
        account = store.account(username)
        if account is None:
            raise StoreError(f"No user called {username}")
        if "admin" not in account.roles:
            raise PermissionDenied(
                "Recovery resets an administrator's password; the "
                "administrator then resets the others'"
            )
        problem = password_problem(new_password, username)
        if problem:
            raise StoreError(f"password {problem}")
        store.principal = account.principal
        assert store.path is not None
        with keyring_lock(store.path):
            try:
                ring = Keyring.load(keyring_path(path))
                keyset = next((k for k in ring.keysets if k.key_id == key_id(key)), None)
            except KeyringError:
                ring, keyset = Keyring(keyring_path(path), []), None
            if keyset is None or keys.pending_generation(store) is not None:
                # nothing in the keyring seals this key: start again with this account alone
                keyset = Keyset(db_id(store), keys.key_generation(store), {}, key_id(key))
            secret = passwords.derive(new_password)
            entry = Credential.create(
                secret, key, db_id=keyset.db_id, username=username, generation=keyset.generation
            )
            before = list(ring.keysets)
            ring.keysets = [keyset.with_user(username, entry), *before]
            ring.save()
            with store.transaction():
                store.db.execute(
                    "UPDATE users SET password_hash = ?, public_key = ?, "
                    "must_change_password = 0, active = 1 WHERE username = ?",
                    [passwords.record(secret), entry.public_key.hex(), username],
                )
                store.db.execute("DELETE FROM meta WHERE key = 'key_replacement_to'")
                store.record_event(
                    "recover", detail=f"password of {username} reset with the recovery key"
                )
            ring.keysets = ring.keysets[:1]
            ring.save()
    finally:
        store.close()


def encrypt_in_place(
    path: Path,
    username: str,
    password: str,
    *,
    confirm_recovery_key: Callable[[str], bool],
) -> str:
    """Convert a plaintext database to an encrypted one (encrypting.py); returns the recovery
    code, which `confirm_recovery_key` was shown (and confirmed) before the swap."""
    from mdtapp.store import encrypting

    return encrypting.encrypt_in_place(
        path, username, password, confirm_recovery_key=confirm_recovery_key
    ).recovery_code


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
    "verify_other",
]
