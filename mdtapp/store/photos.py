"""Clinical photos: stored once per patient by their SHA-256, never changed; assessments refer
to them by that digest."""

from __future__ import annotations

import hashlib
from typing import Any

from mdtapp.domain.errors import FieldError
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

    def count_problems(self, patient_uid: str, assessment: Any) -> list[FieldError]:
        """A count stored with a photo is in that photo's pixels: each photo counted on must be
        one of this patient's stored photos, and the count made on an image of its size (as
        shown: upright)."""
        from mdtapp.store.images import stored_size  # Pillow: loaded when a photo is counted

        errors = []
        for i, photo in enumerate(getattr(assessment, "photos", ())):
            if photo.count is None:
                continue
            try:
                content, _ = self.get(patient_uid, photo.sha256)
            except RecordNotFound:
                errors.append(
                    FieldError(f"photos[{i}].sha256", "is not a photo stored for this patient")
                )
                continue
            width, height = stored_size(content)
            if (photo.count.width, photo.count.height) != (width, height):
                errors.append(
                    FieldError(
                        f"photos[{i}].count.image",
                        f"must be the photo's size, {width} × {height} pixels; got "
                        f"{photo.count.width} × {photo.count.height}: the marks were made on "
                        "another image",
                    )
                )
        return errors
