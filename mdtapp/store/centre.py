"""The centre's settings, kept in the database: one row per setting, its value as JSON.

What each setting means, its limits and its defaults are settings.py's; this part only stores
and audits. Only an administrator changes them (the Store facade checks), each change audited
with its old and new value (letterheads and names of staff, never patient data).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mdtapp.store.audit import AuditTrail
from mdtapp.store.context import Context


class CentreSettings:
    def __init__(self, ctx: Context, audit: AuditTrail):
        self.ctx = ctx
        self.audit = audit

    def values(self) -> dict[str, Any]:
        """Every stored setting (none before m009 ran, or before any was set)."""
        exists = self.ctx.db.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'centre_settings'"
        ).fetchone()[0]
        if not exists:
            return {}
        found: dict[str, Any] = {}
        for key, value in self.ctx.db.execute("SELECT key, value FROM centre_settings"):
            try:
                found[str(key)] = json.loads(value)
            except (ValueError, RecursionError):
                continue  # settings.py reads a missing value as its default, and says so
        return found

    def save(self, changes: Mapping[str, Any]) -> list[str]:
        """Store the values that differ from those held, each with an audit entry."""
        self.ctx.writing()
        held = self.values()
        changed = []
        for key, value in sorted(changes.items()):
            if key in held and held[key] == value:
                continue
            self.ctx.db.execute(
                "INSERT INTO centre_settings (key, value, updated_at, updated_by) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                [key, json.dumps(value, ensure_ascii=False), self.ctx.now_text(), self.ctx.user],
            )
            before = json.dumps(held[key], ensure_ascii=False) if key in held else "(default)"
            self.audit.add(
                "settings",
                entity="centre_settings",
                entity_uid=key,
                detail=f"{key}: {before} -> {json.dumps(value, ensure_ascii=False)}",
            )
            changed.append(key)
        return changed
