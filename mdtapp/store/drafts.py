"""Drafts: what a user has typed and not yet saved, kept on every change so a crash loses at
most the field being typed. Drafts are not records: each user has at most one per record (or
per new record), replaced in place and removed when the record is saved."""

from __future__ import annotations

import json
from typing import Any

from mdtapp.store.context import Context
from mdtapp.store.models import Draft, dump_json


class Drafts:
    def __init__(self, ctx: Context):
        self.ctx = ctx

    def keep(
        self,
        patient_uid: str,
        kind: str,
        data: dict[str, Any],
        *,
        record_uid: str | None = None,
        base_version: int | None = None,
    ) -> None:
        """Keep this user's unsaved editor state, replacing their previous draft."""
        self.ctx.writing()
        self.ctx.db.execute(
            "INSERT INTO drafts (user, patient_uid, kind, record_uid, base_version, data, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (user, patient_uid, kind, record_uid) DO UPDATE SET "
            "base_version = excluded.base_version, data = excluded.data, "
            "updated_at = excluded.updated_at",
            [
                self.ctx.user,
                patient_uid,
                kind,
                record_uid or "",
                base_version,
                dump_json(data),
                self.ctx.now_text(),
            ],
        )

    def of(self, patient_uid: str, kind: str) -> list[Draft]:
        """This user's drafts of this kind for the patient, newest first."""
        rows = self.ctx.db.query(
            "SELECT * FROM drafts WHERE user = ? AND patient_uid = ? AND kind = ? "
            "ORDER BY updated_at DESC",
            [self.ctx.user, patient_uid, kind],
        )
        return [
            Draft(
                r["patient_uid"],
                r["kind"],
                r["record_uid"] or None,
                r["base_version"],
                json.loads(r["data"]),
                r["updated_at"],
            )
            for r in rows
        ]

    def discard(self, patient_uid: str, kind: str, record_uid: str | None = None) -> None:
        self.ctx.writing()
        self.ctx.db.execute(
            "DELETE FROM drafts WHERE user = ? AND patient_uid = ? AND kind = ? AND record_uid = ?",
            [self.ctx.user, patient_uid, kind, record_uid or ""],
        )

    def saved(self, patient_uid: str, kind: str, record_uid: str) -> None:
        """The record was saved: this user's draft of it (or of it while new) is done with."""
        self.ctx.writing()
        self.ctx.db.execute(
            "DELETE FROM drafts WHERE user = ? AND patient_uid = ? AND kind = ? AND "
            "record_uid IN ('', ?)",
            [self.ctx.user, patient_uid, kind, record_uid],
        )
