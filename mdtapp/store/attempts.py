"""Password attempts, counted across every process that opens the database, and throttled.

Every check of a password (signing in, unlocking, signing a record, restoring, encrypting, a
colleague confirming with their own password) goes through `Throttle.attempt`. The attempt is
counted as a failure *before* the password is tried, under a lock shared by every process, and
the count is cleared only when the password proves right. So parallel guesses each count, a
process killed mid-check has still spent its attempt, and while an account is throttled nothing
is tried and nothing is done.

Three free attempts, then each failure doubles the wait (2 s, 4 s, ... up to 5 minutes). The
counts live in a small file beside the database (`mdtapp.db.attempts`: user names and times,
no passwords, no patient data), or, if that folder cannot be written (read-only media), in the
user's data folder. Unknown user names are counted too, so guessing names gains nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mdtapp.store.errors import StoreError

FORMAT = "mdtapp-attempts/1"
FREE_ATTEMPTS = 3
MAX_WAIT_SECONDS = 300
MAX_NAMES = 1000  # the file never grows without bound, whatever names are tried


def wait_seconds(failures: int) -> int:
    """How long to wait before another attempt after this many failures in a row."""
    if failures < FREE_ATTEMPTS:
        return 0
    return int(min(2 ** (failures - FREE_ATTEMPTS + 1), MAX_WAIT_SECONDS))


class LoginFailed(StoreError):
    """Wrong user name or password (deliberately not saying which)."""


class LoginThrottled(StoreError):
    def __init__(self, seconds: int):
        self.seconds = seconds
        unit = "second" if seconds == 1 else "seconds"
        super().__init__(f"Too many failed attempts: wait {seconds} {unit} and try again")


def attempts_path(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".attempts")


def _fallback_path(db_path: Path) -> Path:
    from mdtapp.paths import user_data_dir

    name = hashlib.sha256(str(Path(db_path).resolve()).encode("utf-8", "replace")).hexdigest()
    return user_data_dir() / "sign-in-attempts" / f"{name[:32]}.attempts"


def _read(fd: int) -> dict[str, dict[str, Any]]:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    try:
        # raw_decode: a write cut short leaves the new text followed by the old one's tail
        data, _ = json.JSONDecoder().raw_decode(b"".join(chunks).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}
    users = data.get("users") if isinstance(data, dict) else None
    if not isinstance(users, dict):
        return {}
    return {
        name: entry
        for name, entry in users.items()
        if isinstance(entry, dict)
        and isinstance(entry.get("failures"), int)
        and isinstance(entry.get("last"), str)
    }


def _write(fd: int, users: dict[str, dict[str, Any]]) -> None:
    if len(users) > MAX_NAMES:  # keep the most recent
        users = dict(sorted(users.items(), key=lambda kv: kv[1]["last"])[-MAX_NAMES:])
    data = json.dumps({"format": FORMAT, "users": users}, sort_keys=True).encode("utf-8")
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, data)  # over the old text, then cut: never an empty file in between
    os.ftruncate(fd, len(data))
    os.fsync(fd)


def _since(entry: dict[str, Any], now: datetime) -> float:
    try:
        last = datetime.fromisoformat(entry["last"])
    except ValueError:
        return 0.0
    return max(0.0, (now - last).total_seconds())


class Throttle:
    """The attempts on one database file (None: a database without a file, e.g. in memory)."""

    def __init__(self, db_path: Path | None):
        self.db_path = Path(db_path) if db_path is not None else None

    @contextmanager
    def _locked(self) -> Iterator[int | None]:
        from contextlib import ExitStack

        from mdtapp.store.filelock import Busy, locked

        with ExitStack() as stack:
            fd = None
            if self.db_path is not None:
                for path in (attempts_path(self.db_path), _fallback_path(self.db_path)):
                    try:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        fd = stack.enter_context(locked(path))
                        break
                    except Busy:
                        raise StoreError(
                            "Another mdtapp process is checking a password for this database: "
                            "try again"
                        ) from None
                    except OSError:
                        continue  # a read-only folder: the user's data folder instead
            # None: nowhere writable to count in at all; the password is still checked
            yield fd

    def attempt(self, username: str, now: datetime) -> None:
        """Refuse while throttled (nothing is tried); otherwise count this attempt as failed
        until `succeeded` says otherwise."""
        with self._locked() as fd:
            if fd is None:
                return
            users = _read(fd)
            entry = users.get(username, {"failures": 0, "last": ""})
            wait = int(wait_seconds(entry["failures"]) - _since(entry, now) + 0.999)
            if wait > 0:
                raise LoginThrottled(wait)
            users[username] = {
                "failures": entry["failures"] + 1,
                "last": now.astimezone(UTC).isoformat(),
            }
            _write(fd, users)

    def succeeded(self, username: str) -> None:
        """The password was right: the count starts again."""
        with self._locked() as fd:
            if fd is None:
                return
            users = _read(fd)
            if users.pop(username, None) is not None:
                _write(fd, users)

    def failures(self, username: str) -> int:
        with self._locked() as fd:
            return 0 if fd is None else int(_read(fd).get(username, {}).get("failures", 0))
