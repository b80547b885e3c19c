"""The patient record store: every write one transaction, versioned, audited.

A save names the version it started from. If someone else saved in between, the save is refused
(ConcurrentEditError) and nothing is written. A save never changes an earlier version: it adds a
new one. Deleting adds a version marked deleted, with a reason. Each write adds an audit entry
with the record before and after, and refreshes the patient's summary row, in the same
transaction.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from mdtapp.domain.errors import FieldError, ValidationError
from mdtapp.domain.forms import Forms
from mdtapp.domain.forms import forms as default_forms
from mdtapp.domain.model import Patient
from mdtapp.domain.nhs_number import format_nhs_number
from mdtapp.store import codec
from mdtapp.store.database import immediate, open_database
from mdtapp.store.errors import (
    ConcurrentEditError,
    DuplicateRecord,
    PermissionDenied,
    ReadOnlyDatabase,
    RecordNotFound,
    SignedRecordError,
    StoreError,
)
from mdtapp.store.schema import RECORD_TABLES
from mdtapp.store.security import (
    ACTIONS,
    ROLES,
    SIGNABLE,
    WRITE,
    Principal,
    maintenance,
    password_problem,
)
from mdtapp.store.sqlite import IntegrityError, OperationalError, sqlite_utils

if TYPE_CHECKING:  # the record module is loaded on first use
    from mdtapp.domain.record import PatientRecord

T = TypeVar("T")
CHILD_KINDS = tuple(k for k in RECORD_TABLES if k != "patients")


def utc_now() -> datetime:
    return datetime.now(UTC)


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): still say something honest
        return "unknown-os-user"


def new_uid() -> str:
    return uuid.uuid4().hex


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False)


@dataclass(frozen=True)
class Saved(Generic[T]):
    """One stored version of a record, with who saved it and when."""

    kind: str
    uid: str
    version: int
    patient_uid: str
    value: T
    saved_at: str
    saved_by: str
    change_reason: str
    deleted: bool
    data: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)


@dataclass(frozen=True)
class PatientFile:
    """Everything stored for one patient (current versions), with uids and versions for edits."""

    patient: Saved[Patient]
    eligibility: Saved[Any] | None
    decisions: tuple[Saved[Any], ...]
    regimens: tuple[Saved[Any], ...]
    infusions: tuple[Saved[Any], ...]
    assessments: tuple[Saved[Any], ...]
    admissions: tuple[Saved[Any], ...]

    @property
    def uid(self) -> str:
        return self.patient.uid

    @property
    def record(self) -> PatientRecord:
        from mdtapp.domain.record import PatientRecord

        return PatientRecord(
            patient=self.patient.value,
            eligibility=self.eligibility.value if self.eligibility else None,
            decisions=tuple(s.value for s in self.decisions),
            regimens=tuple(s.value for s in self.regimens),
            infusions=tuple(s.value for s in self.infusions),
            assessments=tuple(s.value for s in self.assessments),
            admissions=tuple(s.value for s in self.admissions),
        )

    def saved_assessment(self, on: date) -> Saved[Any] | None:
        return next((s for s in self.assessments if s.value.date == on), None)


@dataclass(frozen=True)
class PatientSummary:
    patient_uid: str
    nhs_number: str
    hospital_number: str
    family_name: str
    given_names: str
    date_of_birth: date
    sex: str
    first_infusion: date | None
    latest_assessment: date | None
    next_review: date | None
    review_reason: str
    unscheduled: bool
    response: bool | None
    flags: tuple[str, ...]

    @property
    def display_name(self) -> str:
        return f"{self.family_name.upper()}, {self.given_names}"

    def overdue(self, today: date) -> bool:
        return self.next_review is not None and self.next_review < today

    def days_overdue(self, today: date) -> int:
        return (today - self.next_review).days if self.overdue(today) and self.next_review else 0


@dataclass(frozen=True)
class SignatureInfo:
    kind: str
    uid: str
    version: int
    username: str
    name: str
    role: str
    signed_at: str
    meaning: str

    @property
    def signed_at_text(self) -> str:
        from mdtapp.domain.dates import format_timestamp

        return format_timestamp(self.signed_at)


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    roles: tuple[str, ...]
    active: bool
    must_change_password: bool

    @property
    def principal(self) -> Principal:
        return Principal(self.username, self.display_name, frozenset(self.roles))


@dataclass(frozen=True)
class Draft:
    patient_uid: str
    kind: str
    record_uid: str | None
    base_version: int | None
    data: dict[str, Any]
    updated_at: str


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    user: str
    action: str
    entity: str
    entity_uid: str
    version: int | None
    patient_uid: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: str


class Store:
    """Repositories over one open database, acting as one named user."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        *,
        user: str | Principal,
        path: Path | None = None,
        forms: Forms | None = None,
        clock: Callable[[], datetime] = utc_now,
        key: bytes | None = None,
        keyring: Any = None,
    ):
        self.db = db
        self.principal = user if isinstance(user, Principal) else maintenance(user)
        self.path = path
        self.forms = forms or default_forms()
        self.clock = clock
        self.key = key  # the database key, for wrapping it for a new user (encrypted only)
        self.keyring = keyring
        self._refresh_stale_summaries()

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        user: str | Principal | None = None,
        key: bytes | None = None,
        create: bool = True,
        forms: Forms | None = None,
        clock: Callable[[], datetime] = utc_now,
        keyring: Any = None,
        key_verified: bool = False,
    ) -> Store:
        """Open without signing in (maintenance and tests): `user` acts with every role unless
        it is a Principal. The app and the commands sign in through mdtapp.store.access."""
        db = open_database(path, key=key, create=create, key_verified=key_verified)
        return cls(
            db,
            user=user or os_user(),
            path=Path(path),
            forms=forms,
            clock=clock,
            key=key,
            keyring=keyring,
        )

    @property
    def user(self) -> str:
        """Who every saved version and audit entry is attributed to: the signed-in account."""
        return self.principal.username

    @property
    def encrypted(self) -> bool:
        return self.key is not None

    # ------------------------------------------------------------ permissions

    def can(self, role: str) -> bool:
        return self.principal.has(role)

    def authorise(self, role: str, what: str) -> None:
        """Refuse, with who and what is needed, unless the signed-in account has the role."""
        if not self.principal.has(role):
            p = self.principal
            raise PermissionDenied(
                f"{p.display_name} is signed in as {p.roles_text or 'no role'}: {what} needs "
                f"the {role} role"
            )

    def can_write(self, kind: str) -> bool:
        return self.can(WRITE[kind])

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ time

    def now_text(self) -> str:
        return self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def today(self) -> date:
        """The clinician's calendar date (local time)."""
        return self.clock().astimezone().date()

    # ------------------------------------------------------------ transactions

    daily_backups_kept = 14  # set from the settings by whoever opens the store for the app
    _backed_up_on: date | None = None

    def daily_backup(self) -> Path | None:
        """Before the first write of each day: a verified copy in the backups folder, keeping
        the newest `daily_backups_kept`. Returns the new backup, if one was made."""
        today = self.today()
        if self.path is None or self.daily_backups_kept <= 0 or self._backed_up_on == today:
            return None
        from mdtapp.store import files
        from mdtapp.store.backup import backup_to
        from mdtapp.store.database import backups_dir
        from mdtapp.store.keyring import copy_keyring, keyring_path

        folder = backups_dir(self.path)
        target = folder / f"{self.path.stem}-daily-{today.isoformat()}.db"
        made = None
        if not target.exists():
            made = backup_to(self.db.conn, target, key=self.key)
            if self.key is not None:
                copy_keyring(self.path, target)
            for old in sorted(folder.glob(f"{self.path.stem}-daily-*.db"))[
                : -self.daily_backups_kept
            ]:
                try:
                    files.remove(old)
                    files.remove(keyring_path(old))
                except OSError:  # open elsewhere (Windows): removed at a later day's rotation
                    continue
        self._backed_up_on = today
        return made

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One all-or-nothing write; nested calls join the outer transaction."""
        if self.db.conn.in_transaction:
            yield
            return
        self.daily_backup()  # outside the write: a backup through a writing connection locks
        try:
            with immediate(self.db.conn):
                yield
        except OperationalError as e:
            text = str(e)
            if "readonly" in text or "read-only" in text:
                raise ReadOnlyDatabase(
                    "The database file is read-only: nothing was saved "
                    "(check the file's permissions)"
                ) from None
            if "disk is full" in text or "database or disk is full" in text:
                raise StoreError(
                    "The disk is full: nothing was saved. Free some space and "
                    "save again; what you typed is kept."
                ) from None
            if "locked" in text:
                raise StoreError(
                    "The database is busy in another window or program: nothing "
                    "was saved; try again."
                ) from None
            raise

    # ------------------------------------------------------------ audit

    def _audit(
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
        self.db.execute(
            "INSERT INTO audit (at, user, action, entity, entity_uid, version, patient_uid, "
            "before, after, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self.now_text(),
                self.user,
                action,
                entity,
                entity_uid,
                version,
                patient_uid,
                None if before is None else _dump(before),
                None if after is None else _dump(after),
                detail,
            ],
        )

    def record_event(
        self,
        action: str,
        *,
        patient_uid: str | None = None,
        entity: str = "",
        entity_uid: str = "",
        detail: str = "",
    ) -> None:
        """An event that changes no record but must be traceable (export, letter, backup)."""
        with self.transaction():
            self._audit(
                action, entity=entity, entity_uid=entity_uid, patient_uid=patient_uid, detail=detail
            )

    def audit_entries(
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
            for r in self.db.query(sql, params)
        ]

    # ------------------------------------------------------------ reading

    def _saved(self, kind: str, row: dict[str, Any]) -> Saved[Any]:
        data = json.loads(row["data"])
        return Saved(
            kind,
            row["uid"],
            row["version"],
            row["patient_uid"],
            codec.decode(kind, data),
            row["saved_at"],
            row["saved_by"],
            row["change_reason"],
            bool(row["deleted"]),
            data,
        )

    def _latest_row(self, kind: str, uid: str) -> dict[str, Any] | None:
        rows = list(
            self.db.query(
                f"SELECT * FROM {kind} WHERE uid = ? ORDER BY version DESC LIMIT 1", [uid]
            )
        )
        return rows[0] if rows else None

    def get(self, kind: str, uid: str) -> Saved[Any]:
        row = self._latest_row(kind, uid)
        if row is None:
            raise RecordNotFound(f"No {codec.LABELS[kind]} with id {uid}")
        return self._saved(kind, row)

    def history(self, kind: str, uid: str) -> list[Saved[Any]]:
        """Every version of a record, oldest first: nothing is ever lost."""
        return [
            self._saved(kind, row)
            for row in self.db.query(f"SELECT * FROM {kind} WHERE uid = ? ORDER BY version", [uid])
        ]

    def current(self, kind: str, patient_uid: str) -> list[Saved[Any]]:
        rows = self.db.query(
            f"SELECT * FROM current_{kind} WHERE patient_uid = ? ORDER BY on_date, row_id",
            [patient_uid],
        )
        return [self._saved(kind, row) for row in rows]

    def patient_uid_for(self, nhs_number: str) -> str | None:
        rows = list(
            self.db.query("SELECT patient_uid FROM patient_keys WHERE nhs_number = ?", [nhs_number])
        )
        return rows[0]["patient_uid"] if rows else None

    def patient(self, patient_uid: str) -> Saved[Patient]:
        return self.get("patients", patient_uid)

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
            for r in self.db.query(
                "SELECT uid FROM current_patients ORDER BY json_extract(data, '$.nhs_number')"
            )
        ]

    # ------------------------------------------------------------ writing

    def _check(self, kind: str, value: Any) -> dict[str, Any]:
        errors = codec.validate(kind, value, self.forms, self.today())
        if errors:
            raise ValidationError(errors)
        return codec.encode(kind, value, self.forms)

    def add_patient(
        self, patient: Patient, *, uid: str | None = None, action: str = "create"
    ) -> Saved[Patient]:
        self.authorise(WRITE["patients"], "adding a patient")
        return self._add_patient(patient, uid=uid, action=action)

    def _add_patient(
        self, patient: Patient, *, uid: str | None = None, action: str = "create"
    ) -> Saved[Patient]:
        data = self._check("patients", patient)
        uid = uid or new_uid()
        with self.transaction():
            try:
                self.db.execute(
                    "INSERT INTO patient_keys (patient_uid, nhs_number) VALUES (?, ?)",
                    [uid, patient.nhs_number],
                )
            except IntegrityError:
                raise self._duplicate_patient(patient.nhs_number) from None
            saved = self._insert("patients", uid, 1, uid, None, data, action=action)
            self._refresh_summary(uid)
        return saved

    def _duplicate_patient(self, nhs_number: str) -> DuplicateRecord:
        uid = self.patient_uid_for(nhs_number)
        name = ""
        if uid:
            existing = self.get("patients", uid)
            name = f" ({existing.value.display_name}" + (", deleted)" if existing.deleted else ")")
        return DuplicateRecord(
            f"A patient with NHS number {format_nhs_number(nhs_number)} already exists{name}"
        )

    def save(
        self,
        kind: str,
        patient_uid: str,
        value: Any,
        *,
        uid: str | None = None,
        base_version: int | None = None,
        reason: str = "",
        action: str | None = None,
    ) -> Saved[Any]:
        """Add a record (uid None) or a new version of one, from `base_version`. A signed
        version is never changed: a new version of it is an amendment, and needs a reason."""
        self.authorise(WRITE[kind], f"saving {codec.LABELS[kind]}")
        return self._save(
            kind,
            patient_uid,
            value,
            uid=uid,
            base_version=base_version,
            reason=reason,
            action=action,
        )

    def _save(
        self,
        kind: str,
        patient_uid: str,
        value: Any,
        *,
        uid: str | None = None,
        base_version: int | None = None,
        reason: str = "",
        action: str | None = None,
    ) -> Saved[Any]:
        data = self._check(kind, value)
        with self.transaction():
            if kind != "patients" and self.patient(patient_uid).deleted:
                raise RecordNotFound("The patient's record was deleted: nothing was saved")
            if uid is None:
                self._refuse_duplicates(kind, patient_uid, value, None)
                uid = new_uid()
                saved = self._insert(
                    kind, uid, 1, patient_uid, value, data, action=action or "create", reason=reason
                )
            else:
                current = self._current_for_update(kind, uid, base_version)
                if current["patient_uid"] != patient_uid:
                    raise StoreError(f"That {codec.LABELS[kind]} belongs to another patient")
                self._refuse_duplicates(kind, patient_uid, value, uid)
                if kind == "patients":
                    self._change_nhs_number(uid, value.nhs_number)
                before = json.loads(current["data"])
                if before == data and not current["deleted"]:
                    return self._saved(kind, current)  # nothing changed: no new version
                signed = self.signatures(kind, uid, current["version"])
                if signed and not reason.strip():
                    raise SignedRecordError(
                        f"This {codec.LABELS[kind]} (version {current['version']}) was signed by "
                        f"{signed[0].name} on {signed[0].signed_at_text}: a change is an "
                        "amendment and needs a reason. Nothing was saved."
                    )
                saved = self._insert(
                    kind,
                    uid,
                    current["version"] + 1,
                    patient_uid,
                    value,
                    data,
                    action=action or ("amend" if signed else "update"),
                    reason=reason,
                    before=before,
                )
            self.db.execute(
                "DELETE FROM drafts WHERE user = ? AND patient_uid = ? AND kind = ? AND "
                "record_uid IN ('', ?)",
                [self.user, patient_uid, kind, saved.uid],
            )
            self._refresh_summary(patient_uid)
        return saved

    def delete(self, kind: str, uid: str, *, base_version: int, reason: str) -> Saved[Any]:
        """A soft delete: a new version marked deleted. The reason is required."""
        if not reason.strip():
            raise ValidationError([FieldError("reason", "is required to delete a record")])
        self.authorise(WRITE[kind], f"deleting {codec.LABELS[kind]}")
        with self.transaction():
            current = self._current_for_update(kind, uid, base_version)
            if current["deleted"]:
                raise StoreError(f"That {codec.LABELS[kind]} is already deleted")
            data = json.loads(current["data"])
            saved = self._insert(
                kind,
                uid,
                current["version"] + 1,
                current["patient_uid"],
                self._saved(kind, current).value,
                data,
                action="delete",
                reason=reason,
                deleted=True,
                before=data,
            )
            self._refresh_summary(current["patient_uid"])
        return saved

    def _current_for_update(self, kind: str, uid: str, base_version: int | None) -> dict[str, Any]:
        current = self._latest_row(kind, uid)
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

    def _refuse_duplicates(self, kind: str, patient_uid: str, value: Any, uid: str | None) -> None:
        if kind == "eligibility":
            others = [s for s in self.current(kind, patient_uid) if s.uid != uid]
            if others:
                raise DuplicateRecord(
                    "Eligibility is already recorded for this patient: edit it instead"
                )
        if kind == "assessments":
            clash = [
                s
                for s in self.current(kind, patient_uid)
                if s.uid != uid and s.value.date == value.date
            ]
            if clash:
                raise DuplicateRecord(
                    f"An assessment dated {value.date.isoformat()} already exists for this "
                    f"patient (by {clash[0].value.examiner}): open it to amend it"
                )

    def _change_nhs_number(self, uid: str, nhs_number: str) -> None:
        try:
            self.db.execute(
                "UPDATE patient_keys SET nhs_number = ? WHERE patient_uid = ?", [nhs_number, uid]
            )
        except IntegrityError:
            raise self._duplicate_patient(nhs_number) from None

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
        on = codec.record_date(kind, value) if value is not None else None
        row = {
            "uid": uid,
            "version": version,
            "patient_uid": patient_uid,
            "on_date": on.isoformat() if on else None,
            "data": _dump(data),
            "deleted": int(deleted),
            "saved_at": self.now_text(),
            "saved_by": self.user,
            "change_reason": reason,
        }
        try:
            self.db[kind].insert(row)
        except IntegrityError as e:
            if "UNIQUE" in str(e):  # a writer that did not take the lock: still no lost update
                raise ConcurrentEditError(
                    f"This {codec.LABELS[kind]} was saved elsewhere at the "
                    "same moment: nothing was saved; reopen it"
                ) from None
            raise
        self._audit(
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
            value if value is not None else codec.decode(kind, data),
            row["saved_at"],
            self.user,
            reason,
            deleted,
            data,
        )

    # ------------------------------------------------------------ drafts

    def save_draft(
        self,
        patient_uid: str,
        kind: str,
        data: dict[str, Any],
        *,
        record_uid: str | None = None,
        base_version: int | None = None,
    ) -> None:
        """Keep unsaved editor state (this user's), replacing the previous draft."""
        self.authorise(WRITE[kind], f"keeping a draft of {codec.LABELS[kind]}")
        with self.transaction():
            self.db["drafts"].upsert(
                {
                    "user": self.user,
                    "patient_uid": patient_uid,
                    "kind": kind,
                    "record_uid": record_uid or "",
                    "base_version": base_version,
                    "data": _dump(data),
                    "updated_at": self.now_text(),
                },
                pk=("user", "patient_uid", "kind", "record_uid"),
            )

    def drafts(self, patient_uid: str, kind: str) -> list[Draft]:
        rows = self.db.query(
            "SELECT * FROM drafts WHERE user = ? AND patient_uid = ? AND kind = ? "
            "ORDER BY updated_at DESC",
            [self.user, patient_uid, kind],
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

    def discard_draft(self, patient_uid: str, kind: str, record_uid: str | None = None) -> None:
        with self.transaction():
            self.db.execute(
                "DELETE FROM drafts WHERE user = ? AND patient_uid = ? AND kind = ? AND "
                "record_uid = ?",
                [self.user, patient_uid, kind, record_uid or ""],
            )

    # ------------------------------------------------------------ photos

    def add_photo(self, patient_uid: str, content: bytes, media_type: str) -> str:
        self.authorise(ACTIONS["photo"], "adding a photo")
        return self._add_photo(patient_uid, content, media_type)

    def _add_photo(self, patient_uid: str, content: bytes, media_type: str) -> str:
        digest = hashlib.sha256(content).hexdigest()
        with self.transaction():
            exists = list(
                self.db.query(
                    "SELECT 1 FROM photos WHERE patient_uid = ? AND sha256 = ?",
                    [patient_uid, digest],
                )
            )
            if not exists:
                self.db["photos"].insert(
                    {
                        "patient_uid": patient_uid,
                        "sha256": digest,
                        "media_type": media_type,
                        "content": content,
                        "added_at": self.now_text(),
                        "added_by": self.user,
                    }
                )
                self._audit(
                    "photo",
                    entity="photos",
                    entity_uid=digest,
                    patient_uid=patient_uid,
                    detail=f"{media_type}, {len(content)} bytes",
                )
        return digest

    def photo(self, patient_uid: str, sha256: str) -> tuple[bytes, str]:
        rows = list(
            self.db.query(
                "SELECT content, media_type FROM photos WHERE patient_uid = ? AND sha256 = ?",
                [patient_uid, sha256],
            )
        )
        if not rows:
            raise RecordNotFound(f"No stored photo {sha256[:12]}")
        return bytes(rows[0]["content"]), rows[0]["media_type"]

    # ------------------------------------------------------------ summaries

    def _refresh_summary(self, patient_uid: str) -> None:
        patient = self.get("patients", patient_uid)
        p: Patient = patient.value
        state = None
        record = None
        if not patient.deleted:
            file = self.load(patient_uid)
            record = file.record
            from mdtapp.domain.record import patient_state  # the rules: only when needed

            state = patient_state(record, today=self.today(), forms=self.forms)
        flags = [f.key for f in state.evaluation.raised] if state and state.evaluation else []
        response = state.evaluation.response if state and state.evaluation else None
        row = {
            "patient_uid": patient_uid,
            "nhs_number": p.nhs_number,
            "hospital_number": p.hospital_number,
            "family_name": p.family_name,
            "given_names": p.given_names,
            "date_of_birth": p.date_of_birth.isoformat(),
            "sex": p.sex,
            "deleted": int(patient.deleted),
            "first_infusion": record.first_infusion.isoformat()
            if record and record.first_infusion
            else None,
            "latest_assessment": record.assessments[-1].date.isoformat()
            if record and record.assessments
            else None,
            "next_review": state.review.next_due.isoformat()
            if state and state.review.next_due
            else None,
            "review_reason": state.review.reason if state else "deleted",
            "unscheduled": int(bool(state and state.review.unscheduled)),
            "response": None if response is None else int(response),
            "flags": json.dumps(flags),
            "search_text": " ".join(
                [p.family_name, p.given_names, p.nhs_number, p.hospital_number]
            ).casefold(),
            "forms_version": self.forms.version,
        }
        self.db["patient_summary"].upsert(row, pk="patient_uid")

    def _refresh_stale_summaries(self) -> None:
        """The cache follows the forms in use: a threshold change re-evaluates every patient."""
        stale = [
            r["patient_uid"]
            for r in self.db.query(
                "SELECT k.patient_uid FROM patient_keys k LEFT JOIN patient_summary s "
                "ON s.patient_uid = k.patient_uid WHERE s.patient_uid IS NULL "
                "OR s.forms_version != ?",
                [self.forms.version],
            )
        ]
        if stale:
            with self.transaction():
                for uid in stale:
                    self._refresh_summary(uid)

    def rebuild_summaries(self) -> None:
        with self.transaction():
            for uid in [
                r["patient_uid"] for r in self.db.query("SELECT patient_uid FROM patient_keys")
            ]:
                self._refresh_summary(uid)

    @staticmethod
    def _summary(row: dict[str, Any]) -> PatientSummary:
        def day(text: str | None) -> date | None:
            return date.fromisoformat(text) if text else None

        return PatientSummary(
            patient_uid=row["patient_uid"],
            nhs_number=row["nhs_number"],
            hospital_number=row["hospital_number"],
            family_name=row["family_name"],
            given_names=row["given_names"],
            date_of_birth=date.fromisoformat(row["date_of_birth"]),
            sex=row["sex"],
            first_infusion=day(row["first_infusion"]),
            latest_assessment=day(row["latest_assessment"]),
            next_review=day(row["next_review"]),
            review_reason=row["review_reason"],
            unscheduled=bool(row["unscheduled"]),
            response=None if row["response"] is None else bool(row["response"]),
            flags=tuple(json.loads(row["flags"])),
        )

    def summaries(self, search: str = "", *, limit: int | None = None) -> list[PatientSummary]:
        """Patients matching a name, NHS number or hospital number, by family name."""
        sql = "SELECT * FROM patient_summary WHERE deleted = 0"
        params: list[Any] = []
        # every typed word must appear; an NHS number typed 3 3 4 matches as three words
        for word in search.casefold().split():
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            sql += " AND search_text LIKE ? ESCAPE '\\'"
            params.append(f"%{escaped}%")
        sql += " ORDER BY family_name COLLATE NOCASE, given_names COLLATE NOCASE, nhs_number"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [self._summary(r) for r in self.db.query(sql, params)]

    def reviews(self) -> list[PatientSummary]:
        """Every patient's next review: overdue and soonest first, unscheduled next, then none."""
        rows = self.db.query(
            "SELECT * FROM patient_summary WHERE deleted = 0 ORDER BY "
            "next_review IS NULL, next_review, unscheduled DESC, family_name COLLATE NOCASE"
        )
        summaries = [self._summary(r) for r in rows]
        dated = [s for s in summaries if s.next_review is not None]
        unscheduled = [s for s in summaries if s.next_review is None and s.unscheduled]
        rest = [s for s in summaries if s.next_review is None and not s.unscheduled]
        return dated + unscheduled + rest

    def count_patients(self) -> int:
        return int(
            self.db.execute("SELECT count(*) FROM patient_summary WHERE deleted = 0").fetchone()[0]
        )

    # ------------------------------------------------------------ whole patients

    def add_patient_file(
        self,
        record: PatientRecord,
        *,
        uids: dict[str, Sequence[str | None]] | None = None,
        action: str = "import",
    ) -> str:
        """Store a whole patient in one transaction (import, demo: an administrator's)."""
        self.authorise(
            ACTIONS["import" if action == "import" else "demo"],
            "importing patients" if action == "import" else "adding demo patients",
        )
        uids = uids or {}
        with self.transaction():
            given = uids.get("patients")
            saved = self._add_patient(
                record.patient, uid=given[0] if given else None, action=action
            )
            for kind in CHILD_KINDS:
                values = getattr(record, kind)
                if kind == "eligibility":
                    values = (values,) if values is not None else ()
                kind_uids = list(uids.get(kind, ()))
                for i, value in enumerate(values):
                    self._add_child(
                        kind, saved.uid, value, kind_uids[i] if i < len(kind_uids) else None, action
                    )
            self._refresh_summary(saved.uid)
        return saved.uid

    # ------------------------------------------------------------ signing

    def signatures(self, kind: str, uid: str, version: int | None = None) -> list[SignatureInfo]:
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
            for r in self.db.query(sql + " ORDER BY id", params)
        ]

    def sign(
        self,
        kind: str,
        uid: str,
        version: int,
        password: str,
        meaning: str = "reviewed and approved",
    ) -> SignatureInfo:
        """Sign one version by re-entering the password; from then on it is read-only."""
        if kind not in SIGNABLE:
            raise StoreError(f"{codec.LABELS[kind]} records are not signed")
        self.authorise(ACTIONS["sign"], "signing")
        if not self.verify_password(self.user, password):
            raise PermissionDenied("The password is not right: nothing was signed")
        with self.transaction():
            current = self._latest_row(kind, uid)
            if current is None or current["version"] != version or current["deleted"]:
                raise ConcurrentEditError(
                    f"That {codec.LABELS[kind]} has changed since it was "
                    "shown: reopen it before signing"
                )
            if self.signatures(kind, uid, version) and any(
                x.username == self.user for x in self.signatures(kind, uid, version)
            ):
                raise StoreError("You have already signed this version")
            now = self.now_text()
            self.db.execute(
                "INSERT INTO signatures (kind, uid, version, username, display_name, roles, "
                "signed_at, meaning) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    kind,
                    uid,
                    version,
                    self.user,
                    self.principal.display_name,
                    self.principal.roles_text,
                    now,
                    meaning,
                ],
            )
            self._audit(
                "sign",
                entity=kind,
                entity_uid=uid,
                version=version,
                patient_uid=current["patient_uid"],
                detail=meaning,
            )
        return self.signatures(kind, uid, version)[-1]

    # ------------------------------------------------------------ accounts

    def accounts(self) -> list[Account]:
        return [self._account(r) for r in self.db.query("SELECT * FROM users ORDER BY username")]

    def account(self, username: str) -> Account | None:
        rows = list(self.db.query("SELECT * FROM users WHERE username = ?", [username]))
        return self._account(rows[0]) if rows else None

    @staticmethod
    def _account(row: dict[str, Any]) -> Account:
        return Account(
            row["username"],
            row["display_name"],
            tuple(json.loads(row["roles"])),
            bool(row["active"]),
            bool(row["must_change_password"]),
        )

    def verify_password(self, username: str, password: str) -> bool:
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        rows = list(
            self.db.query("SELECT password_hash, active FROM users WHERE username = ?", [username])
        )
        if not rows or not rows[0]["active"]:
            return False
        try:
            return PasswordHasher().verify(rows[0]["password_hash"], password)
        except (VerificationError, InvalidHashError):
            return False

    def _check_new_account(self, username: str, password: str, roles: Sequence[str]) -> None:
        errors = []
        if (
            not username
            or len(username) > 64
            or not username.replace(".", "").replace("-", "").replace("_", "").isalnum()
        ):
            errors.append(FieldError("username", "use 1-64 letters, digits, '.', '-' or '_'"))
        problem = password_problem(password, username)
        if problem:
            errors.append(FieldError("password", problem))
        bad = [r for r in roles if r not in ROLES]
        if bad or not roles:
            errors.append(FieldError("roles", f"choose from {', '.join(ROLES)}"))
        if errors:
            raise ValidationError(errors)

    def add_account(
        self,
        username: str,
        display_name: str,
        roles: Sequence[str],
        password: str,
        *,
        first: bool = False,
    ) -> Account:
        """An administrator adds an account (or the first administrator is created)."""
        from argon2 import PasswordHasher

        if not first:
            self.authorise(ACTIONS["users"], "adding a user")
        self._check_new_account(username, password, roles)
        with self.transaction():
            if self.account(username) is not None:
                raise DuplicateRecord(f"There is already a user called {username}")
            now = self.now_text()
            self.db["users"].insert(
                {
                    "username": username,
                    "display_name": display_name.strip() or username,
                    "roles": json.dumps([r for r in ROLES if r in roles]),
                    "password_hash": PasswordHasher().hash(password),
                    "active": 1,
                    "must_change_password": 0,
                    "failed_logins": 0,
                    "last_failure": None,
                    "created_at": now,
                    "created_by": self.user if not first else username,
                    "updated_at": now,
                }
            )
            if self.keyring is not None and self.key is not None:
                self.keyring.wrap(username, password, self.key)
                self.keyring.save()
            self._audit(
                "user-add",
                entity="users",
                entity_uid=username,
                detail=f"{display_name} as {', '.join(roles)}",
            )
        account = self.account(username)
        assert account is not None
        return account

    def set_password(
        self, username: str, new_password: str, *, current_password: str | None = None
    ) -> None:
        """A user changes their own password (giving the current one), or an administrator
        sets one (the user must then change it). The data is never re-encrypted."""
        from argon2 import PasswordHasher

        own = username == self.user and current_password is not None
        if own:
            if not self.verify_password(username, current_password or ""):
                raise PermissionDenied("The current password is not right: nothing was changed")
        else:
            self.authorise(ACTIONS["users"], "setting another user's password")
        problem = password_problem(new_password, username)
        if problem:
            raise ValidationError([FieldError("password", problem)])
        if self.account(username) is None:
            raise RecordNotFound(f"No user called {username}")
        with self.transaction():
            self.db.execute(
                "UPDATE users SET password_hash = ?, must_change_password = ?, updated_at = ? "
                "WHERE username = ?",
                [PasswordHasher().hash(new_password), int(not own), self.now_text(), username],
            )
            if self.keyring is not None and self.key is not None:
                self.keyring.wrap(username, new_password, self.key)
                self.keyring.save()
            self._audit(
                "user-password",
                entity="users",
                entity_uid=username,
                detail="changed by the user" if own else f"set by {self.user}",
            )

    def set_roles(self, username: str, roles: Sequence[str], *, active: bool = True) -> None:
        self.authorise(ACTIONS["users"], "changing a user's roles")
        if not roles or any(r not in ROLES for r in roles):
            raise ValidationError([FieldError("roles", f"choose from {', '.join(ROLES)}")])
        admins = [
            a for a in self.accounts() if a.active and "admin" in a.roles and a.username != username
        ]
        if not admins and ("admin" not in roles or not active):
            raise StoreError("That would leave no active administrator")
        with self.transaction():
            self.db.execute(
                "UPDATE users SET roles = ?, active = ?, updated_at = ? WHERE username = ?",
                [
                    json.dumps([r for r in ROLES if r in roles]),
                    int(active),
                    self.now_text(),
                    username,
                ],
            )
            if not active and self.keyring is not None:
                self.keyring.remove(username)
                self.keyring.save()
            self._audit(
                "user-roles",
                entity="users",
                entity_uid=username,
                detail=f"{', '.join(roles)}{'' if active else '; account disabled'}",
            )

    def _add_child(
        self, kind: str, patient_uid: str, value: Any, uid: str | None, action: str
    ) -> Saved[Any]:
        """Add a record with a given uid (import keeps the file's ids); no summary refresh."""
        data = self._check(kind, value)
        self._refuse_duplicates(kind, patient_uid, value, None)
        saved = self._insert(kind, uid or new_uid(), 1, patient_uid, value, data, action=action)
        return saved
