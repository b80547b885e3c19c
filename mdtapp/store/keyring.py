"""The keyring beside an encrypted database (`mdtapp.db.keys`): the database key, wrapped once
per user with a key derived from that user's password (argon2id), sealed with AES-256-GCM.

Several users open the same file with their own passwords; changing a password re-wraps the key
and never re-encrypts the data. The keyring holds no patient data and no password: without a
password (or the recovery key) it opens nothing. Accounts and roles are inside the encrypted
database, so editing this file cannot grant a role.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mdtapp.store import files

FORMAT = "mdtapp-keyring/1"
KEY_BYTES = 32
# OWASP-recommended argon2id settings; each entry keeps its own, so they can be raised later
KDF_TIME_COST = 3
KDF_MEMORY_KIB = 65536
KDF_PARALLELISM = 4
FREE_ATTEMPTS = 3
MAX_WAIT_SECONDS = 300


def keyring_path(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".keys")


def new_database_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def recovery_code(key: bytes) -> str:
    """The database key as groups of 8 hex digits, to print and keep in a safe."""
    text = key.hex().upper()
    return "-".join(text[i : i + 8] for i in range(0, len(text), 8))


def key_from_recovery_code(code: str) -> bytes:
    digits = "".join(ch for ch in code if ch not in "- \n\t")
    key = bytes.fromhex(digits)
    if len(key) != KEY_BYTES:
        raise ValueError(f"a recovery key has {KEY_BYTES * 2} hex digits; got {len(digits)}")
    return key


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def wait_seconds(failures: int) -> int:
    """How long to wait before another attempt after this many failures in a row."""
    if failures < FREE_ATTEMPTS:
        return 0
    return int(min(2 ** (failures - FREE_ATTEMPTS + 1), MAX_WAIT_SECONDS))


@dataclass
class Entry:
    salt: str
    time_cost: int
    memory_cost: int
    parallelism: int
    nonce: str
    wrapped_key: str
    failed_logins: int = 0
    last_failure: str | None = None


class Keyring:
    def __init__(self, path: Path, db_id: str, entries: dict[str, Entry] | None = None):
        self.path = Path(path)
        self.db_id = db_id
        self.entries: dict[str, Entry] = entries or {}

    @classmethod
    def load(cls, path: Path) -> Keyring:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FileNotFoundError(
                f"{path} (the keyring of an encrypted database) is missing: restore it from the "
                "backup beside the database backup, or open with the recovery key"
            ) from None
        except (ValueError, OSError) as e:
            raise ValueError(f"{path} cannot be read ({e})") from None
        if data.get("format") != FORMAT:
            raise ValueError(f"{path} is not an mdtapp keyring")
        entries = {name: Entry(**entry) for name, entry in data.get("users", {}).items()}
        return cls(path, str(data["db_id"]), entries)

    def save(self) -> None:
        payload = {
            "format": FORMAT,
            "db_id": self.db_id,
            "users": {name: asdict(e) for name, e in sorted(self.entries.items())},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(payload, f, indent=2)
                f.flush()
                os.fsync(f.fileno())
            files.replace(Path(tmp), self.path)  # another window may be reading it
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _aad(self, username: str) -> bytes:
        # binds each wrapped key to this database and this user
        return f"{FORMAT}|{self.db_id}|{username}".encode()

    @staticmethod
    def _kek(password: str, salt: bytes, t: int, m: int, p: int) -> bytes:
        return hash_secret_raw(
            password.encode("utf-8"),
            salt,
            time_cost=t,
            memory_cost=m,
            parallelism=p,
            hash_len=32,
            type=Type.ID,
        )

    def wrap(self, username: str, password: str, key: bytes) -> None:
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        kek = self._kek(password, salt, KDF_TIME_COST, KDF_MEMORY_KIB, KDF_PARALLELISM)
        sealed = AESGCM(kek).encrypt(nonce, key, self._aad(username))
        self.entries[username] = Entry(
            _b64(salt), KDF_TIME_COST, KDF_MEMORY_KIB, KDF_PARALLELISM, _b64(nonce), _b64(sealed)
        )

    def unwrap(self, username: str, password: str) -> bytes | None:
        """The database key, or None if the user is unknown or the password is wrong."""
        entry = self.entries.get(username)
        if entry is None:
            # spend the same time as a real attempt: no clue whether the name exists
            self._kek(password, b"\0" * 16, KDF_TIME_COST, KDF_MEMORY_KIB, KDF_PARALLELISM)
            return None
        kek = self._kek(
            password,
            base64.b64decode(entry.salt),
            entry.time_cost,
            entry.memory_cost,
            entry.parallelism,
        )
        try:
            return AESGCM(kek).decrypt(
                base64.b64decode(entry.nonce),
                base64.b64decode(entry.wrapped_key),
                self._aad(username),
            )
        except InvalidTag:
            return None

    def remove(self, username: str) -> None:
        self.entries.pop(username, None)

    # -------------------------------------------------------- failed logins

    def seconds_to_wait(self, username: str, now: datetime) -> int:
        entry = self.entries.get(username)
        if entry is None or entry.last_failure is None:
            return 0
        since = (now - datetime.fromisoformat(entry.last_failure)).total_seconds()
        return max(0, int(wait_seconds(entry.failed_logins) - since + 0.999))

    def record_failure(self, username: str, now: datetime) -> None:
        entry = self.entries.get(username)
        if entry is not None:
            entry.failed_logins += 1
            entry.last_failure = now.astimezone(UTC).isoformat()
            self.save()

    def record_success(self, username: str) -> None:
        entry = self.entries.get(username)
        if entry is not None and entry.failed_logins:
            entry.failed_logins = 0
            entry.last_failure = None
            self.save()


def copy_keyring(db_path: Path, backup_path: Path) -> None:
    """An encrypted backup is useless without the keyring: keep one beside it."""
    import shutil

    ring = keyring_path(db_path)
    if ring.exists():
        shutil.copy2(ring, keyring_path(backup_path))
