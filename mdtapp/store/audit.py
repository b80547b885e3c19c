"""The audit trail: who did what, when, to which record, with the record before and after.

Entries are only ever added (database triggers refuse UPDATE and DELETE), in the same
transaction as the change they describe.
"""

from __future__ import annotations

import json
from typing import Any

from mdtapp.store.context import Context
from mdtapp.store.models import AuditEntry, dump_json


class AuditTrail:
    def __init__(self, ctx: Context):
        self.ctx = ctx

    def add(
        self,
        action: str,
        *,
        entity: str = "",
        entity_uid: str = "",
        version: int | None = None,
        patient_uid: str | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        detail: str = "",
    ) -> None:
        self.ctx.writing()
        self.ctx.db.execute(
            "INSERT INTO audit (at, user, action, entity, entity_uid, version, patient_uid, "
            "before, after, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self.ctx.now_text(),
                self.ctx.user,
                action,
                entity,
                entity_uid,
                version,
                patient_uid,
                None if before is None else dump_json(before),
                None if after is None else dump_json(after),
                detail,
            ],
        )

    def entries(
        self, *, patient_uid: str | None = None, limit: int | None = None
    ) -> list[AuditEntry]:
        sql = "SELECT * FROM audit"
        params: list[Any] = []
        if patient_uid is not None:
            sql += " WHERE patient_uid = ?"
            params.append(patient_uid)
        sql += " ORDER BY id DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [
            AuditEntry(
                r["id"],
                r["at"],
                r["user"],
                r["action"],
                r["entity"],
                r["entity_uid"],
                r["version"],
                r["patient_uid"],
                json.loads(r["before"]) if r["before"] else None,
                json.loads(r["after"]) if r["after"] else None,
                r["detail"],
            )
            for r in self.ctx.db.query(sql, params)
        ]
