"""What the store hands out: stored versions, whole patients, summaries, accounts, drafts,
signatures and audit entries. Plain frozen dataclasses; no SQL here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from mdtapp.domain.model import Patient
from mdtapp.store.schema import RECORD_TABLES
from mdtapp.store.security import Principal

if TYPE_CHECKING:  # the record module is loaded on first use
    from mdtapp.domain.record import PatientRecord

T = TypeVar("T")
CHILD_KINDS = tuple(k for k in RECORD_TABLES if k != "patients")


def dump_json(data: Any) -> str:
    """How records and audit entries are stored: compact, keys in the order given."""
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
    stopped_on: date | None = None  # a stop decision ended the review schedule

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
