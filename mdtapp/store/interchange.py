"""Whole patients in and out as one JSON document: {"format": "mdtapp/1", "patients": [...]}.

Export is deterministic (patients by NHS number, records by date then id, keys in a fixed
order), so export -> import -> export gives the same bytes. Import is all or nothing: the file is
checked against the JSON Schema and every domain rule first; any problem rejects the whole file
with one line per problem naming the patient and the JSON path, and nothing is written.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mdtapp.domain.errors import ValidationError
from mdtapp.domain.forms import Forms
from mdtapp.domain.nhs_number import format_nhs_number
from mdtapp.domain.papule_count import DECIMAL_TEXT
from mdtapp.domain.photo_rules import PhotoRules
from mdtapp.domain.record import PatientRecord
from mdtapp.store import codec, files
from mdtapp.store.errors import StoreError
from mdtapp.store.repository import CHILD_KINDS, Store
from mdtapp.store.security import ACTIONS

FORMAT = "mdtapp/1"
SCHEMA_FILE = "mdtapp-1.schema.json"


class ImportRejected(StoreError):
    """The file was refused; `problems` has one line per problem. Nothing was written."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"import refused: {len(problems)} problem(s)")


def schema(forms: Forms | None = None) -> dict[str, Any]:
    """The JSON Schema a file is checked against, generated from the forms in use (the shipped
    mdtapp-1.schema.json is the same document for the shipped forms)."""
    from mdtapp.domain.forms import forms as forms_in_use
    from mdtapp.store.json_schema import interchange_schema

    return interchange_schema(forms or forms_in_use())


# ---------------------------------------------------------------- export


def export_document(store: Store, patient_uids: list[str] | None = None) -> dict[str, Any]:
    store.authorise(ACTIONS["export"], "exporting whole patients")
    uids = patient_uids if patient_uids is not None else store.patient_uids()
    patients = []
    for uid in uids:
        file = store.load(uid)
        entry: dict[str, Any] = {"uid": file.uid, **file.patient.data}
        entry["eligibility"] = (
            {"uid": file.eligibility.uid, **file.eligibility.data} if file.eligibility else None
        )
        for kind in CHILD_KINDS:
            if kind == "eligibility":
                continue
            saved = sorted(
                getattr(file, kind),
                key=lambda s: (s.value and codec.record_date(kind, s.value) or "", s.uid),
            )
            items = []
            for s in saved:
                item = {"uid": s.uid, **s.data}
                if kind == "assessments":
                    item["photos"] = [_photo_out(store, uid, p) for p in s.data["photos"]]
                items.append(item)
            entry[kind] = items
        patients.append(entry)
    patients.sort(key=lambda p: p["nhs_number"])
    return {"format": FORMAT, "forms_version": store.forms.version, "patients": patients}


def _photo_out(store: Store, patient_uid: str, ref: dict[str, Any]) -> dict[str, Any]:
    content, media_type = store.photo(patient_uid, ref["sha256"])
    return {
        **ref,
        "media_type": media_type,
        "data_base64": base64.b64encode(content).decode("ascii"),
    }


def dumps(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_atomically(path: Path, content: bytes) -> None:
    """Write next to the target and rename into place: no half-written file, ever."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        files.replace(Path(tmp), path)  # another program may be reading the old one
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_file(store: Store, path: Path, patient_uids: list[str] | None = None) -> int:
    document = export_document(store, patient_uids)
    write_atomically(path, dumps(document))
    # an export carries identifiable data: who took it, and where, is recorded
    store.record_event("export", detail=f"{len(document['patients'])} patient(s) to {path}")
    return len(document["patients"])


# ---------------------------------------------------------------- import


def _path_text(parts: list[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _schema_message(error: Any) -> str:
    validator, value = error.validator, error.instance
    if validator == "additionalProperties":
        extra = sorted(set(value) - set(error.schema.get("properties", {})))
        return f"unknown field{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))}"
    if validator == "required":
        return f"{error.message.split(' ')[0].strip(chr(39))} is required"
    if validator == "pattern" and "\\d{4}" in error.validator_value:
        return f"must be a date as YYYY-MM-DD; got {value!r}"
    if validator == "pattern" and "\\d{10}" in error.validator_value:
        return f"must be 10 digits; got {value!r}"
    if validator == "pattern" and error.validator_value == DECIMAL_TEXT:
        return f'must be a decimal written as text, like "10" or "2.5"; got {value!r}'
    if validator in ("minimum", "maximum", "exclusiveMinimum"):
        lo = error.schema.get("minimum", error.schema.get("exclusiveMinimum"))
        hi = error.schema.get("maximum")
        return f"must be {lo}-{hi}; got {value!r}" if hi is not None else f"{error.message}"
    if validator == "enum":
        allowed = ", ".join("null" if v is None else str(v) for v in error.validator_value)
        return f"must be one of {allowed}; got {value!r}"
    if validator == "oneOf":
        return f"is not valid here: {value!r}"
    return str(error.message)


def _where(document: Any, parts: list[Any]) -> str:
    """'patients[0] (NHS 943 476 5919): assessments[2].itch_vas_mm'."""
    if len(parts) >= 2 and parts[0] == "patients" and isinstance(parts[1], int):
        label = f"patients[{parts[1]}]"
        try:
            nhs = document["patients"][parts[1]]["nhs_number"]
            if isinstance(nhs, str):
                label += f" (NHS {format_nhs_number(nhs)})"
        except (KeyError, IndexError, TypeError):
            pass
        rest = _path_text(parts[2:])
        return f"{label}: {rest}" if rest else label
    return _path_text(parts) or "(document)"


@dataclass
class _Plan:
    """What an accepted file will write: per patient (file index, record, uids by kind)."""

    records: list[tuple[int, PatientRecord, dict[str, list[str | None]]]] = field(
        default_factory=list
    )
    photos: list[tuple[int, bytes, str]] = field(default_factory=list)  # (patient index, ...)


def _field(where: str, parts: tuple[Any, ...], name: str) -> str:
    # a patient's own fields follow "patients[0] (NHS ...): "; a record's follow its path
    return f"{where}.{name}" if len(parts) > 2 else f"{where}: {name}"


def check_document(store: Store, document: Any, *, merge: bool) -> tuple[_Plan, list[str]]:
    """Every problem with the document, and what it would write if there are none."""
    from jsonschema import Draft202012Validator

    problems: list[str] = []
    bad_paths: list[tuple[Any, ...]] = []
    validator = Draft202012Validator(schema(store.forms))
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path))):
        error_path = list(error.absolute_path)
        bad_paths.append(tuple(error_path))
        problems.append(f"{_where(document, error_path)}: {_schema_message(error)}")
    plan = _Plan()
    if not isinstance(document, dict) or not isinstance(document.get("patients"), list):
        return plan, problems or ["(document): must be an object with a patients list"]

    nested = ("eligibility", *CHILD_KINDS)

    def clean(parts: tuple[Any, ...]) -> bool:
        # a record with a schema problem in its own fields (or above it) is not checked further;
        # a patient is still checked when the problem is inside one of their records
        for p in bad_paths:
            if parts[: len(p)] == p:
                return False
            if p[: len(parts)] == parts and not (len(parts) == 2 and p[2] in nested):
                return False
        return True

    seen_nhs: dict[str, int] = {}
    file_uids: dict[str, tuple[int, str]] = {}  # uid -> (patient index, where)
    today = store.today()
    for i, entry in enumerate(document["patients"]):
        if not isinstance(entry, dict):
            continue
        nhs = entry.get("nhs_number")
        if isinstance(nhs, str):
            if nhs in seen_nhs:
                problems.append(
                    f"{_where(document, ['patients', i])}: nhs_number: the same "
                    f"patient is also patients[{seen_nhs[nhs]}]"
                )
            seen_nhs[nhs] = i
        values: dict[str, list[Any]] = {}
        uids: dict[str, list[str | None]] = {}
        for kind, path, items in _records(entry):
            for j, item in items:
                parts = ("patients", i, *path, *([j] if j is not None else []))
                if not isinstance(item, dict) or not clean(parts):
                    continue
                where = _where(document, list(parts))
                uid = item.get("uid")
                if isinstance(uid, str):
                    if uid in file_uids:
                        problems.append(f"{where}: uid {uid} is used twice in the file")
                    file_uids[uid] = (i, where)
                payload = {
                    k: v for k, v in item.items() if k not in ("uid", "eligibility", *CHILD_KINDS)
                }
                if kind == "assessments":
                    payload["photos"] = [
                        {k: v for k, v in ph.items() if k != "data_base64"}
                        for ph in item.get("photos", [])
                    ]
                try:
                    value = codec.decode(kind, payload, store.forms)
                except ValidationError as e:
                    problems.extend(
                        f"{_field(where, parts, err.field)}: {err.message}" for err in e.errors
                    )
                    continue
                problems.extend(
                    f"{_field(where, parts, err.field)}: {err.message}"
                    for err in codec.validate(kind, value, store.forms, today)
                )
                values.setdefault(kind, []).append(value)
                uids.setdefault(kind, []).append(uid if isinstance(uid, str) else None)
                if kind == "assessments":
                    photos = item.get("photos", [])
                    problems.extend(_check_photos(plan, i, where, photos, store.forms.photos))
        dates = [a.date for a in values.get("assessments", [])]
        for d in sorted({d for d in dates if dates.count(d) > 1}):
            problems.append(
                f"{_where(document, ['patients', i])}: assessments: two assessments "
                f"dated {d.isoformat()}"
            )
        if not values.get("patients"):
            continue
        patient = values["patients"][0]
        if store.patient_uid_for(patient.nhs_number) is not None and not merge:
            problems.append(
                f"{_where(document, ['patients', i])}: already in the database "
                "(use --merge to add this file's new records to it)"
            )
        record = PatientRecord(
            patient=patient,
            eligibility=(values.get("eligibility") or [None])[0],
            **{k: tuple(values.get(k, ())) for k in CHILD_KINDS if k != "eligibility"},
        )
        plan.records.append((i, record, uids))
    # a uid already in the database must belong to the same patient
    for uid, owner in _uid_owners(store, list(file_uids)).items():
        index, where = file_uids[uid]
        nhs = document["patients"][index].get("nhs_number")
        if store.patient_uid_for(nhs) != owner:
            problems.append(f"{where}: uid {uid} belongs to another patient in the database")
    return plan, problems


def _check_photos(
    plan: _Plan, index: int, where: str, photos: list[Any], rules: PhotoRules
) -> list[str]:
    from mdtapp.store.images import photo_problem, stored_size

    problems = []
    for k, photo in enumerate(photos):
        try:
            content = base64.b64decode(photo["data_base64"], validate=True)
        except (ValueError, KeyError, TypeError):
            problems.append(f"{where}.photos[{k}].data_base64: not valid base64")
            continue
        if hashlib.sha256(content).hexdigest() != photo["sha256"]:
            problems.append(f"{where}.photos[{k}]: the image does not match its sha256")
            continue
        # its bytes are kept (the sha256 is its identity): checked as they are, not cleaned
        problem = photo_problem(content, photo["media_type"], rules)
        if problem:
            problems.append(f"{where}.photos[{k}]: {problem}")
            continue
        count = photo.get("count")
        if count is not None:  # the marks are in this photo's pixels
            size = stored_size(content)
            made_on = (count["image"]["width"], count["image"]["height"])
            if made_on != size:
                problems.append(
                    f"{where}.photos[{k}].count.image: must be the photo's size, {size[0]} × "
                    f"{size[1]} pixels; got {made_on[0]} × {made_on[1]}"
                )
        plan.photos.append((index, content, photo["media_type"]))
    return problems


def _uid_owners(store: Store, uids: list[str]) -> dict[str, str]:
    """Which of these uids the database already holds, and for which patient (one query each
    kind, through a temporary table, however large the file)."""
    if not uids:
        return {}
    conn = store.db.conn
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS import_uids (uid TEXT PRIMARY KEY)")
    conn.execute("DELETE FROM import_uids")
    conn.executemany("INSERT OR IGNORE INTO import_uids VALUES (?)", [(u,) for u in uids])
    owners: dict[str, str] = {}
    for kind in ("patients", *CHILD_KINDS):
        for uid, patient_uid in conn.execute(
            f"SELECT DISTINCT t.uid, t.patient_uid FROM {kind} t "
            "JOIN import_uids i ON i.uid = t.uid"
        ):
            owners[uid] = patient_uid
    conn.execute("DELETE FROM import_uids")
    conn.commit()
    return owners


def _records(
    entry: dict[str, Any],
) -> list[tuple[str, tuple[Any, ...], list[tuple[int | None, Any]]]]:
    out: list[tuple[str, tuple[Any, ...], list[tuple[int | None, Any]]]] = [
        ("patients", (), [(None, entry)])
    ]
    if entry.get("eligibility") is not None:
        out.append(("eligibility", ("eligibility",), [(None, entry["eligibility"])]))
    for kind in CHILD_KINDS:
        if kind != "eligibility" and isinstance(entry.get(kind), list):
            out.append((kind, (kind,), list(enumerate(entry[kind]))))
    return out


@dataclass(frozen=True)
class ImportResult:
    patients_added: int
    patients_merged: int
    records_added: int
    records_updated: int


def import_document(
    store: Store, document: Any, *, merge: bool = False, source: str = ""
) -> ImportResult:
    """All or nothing: ImportRejected with every problem, or everything in one transaction."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        raise ImportRejected([f"format: expected {FORMAT!r}; got {found!r}"])
    store.authorise(ACTIONS["import"], "importing patients")
    plan, problems = check_document(store, document, merge=merge)
    if problems:
        raise ImportRejected(problems)
    added = merged = records_added = records_updated = 0
    with store.transaction():
        patient_uids: dict[int, str] = {}
        for index, record, uids in plan.records:
            existing = store.patient_uid_for(record.patient.nhs_number)
            if existing is None:
                patient_uids[index] = store.add_patient_file(record, uids=uids)
                added += 1
                records_added += sum(len(v) for k, v in uids.items() if k != "patients")
            else:
                patient_uids[index] = existing
                merged += 1
                new, changed = _merge(store, existing, record, uids)
                records_added += new
                records_updated += changed
        for index, content, media_type in plan.photos:
            store._add_photo(patient_uids[index], content, media_type)
        store.record_event(
            "import",
            detail=f"{added} added, {merged} merged, {records_added} "
            f"records added, {records_updated} updated" + (f" from {source}" if source else ""),
        )
    return ImportResult(added, merged, records_added, records_updated)


def _merge(
    store: Store, patient_uid: str, record: PatientRecord, uids: dict[str, list[str | None]]
) -> tuple[int, int]:
    """Add the file's new records; a record already held (same uid) gets a new version if the
    file's copy differs. Nothing is deleted by a merge."""
    added = updated = 0
    current = store.load(patient_uid)
    saved = store._save(
        "patients",
        patient_uid,
        record.patient,
        uid=patient_uid,
        base_version=current.patient.version,
        reason="import (merge)",
        action="import",
    )
    updated += saved.version != current.patient.version
    for kind in CHILD_KINDS:
        values = getattr(record, kind)
        if kind == "eligibility":
            values = (values,) if values is not None else ()
        for value, uid in zip(values, uids.get(kind, []), strict=True):
            known = {s.uid: s for s in store.current(kind, patient_uid)}
            if kind == "eligibility" and uid is None and known:
                uid = next(iter(known))  # one eligibility per patient: the file's updates it
            if uid is not None and uid in known:
                before = known[uid].version
                saved = store._save(
                    kind,
                    patient_uid,
                    value,
                    uid=uid,
                    base_version=before,
                    reason="import (merge)",
                    action="import",
                )
                updated += saved.version != before
            else:
                store._add_child(kind, patient_uid, value, uid, "import")
                added += 1
    store._refresh_summary(patient_uid)
    return added, updated


def read_document(path: Path) -> Any:
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise ImportRejected([f"{path}: cannot be read ({e.strerror or e})"]) from None
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ImportRejected([f"{path}: not UTF-8 text"]) from None
    except json.JSONDecodeError as e:
        raise ImportRejected(
            [f"{path}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})"]
        ) from None


def import_file(store: Store, path: Path, *, merge: bool = False) -> ImportResult:
    return import_document(store, read_document(path), merge=merge, source=str(path))


__all__ = [
    "FORMAT",
    "ImportRejected",
    "ImportResult",
    "export_document",
    "export_file",
    "import_document",
    "import_file",
    "read_document",
]
