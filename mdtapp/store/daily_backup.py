"""The copy before each day's first write: a verified backup in the backups folder beside the
database (with the keyring, for an encrypted one), keeping the newest `keep()` (the centre's
setting, settings.py, unless this session set a number)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from mdtapp.store.backup import backup_to, backups_dir
from mdtapp.store.sqlite import dbapi


class DailyBackups:
    def __init__(self, path: Path | None, *, kept: int | Callable[[], int] = 14):
        self.path = path  # None: a database without a file of its own (nothing to copy)
        self._setting = kept if callable(kept) else None
        self.kept: int | None = None if callable(kept) else kept  # set: overrides the setting
        self._made_on: date | None = None

    def keep(self) -> int:
        if self.kept is not None:
            return self.kept
        return self._setting() if self._setting is not None else 14

    def before_first_write(
        self, conn: dbapi.Connection, today: date, key: bytes | None
    ) -> Path | None:
        """Outside the write transaction (a backup through a writing connection locks).
        Returns the new backup, if one was made."""
        if self.path is None or self._made_on == today:
            return None
        kept = self.keep()
        if kept <= 0:
            return None
        from mdtapp.store.files import remove
        from mdtapp.store.keyring import copy_keyring, keyring_path

        folder = backups_dir(self.path)
        target = folder / f"{self.path.stem}-daily-{today.isoformat()}.db"
        made = None
        if not target.exists():
            # a full disk here is the save's to explain ("nothing was saved")
            made = backup_to(conn, target, key=key, faults=None)
            if key is not None:
                copy_keyring(self.path, target)
            for old in sorted(folder.glob(f"{self.path.stem}-daily-*.db"))[:-kept]:
                try:
                    remove(old)
                    remove(keyring_path(old))
                except OSError:
                    pass  # in use elsewhere (Windows) or already gone: tried again tomorrow
        self._made_on = today
        return made
