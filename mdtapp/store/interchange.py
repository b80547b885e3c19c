"""Whole patients in and out as one JSON document: {"format": "mdtapp/1", "patients": [...]}.

Export is deterministic (patients by NHS number, records by date then id, keys in a fixed
order), so export -> import -> export gives the same bytes. Import is all or nothing: the file is
checked against the JSON Schema and every domain rule first; any problem rejects the whole file
with one line per problem naming the patient and the JSON path, and nothing is written.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from mdtapp.domain.errors import ValidationError
from mdtapp.domain.forms import Forms
from mdtapp.domain.model import text_problem
from mdtapp.domain.nhs_number import format_nhs_number
from mdtapp.domain.papule_count import DECIMAL_TEXT
from mdtapp.domain.photo_rules import PhotoRules
from mdtapp.store import codec, files
from mdtapp.store.errors import StoreError
from mdtapp.store.lineage import Held, Lineage, revision
from mdtapp.store.merge import Copy, FilePatient, apply, plan_import
from mdtapp.store.repository import CHILD_KINDS, Saved, Store
from mdtapp.store.security import ACTIONS

FORMAT = "mdtapp/1"
SCHEMA_FILE = "mdtapp-1.schema.json"

# A photo in a file is bounded, then decoded, before anything is written (issue 14.11): a file
# is not to fill the database, or the memory decoding it, with what is not a photo. The same
# bounds as forms/photos.toml's [import] on the branch that adds store/images.py (photos added
# in the app), with which this check is to be one.


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

        def out(saved: Saved[Any], held: dict[str, Held]) -> dict[str, Any]:
            # identity first: the uid, then where this version comes from (docs/format.md)
            return {"uid": saved.uid, "lineage": held[saved.uid].lineage.as_json(), **saved.data}

        entry = out(file.patient, store.held("patients", uid))
        entry["eligibility"] = (
            out(file.eligibility, store.held("eligibility", uid)) if file.eligibility else None
        )
        for kind in CHILD_KINDS:
            if kind == "eligibility":
                continue
            held = store.held(kind, uid)
            saved = sorted(
                getattr(file, kind),
                key=lambda s: (s.value and codec.record_date(kind, s.value) or "", s.uid),
            )
            items = []
            for s in saved:
                item = out(s, held)
                if kind == "assessments":
                    item["photos"] = [_photo_out(store, uid, p) for p in s.data["photos"]]
                items.append(item)
            entry[kind] = items
        patients.append(entry)
    patients.sort(key=lambda p: p["nhs_number"])
    document = {"format": FORMAT, "forms_version": store.forms.version, "patients": patients}
    # MDT meetings name patients across the database: a whole-database export carries them
    # (and a file without any keeps the bytes it had before meetings existed)
    meetings = store.meetings() if patient_uids is None else []
    if meetings:
        from mdtapp.store.meetings import encode_meeting

        document["meetings"] = [
            {"uid": m.uid, "version": m.version, **encode_meeting(m.value)}
            for m in sorted(meetings, key=lambda m: (m.value.date, m.value.time, m.uid))
        ]
    return document


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
    if path.is_dir():  # refused alike everywhere: Windows would say only "Access denied"
        raise IsADirectoryError(
            errno.EISDIR, "is a folder; give the name of the file to write", str(path)
        )
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


def _field(where: str, parts: tuple[Any, ...], name: str) -> str:
    # a patient's own fields follow "patients[0] (NHS ...): "; a record's follow its path
    return f"{where}.{name}" if len(parts) > 2 else f"{where}: {name}"


def check_document(document: Any, forms: Forms, today: date) -> tuple[list[FilePatient], list[str]]:
    """Every problem the file has on its own (schema, the forms' rules, lineage, photos), and
    its patients as checked records if it has none. Needs no database: what is held is
    compared in merge.plan_import."""
    from jsonschema import Draft202012Validator

    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        return [], [f"format: expected {FORMAT!r}; got {found!r}"]
    problems: list[str] = []
    bad_paths: list[tuple[Any, ...]] = []
    validator = Draft202012Validator(schema(forms))
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path))):
        error_path = list(error.absolute_path)
        bad_paths.append(tuple(error_path))
        problems.append(f"{_where(document, error_path)}: {_schema_message(error)}")
    patients: list[FilePatient] = []
    if not isinstance(document, dict) or not isinstance(document.get("patients"), list):
        return patients, problems or ["(document): must be an object with a patients list"]

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
    file_uids: dict[str, str] = {}  # uid -> where
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
        copies: list[Copy] = []
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
                    file_uids[uid] = where
                payload = {
                    k: v
                    for k, v in item.items()
                    if k not in ("uid", "lineage", "eligibility", *CHILD_KINDS)
                }
                if kind == "assessments":
                    payload["photos"] = [
                        {k: v for k, v in ph.items() if k != "data_base64"}
                        for ph in item.get("photos", [])
                    ]
                try:
                    value = codec.decode(kind, payload, forms)
                except ValidationError as e:
                    problems.extend(
                        f"{_field(where, parts, err.field)}: {err.message}" for err in e.errors
                    )
                    continue
                errors = codec.validate(kind, value, forms, today)
                problems.extend(f"{_field(where, parts, e.field)}: {e.message}" for e in errors)
                photos: tuple[tuple[bytes, str], ...] = ()
                if kind == "assessments":
                    photos, photo_problems = _check_photos(item.get("photos", []), forms.photos)
                    problems.extend(f"{where}.{p}" for p in photo_problems)
                if errors:
                    continue  # its lineage is judged once the record itself is right
                lineage, lineage_problems = _lineage(item.get("lineage"), payload, uid)
                problems.extend(_field(where, parts, p) for p in lineage_problems)
                if lineage_problems:
                    continue
                copies.append(
                    Copy(
                        kind,
                        where,
                        uid if isinstance(uid, str) else None,
                        value,
                        codec.encode(kind, value, forms),
                        lineage,
                        photos,
                    )
                )
        dates = [c.value.date for c in copies if c.kind == "assessments"]
        for d in sorted({d for d in dates if dates.count(d) > 1}):
            problems.append(
                f"{_where(document, ['patients', i])}: assessments: two assessments "
                f"dated {d.isoformat()}"
            )
        if copies and copies[0].kind == "patients":
            where = _where(document, ["patients", i])
            patients.append(FilePatient(i, where, copies[0].value.nhs_number, tuple(copies)))
    return patients, problems


def _lineage(raw: Any, payload: dict[str, Any], uid: Any) -> tuple[Lineage | None, list[str]]:
    """The lineage a record carries (the schema has checked its shape), checked against the
    record itself: a copy changed after it was written no longer matches its revision."""
    if raw is None:
        return None, []
    if not isinstance(uid, str):
        return None, ["lineage: needs the record's uid"]
    lineage = Lineage(raw["revision"], tuple(raw["ancestors"]), raw["saved_at"], raw["saved_by"])
    problems = []
    if raw["version"] != lineage.version:
        problems.append(
            f"lineage.version: must be {lineage.version}, one more than its ancestors; "
            f"got {raw['version']}"
        )
    if revision(payload) != lineage.revision:
        problems.append(
            "lineage.revision: the record no longer matches it: it was changed after it was "
            "written (remove its lineage to import it as a copy without one)"
        )
    if problem := text_problem(lineage.saved_by):
        problems.append(f"lineage.saved_by: {problem}")
    return lineage, problems


def _check_photos(
    photos: list[Any], rules: PhotoRules
) -> tuple[tuple[tuple[bytes, str], ...], list[str]]:
    """Each photo bounded, then decoded as the image it says it is, before anything is
    written (issue 14.11). Its bytes are kept as they are (the sha256 is its identity):
    checked, never cleaned; marks must be in this photo's pixels."""
    from mdtapp.store.images import photo_problem, stored_size

    problems = []
    out = []
    for k, photo in enumerate(photos):
        encoded = photo["data_base64"]
        if len(encoded) > (rules.max_bytes + 2) // 3 * 4:
            problems.append(
                f"photos[{k}]: is larger than a photo may be ({rules.max_bytes // 2**20} MiB); "
                "nothing was decoded"
            )
            continue
        try:
            content = base64.b64decode(encoded, validate=True)
        except (ValueError, TypeError):
            problems.append(f"photos[{k}].data_base64: not valid base64")
            continue
        if hashlib.sha256(content).hexdigest() != photo["sha256"]:
            problems.append(f"photos[{k}]: the image does not match its sha256")
            continue
        problem = photo_problem(content, photo["media_type"], rules)
        if problem:
            problems.append(f"photos[{k}]: {problem}")
            continue
        count = photo.get("count")
        if count is not None:
            size = stored_size(content)
            made_on = (count["image"]["width"], count["image"]["height"])
            if made_on != size:
                problems.append(
                    f"photos[{k}].count.image: must be the photo's size, {size[0]} × "
                    f"{size[1]} pixels; got {made_on[0]} × {made_on[1]}"
                )
                continue
        out.append((content, photo["media_type"]))
    return tuple(out), problems


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
    records_older: int = 0  # copies older than the version held here, which was kept


def import_document(
    store: Store, document: Any, *, merge: bool = False, source: str = ""
) -> ImportResult:
    """All or nothing: ImportRejected with every problem, or everything in one transaction."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportRejected(check_document(document, store.forms, store.today())[1])
    store.authorise(ACTIONS["import"], "importing patients")
    patients, problems = check_document(document, store.forms, store.today())
    if problems:
        raise ImportRejected(problems)
    # judged against what is held before anything is written (a refused file makes not even
    # the day's backup), then again under the write lock, against what is committed by then
    meetings, meeting_problems = check_meetings(document, store.forms)
    if meeting_problems:
        raise ImportRejected(meeting_problems)
    plan = plan_import(store, patients, merge=merge)
    if plan.problems:
        raise ImportRejected(plan.problems)
    if problems := _held_meeting_problems(store, meetings, patients):
        raise ImportRejected(problems)
    with store.transaction():
        plan = plan_import(store, patients, merge=merge)
        if plan.problems:
            raise ImportRejected(plan.problems)
        written = apply(store, plan)
        if problems := _held_meeting_problems(store, meetings, patients):
            raise ImportRejected(problems)  # rolls the transaction back: nothing is written
        for _, uid, meeting in meetings:
            if not store.has_meeting(uid):
                store._import_meeting(uid, meeting)
        if problems := store.check_meeting_decisions():  # joint only as the meeting records
            raise ImportRejected(problems)  # rolls the transaction back: nothing is written
        store.record_event(
            "import",
            detail=f"{written.patients_added} added, {written.patients_merged} merged, "
            f"{written.records_added} records added, {written.records_updated} updated, "
            f"{written.records_older} older kept as held" + (f" from {source}" if source else ""),
        )
    return ImportResult(
        written.patients_added,
        written.patients_merged,
        written.records_added,
        written.records_updated,
        written.records_older,
    )


def check_meetings(document: Any, forms: Forms) -> tuple[list[tuple[str, str, Any]], list[str]]:
    """The file's meetings as (where, uid, meeting), and every problem they have on their own
    (the schema has checked their shape)."""
    from mdtapp.domain.meeting import validate_meeting
    from mdtapp.store.meetings import decode_meeting

    out: list[tuple[str, str, Any]] = []
    problems: list[str] = []
    raw = document.get("meetings", []) if isinstance(document, dict) else []
    for i, item in enumerate(raw if isinstance(raw, list) else []):
        where = f"meetings[{i}]"
        if not isinstance(item, dict):
            continue
        payload = {k: v for k, v in item.items() if k not in ("uid", "version")}
        try:
            meeting = decode_meeting(payload)
        except ValidationError as e:
            problems.extend(f"{where}.{err.field}: {err.message}" for err in e.errors)
            continue
        errors = validate_meeting(meeting, forms.meeting)
        problems.extend(f"{where}.{e.field}: {e.message}" for e in errors)
        if not errors:
            out.append((where, str(item.get("uid")), meeting))
    return out, problems


def _held_meeting_problems(
    store: Store, meetings: list[tuple[str, str, Any]], patients: list[FilePatient]
) -> list[str]:
    """A meeting held here with other content is not merged; an agenda names only patients
    in the file or in the database."""
    from mdtapp.store.meetings import encode_meeting

    known = set(store.patient_uids()) | {
        c.uid for p in patients for c in p.copies if c.kind == "patients" and c.uid
    }
    problems = []
    for where, uid, meeting in meetings:
        if store.has_meeting(uid):
            held = store.meeting(uid)
            if encode_meeting(held.value) != encode_meeting(meeting):
                problems.append(
                    f"{where}: this meeting is held here with other content (version "
                    f"{held.version}): a meeting is not merged; nothing was imported"
                )
        for j, item in enumerate(meeting.agenda):
            if item.patient_uid not in known:
                problems.append(
                    f"{where}.agenda[{j}].patient_uid: no such patient in the file or here"
                )
    return problems


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


def refuse_bad_file(document: Any, forms: Forms | None = None) -> None:
    """ImportRejected with every problem the file has on its own, before a database is opened
    (the command line checks a file before it creates a database to import it into)."""
    from mdtapp.domain.forms import forms as forms_in_use

    problems = check_document(document, forms or forms_in_use(), date.today())[1]
    if problems:
        raise ImportRejected(problems)


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
