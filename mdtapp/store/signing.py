"""Signatures: a clinician signs one version by re-entering their password; from then on that
version changes only by amendment (a new version, with a reason). Signatures are append-only."""

from __future__ import annotations

from typing import Any

from mdtapp.store import codec
from mdtapp.store.audit import AuditTrail
from mdtapp.store.context import Context
from mdtapp.store.errors import SignedRecordError, StoreError
from mdtapp.store.models import SignatureInfo
from mdtapp.store.security import Principal


class Signatures:
    def __init__(self, ctx: Context, audit: AuditTrail):
        self.ctx = ctx
        self.audit = audit

    def of(self, kind: str, uid: str, version: int | None = None) -> list[SignatureInfo]:
        sql = "SELECT * FROM signatures WHERE kind = ? AND uid = ?"
        params: list[Any] = [kind, uid]
        if version is not None:
            sql += " AND version = ?"
            params.append(version)
        return [
            SignatureInfo(
                r["kind"],
                r["uid"],
                r["version"],
                r["username"],
                r["display_name"],
                r["roles"],
                r["signed_at"],
                r["meaning"],
            )
            for r in self.ctx.db.query(sql + " ORDER BY id", params)
        ]

    def add(
        self,
        kind: str,
        uid: str,
        version: int,
        patient_uid: str,
        meaning: str,
        *,
        principal: Principal | None = None,
    ) -> None:
        """The signed-in user (or `principal`, who confirmed their password in place at this
        session) signs this version (the caller checked it is the current one and the role)."""
        self.ctx.writing()
        principal = principal or self.ctx.principal
        if any(x.username == principal.username for x in self.of(kind, uid, version)):
            who = "You have" if principal == self.ctx.principal else f"{principal.display_name} has"
            raise StoreError(f"{who} already signed this version")
        self.ctx.db.execute(
            "INSERT INTO signatures (kind, uid, version, username, display_name, roles, "
            "signed_at, meaning) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                kind,
                uid,
                version,
                principal.username,
                principal.display_name,
                principal.roles_text,
                self.ctx.now_text(),
                meaning,
            ],
        )
        self.audit.add(
            "sign",
            entity=kind,
            entity_uid=uid,
            version=version,
            patient_uid=patient_uid,
            detail=meaning
            if principal == self.ctx.principal
            else f"{meaning}: by {principal.display_name} ({principal.username}), in place at "
            f"{self.ctx.principal.display_name}'s session",
        )

    def refuse_change_without_reason(self, kind: str, uid: str, version: int, reason: str) -> bool:
        """Whether changing this version is an amendment (it is signed); a signed version
        changes only with a reason (SignedRecordError otherwise)."""
        signed = self.of(kind, uid, version)
        if signed and not reason.strip():
            raise SignedRecordError(
                f"This {codec.LABELS[kind]} (version {version}) was signed by "
                f"{signed[0].name} on {signed[0].signed_at_text}: a change is an "
                "amendment and needs a reason. Nothing was saved."
            )
        return bool(signed)
