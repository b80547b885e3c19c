"""Passwords: one argon2id computation gives a master secret; two keys come from it.

`derive` runs argon2id once (OWASP's recommendation, above its minimum: see PARAMS) and keeps the
32-byte result only in memory. From it, HKDF-SHA256 makes two independent keys:

- the *wrapping key*, which opens the account's private key in the keyring (keyring.py), and
- the *check*, stored in the account's row inside the database (`users.password_hash`).

So signing in to an encrypted database costs one argon2id: the wrapping key opens the keyring,
and the same computation proves the password against the database. Neither key reveals the
other or the password. The check's stored form names its salt and parameters:

    $mdtapp-argon2id$v=19$m=65536,t=3,p=4$<salt>$<check>

Older databases hold an argon2-cffi hash (`$argon2id$...`) instead; it still verifies (one
argon2id), and is replaced by the new form at the next sign-in (access.py).
"""

from __future__ import annotations

import base64
import hmac
import secrets
from dataclasses import dataclass

PREFIX = "$mdtapp-argon2id$v=19$"
SALT_BYTES = 16
MASTER_BYTES = 32


@dataclass(frozen=True)
class KdfParams:
    """argon2id's cost: passes over memory, memory in KiB, lanes."""

    time_cost: int
    memory_cost: int
    parallelism: int

    def problem(self) -> str | None:
        """Why these cannot be used (a damaged or hostile file), or None. The bounds keep one
        computation between a fraction of a second and a few seconds on a laptop."""
        if not 1 <= self.parallelism <= 16:
            return f"parallelism {self.parallelism} is outside 1-16"
        if not 1 <= self.time_cost <= 64:
            return f"time cost {self.time_cost} is outside 1-64"
        if not 8 * self.parallelism <= self.memory_cost <= 1024 * 1024:
            return f"memory {self.memory_cost} KiB is outside {8 * self.parallelism}-1048576"
        return None


# OWASP's password storage cheat sheet: argon2id with at least 19 MiB, 2 passes, 1 lane.
OWASP_MINIMUM = KdfParams(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# What new passwords get: 64 MiB, 3 passes, 4 lanes (RFC 9106's second recommended option).
PARAMS = KdfParams(time_cost=3, memory_cost=64 * 1024, parallelism=4)


@dataclass(frozen=True)
class Secret:
    """What one argon2id computation of a password gives: kept in memory, never stored."""

    salt: bytes
    params: KdfParams
    master: bytes

    @property
    def wrapping_key(self) -> bytes:
        return _subkey(self.master, b"mdtapp keyring: wrap the private key")

    @property
    def check(self) -> bytes:
        return _subkey(self.master, b"mdtapp database: check the password")


def _subkey(master: bytes, purpose: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


def master_key(password: str, salt: bytes, params: KdfParams) -> bytes:
    """The one argon2id computation."""
    from argon2.low_level import Type, hash_secret_raw

    problem = params.problem()
    if problem:
        raise ValueError(problem)
    return hash_secret_raw(
        password.encode("utf-8", "surrogatepass"),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        hash_len=MASTER_BYTES,
        type=Type.ID,
    )


def derive(password: str, salt: bytes | None = None, params: KdfParams = PARAMS) -> Secret:
    """A password's secret: with a new random salt unless one is given."""
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    return Secret(salt, params, master_key(password, salt, params))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def record(secret: Secret) -> str:
    """The stored form of a password: salt, parameters and check (no password, no key)."""
    p = secret.params
    return (
        f"{PREFIX}m={p.memory_cost},t={p.time_cost},p={p.parallelism}$"
        f"{_b64(secret.salt)}${_b64(secret.check)}"
    )


@dataclass(frozen=True)
class Stored:
    salt: bytes
    params: KdfParams
    check: bytes


def parse(stored: str) -> Stored | None:
    """The parts of a stored password in this module's form; None for any other text."""
    if not isinstance(stored, str) or not stored.startswith(PREFIX):
        return None
    try:
        costs, salt, check = stored[len(PREFIX) :].split("$")
        values = dict(part.split("=", 1) for part in costs.split(","))
        params = KdfParams(int(values["t"]), int(values["m"]), int(values["p"]))
        parsed = Stored(_unb64(salt), params, _unb64(check))
    except (ValueError, KeyError):
        return None
    if params.problem() or len(parsed.check) != 32 or not 8 <= len(parsed.salt) <= 64:
        return None
    return parsed


def is_legacy(stored: str) -> bool:
    """An argon2-cffi hash from before this form (still verified; replaced at sign-in)."""
    return isinstance(stored, str) and stored.startswith("$argon2")


def matches(stored: str, secret: Secret) -> bool:
    """Whether a stored password is this secret's, without another argon2id computation."""
    parsed = parse(stored)
    return (
        parsed is not None
        and parsed.salt == secret.salt
        and parsed.params == secret.params
        and hmac.compare_digest(parsed.check, secret.check)
    )


def verify(stored: str, password: str) -> bool:
    """Whether `password` is the stored one: one argon2id computation, either form."""
    parsed = parse(stored)
    if parsed is not None:
        return matches(stored, derive(password, parsed.salt, parsed.params))
    if is_legacy(stored):
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return bool(PasswordHasher().verify(stored, password))
        except (VerificationError, InvalidHashError, ValueError):
            return False
    return False


def waste_time(password: str) -> None:
    """The time of a real check, for an unknown user: no clue whether a name exists."""
    master_key(password, b"\0" * SALT_BYTES, PARAMS)
