"""Versioned records: read the current version or the whole history; write a new version.

A record is (uid, version) with its interchange JSON. A save names the version it started from;
if someone else saved in between, it is refused (ConcurrentEditError) and nothing is written. A
save never changes an earlier version: it adds one. Deleting adds a version marked deleted, with
a reason. Each version is written with its audit entry. Callers have authorised the write and
hold the transaction (the Store facade does both).
"""

from __future__ import annotations

import json
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from mdtapp.domain.errors import FieldError, ValidationError
from mdtapp.domain.model import Patient
from mdtapp.domain.nhs_number import format_nhs_number
from mdtapp.store import codec
from mdtapp.store.audit import AuditTrail
from mdtapp.store.context import Context
from mdtapp.store.errors import (
    ConcurrentEditError,
    DuplicateRecord,
    RecordNotFound,
    StoreError,
)
from mdtapp.store.faults import is_duplicate
from mdtapp.store.models import CHILD_KINDS, PatientFile, Saved, dump_json
from mdtapp.store.signing import Signatures
from mdtapp.store.sqlite import IntegrityError

Row = dict[str, Any]


def new_uid() -> str:
    return uuid.uuid4().hex


def _not_unicode(value: Any, where: str) -> Iterator[FieldError]:
    """Text that is not valid Unicode (a lone surrogate, from a hand-made JSON file)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            yield FieldError(where or "value", "holds a character that is not valid Unicode")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _not_unicode(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _not_unicode(item, f"{where}[{i}]")


# Decoded records kept, by their stored JSON text: decoding is a pure function of (kind, text,
# forms), so a hit is exactly what decoding again would give. A save refreshes the patient's
# summary from their whole record; without this, every save decoded all of it again (benchmarks/).
# About 40 patients' records (5 years each): a meeting's list, some tens of MiB.
DECODED_KEPT = 16384


class Records:
    def __init__(self, ctx: Context, audit: AuditTrail, signatures: Signatures):
        self.ctx = ctx
        self.audit = audit
        self.signatures = signatures
        self._decoded: OrderedDict[tuple[str, str], tuple[dict[str, Any], Any]] = OrderedDict()
        self._decoded_forms: object = None

    # ------------------------------------------------------------ reading

    def _decode(self, kind: str, text: str) -> tuple[dict[str, Any], Any]:
        forms = self.ctx.forms
        if forms is not self._decoded_forms:
            self._decoded.clear()
            self._decoded_forms = forms
        key = (kind, text)
        hit = self._decoded.get(key)
        if hit is not None:
            self._decoded.move_to_end(key)
            return hit
        data = json.loads(text)
        decoded = (data, codec.decode(kind, data, forms))
        self._decoded[key] = decoded
        if len(self._decoded) > DECODED_KEPT:
            self._decoded.popitem(last=False)
        return decoded

    def saved(self, kind: str, row: Row) -> Saved[Any]:
        data, value = self._decode(kind, row["data"])
        return Saved(
            kind,
            row["uid"],
            row["version"],
            row["patient_uid"],
            value,
            row["saved_at"],
            row["saved_by"],
            row["change_reason"],
            bool(row["deleted"]),
            data,
        )

    def latest_row(self, kind: str, uid: str) -> Row | None:
        rows = list(
            self.ctx.db.query(
                f"SELECT * FROM {kind} WHERE uid = ? ORDER BY version DESC LIMIT 1", [uid]
            )
        )
        return rows[0] if rows else None

    def get(self, kind: str, uid: str) -> Saved[Any]:
        row = self.latest_row(kind, uid)
        if row is None:
            raise RecordNotFound(f"No {codec.LABELS[kind]} with id {uid}")
        return self.saved(kind, row)

    def history(self, kind: str, uid: str) -> list[Saved[Any]]:
        """Every version of a record, oldest first: nothing is ever lost."""
        return [
            self.saved(kind, row)
            for row in self.ctx.db.query(
                f"SELECT * FROM {kind} WHERE uid = ? ORDER BY version", [uid]
            )
        ]

    def current(self, kind: str, patient_uid: str) -> list[Saved[Any]]:
        cursor = self.ctx.db.conn.execute(
            f"SELECT * FROM current_{kind} WHERE patient_uid = ? ORDER BY on_date, row_id",
            [patient_uid],
        )
        names = [d[0] for d in cursor.description]
        return [self.saved(kind, dict(zip(names, row, strict=True))) for row in cursor]

    def patient_uid_for(self, nhs_number: str) -> str | None:
        rows = list(
            self.ctx.db.query(
                "SELECT patient_uid FROM patient_keys WHERE nhs_number = ?", [nhs_number]
            )
        )
        return rows[0]["patient_uid"] if rows else None

    def load(self, patient_uid: str) -> PatientFile:
        patient = self.get("patients", patient_uid)
        if patient.deleted:
            raise RecordNotFound(
                f"The record for NHS number "
                f"{format_nhs_number(patient.value.nhs_number)} was deleted"
            )
        children = {kind: tuple(self.current(kind, patient_uid)) for kind in CHILD_KINDS}
        eligibility = children.pop("eligibility")
        return PatientFile(
            patient=patient, eligibility=eligibility[-1] if eligibility else None, **children
        )

    def load_by_nhs(self, nhs_number: str) -> PatientFile:
        uid = self.patient_uid_for(nhs_number)
        if uid is None:
            raise RecordNotFound(f"No patient with NHS number {format_nhs_number(nhs_number)}")
        return self.load(uid)

    def patient_uids(self) -> list[str]:
        return [
            r["uid"]
            for r in self.ctx.db.query(
                "SELECT uid FROM current_patients ORDER BY json_extract(data, '$.nhs_number')"
            )
        ]

    # ------------------------------------------------------------ writing

    def check(self, kind: str, value: Any) -> dict[str, Any]:
        """Validate against the forms (ValidationError naming each field), then encode."""
        errors = codec.validate(kind, value, self.ctx.forms, self.ctx.today())
        if errors:
            raise ValidationError(errors)
        data = codec.encode(kind, value, self.ctx.forms)
        unstorable = list(_not_unicode(data, ""))
        if unstorable:  # SQLite stores UTF-8: a lone surrogate cannot be written at all
            raise ValidationError(unstorable)
        return data

    def add_patient(
        self, patient: Patient, data: dict[str, Any], *, uid: str | None, action: str
    ) -> Saved[Patient]:
        """A new patient: their key (one per NHS number) and the first version."""
        self.ctx.writing()
        uid = uid or new_uid()
        try:
            self.ctx.db.execute(
                "INSERT INTO patient_keys (patient_uid, nhs_number) VALUES (?, ?)",
                [uid, patient.nhs_number],
            )
        except IntegrityError as e:
            self._raise_if_nhs_number_taken(e, patient.nhs_number)
            raise
        return self._insert("patients", uid, 1, uid, None, data, action=action)

    def add(
        self, kind: str, patient_uid: str, value: Any, *, uid: str | None, action: str
    ) -> Saved[Any]:
        """Add a record with a given uid (import keeps the file's ids)."""
        data = self.check(kind, value)
        self.refuse_duplicates(kind, patient_uid, value, None)
        return self._insert(kind, uid or new_uid(), 1, patient_uid, value, data, action=action)

    def save(
        self,
        kind: str,
        patient_uid: str,
        value: Any,
        data: dict[str, Any],
        *,
        uid: str | None,
        base_version: int | None,
        reason: str,
        action: str | None,
    ) -> tuple[Saved[Any], bool]:
        """Add a record (uid None) or a new version of one, from `base_version`. Returns the
        version and whether it was written (an unchanged record adds no version)."""
        if kind != "patients" and self.get("patients", patient_uid).deleted:
            raise RecordNotFound("The patient's record was deleted: nothing was saved")
        if uid is None:
            self.refuse_duplicates(kind, patient_uid, value, None)
            saved = self._insert(
                kind,
                new_uid(),
                1,
                patient_uid,
                value,
                data,
                action=action or "create",
                reason=reason,
            )
            return saved, True
        current = self.current_for_update(kind, uid, base_version)
        if current["patient_uid"] != patient_uid:
            raise StoreError(f"That {codec.LABELS[kind]} belongs to another patient")
        self.refuse_duplicates(kind, patient_uid, value, uid)
        if kind == "patients":
            self._change_nhs_number(uid, value.nhs_number)
        before = json.loads(current["data"])
        if before == data and not current["deleted"]:
            return self.saved(kind, current), False  # nothing changed: no new version
        amendment = self.signatures.refuse_change_without_reason(
            kind, uid, current["version"], reason
        )
        saved = self._insert(
            kind,
            uid,
            current["version"] + 1,
            patient_uid,
            value,
            data,
            action=action or ("amend" if amendment else "update"),
            reason=reason,
            before=before,
        )
        return saved, True

    def delete(self, kind: str, uid: str, *, base_version: int, reason: str) -> Saved[Any]:
        """A soft delete: a new version marked deleted."""
        current = self.current_for_update(kind, uid, base_version)
        if current["deleted"]:
            raise StoreError(f"That {codec.LABELS[kind]} is already deleted")
        data = json.loads(current["data"])
        return self._insert(
            kind,
            uid,
            current["version"] + 1,
            current["patient_uid"],
            self.saved(kind, current).value,
            data,
            action="delete",
            reason=reason,
            deleted=True,
            before=data,
        )

    def current_for_update(self, kind: str, uid: str, base_version: int | None) -> Row:
        current = self.latest_row(kind, uid)
        if current is None:
            raise RecordNotFound(f"No {codec.LABELS[kind]} with id {uid}")
        if base_version is None or current["version"] != base_version:
            raise ConcurrentEditError(
                f"This {codec.LABELS[kind]} was changed by {current['saved_by']} at "
                f"{current['saved_at']} (version {current['version']}) after you opened version "
                f"{base_version}. Your changes were not saved: reopen it to see theirs, then "
                "make yours again."
            )
        return current

    def refuse_duplicates(self, kind: str, patient_uid: str, value: Any, uid: str | None) -> None:
        if kind == "eligibility":
            others = [s for s in self.current(kind, patient_uid) if s.uid != uid]
            if others:
                raise DuplicateRecord(
                    "Eligibility is already recorded for this patient: edit it instead"
                )
        if kind == "assessments":
            # by the stored date (on_date), not by decoding every assessment of the patient
            clash = self.ctx.db.execute(
                "SELECT data FROM current_assessments "
                "WHERE patient_uid = ? AND on_date = ? AND uid IS NOT ? LIMIT 1",
                [patient_uid, value.date.isoformat(), uid],
            ).fetchone()
            if clash:
                raise DuplicateRecord(
                    f"An assessment dated {value.date.isoformat()} already exists for this "
                    f"patient (by {self._decode(kind, clash[0])[1].examiner}): open it to amend it"
                )

    def _change_nhs_number(self, uid: str, nhs_number: str) -> None:
        try:
            self.ctx.db.execute(
                "UPDATE patient_keys SET nhs_number = ? WHERE patient_uid = ?", [nhs_number, uid]
            )
        except IntegrityError as e:
            self._raise_if_nhs_number_taken(e, nhs_number)
            raise

    def _raise_if_nhs_number_taken(self, error: IntegrityError, nhs_number: str) -> None:
        """A UNIQUE failure on patient_keys: the NHS number belongs to another patient."""
        if not is_duplicate(error, lambda: self.patient_uid_for(nhs_number) is not None):
            return  # another constraint: a bug, which the caller re-raises
        uid = self.patient_uid_for(nhs_number)
        name = ""
        if uid:
            existing = self.get("patients", uid)
            name = f" ({existing.value.display_name}" + (", deleted)" if existing.deleted else ")")
        raise DuplicateRecord(
            f"A patient with NHS number {format_nhs_number(nhs_number)} already exists{name}"
        ) from None

    def _insert(
        self,
        kind: str,
        uid: str,
        version: int,
        patient_uid: str,
        value: Any,
        data: dict[str, Any],
        *,
        action: str,
        reason: str = "",
        deleted: bool = False,
        before: dict[str, Any] | None = None,
    ) -> Saved[Any]:
        self.ctx.writing()
        on = codec.record_date(kind, value) if value is not None else None
        saved_at = self.ctx.now_text()
        try:
            self.ctx.db.execute(
                f"INSERT INTO {kind} (uid, version, patient_uid, on_date, data, deleted, "
                "saved_at, saved_by, change_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    uid,
                    version,
                    patient_uid,
                    on.isoformat() if on else None,
                    dump_json(data),
                    int(deleted),
                    saved_at,
                    self.ctx.user,
                    reason,
                ],
            )
        except IntegrityError as e:
            # a writer that did not take the lock saved this version first: still no lost update
            if is_duplicate(e, lambda: self._has_version(kind, uid, version)):
                raise ConcurrentEditError(
                    f"This {codec.LABELS[kind]} was saved elsewhere at the "
                    "same moment: nothing was saved; reopen it"
                ) from None
            raise
        self.audit.add(
            action,
            entity=kind,
            entity_uid=uid,
            version=version,
            patient_uid=patient_uid,
            before=before,
            after=None if deleted else data,
            detail=reason,
        )
        return Saved(
            kind,
            uid,
            version,
            patient_uid,
            value if value is not None else codec.decode(kind, data, self.ctx.forms),
            saved_at,
            self.ctx.user,
            reason,
            deleted,
            data,
        )

    def _has_version(self, kind: str, uid: str, version: int) -> bool:
        return bool(
            list(
                self.ctx.db.query(
                    f"SELECT 1 FROM {kind} WHERE uid = ? AND version = ?", [uid, version]
                )
            )
        )
