"""Replacing and removing files under Windows' sharing rules as well as POSIX's.

Windows refuses to replace or delete a file while any process has it open: another mdtapp
window checking a backup, an antivirus or search indexer reading a file just written, a sync
client. POSIX allows both. Such refusals usually pass within moments, so they are retried for a
short while; one that lasts is reported as it is. Only ever call these with files this process
has closed: a file of our own still open would make every attempt fail.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

# Windows error codes of a file in use: access denied (replacing a file another process has
# open), sharing violation, lock violation
_IN_USE = {5, 32, 33}
# waits between attempts, in seconds: about 2 s in all
WAITS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.5, 0.5)
pause: Callable[[float], None] = time.sleep  # tests replace it to act between attempts


def in_use(error: OSError) -> bool:
    """Whether Windows refused because another process has the file open."""
    return getattr(error, "winerror", None) in _IN_USE


def _retried(action: Callable[[], None]) -> None:
    for seconds in WAITS:
        try:
            action()
            return
        except PermissionError as e:
            if not in_use(e):
                raise
        pause(seconds)
    action()  # the last attempt: its refusal is the one reported


def replace(src: Path, dst: Path) -> None:
    """os.replace, retried while Windows says a file is in use."""
    _retried(lambda: os.replace(src, dst))


def remove(path: Path) -> None:
    """Delete a file if it is there, retried while Windows says it is in use."""
    _retried(lambda: Path(path).unlink(missing_ok=True))
