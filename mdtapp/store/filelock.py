"""A lock that several mdtapp processes share through a small file beside the database.

The operating system holds it for the process, so a process killed while holding it (a crash,
the task manager, a power cut) releases it at once: a stale lock never locks anyone out. POSIX
uses flock(); Windows locks one byte far past the file's content (Windows' byte locks are
mandatory, and nothing ever reads there).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

_FAR = 1 << 30  # Windows: the byte locked, well past anything written to the file


class Busy(Exception):
    """The lock is held elsewhere and was not freed in the time allowed."""


def _try_lock(fd: int) -> bool:
    if os.name == "nt":
        import msvcrt

        os.lseek(fd, _FAR, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    if os.name == "nt":
        import msvcrt

        os.lseek(fd, _FAR, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


@contextlib.contextmanager
def locked(path: Path, *, wait: float = 30.0) -> Iterator[int]:
    """Hold the lock on `path` (created if missing) and yield its file descriptor, which the
    holder may read and write. Raises Busy after `wait` seconds; OSError if the file cannot be
    opened (a read-only folder)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
    try:
        deadline = time.monotonic() + wait
        pause = 0.005
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise Busy(f"{path} is held by another mdtapp process")
            time.sleep(pause)  # another process holds it for a moment: wait our turn
            pause = min(pause * 2, 0.1)
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            yield fd
        finally:
            _unlock(fd)
    finally:
        os.close(fd)
