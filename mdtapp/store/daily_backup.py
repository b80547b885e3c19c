"""The copy before each day's first write: a verified backup in the backups folder beside the
database (with the keyring, for an encrypted one), keeping the newest `kept`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from mdtapp.store import files
from mdtapp.store.backup import backup_to, backups_dir
from mdtapp.store.sqlite import dbapi


class DailyBackups:
    def __init__(self, path: Path | None, *, kept: int = 14):
        self.path = path  # None: a database without a file of its own (nothing to copy)
        self.kept = kept  # set from the settings by whoever opens the store for the app
        self._made_on: date | None = None

    def before_first_write(
        self, conn: dbapi.Connection, today: date, key: bytes | None
    ) -> Path | None:
        """Outside the write transaction (a backup through a writing connection locks).
        Returns the new backup, if one was made."""
        if self.path is None or self.kept <= 0 or self._made_on == today:
            return None
        from mdtapp.store.keyring import copy_keyring, keyring_path

        folder = backups_dir(self.path)
        target = folder / f"{self.path.stem}-daily-{today.isoformat()}.db"
        made = None
        if not target.exists():
            made = backup_to(conn, target, key=key)
            if key is not None:
                copy_keyring(self.path, target)
            for old in sorted(folder.glob(f"{self.path.stem}-daily-*.db"))[: -self.kept]:
                try:
                    files.remove(old)
                    files.remove(keyring_path(old))
                except OSError:  # open elsewhere (Windows): removed at a later day's rotation
                    continue
        self._made_on = today
        return made
