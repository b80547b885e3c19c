"""The Store: the one object the app and the commands hold over an open database, acting as
one signed-in user. It checks the user's role, opens one transaction per action, and hands the
work to the parts, each in a module of its own:

    records.py      versioned records: read, save, amend, delete; no lost update
    audit.py        the audit trail
    signing.py      signatures, and the amendment rule for signed versions
    drafts.py       unsaved editor state
    photos.py       clinical photos
    lineage.py      where each version comes from (for merging files from other sites)
    accounts.py     accounts, passwords and roles
    summaries.py    the patient summary cache (list, search, reviews)
    daily_backup.py the copy before each day's first write

Opening reads (database.py opens and checks the file; upgrade.py is the one step that writes,
backed up first). Each write is one transaction: the day's first backup, then the write lock,
the change, its audit entry and the patient's refreshed summary together, or nothing (a known
fault, such as a full disk, is raised as a StoreError saying what to do; see faults.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mdtapp.domain.errors import FieldError, ValidationError
from mdtapp.domain.forms import Forms
from mdtapp.domain.forms import forms as default_forms
from mdtapp.domain.meeting import AgendaItem, Meeting
from mdtapp.domain.model import Patient
from mdtapp.store import codec
from mdtapp.store.accounts import Accounts
from mdtapp.store.audit import AuditTrail
from mdtapp.store.centre import CentreSettings
from mdtapp.store.connection import immediate
from mdtapp.store.context import Context, os_user, utc_now
from mdtapp.store.daily_backup import DailyBackups
from mdtapp.store.database import open_database
from mdtapp.store.drafts import Drafts
from mdtapp.store.errors import (
    ConcurrentEditError,
    CorruptDatabase,
    DuplicateRecord,
    PermissionDenied,
    ReadOnlyDatabase,
    RecordNotFound,
    StoreError,
)
from mdtapp.store.faults import Explanations, Fault, known_faults
from mdtapp.store.lineage import Held, Lineage, Lineages
from mdtapp.store.meetings import Meetings
from mdtapp.store.models import (
    CHILD_KINDS,
    Account,
    AuditEntry,
    Draft,
    PatientFile,
    PatientSummary,
    Saved,
    SignatureInfo,
)
from mdtapp.store.photos import Photos
from mdtapp.store.records import Records, new_uid
from mdtapp.store.security import (
    ACTIONS,
    SIGN_ROLES,
    VERIFIED,
    WRITE,
    Principal,
    authorise,
    maintenance,
)
from mdtapp.store.signing import Signatures
from mdtapp.store.sqlite import Database
from mdtapp.store.summaries import SummaryCache

if TYPE_CHECKING:
    from mdtapp.domain.record import PatientRecord
    from mdtapp.store.keyring import Keyring
    from mdtapp.store.keys import NewKey

# the names callers have always imported from here
__all__ = [
    "CHILD_KINDS",
    "Account",
    "AuditEntry",
    "Draft",
    "PatientFile",
    "PatientSummary",
    "Saved",
    "SignatureInfo",
    "Store",
    "new_uid",
    "os_user",
    "utc_now",
]


def _damaged() -> StoreError:
    return CorruptDatabase(
        "The database file is damaged: nothing was saved. Close mdtapp and open it again to "
        "restore the newest backup (or mdtapp restore); the damaged file is kept."
    )


# What a known fault means when a save meets it: nothing was written (the transaction rolled
# back) and what the user typed is still in the editor.
SAVING_FAULTS: Explanations = {
    Fault.READ_ONLY: lambda e: ReadOnlyDatabase(
        "The database file is read-only: nothing was saved (check the file's permissions)"
    ),
    Fault.DISK_FULL: lambda e: StoreError(
        "The disk is full: nothing was saved. Free some space and save again; what you typed "
        "is kept."
    ),
    Fault.BUSY: lambda e: StoreError(
        "The database is busy in another window or program: nothing was saved; try again."
    ),
    Fault.IO_ERROR: lambda e: StoreError(
        "The disk could not be written to (is it still connected?): nothing was saved; "
        "what you typed is kept."
    ),
    Fault.CANT_OPEN: lambda e: StoreError(
        "The database file cannot be reached (was its disk or folder removed?): nothing was "
        "saved; what you typed is kept."
    ),
    Fault.CORRUPT: lambda e: _damaged(),
    Fault.NOT_A_DATABASE: lambda e: _damaged(),
}


class Store:
    """Repositories over one open database, acting as one named user."""

    def __init__(
        self,
        db: Database,
        *,
        user: str | Principal,
        path: Path | None = None,
        forms: Forms | None = None,
        clock: Callable[[], datetime] = utc_now,
        key: bytes | None = None,
        keyring: Keyring | None = None,
    ):
        """Reads nothing and writes nothing: the first write is the first save's."""
        principal = user if isinstance(user, Principal) else maintenance(user)
        self._ctx = Context(db, principal, forms or default_forms(), clock)
        self.path = path
        self.key = key  # the database key, for wrapping it for a new user (encrypted only)
        self.keyring = keyring
        self._audit = AuditTrail(self._ctx)
        self._signatures = Signatures(self._ctx, self._audit)
        self._records = Records(self._ctx, self._audit, self._signatures)
        self._drafts = Drafts(self._ctx)
        self._photos = Photos(self._ctx, self._audit)
        self._lineages = Lineages(self._ctx)
        self._accounts = Accounts(self._ctx, self._audit)
        self._summaries = SummaryCache(self._ctx, self._records)
        self._centre = CentreSettings(self._ctx, self._audit)
        self._meetings = Meetings(self._ctx, self._audit)
        self._daily = DailyBackups(path, kept=self._kept_setting)

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
        keyring: Keyring | None = None,
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
    def db(self) -> Database:
        return self._ctx.db

    @property
    def principal(self) -> Principal:
        return self._ctx.principal

    @principal.setter
    def principal(self, principal: Principal) -> None:
        self._ctx.principal = principal

    @property
    def forms(self) -> Forms:
        return self._ctx.forms

    @property
    def clock(self) -> Callable[[], datetime]:
        return self._ctx.clock

    @property
    def user(self) -> str:
        """Who every saved version and audit entry is attributed to: the signed-in account."""
        return self._ctx.user

    @property
    def encrypted(self) -> bool:
        return self.key is not None

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now_text(self) -> str:
        return self._ctx.now_text()

    def today(self) -> date:
        """The clinician's calendar date (local time)."""
        return self._ctx.today()

    # ------------------------------------------------------------ permissions

    def can(self, role: str) -> bool:
        return self.principal.has(role)

    def authorise(self, role: str, what: str) -> None:
        """Refuse, with who and what is needed, unless the signed-in account has the role."""
        authorise(self.principal, role, what)

    def can_write(self, kind: str) -> bool:
        return self.can(WRITE[kind])

    # ------------------------------------------------------------ transactions

    def _kept_setting(self) -> int:
        from mdtapp.settings import kept_daily_backups

        return kept_daily_backups(self._centre.values())

    @property
    def daily_backups_kept(self) -> int:
        """How many daily backups are kept: the centre's setting (settings.py), unless set
        here for this session (benchmarks, tests)."""
        return self._daily.keep()

    @daily_backups_kept.setter
    def daily_backups_kept(self, kept: int) -> None:
        self._daily.kept = kept

    def daily_backup(self) -> Path | None:
        """Before the first write of each day: a verified copy in the backups folder, keeping
        the newest `daily_backups_kept`. Returns the new backup, if one was made."""
        return self._daily.before_first_write(self.db.conn, self.today(), self.key)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One all-or-nothing write; nested calls join the outer transaction."""
        if self.db.conn.in_transaction:
            yield
            return
        with known_faults(SAVING_FAULTS):
            self.daily_backup()  # outside the write: a backup through a writing connection locks
            with immediate(self.db.conn):
                # the first write also stores the summaries gone stale (made under other forms)
                first_write = self._summaries.store_stale()
                yield
        if first_write:
            self._summaries.stored()

    # ------------------------------------------------------------ audit

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
            self._audit.add(
                action, entity=entity, entity_uid=entity_uid, patient_uid=patient_uid, detail=detail
            )

    def audit_entries(
        self, *, patient_uid: str | None = None, limit: int | None = None
    ) -> list[AuditEntry]:
        return self._audit.entries(patient_uid=patient_uid, limit=limit)

    # ------------------------------------------------------------ reading records

    def get(self, kind: str, uid: str) -> Saved[Any]:
        return self._records.get(kind, uid)

    def history(self, kind: str, uid: str) -> list[Saved[Any]]:
        """Every version of a record, oldest first: nothing is ever lost."""
        return self._records.history(kind, uid)

    def current(self, kind: str, patient_uid: str) -> list[Saved[Any]]:
        return self._records.current(kind, patient_uid)

    def patient_uid_for(self, nhs_number: str) -> str | None:
        return self._records.patient_uid_for(nhs_number)

    def patient(self, patient_uid: str) -> Saved[Patient]:
        return self._records.get("patients", patient_uid)

    def load(self, patient_uid: str) -> PatientFile:
        return self._records.load(patient_uid)

    def load_by_nhs(self, nhs_number: str) -> PatientFile:
        return self._records.load_by_nhs(nhs_number)

    def patient_uids(self) -> list[str]:
        return self._records.patient_uids()

    # ------------------------------------------------------------ writing records

    def add_patient(
        self, patient: Patient, *, uid: str | None = None, action: str = "create"
    ) -> Saved[Patient]:
        self.authorise(WRITE["patients"], "adding a patient")
        return self._add_patient(patient, uid=uid, action=action)

    def _add_patient(self, patient: Patient, *, uid: str | None, action: str) -> Saved[Patient]:
        data = self._records.check("patients", patient)
        with self.transaction():
            saved = self._records.add_patient(patient, data, uid=uid, action=action)
            self._summaries.refresh(saved.uid)
        return saved

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
        if kind == "decisions" and value.meeting_uid is not None:
            self._check_meeting_decision(patient_uid, value, uid=uid)
        if kind == "assessments" and (problems := self._photos.count_problems(patient_uid, value)):
            raise ValidationError(problems)  # marks on a photo are in that photo's pixels
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
        """`save` without the role check: for the importer, which authorised the import."""
        data = self._records.check(kind, value)
        with self.transaction():
            saved, written = self._records.save(
                kind,
                patient_uid,
                value,
                data,
                uid=uid,
                base_version=base_version,
                reason=reason,
                action=action,
            )
            if written:
                self._drafts.saved(patient_uid, kind, saved.uid)
                self._summaries.refresh(patient_uid)
        return saved

    def delete(self, kind: str, uid: str, *, base_version: int, reason: str) -> Saved[Any]:
        """A soft delete: a new version marked deleted. The reason is required."""
        if not reason.strip():
            raise ValidationError([FieldError("reason", "is required to delete a record")])
        self.authorise(WRITE[kind], f"deleting {codec.LABELS[kind]}")
        with self.transaction():
            saved = self._records.delete(kind, uid, base_version=base_version, reason=reason)
            self._summaries.refresh(saved.patient_uid)
        return saved

    def add_patient_file(
        self,
        record: PatientRecord,
        *,
        uids: Mapping[str, Sequence[str | None]] | None = None,
        action: str = "import",
    ) -> str:
        """Store a whole patient in one transaction (import, demo: an administrator's)."""
        self.authorise(
            ACTIONS["import" if action == "import" else "demo"],
            "importing patients" if action == "import" else "adding demo patients",
        )
        uids = uids or {}
        given = uids.get("patients")
        data = self._records.check("patients", record.patient)
        with self.transaction():
            saved = self._records.add_patient(
                record.patient, data, uid=given[0] if given else None, action=action
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
            self._summaries.refresh(saved.uid)
        return saved.uid

    def _add_child(
        self, kind: str, patient_uid: str, value: Any, uid: str | None, action: str
    ) -> Saved[Any]:
        """Add a record with a given uid (import keeps the file's ids); no summary refresh.
        For the importer, inside its transaction."""
        return self._records.add(kind, patient_uid, value, uid=uid, action=action)

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
            self._drafts.keep(
                patient_uid, kind, data, record_uid=record_uid, base_version=base_version
            )

    def drafts(self, patient_uid: str, kind: str) -> list[Draft]:
        return self._drafts.of(patient_uid, kind)

    def discard_draft(self, patient_uid: str, kind: str, record_uid: str | None = None) -> None:
        with self.transaction():
            self._drafts.discard(patient_uid, kind, record_uid)

    # ------------------------------------------------------------ photos

    def add_photo(self, patient_uid: str, content: bytes, media_type: str) -> str:
        self.authorise(ACTIONS["photo"], "adding a photo")
        return self._add_photo(patient_uid, content, media_type)

    def _add_photo(self, patient_uid: str, content: bytes, media_type: str) -> str:
        """`add_photo` without the role check: for the importer."""
        with self.transaction():
            return self._photos.add(patient_uid, content, media_type)

    def photo(self, patient_uid: str, sha256: str) -> tuple[bytes, str]:
        return self._photos.get(patient_uid, sha256)

    # ------------------------------------------------------------ lineage

    def held(self, kind: str, patient_uid: str) -> dict[str, Held]:
        """The patient's records of a kind (deleted ones too), by uid: each one's latest
        version and its lineage (what the importer compares a file's copies with)."""
        return self._lineages.held(kind, patient_uid)

    def _keep_lineage(
        self, kind: str, uid: str, version: int, patient_uid: str, lineage: Lineage
    ) -> None:
        """For the importer, inside its transaction: the lineage a file gave a version."""
        self._lineages.keep(kind, uid, version, patient_uid, lineage)

    # ------------------------------------------------------------ summaries

    def _refresh_summary(self, patient_uid: str) -> None:
        """For the importer, inside its transaction."""
        self._summaries.refresh(patient_uid)

    def rebuild_summaries(self) -> None:
        with self.transaction():
            self._summaries.rebuild()

    def summaries(self, search: str = "", *, limit: int | None = None) -> list[PatientSummary]:
        """Patients matching a name, NHS number or hospital number, by family name."""
        return self._summaries.search(search, limit=limit)

    def reviews(self) -> list[PatientSummary]:
        """Every patient's next review: overdue and soonest first, unscheduled next, then none."""
        return self._summaries.reviews()

    def count_patients(self) -> int:
        return self._summaries.count()

    # ------------------------------------------------------------ signing

    def signatures(self, kind: str, uid: str, version: int | None = None) -> list[SignatureInfo]:
        return self._signatures.of(kind, uid, version)

    def sign(
        self,
        kind: str,
        uid: str,
        version: int,
        password: str,
        meaning: str = "reviewed and approved",
    ) -> SignatureInfo:
        """Sign one version by re-entering the password; from then on it is read-only. A dose
        plan (regimen) is signed as verified, by an Ig pharmacist."""
        if kind not in SIGN_ROLES:
            raise StoreError(f"{codec.LABELS[kind]} records are not signed")
        if kind == "regimens":
            meaning = VERIFIED
        what = "verifying a dose plan" if kind == "regimens" else "signing"
        self.authorise(SIGN_ROLES[kind], what)
        if not self.verify_password(self.user, password):
            raise PermissionDenied("The password is not right: nothing was signed")
        self._check_signer(kind, uid, self.user)
        return self._add_signature(kind, uid, version, meaning, None)

    def _check_signer(self, kind: str, uid: str, username: str) -> None:
        """Who may sign this record, beyond the role (hazards H72, H73): a decision taken in a
        meeting only by someone the meeting records as present, linked to their account; a
        dose plan verified by someone other than the person who saved it (a second pair of
        eyes). PermissionDenied naming why; nothing is signed."""
        if kind not in ("decisions", "regimens"):
            return
        saved = self._records.get(kind, uid)
        if kind == "regimens" and saved.saved_by == username:
            raise PermissionDenied(
                f"user name: {username} saved this dose plan: it is verified by an Ig "
                "pharmacist other than the person who saved it. Nothing was signed."
            )
        meeting_uid = getattr(saved.value, "meeting_uid", None)
        if kind == "decisions" and meeting_uid is not None:
            meeting = self.meeting(meeting_uid).value
            if not any(a.username == username and a.present for a in meeting.attendees):
                raise PermissionDenied(
                    f"user name: {username} is not present at the meeting this decision was "
                    "taken in (an attendee picked from the accounts and marked present): it "
                    "is signed by someone at the table. Nothing was signed."
                )

    def sign_in_place(
        self,
        kind: str,
        uid: str,
        version: int,
        *,
        username: str,
        password: str,
        meaning: str = "reviewed and approved",
    ) -> SignatureInfo:
        """Another person signs (a clinician, a decision) or verifies (an Ig pharmacist, a dose
        plan) at this session with their own user name and password; no one signs out and the
        signed-in account stays signed in. The password is throttled and audited like signing
        in (access.verify_other); their role is checked here, before anything is written."""
        from mdtapp.store.access import verify_other  # access builds on this module

        if kind not in SIGN_ROLES:
            raise StoreError(f"{codec.LABELS[kind]} records are not signed")
        if kind == "regimens":
            meaning = VERIFIED
        role = SIGN_ROLES[kind]
        what = (
            "verifying a dose plan" if kind == "regimens" else f"signing the {codec.LABELS[kind]}"
        )
        if not username.strip():
            raise ValidationError([FieldError("user name", "is required: whose signature is it?")])
        account = verify_other(self, username.strip(), password, purpose=f"{what} in place")
        if role not in account.roles:
            self.record_event(
                "sign-refused",
                entity=kind,
                entity_uid=uid,
                detail=f"{what}: {account.username} has no {role} role",
            )
            raise PermissionDenied(
                f"user name: {account.display_name} is {', '.join(account.roles) or 'no role'}: "
                f"{what} needs the {role} role. Nothing was signed."
            )
        try:
            self._check_signer(kind, uid, account.username)
        except PermissionDenied as e:
            self.record_event("sign-refused", entity=kind, entity_uid=uid, detail=str(e))
            raise
        return self._add_signature(kind, uid, version, meaning, account.principal)

    def _add_signature(
        self, kind: str, uid: str, version: int, meaning: str, principal: Principal | None
    ) -> SignatureInfo:
        with self.transaction():
            current = self._records.latest_row(kind, uid)
            if current is None or current["version"] != version or current["deleted"]:
                raise ConcurrentEditError(
                    f"That {codec.LABELS[kind]} has changed since it was "
                    "shown: reopen it before signing"
                )
            self._signatures.add(
                kind, uid, version, current["patient_uid"], meaning, principal=principal
            )
        return self._signatures.of(kind, uid, version)[-1]

    def verification(self, uid: str, version: int) -> SignatureInfo | None:
        """Who verified this version of a dose plan, or None: awaiting pharmacist verification."""
        found = [s for s in self._signatures.of("regimens", uid, version) if s.meaning == VERIFIED]
        return found[0] if found else None

    # ------------------------------------------------------------ meetings

    def meetings(self) -> list[Saved[Meeting]]:
        """Every meeting, latest first."""
        return self._meetings.all()

    def meeting(self, uid: str) -> Saved[Meeting]:
        return self._meetings.get(uid)

    def has_meeting(self, uid: str) -> bool:
        try:
            self._meetings.get(uid)
        except RecordNotFound:
            return False
        return True

    def _import_meeting(self, uid: str, meeting: Meeting) -> Saved[Meeting]:
        """A meeting from an import (the importer authorised the import and holds the
        transaction)."""
        return self._meetings.add(meeting, uid=uid)

    def meeting_history(self, uid: str) -> list[Saved[Meeting]]:
        return self._meetings.history(uid)

    def add_meeting(self, meeting: Meeting) -> Saved[Meeting]:
        """A new meeting; refused (ValidationError naming the field) with nothing written."""
        self.authorise(WRITE["meetings"], "preparing a meeting")
        self._check_agenda_patients(meeting)
        with self.transaction():
            return self._meetings.add(meeting)

    def save_meeting(
        self, uid: str, meeting: Meeting, *, base_version: int, reason: str = ""
    ) -> Saved[Meeting]:
        """A new version of the meeting (someone arrived or left, an item was discussed)."""
        self.authorise(WRITE["meetings"], "changing a meeting")
        self._check_agenda_patients(meeting)
        with self.transaction():
            return self._meetings.save(uid, meeting, base_version=base_version, reason=reason)

    def meeting_decisions(self, uid: str) -> list[Saved[Any]]:
        """The current decisions taken in the meeting, in agenda order."""
        saved = [self._records.get("decisions", d) for _, d, _ in self._meetings.decisions_of(uid)]
        order = {i.patient_uid: n for n, i in enumerate(self.meeting(uid).value.agenda)}
        return sorted(saved, key=lambda s: order.get(s.patient_uid, len(order)))

    def _check_agenda_patients(self, meeting: Meeting) -> None:
        held = set(self.patient_uids())
        errors = [
            FieldError(f"agenda[{i}].patient", "is not a patient in this database")
            for i, item in enumerate(meeting.agenda)
            if item.patient_uid not in held
        ]
        if errors:
            raise ValidationError(errors)

    def _check_meeting_decision(
        self, patient_uid: str, decision: Any, *, uid: str | None = None, now: bool = True
    ) -> None:
        """A decision linked to a meeting (hazard H71): the meeting exists and is of the
        decision's date, the patient is on its agenda with no other decision in it, and each
        person named present is one of its attendees, named once, and (`now`: at the table)
        present at this moment by the meeting's own record, never by the caller's list; joint
        then follows from them (model.validate_decision). An import checks all but `now`."""
        from mdtapp.domain.dates import format_date

        try:
            meeting = self.meeting(decision.meeting_uid).value
        except RecordNotFound:
            raise ValidationError(
                [FieldError("meeting.uid", "is not a meeting in this database")]
            ) from None
        errors = []
        if decision.date != meeting.date:
            errors.append(
                FieldError(
                    "date",
                    f"must be the meeting's date, {format_date(meeting.date)}, to be "
                    "taken in it; got " + format_date(decision.date),
                )
            )
        if meeting.item(patient_uid) is None:
            errors.append(FieldError("meeting.uid", "the patient is not on that meeting's agenda"))
        elif any(
            p == patient_uid and d != uid
            for p, d, _ in self._meetings.decisions_of(decision.meeting_uid)
        ):
            errors.append(
                FieldError(
                    "meeting.uid",
                    "the patient already has a decision in this meeting: amend that one",
                )
            )
        attendees = {(a.name, a.role): a for a in meeting.attendees}
        seen: set[tuple[str, str]] = set()
        for i, a in enumerate(decision.present):
            held = attendees.get((a.name, a.role))
            where = f"meeting.present[{i}]"
            if held is None:
                errors.append(FieldError(where, f"{a.name} is not an attendee of that meeting"))
            elif (a.name, a.role) in seen:
                errors.append(FieldError(where, f"{a.name} is named twice"))
            elif now and not held.present:
                errors.append(
                    FieldError(where, f"{a.name} is not present now (left, or not yet arrived)")
                )
            seen.add((a.name, a.role))
        if errors:
            raise ValidationError(errors)

    def check_meeting_decisions(self) -> list[str]:
        """Every decision linked to a meeting, checked as an import must (no `now`): the
        problems, each naming the decision; an import with any is refused."""
        problems = []
        for m in self.meetings():
            for patient_uid, decision_uid, _ in self._meetings.decisions_of(m.uid):
                value = self._records.get("decisions", decision_uid).value
                try:
                    self._check_meeting_decision(patient_uid, value, uid=decision_uid, now=False)
                except ValidationError as e:
                    problems += [f"decisions {decision_uid}: {err}" for err in e.errors]
        return problems

    def agenda_candidates(self, on: date) -> list[AgendaItem]:
        """What the agenda of a meeting on `on` is built from: the reviews dashboard's due and
        overdue patients (a stopped treatment has nothing due), then new referrals (no MDT
        decision recorded yet, so eligibility is undecided)."""
        from mdtapp.domain.dates import format_date

        items = []
        for s in self.reviews():
            if s.stopped_on is not None or s.next_review is None or s.next_review > on:
                continue
            when = (
                f"overdue since {format_date(s.next_review)}"
                if s.next_review < on
                else f"due {format_date(s.next_review)}"
            )
            reason = f"{s.review_reason}, {when}" if s.review_reason else f"review {when}"
            items.append(AgendaItem(s.patient_uid, "due", reason))
        due = {i.patient_uid for i in items}
        decided = {
            r["patient_uid"]
            for r in self.db.query("SELECT DISTINCT patient_uid FROM current_decisions")
        }
        for s in self.summaries():
            if s.patient_uid not in due and s.patient_uid not in decided:
                items.append(
                    AgendaItem(
                        s.patient_uid, "referral", "new referral: eligibility not yet decided"
                    )
                )
        return items

    # ------------------------------------------------------------ accounts

    def accounts(self) -> list[Account]:
        return self._accounts.all()

    def account(self, username: str) -> Account | None:
        return self._accounts.get(username)

    def check_password(self, username: str, password: str) -> bool:
        """Whether this is the active account's password (one argon2id), unthrottled: for
        callers that count the attempt themselves (access.py)."""
        return self._accounts.verify_password(username, password)

    def verify_password(self, username: str, password: str) -> bool:
        """Whether this is the account's password (signing, unlocking, changing one's own),
        counted with signing in's attempts: LoginThrottled while the account must wait."""
        from mdtapp.store.attempts import Throttle

        throttle = Throttle(self.path)
        throttle.attempt(username, self.clock())
        ok = self._accounts.verify_password(username, password)
        if ok:
            throttle.succeeded(username)
        return ok

    def add_account(
        self,
        username: str,
        display_name: str,
        roles: Sequence[str],
        password: str,
        *,
        first: bool = False,
    ) -> Account:
        """An administrator adds an account (or the first administrator is created); for an
        encrypted database, with its key pair sealing the database key (keys.py)."""
        from mdtapp.store import keys, passwords

        if not first:
            self.authorise(ACTIONS["users"], "adding a user")
        self._accounts.check_new(username, password, roles)
        if self.account(username) is not None:
            raise DuplicateRecord(f"There is already a user called {username}")
        secret = passwords.derive(password)
        with keys.changing_keys(self) as change:
            public_key = keys.stage_credential(self, change, username, secret)
            with self.transaction():
                self._accounts.add(
                    username,
                    display_name,
                    roles,
                    passwords.record(secret),
                    public_key=public_key,
                    created_by=username if first else self.user,
                )
        account = self.account(username)
        assert account is not None
        return account

    def set_password(
        self, username: str, new_password: str, *, current_password: str | None = None
    ) -> None:
        """A user changes their own password (giving the current one), or an administrator
        sets one (the user must then change it). The keyring entry and the database change
        together (keys.py); the data is never re-encrypted."""
        from mdtapp.store import keys, passwords

        own = username == self.user and current_password is not None
        if own:
            if not self.verify_password(username, current_password or ""):
                raise PermissionDenied("The current password is not right: nothing was changed")
        else:
            self.authorise(ACTIONS["users"], "setting another user's password")
        self._accounts.check_password(username, new_password)
        secret = passwords.derive(new_password)
        with keys.changing_keys(self) as change:
            public_key = keys.stage_credential(self, change, username, secret)
            with self.transaction():
                self._accounts.change_password(
                    username, passwords.record(secret), public_key=public_key, own=own
                )

    def set_roles(
        self,
        username: str,
        roles: Sequence[str],
        *,
        active: bool = True,
        confirm_recovery_key: Callable[[str], bool] | None = None,
    ) -> None:
        """New roles, or an account disabled. Disabling an account of an encrypted database
        replaces the database key (its old password must open nothing, even with an old copy
        of the keyring): the new recovery key goes to `confirm_recovery_key` before anything
        changes (keys.replace_key)."""
        self.authorise(ACTIONS["users"], "changing a user's roles")
        self._accounts.check_roles(username, roles, active=active)
        account = self.account(username)

        def change() -> None:
            self._accounts.change_roles(username, roles, active=active)

        if self.encrypted and account is not None and account.active and not active:
            from mdtapp.store import keys

            if confirm_recovery_key is None:
                raise StoreError(
                    "Disabling an account replaces the database key, and with it the "
                    "recovery key: the new one must be shown and confirmed"
                )
            keys.replace_key(
                self,
                confirm_recovery_key=confirm_recovery_key,
                reason=f"{username}'s account disabled by {self.user}",
                disabling=username,
                before=change,
            )
            return
        with self.transaction():
            change()

    def replace_key(self, *, confirm_recovery_key: Callable[[str], bool]) -> NewKey:
        """An administrator's "rotate key": a new database key (and recovery key), sealed for
        every active account; returns keys.NewKey."""
        from mdtapp.store import keys

        self.authorise(ACTIONS["users"], "replacing the database key")
        return keys.replace_key(
            self, confirm_recovery_key=confirm_recovery_key, reason=f"rotated by {self.user}"
        )

    # ------------------------------------------------------------ centre settings

    def centre_values(self) -> dict[str, Any]:
        """The centre-wide settings as stored (settings.py reads and checks them)."""
        return self._centre.values()

    def save_centre_settings(self, changes: Mapping[str, Any]) -> list[str]:
        """An administrator changes centre-wide settings (checked by the caller, settings.py):
        one transaction, each change audited. Returns the keys that changed."""
        self.authorise(ACTIONS["settings"], "changing the centre's settings")
        with self.transaction():
            return self._centre.save(changes)
