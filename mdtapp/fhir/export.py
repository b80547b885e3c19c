"""One patient's signed records as a FHIR R4 Bundle file (`mdtapp fhir`, File > Export FHIR...).

Which versions go out: for assessments and decisions (the records a clinician signs) the latest
signed version; an unsigned record is left out and named in `left_out`, and a record whose
latest version is unsigned goes out as its latest signed one, said so. The patient, regimens and
infusions are never signed: their current version goes out (docs/fhir.md). Everything is
checked before anything is written; the file is written whole or not at all, then the export is
recorded in the audit trail (who, when, which patient, which records, where).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from mdtapp.domain.dates import format_date, parse_iso_date
from mdtapp.domain.dosing import DosePlan, plan_dose
from mdtapp.domain.errors import ValidationError
from mdtapp.domain.model import Regimen
from mdtapp.domain.nhs_number import format_nhs_number
from mdtapp.domain.record import dose_request
from mdtapp.fhir.resources import ExportSet, SignedVersion, build_bundle, record_name
from mdtapp.store.codec import LABELS
from mdtapp.store.errors import RecordNotFound
from mdtapp.store.interchange import write_atomically
from mdtapp.store.models import PatientFile, Saved
from mdtapp.store.repository import Store
from mdtapp.store.security import ACTIONS, SIGNABLE


class ExportRefused(ValueError):
    """Bad input (unknown patient, nothing signed, a bad date or path): nothing was written."""


@dataclass(frozen=True)
class ExportResult:
    path: Path
    patient_uid: str
    resources: int
    records: dict[str, tuple[str, ...]]  # kind -> kind/uid/vN of each record exported
    left_out: tuple[str, ...]  # unsigned records, one sentence each

    @property
    def counts(self) -> str:
        """'2 assessments, 1 MDT decision, 1 dose regimen, 12 infusions'."""
        return ", ".join(
            f"{len(names)} {LABELS[kind]}{'' if len(names) == 1 else 's'}"
            for kind, names in self.records.items()
            if kind != "patients"
        )


def parse_since(text: str, today: date) -> date:
    """--since: a date as YYYY-MM-DD, not in the future."""
    try:
        since = parse_iso_date(text)
    except ValueError as e:
        raise ExportRefused(f"--since: {e}") from None
    if since > today:
        raise ExportRefused(
            f"--since: must not be in the future; got {since.isoformat()} "
            f"(today is {today.isoformat()})"
        )
    return since


def check_destination(path: Path) -> None:
    """Refuse, before anything is read or written, a path that cannot take the file."""
    if path.is_dir():
        raise ExportRefused(f"{path}: is a folder; give the name of the file to write")
    parent = path.parent
    if not parent.is_dir():
        raise ExportRefused(f"{path}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportRefused(f"{path}: the folder {parent} cannot be written to")
    if path.exists() and not os.access(path, os.W_OK):
        raise ExportRefused(f"{path}: the file is read-only")


def _what(saved: Saved[Any]) -> str:
    return f"{LABELS[saved.kind]} of {format_date(saved.value.date)}"


def _signed(store: Store, file: PatientFile, kind: str) -> tuple[list[SignedVersion], list[str]]:
    """The latest signed version of each current record of a signable kind, and a sentence for
    each record left out or sent as an earlier version."""
    chosen: list[SignedVersion] = []
    notes: list[str] = []
    for current in getattr(file, kind):
        history = store.history(kind, current.uid)
        signatures = {
            v.version: tuple(store.signatures(kind, current.uid, v.version)) for v in history
        }
        signed = [v for v in history if signatures[v.version] and not v.deleted]
        if not signed:
            notes.append(f"{_what(current)} (version {current.version}): not signed, left out")
            continue
        latest = signed[-1]
        if latest.version != current.version:
            notes.append(
                f"{_what(current)}: version {current.version} is not signed; signed version "
                f"{latest.version} ({_what(latest)}) is exported"
            )
        chosen.append(SignedVersion(latest, signatures[latest.version], amended=len(signed) > 1))
    chosen.sort(key=lambda s: (s.saved.value.date, s.saved.uid))
    return chosen, notes


def _plan(store: Store, file: PatientFile, regimen: Regimen) -> DosePlan | str:
    """The regimen's dose plan, computed where every other output computes it."""
    patient = file.patient.value
    if patient.height_cm is None:
        return "no height recorded: the dose plan needs the patient's height"
    try:
        return plan_dose(dose_request(patient, regimen), store.forms.dosing)
    except ValidationError as e:
        return f"the regimen cannot be planned: {e}"


def collect(
    store: Store, patient_uid: str, *, since: date | None = None
) -> tuple[ExportSet, list[str]]:
    """What one patient's bundle holds, and what was left out (and why)."""
    file = store.load(patient_uid)
    found = {kind: _signed(store, file, kind) for kind in SIGNABLE}
    assessments, decisions = found["assessments"][0], found["decisions"][0]
    left_out = found["assessments"][1] + found["decisions"][1]
    regimens = list(file.regimens)
    infusions = list(file.infusions)
    if since is not None:
        assessments = [s for s in assessments if s.saved.value.date >= since]
        decisions = [s for s in decisions if s.saved.value.date >= since]
        infusions = [s for s in infusions if s.value.date >= since]
        # the regimens in force from that date on: those starting later, and the one in force then
        ordered = sorted(regimens, key=lambda s: s.value.from_date)
        in_force = [s for s in ordered if s.value.from_date <= since][-1:]
        regimens = in_force + [s for s in ordered if s.value.from_date > since]
    who = format_nhs_number(file.patient.value.nhs_number)
    if not assessments and not decisions:
        since_text = f" dated on or after {format_date(since)}" if since else ""
        unsigned = f" ({len(left_out)} record(s) not signed: sign them first)" if left_out else ""
        raise ExportRefused(
            f"NHS number {who}: no signed assessment or decision{since_text}{unsigned}; "
            "nothing was written"
        )
    plans = {s.uid: _plan(store, file, s.value) for s in regimens}
    data = ExportSet(
        patient=file.patient,
        assessments=tuple(assessments),
        decisions=tuple(decisions),
        regimens=tuple(regimens),
        infusions=tuple(infusions),
        plans=plans,
    )
    return data, left_out


def bundle_bytes(bundle: dict[str, Any]) -> bytes:
    """The file's bytes: keys in the order built, two-space indents, UTF-8, one final newline."""
    return (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def patient_uid_for(store: Store, nhs_number: str) -> str:
    uid = store.patient_uid_for(nhs_number)
    if uid is None:
        raise ExportRefused(f"No patient with NHS number {format_nhs_number(nhs_number)}")
    return uid


def export_fhir(
    store: Store,
    patient_uid: str,
    path: Path,
    *,
    since: date | None = None,
    timestamp: datetime | None = None,
) -> ExportResult:
    """Write one patient's signed records as a FHIR R4 Bundle to `path`, and audit it.
    `timestamp` (default: the store's clock, now) is the Bundle's only moment of export.
    ExportRefused (bad input) or OSError (the write failed): nothing was written."""
    store.authorise(ACTIONS["export"], "exporting a patient's record as FHIR")
    path = Path(path)
    check_destination(path)
    try:
        data, left_out = collect(store, patient_uid, since=since)
    except RecordNotFound as e:
        raise ExportRefused(str(e)) from None
    bundle = build_bundle(data, store.forms, timestamp=timestamp or store.clock())
    write_atomically(path, bundle_bytes(bundle))
    records = {
        "patients": (record_name(data.patient),),
        "assessments": tuple(s.name for s in data.assessments),
        "decisions": tuple(s.name for s in data.decisions),
        "regimens": tuple(record_name(s) for s in data.regimens),
        "infusions": tuple(record_name(s) for s in data.infusions),
    }
    listed = "; ".join(f"{kind} {', '.join(names)}" for kind, names in records.items() if names)
    # identifiable data leaves mdtapp: who sent which versions, and where, is kept
    store.record_event(
        "fhir-export",
        patient_uid=patient_uid,
        entity="patients",
        entity_uid=patient_uid,
        detail=f"FHIR R4 bundle to {path}"
        + (f" (records dated from {since.isoformat()})" if since else "")
        + f": {listed}"
        + (f"; left out: {'; '.join(left_out)}" if left_out else ""),
    )
    return ExportResult(path, patient_uid, len(bundle["entry"]), records, tuple(left_out))
