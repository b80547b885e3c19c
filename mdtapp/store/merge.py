"""What an import does with each record of a file, decided against what the database holds
(issues 14.1 and 14.2; docs/format.md, "Merging").

A record of the file is new here (added), the same as here (nothing to do), a later version of
the one held (applied as a new version), or an earlier one (the newer version here is kept).
Anything else is a conflict, and refuses the whole file. A merge never changes a record whose
current version is signed, nor brings back one deleted here, and each record it writes needs
the role a save of it needs. The plan is made once to refuse a file before anything is
written, and again inside the import's write transaction, so a file merged while another
process writes is judged against what that process committed.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from mdtapp.domain.dates import format_date, format_timestamp
from mdtapp.store import codec
from mdtapp.store.lineage import Held, Lineage
from mdtapp.store.repository import CHILD_KINDS, Store
from mdtapp.store.security import ACTIONS, WRITE

MERGE_REASON = "import (merge)"


@dataclass(frozen=True)
class Copy:
    """One record as the file gives it, already checked against the schema and the forms."""

    kind: str
    where: str  # "patients[0] (NHS 943 476 5919): assessments[2]"
    uid: str | None
    value: Any
    data: dict[str, Any]  # as it would be stored here
    lineage: Lineage | None  # None: a file written before files carried lineage
    photos: tuple[tuple[bytes, str], ...] = ()  # (content, media type), decoded and bounded


@dataclass(frozen=True)
class FilePatient:
    """One patient of the file: their own record first, then the rest in file order."""

    index: int
    where: str
    nhs_number: str
    copies: tuple[Copy, ...]


ADD, UPDATE, SAME, OLDER, DELETED_HERE = "add", "update", "same", "older", "deleted here"


@dataclass(frozen=True)
class Step:
    copy: Copy
    action: str
    held: Held | None = None


@dataclass
class PatientPlan:
    patient: FilePatient
    held_uid: str | None  # None: a new patient
    steps: list[Step] = field(default_factory=list)


@dataclass
class Plan:
    patients: list[PatientPlan] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def plan_import(store: Store, patients: list[FilePatient], *, merge: bool) -> Plan:
    """What importing these patients would do, or every reason it may not."""
    plan = Plan()
    owners = _uid_owners(store, [c.uid for p in patients for c in p.copies if c.uid])
    for patient in patients:
        held_uid = store.patient_uid_for(patient.nhs_number)
        for copy in patient.copies:
            owner = owners.get(copy.uid) if copy.uid else None
            if owner is not None and owner != held_uid:
                plan.problems.append(
                    f"{copy.where}: uid {copy.uid} belongs to another patient in the database"
                )
        if held_uid is None:
            plan.patients.append(PatientPlan(patient, None, [Step(c, ADD) for c in patient.copies]))
            continue
        if not merge:
            plan.problems.append(
                f"{patient.where}: already in the database (use --merge to add this file's "
                "new records to it)"
            )
            continue
        planned = PatientPlan(patient, held_uid)
        plan.problems.extend(_classify(store, planned))
        plan.patients.append(planned)
    plan.problems.extend(_role_problems(store, plan))
    return plan


def _classify(store: Store, plan: PatientPlan) -> list[str]:
    """Each of the file's records against the one held with the same uid."""
    assert plan.held_uid is not None
    patient_uid = plan.held_uid
    held = {kind: store.held(kind, patient_uid) for kind in ("patients", *CHILD_KINDS)}
    own = held["patients"][patient_uid]
    if own.deleted:
        return [
            f"{plan.patient.where}: this patient's record was deleted here ({_by(own)}"
            f"{_why(own)}): a merge does not bring it back"
        ]
    problems: list[str] = []
    current_eligibility = next((h for h in held["eligibility"].values() if not h.deleted), None)
    for copy in plan.patient.copies:
        uid = copy.uid
        if copy.kind == "patients":
            uid = patient_uid  # the patient is the one with this NHS number, whatever the uid
        elif copy.kind == "eligibility" and uid is None and current_eligibility:
            uid = current_eligibility.uid  # one eligibility per patient: the file's is that one
        h = held[copy.kind].get(uid) if uid else None
        if h is None:
            problems.extend(_clash(copy, held[copy.kind]))
            plan.steps.append(Step(copy, ADD))
            continue
        action, problem = _judge(store, copy, h)
        if problem:
            problems.append(problem)
        else:
            plan.steps.append(Step(copy, action, h))
    return problems


def _judge(store: Store, copy: Copy, h: Held) -> tuple[str, str | None]:
    """(what to do, or why the file is refused) for a copy of a record held here."""
    lineage = copy.lineage
    same = copy.data == h.data
    if h.deleted:
        seen = h.lineage.ancestors + (h.lineage.revision,)
        if same or (lineage is not None and lineage.revision in seen):
            return DELETED_HERE, None  # the deletion is the newer change: it stands
        return "", (
            f"{copy.where}: conflict: {_label(copy)} was deleted here ({_by(h)}{_why(h)}) "
            f"and changed in the file ({_theirs(lineage)})"
        )
    if same:
        return SAME, None
    if lineage is not None and lineage.descends_from(h.lineage.revision):
        signed = store.signatures(copy.kind, h.uid, h.version)
        if signed:
            return "", _signed(copy, h, signed[0].name, signed[0].signed_at_text)
        return UPDATE, None
    if lineage is not None and h.lineage.descends_from(lineage.revision):
        return OLDER, None  # the file has an earlier version: what is held here is kept
    signed = store.signatures(copy.kind, h.uid, h.version)
    if signed:
        return "", _signed(copy, h, signed[0].name, signed[0].signed_at_text)
    if lineage is None:
        return "", (
            f"{copy.where}: conflict: {_label(copy)} here ({_ours(h)}) differs from the file's "
            "copy, which has no lineage (a file written before mdtapp recorded versions in "
            "files)"
        )
    return "", (
        f"{copy.where}: conflict: {_label(copy)} was changed here ({_ours(h)}) and in the "
        f"file ({_theirs(lineage)}), neither from the other"
    )


def _signed(copy: Copy, h: Held, name: str, when: str) -> str:
    return (
        f"{copy.where}: {_label(copy)} is signed here (version {h.version}, signed by {name} "
        f"on {when}): a merge never changes a signed record, and the file's copy "
        f"({_theirs(copy.lineage)}) differs from it. If the change is wanted, amend the record "
        "here, with its reason, then merge again"
    )


def _clash(copy: Copy, held: dict[str, Held]) -> list[str]:
    """A new record the database's rules would refuse beside what is held."""
    current = [h for h in held.values() if not h.deleted]
    if copy.kind == "eligibility" and current:
        return [f"{copy.where}: eligibility is already recorded for this patient here"]
    if copy.kind == "assessments":
        day = copy.data.get("date")
        for h in current:
            if h.data.get("date") == day:
                return [
                    f"{copy.where}: an assessment dated {day} is already held here (uid "
                    f"{h.uid}, {_by(h)}): one assessment per patient per date"
                ]
    return []


def _role_problems(store: Store, plan: Plan) -> list[str]:
    """Each record the import writes needs the role a save of it needs (security.WRITE)."""
    added: Counter[str] = Counter()
    changed: Counter[str] = Counter()
    photos = False
    for patient in plan.patients:
        for step in patient.steps:
            if step.action == ADD:
                added[step.copy.kind] += 1
            elif step.action == UPDATE:
                changed[step.copy.kind] += 1
            photos = photos or (step.action in (ADD, UPDATE) and bool(step.copy.photos))
    principal = store.principal
    problems = []
    for kind in ("patients", *CHILD_KINDS):
        if (added[kind] or changed[kind]) and not store.can(WRITE[kind]):
            counts = ", ".join(
                f"{n} {what}" for n, what in ((added[kind], "new"), (changed[kind], "changed")) if n
            )
            problems.append(
                f"{principal.display_name} is signed in as {principal.roles_text or 'no role'}: "
                f"importing {kind} ({counts}) needs the {WRITE[kind]} role"
            )
    if photos and not store.can(ACTIONS["photo"]):
        problems.append(
            f"{principal.display_name} is signed in as {principal.roles_text or 'no role'}: "
            f"importing photos needs the {ACTIONS['photo']} role"
        )
    return problems


def _uid_owners(store: Store, uids: list[str]) -> dict[str, str]:
    """Which of these uids the database already holds, and for which patient."""
    if not uids:
        return {}
    owners: dict[str, str] = {}
    for kind in ("patients", *CHILD_KINDS):
        for row in store.db.query(
            f"SELECT DISTINCT uid, patient_uid FROM {kind} "
            "WHERE uid IN (SELECT value FROM json_each(?))",
            [json.dumps(uids)],
        ):
            owners[row["uid"]] = row["patient_uid"]
    return owners


# ---------------------------------------------------------------- words


def _label(copy: Copy) -> str:
    on = codec.record_date(copy.kind, copy.value)
    return f"the {codec.LABELS[copy.kind]}" + (f" of {format_date(on)}" if on else "")


def _by(h: Held) -> str:
    return f"version {h.version}, by {h.saved_by} at {format_timestamp(h.saved_at)}"


def _why(h: Held) -> str:
    return f': "{h.change_reason}"' if h.change_reason else ""


def _ours(h: Held) -> str:
    return f"version {h.version}, saved by {h.saved_by} at {format_timestamp(h.saved_at)}"


def _theirs(lineage: Lineage | None) -> str:
    if lineage is None:
        return "a copy without lineage"
    return (
        f"version {lineage.version}, saved by {lineage.saved_by} at "
        f"{format_timestamp(lineage.saved_at)}"
    )


# ---------------------------------------------------------------- writing


@dataclass(frozen=True)
class Written:
    patients_added: int
    patients_merged: int
    records_added: int
    records_updated: int
    records_older: int  # the file's copy older than the version held: the held one kept


def apply(store: Store, plan: Plan) -> Written:
    """Write what the plan says, inside the caller's transaction."""
    added = merged = records_added = records_updated = records_older = 0
    for patient in plan.patients:
        patient_uid = patient.held_uid
        for step in patient.steps:
            copy = step.copy
            if step.action in (SAME, OLDER, DELETED_HERE):
                records_older += step.action != SAME
                continue
            if copy.kind == "patients" and step.action == ADD:
                saved = store._add_patient(copy.value, uid=copy.uid, action="import")
                patient_uid = saved.uid
            elif step.action == ADD:
                assert patient_uid is not None
                saved = store._add_child(copy.kind, patient_uid, copy.value, copy.uid, "import")
                records_added += 1
            else:
                assert patient_uid is not None and step.held is not None
                saved = store._save(
                    copy.kind,
                    patient_uid,
                    copy.value,
                    uid=step.held.uid,
                    base_version=step.held.version,
                    reason=MERGE_REASON,
                    action="import",
                )
                records_updated += 1
            if copy.lineage is not None:
                store._keep_lineage(
                    copy.kind, saved.uid, saved.version, saved.patient_uid, copy.lineage
                )
            for content, media_type in copy.photos:
                store._add_photo(saved.patient_uid, content, media_type)
        assert patient_uid is not None
        store._refresh_summary(patient_uid)
        if patient.held_uid is None:
            added += 1
        else:
            merged += 1
    return Written(added, merged, records_added, records_updated, records_older)
