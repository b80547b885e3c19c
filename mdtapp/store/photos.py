"""Clinical photos: stored once per patient by their SHA-256, never changed; assessments refer
to them by that digest."""

from __future__ import annotations

import hashlib

from mdtapp.store.audit import AuditTrail
from mdtapp.store.context import Context
from mdtapp.store.errors import RecordNotFound


class Photos:
    def __init__(self, ctx: Context, audit: AuditTrail):
        self.ctx = ctx
        self.audit = audit

    def add(self, patient_uid: str, content: bytes, media_type: str) -> str:
        """Store a photo (once: the same bytes again add nothing); returns its digest."""
        self.ctx.writing()
        digest = hashlib.sha256(content).hexdigest()
        exists = list(
            self.ctx.db.query(
                "SELECT 1 FROM photos WHERE patient_uid = ? AND sha256 = ?",
                [patient_uid, digest],
            )
        )
        if not exists:
            self.ctx.db.execute(
                "INSERT INTO photos (patient_uid, sha256, media_type, content, added_at, "
                "added_by) VALUES (?, ?, ?, ?, ?, ?)",
                [patient_uid, digest, media_type, content, self.ctx.now_text(), self.ctx.user],
            )
            self.audit.add(
                "photo",
                entity="photos",
                entity_uid=digest,
                patient_uid=patient_uid,
                detail=f"{media_type}, {len(content)} bytes",
            )
        return digest

    def get(self, patient_uid: str, sha256: str) -> tuple[bytes, str]:
        rows = list(
            self.ctx.db.query(
                "SELECT content, media_type FROM photos WHERE patient_uid = ? AND sha256 = ?",
                [patient_uid, sha256],
            )
        )
        if not rows:
            raise RecordNotFound(f"No stored photo {sha256[:12]}")
        return bytes(rows[0]["content"]), rows[0]["media_type"]
