"""The keyring beside an encrypted database (`mdtapp.db.keys`): how each account reaches the
database key with its own password, and how an administrator gives a new database key to every
account without knowing their passwords.

Each account has a key pair (X25519). Its private key is wrapped (AES-256-GCM) by a key derived
from the account's password (passwords.py: one argon2id computation); its public key is kept
here and, authoritatively, inside the encrypted database. The database key is *sealed* to the
public key (an ephemeral X25519 exchange, HKDF-SHA256, AES-256-GCM). Signing in: password ->
wrapping key -> private key -> database key. Replacing the database key (keys.py) seals the new
one to every remaining account's public key; a disabled account's entry is simply left out.

The file holds a list of *keysets* (a database identity, a key generation and one entry per
account). Normally there is one. While the keys change (a new password, a new database key, a
restore), the new keyset is written first, ahead of the old one, and the old one is dropped
once the database agrees (keys.py): a process killed in between leaves both, and the next sign-in
keeps the one the database matches. So the keyring and the database change together: old or
new, never neither.

Older keyrings (`mdtapp-keyring/1`, the database key wrapped directly by the password's key)
still open; each account's entry is replaced by a key pair at its next sign-in (access.py).

Every wrapped or sealed value is bound (AES-GCM's associated data) to the database identity
and the user name, so moving an entry to another name or database opens nothing. The keyring
holds no password and no patient data; accounts and roles are inside the encrypted database,
so editing this file grants nothing. It is validated whole when read: a damaged file is one
clear message, never a crash.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mdtapp.store.errors import StoreError
from mdtapp.store.passwords import KdfParams, Secret

FORMAT = "mdtapp-keyring/2"
LEGACY_FORMAT = "mdtapp-keyring/1"
KEY_BYTES = 32


class KeyringError(StoreError):
    """The keyring file is missing, unreadable or damaged."""


def keyring_path(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".keys")


def lock_path(db_path: Path) -> Path:
    """The lock every change of the keyring holds, from its first write to its last."""
    return Path(db_path).with_name(Path(db_path).name + ".keys.lock")


def new_database_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def recovery_code(key: bytes) -> str:
    """The database key as groups of 8 hex digits, to print and keep in a safe."""
    text = key.hex().upper()
    return "-".join(text[i : i + 8] for i in range(0, len(text), 8))


def key_from_recovery_code(code: str) -> bytes:
    digits = "".join(ch for ch in code if ch not in "- \n\t\r")
    try:
        key = bytes.fromhex(digits)
    except ValueError:
        raise ValueError("a recovery key is 64 hex digits (0-9, A-F), in groups of 8") from None
    if len(key) != KEY_BYTES:
        raise ValueError(f"a recovery key has {KEY_BYTES * 2} hex digits; got {len(digits)}")
    return key


# ------------------------------------------------------------------ cryptography


def _aesgcm(key: bytes) -> Any:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def _open(key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes | None:
    from cryptography.exceptions import InvalidTag

    try:
        return bytes(_aesgcm(key).decrypt(nonce, sealed, aad))
    except InvalidTag:
        return None


def _seal_key(shared: bytes, ephemeral: bytes, public: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=ephemeral + public, info=b"mdtapp seal"
    ).derive(shared)


def _private_aad(db_id: str, username: str) -> bytes:
    return f"{FORMAT}|private key|{db_id}|{username}".encode()


def _sealed_aad(db_id: str, username: str, generation: int) -> bytes:
    return f"{FORMAT}|database key|{db_id}|{username}|{generation}".encode()


@dataclass(frozen=True)
class Sealed:
    """A database key sealed to one public key."""

    ephemeral: bytes
    nonce: bytes
    ciphertext: bytes


def seal(public_key: bytes, key: bytes, *, db_id: str, username: str, generation: int) -> Sealed:
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    ephemeral = X25519PrivateKey.generate()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public_key))
    ephemeral_public = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    nonce = secrets.token_bytes(12)
    ciphertext = _aesgcm(_seal_key(shared, ephemeral_public, public_key)).encrypt(
        nonce, key, _sealed_aad(db_id, username, generation)
    )
    return Sealed(ephemeral_public, nonce, ciphertext)


@dataclass(frozen=True)
class Credential:
    """One account's entry: its key pair (the private key wrapped by the password) and the
    database key sealed to it."""

    salt: bytes
    params: KdfParams
    public_key: bytes
    nonce: bytes
    wrapped_private_key: bytes
    sealed: Sealed

    legacy = False

    @classmethod
    def create(
        cls, secret: Secret, key: bytes, *, db_id: str, username: str, generation: int
    ) -> Credential:
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
        from cryptography.hazmat.primitives.serialization import (
            Encoding,
            NoEncryption,
            PrivateFormat,
            PublicFormat,
        )

        private = X25519PrivateKey.generate()
        raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        nonce = secrets.token_bytes(12)
        wrapped = _aesgcm(secret.wrapping_key).encrypt(nonce, raw, _private_aad(db_id, username))
        sealed = seal(public, key, db_id=db_id, username=username, generation=generation)
        return cls(secret.salt, secret.params, public, nonce, wrapped, sealed)

    def database_key(
        self, secret: Secret, *, db_id: str, username: str, generation: int
    ) -> bytes | None:
        """The database key, or None if this is not the password (or not this entry's)."""
        from cryptography.hazmat.primitives.asymmetric.x25519 import (
            X25519PrivateKey,
            X25519PublicKey,
        )

        raw = _open(
            secret.wrapping_key,
            self.nonce,
            self.wrapped_private_key,
            _private_aad(db_id, username),
        )
        if raw is None or len(raw) != 32:
            return None
        shared = X25519PrivateKey.from_private_bytes(raw).exchange(
            X25519PublicKey.from_public_bytes(self.sealed.ephemeral)
        )
        return _open(
            _seal_key(shared, self.sealed.ephemeral, self.public_key),
            self.sealed.nonce,
            self.sealed.ciphertext,
            _sealed_aad(db_id, username, generation),
        )

    def resealed(self, key: bytes, *, db_id: str, username: str, generation: int) -> Credential:
        """The same key pair, holding another database key (a new key, or a keyset moved)."""
        return replace(
            self,
            sealed=seal(
                self.public_key, key, db_id=db_id, username=username, generation=generation
            ),
        )


@dataclass(frozen=True)
class LegacyCredential:
    """mdtapp-keyring/1: the database key wrapped by the 32-byte argon2id output itself."""

    salt: bytes
    params: KdfParams
    nonce: bytes
    wrapped_key: bytes

    legacy = True

    def database_key(
        self, secret: Secret, *, db_id: str, username: str, generation: int
    ) -> bytes | None:
        aad = f"{LEGACY_FORMAT}|{db_id}|{username}".encode()
        return _open(secret.master, self.nonce, self.wrapped_key, aad)


Entry = Credential | LegacyCredential


def key_id(key: bytes) -> str:
    """A public name for a database key (a one-way hash: it reveals nothing of the key), so a
    process that holds the key can tell which keyset seals it."""
    import hashlib

    return hashlib.blake2b(key, digest_size=16, person=b"mdtapp-key-id").hexdigest()


@dataclass(frozen=True)
class Keyset:
    """One database key's entries, for one database identity. `key_id` names the key sealed
    in every entry (None in keyrings written before it was recorded)."""

    db_id: str
    generation: int
    users: Mapping[str, Entry]
    key_id: str | None = None

    def with_user(self, username: str, entry: Entry) -> Keyset:
        return replace(self, users={**self.users, username: entry})

    def without(self, username: str) -> Keyset:
        return replace(self, users={k: v for k, v in self.users.items() if k != username})


# ------------------------------------------------------------------ the file


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class _Reader:
    """Reads the JSON of a keyring, naming the first thing wrong with it."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, what: str) -> KeyringError:
        return KeyringError(
            f"{self.path} (the keyring) is damaged: {what}. Restore it from the copy beside the "
            "newest backup (the .keys file), or use the recovery key (mdtapp recover)"
        )

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(f"{where} is not an object")
        return value

    def text(self, data: dict[str, Any], name: str, where: str) -> str:
        value = data.get(name)
        if not isinstance(value, str) or not value or len(value) > 200:
            raise self.fail(f"{where}.{name} is missing or not text")
        return value

    def whole(self, data: dict[str, Any], name: str, where: str) -> int:
        value = data.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"{where}.{name} is missing or not a whole number")
        return value

    def raw(self, data: dict[str, Any], name: str, where: str, size: int | None = None) -> bytes:
        value = data.get(name)
        try:
            raw = base64.b64decode(value, validate=True) if isinstance(value, str) else None
        except (binascii.Error, ValueError):
            raw = None
        if raw is None or (size is not None and len(raw) != size) or not 8 <= len(raw) <= 256:
            raise self.fail(f"{where}.{name} is missing or the wrong size")
        return raw

    def key_id(self, data: dict[str, Any], where: str) -> str | None:
        value = data.get("key_id")
        if value is None:  # a keyset carried over from an mdtapp-keyring/1 file
            return None
        if not isinstance(value, str) or len(value) != 32 or value.strip("0123456789abcdef"):
            raise self.fail(f"{where}.key_id is not a key's name")
        return value

    def params(self, data: dict[str, Any], where: str) -> KdfParams:
        params = KdfParams(
            self.whole(data, "time_cost", where),
            self.whole(data, "memory_cost", where),
            self.whole(data, "parallelism", where),
        )
        problem = params.problem()
        if problem:
            raise self.fail(f"{where}: {problem}")
        return params

    def credential(self, data: dict[str, Any], where: str) -> Entry:
        params = self.params(data, where)
        if data.get("kdf") == "argon2id":
            return Credential(
                salt=self.raw(data, "salt", where),
                params=params,
                public_key=self.raw(data, "public_key", where, 32),
                nonce=self.raw(data, "nonce", where, 12),
                wrapped_private_key=self.raw(data, "wrapped_private_key", where, 48),
                sealed=Sealed(
                    self.raw(data, "key_ephemeral", where, 32),
                    self.raw(data, "key_nonce", where, 12),
                    self.raw(data, "sealed_key", where, 48),
                ),
            )
        if data.get("kdf") == "argon2id-v1":
            return self.legacy(data, where)
        raise self.fail(f"{where}.kdf is not one this version knows")

    def legacy(self, data: dict[str, Any], where: str) -> LegacyCredential:
        return LegacyCredential(
            salt=self.raw(data, "salt", where),
            params=self.params(data, where),
            nonce=self.raw(data, "nonce", where, 12),
            wrapped_key=self.raw(data, "wrapped_key", where, 48),
        )

    def users(self, value: Any, where: str, legacy: bool) -> dict[str, Entry]:
        users = self.obj(value, where)
        entries: dict[str, Entry] = {}
        for name, entry in users.items():
            if not name or len(name) > 64:
                raise self.fail(f"{where} has a user name that is empty or too long")
            at = f"{where}[{name!r}]"
            data = self.obj(entry, at)
            entries[name] = self.legacy(data, at) if legacy else self.credential(data, at)
        return entries

    def keyring(self, data: Any) -> list[Keyset]:
        data = self.obj(data, "the file")
        if data.get("format") == LEGACY_FORMAT:
            db_id = self.text(data, "db_id", "the file")
            return [Keyset(db_id, 1, self.users(data.get("users"), "users", legacy=True), None)]
        if data.get("format") != FORMAT:
            raise self.fail("it is not an mdtapp keyring of a format this version knows")
        keysets = data.get("keysets")
        if not isinstance(keysets, list) or not 1 <= len(keysets) <= 8:
            raise self.fail("keysets is missing or not a list of 1-8")
        found = []
        for i, value in enumerate(keysets):
            where = f"keysets[{i}]"
            keyset = self.obj(value, where)
            found.append(
                Keyset(
                    self.text(keyset, "db_id", where),
                    self.whole(keyset, "generation", where),
                    self.users(keyset.get("users"), f"{where}.users", legacy=False),
                    self.key_id(keyset, where),
                )
            )
        return found


def _entry_json(entry: Entry) -> dict[str, Any]:
    p = entry.params
    costs = {"time_cost": p.time_cost, "memory_cost": p.memory_cost, "parallelism": p.parallelism}
    if isinstance(entry, LegacyCredential):
        return {
            "kdf": "argon2id-v1",
            "salt": _b64(entry.salt),
            **costs,
            "nonce": _b64(entry.nonce),
            "wrapped_key": _b64(entry.wrapped_key),
        }
    return {
        "kdf": "argon2id",
        "salt": _b64(entry.salt),
        **costs,
        "public_key": _b64(entry.public_key),
        "nonce": _b64(entry.nonce),
        "wrapped_private_key": _b64(entry.wrapped_private_key),
        "key_ephemeral": _b64(entry.sealed.ephemeral),
        "key_nonce": _b64(entry.sealed.nonce),
        "sealed_key": _b64(entry.sealed.ciphertext),
    }


def _fsync_folder(folder: Path) -> None:
    """A rename survives a power cut once its folder is flushed too (POSIX; Windows has no
    such call, and its renames are journaled by NTFS)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Keyring:
    def __init__(self, path: Path, keysets: list[Keyset]):
        self.path = Path(path)
        self.keysets = keysets

    @property
    def current(self) -> Keyset:
        return self.keysets[0]

    @classmethod
    def load(cls, path: Path) -> Keyring:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise KeyringError(
                f"{path} (the keyring of an encrypted database) is missing: restore it from the "
                "backup beside the database backup, or open with the recovery key"
            ) from None
        except (OSError, UnicodeDecodeError) as e:
            if path.is_dir():  # IsADirectoryError on POSIX; on Windows, "Permission denied"
                raise KeyringError(
                    f"{path} should be the keyring file, but it is a folder"
                ) from None
            raise KeyringError(
                f"{path} (the keyring) cannot be read: {getattr(e, 'strerror', None) or e}"
            ) from None
        reader = _Reader(path)
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            raise reader.fail("it is not valid JSON") from None
        return cls(path, reader.keyring(data))

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "keysets": [
                {
                    "db_id": k.db_id,
                    "generation": k.generation,
                    "key_id": k.key_id,
                    "users": {name: _entry_json(e) for name, e in sorted(k.users.items())},
                }
                for k in self.keysets
            ],
        }

    def save(self) -> None:
        """Written whole under a name of its own, flushed, then renamed into place."""
        from mdtapp.store.files import remove, replace

        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(
            f".{self.path.name}.{os.getpid()}-{secrets.token_hex(4)}.partial"
        )
        try:
            with partial.open("w", encoding="utf-8") as f:
                json.dump(self.to_json(), f, indent=2)
                f.flush()
                os.fsync(f.fileno())
            replace(partial, self.path)
        except OSError as e:
            remove(partial)
            raise KeyringError(
                f"The keyring {self.path} cannot be written ({e.strerror or e}): check that "
                "its folder can be written to and the disk has space"
            ) from None
        except BaseException:
            remove(partial)
            raise
        with contextlib.suppress(OSError):  # the rename is done; this only hastens it to disk
            _fsync_folder(self.path.parent)


@contextmanager
def keyring_lock(db_path: Path, *, wait: float = 30.0) -> Iterator[None]:
    """Held by every change of the keyring from its first write to its last (filelock.py)."""
    from mdtapp.store.filelock import Busy, locked

    try:
        with locked(lock_path(db_path), wait=wait):
            yield
    except Busy:
        raise StoreError(
            "Another mdtapp window or command is changing the keys of this database: "
            "try again in a moment"
        ) from None


def copy_keyring(db_path: Path, backup_path: Path) -> None:
    """An encrypted backup is useless without the keyring: keep one beside it (written under a
    name of its own first, so a copy cut short is never taken for the keyring)."""
    from mdtapp.store.files import remove, replace

    ring = keyring_path(db_path)
    if not ring.exists():
        return
    target = keyring_path(backup_path)
    partial = target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")
    try:
        with partial.open("wb") as f:
            f.write(ring.read_bytes())
            f.flush()
            os.fsync(f.fileno())
        replace(partial, target)
    except BaseException:
        remove(partial)
        raise
