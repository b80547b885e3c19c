"""The interchange format's JSON Schema and its documentation, generated from forms/.

The assessment's part comes from the measure descriptions (forms/assessment.toml: one rule per
measure type), the keys and ranges of the other records from the forms they are checked
against. `mdtapp/store/mdtapp-1.schema.json` and the generated tables of docs/format.md are this
module's output for the shipped forms; a test fails when either is stale. Regenerate with

    .venv/bin/python -m mdtapp.store.json_schema --write
"""

from __future__ import annotations

import json
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from mdtapp.domain.forms import FLAG_KEYS, Forms
from mdtapp.domain.measures import (
    CountAtSiteMeasure,
    DateMeasure,
    Measure,
    MrssGridMeasure,
    NumberMeasure,
    OrganTableMeasure,
    PhotosMeasure,
    TextMeasure,
    VasMeasure,
    YesNoMeasure,
)
from mdtapp.domain.model import CRITERION_STATES, ROUTES, SEXES
from mdtapp.domain.papule_count import DECIMAL_TEXT, SOURCES

Json = dict[str, Any]

DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
OPTIONAL_DATE = {"type": ["string", "null"], "pattern": r"^\d{4}-\d{2}-\d{2}$"}
UID = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
TEXT = {"type": "string"}
NAME = {"type": "string", "minLength": 1}
YES_NO = {"type": ["boolean", "null"]}
SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}

# Where a record's version comes from (docs/format.md, "Lineage"), described once: the schema
# and the doc table are made from this. Optional on every record: files written before lineage
# have none. (key, schema, type as the doc says it, what it is)
LINEAGE_FIELDS: tuple[tuple[str, Json, str, str], ...] = (
    (
        "version",
        {"type": "integer", "minimum": 1},
        "integer",
        "this version's number along its lineage: one more than the number of `ancestors`",
    ),
    (
        "revision",
        SHA256,
        "SHA-256, 64 lowercase hex digits",
        "the digest of the record's content: its fields without `uid`, `lineage`, the records "
        "nested in a patient and each photo's `data_base64`, as JSON with keys sorted, no "
        "spaces, UTF-8 and whole numbers without `.0`. The same content has the same revision "
        "at every site",
    ),
    (
        "ancestors",
        {"type": "array", "items": SHA256},
        "array of SHA-256",
        "the revisions this version was made from, oldest first; the last is the version it "
        "was based on (empty for a first version)",
    ),
    (
        "saved_at",
        {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"},
        "string",
        "when this content was saved, UTC (`YYYY-MM-DDTHH:MM:SSZ`), at the site that saved it",
    ),
    (
        "saved_by",
        {"type": "string", "minLength": 1, "maxLength": 200},
        "string",
        "the user name that saved it there; one line, no control characters",
    ),
)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _object(properties: Json, required: list[str]) -> Json:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _list(ref: str) -> Json:
    return {"type": "array", "items": {"$ref": f"#/$defs/{ref}"}}


def lineage_schema() -> Json:
    keys = [key for key, *_ in LINEAGE_FIELDS]
    return _object({key: dict(s) for key, s, *_ in LINEAGE_FIELDS}, keys)


LINEAGE = {"$ref": "#/$defs/lineage"}


# ---------------------------------------------------------------- the assessment, by type


def measure_schema(m: Measure, forms: Forms) -> Json:
    if isinstance(m, DateMeasure):
        return dict(DATE)
    if isinstance(m, TextMeasure):
        return dict(NAME) if m.required else dict(TEXT)
    if isinstance(m, MrssGridMeasure):
        score = {
            "type": ["integer", "null"],
            "minimum": forms.mrss.min_score,
            "maximum": forms.mrss.max_score,
        }
        areas = list(forms.mrss.area_keys)
        return _object({key: dict(score) for key in areas}, areas)
    if isinstance(m, VasMeasure):
        return {
            "type": ["integer", "null"],
            "minimum": forms.vas.min_mm,
            "maximum": forms.vas.max_mm,
        }
    if isinstance(m, CountAtSiteMeasure):
        counted = _object(
            {"count": {"type": "integer", "minimum": 0}, "site": dict(NAME)}, ["count", "site"]
        )
        return {"oneOf": [{"type": "null"}, counted]}
    if isinstance(m, OrganTableMeasure):
        status = _object({"involved": dict(YES_NO), "progressed": dict(YES_NO)}, [])
        status["required"] = ["involved", "progressed"]
        return _object(
            {key: json.loads(json.dumps(status)) for key in forms.systemic.organ_keys}, []
        )
    if isinstance(m, YesNoMeasure):
        return dict(YES_NO)
    if isinstance(m, NumberMeasure):
        return {
            "type": ["number", "null"],
            "minimum": _number(m.low),
            "maximum": _number(m.high),
        }
    if isinstance(m, PhotosMeasure):
        photo = _object(
            {
                "view": dict(NAME),
                "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "media_type": {"enum": ["image/jpeg", "image/png"]},
                "count": papule_count_schema(),
                "data_base64": dict(TEXT),
            },
            ["view", "sha256", "media_type", "data_base64"],
        )
        return {"type": "array", "items": photo}
    raise TypeError(f"no schema for a {m.type} measure")


def papule_count_schema() -> Json:
    """The marks, square and scale stored with a photo (PapuleCount.to_json); optional: a
    photo not counted on has none (null is read the same). Whole pixels; millimetres as
    decimal text, so they mean exactly what they say."""
    pixel = {"type": "integer", "minimum": 0}
    point = {"type": "array", "items": dict(pixel), "minItems": 2, "maxItems": 2}
    mm = {"type": "string", "pattern": DECIMAL_TEXT}
    vector = {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}
    scale = _object(
        {
            "source": {"enum": list(SOURCES)},
            "a": dict(point),
            "b": dict(point),
            "distance_mm": dict(mm),
        },
        ["source", "a", "b", "distance_mm"],
    )
    square = _object(
        {"centre": dict(point), "corner": vector, "side_mm": dict(mm)},
        ["centre", "corner", "side_mm"],
    )
    count = _object(
        {
            "view": dict(NAME),
            "image": _object(
                {
                    "width": {"type": "integer", "minimum": 1},
                    "height": {"type": "integer", "minimum": 1},
                },
                ["width", "height"],
            ),
            "scale": _or_null(scale),
            "square": _or_null(square),
            "marks": {"type": "array", "items": dict(point)},
        },
        ["view", "image", "scale", "square", "marks"],
    )
    return _or_null(count)


def _or_null(schema: Json) -> Json:
    # an object's properties and required keys do not apply to null
    return {**schema, "type": ["object", "null"]}


def assessment_schema(forms: Forms) -> Json:
    properties: Json = {"uid": dict(UID), "lineage": dict(LINEAGE)}
    required: list[str] = []
    for m in forms.assessment.measures:
        if m.group is None:
            properties[m.key] = measure_schema(m, forms)
            if m.required:
                required.append(m.key)
        else:
            group = properties.setdefault(m.group, _object({}, []))
            group["properties"][m.name] = measure_schema(m, forms)
    return _object(properties, required)


# ---------------------------------------------------------------- the document


def interchange_schema(forms: Forms) -> Json:
    """The JSON Schema an mdtapp/1 file is checked against, for these forms."""
    d = forms.dosing
    state = {"enum": list(CRITERION_STATES)}
    agreement = {"oneOf": [{"type": "null"}, _object({"clinician": NAME, "date": DATE}, [])]}
    agreement["oneOf"][1]["required"] = ["clinician", "date"]
    criteria = list(forms.eligibility.criterion_keys)
    patient = _object(
        {
            "uid": UID,
            "lineage": LINEAGE,
            "nhs_number": {"type": "string", "pattern": r"^\d{10}$"},
            "hospital_number": TEXT,
            "family_name": NAME,
            "given_names": NAME,
            "date_of_birth": DATE,
            "sex": {"enum": list(SEXES)},
            "height_cm": {"type": ["number", "null"], "minimum": 0, "maximum": 300},
            "address": TEXT,
            "gp": _object({"name": TEXT, "practice": TEXT, "address": TEXT}, []),
            "local_centre": _object({"name": TEXT, "address": TEXT}, []),
            "eligibility": {"oneOf": [{"type": "null"}, {"$ref": "#/$defs/eligibility"}]},
            "decisions": _list("decision"),
            "regimens": _list("regimen"),
            "infusions": _list("infusion"),
            "assessments": _list("assessment"),
            "admissions": _list("admission"),
        },
        ["nhs_number", "family_name", "given_names", "date_of_birth", "sex"],
    )
    eligibility = _object(
        {
            "uid": UID,
            "lineage": LINEAGE,
            "criteria": _object({key: state for key in criteria}, criteria),
            "rheumatology_agreed": agreement,
            "dermatology_agreed": agreement,
            "biopsy_date": OPTIONAL_DATE,
            "contraindications_reviewed": {"type": "boolean"},
            "contraindications": {"type": "array", "items": NAME},
            "referral_form_completed": {"type": "boolean"},
            "ig_database_reference": TEXT,
            "panel_approval": {"enum": [None, *(s.key for s in forms.eligibility.panel_statuses)]},
        },
        ["criteria"],
    )
    decision = _object(
        {
            "uid": UID,
            "lineage": LINEAGE,
            "date": DATE,
            "decision": NAME,
            "reason": NAME,
            "clinicians": {"type": "array", "items": NAME},
            "next_review": OPTIONAL_DATE,
            "flags_at_decision": {"type": "array", "items": {"enum": list(FLAG_KEYS)}},
            "actions": _object({"gp": TEXT, "local_centre": TEXT, "patient": TEXT}, []),
            "meeting": _object(
                {
                    "uid": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                    "joint": {"type": "boolean"},
                    "present": {
                        "type": "array",
                        "items": _object(
                            {"name": NAME, "role": {"enum": [r.key for r in forms.meeting.roles]}},
                            ["name", "role"],
                        ),
                    },
                },
                ["uid", "joint", "present"],
            ),
        },
        ["date", "decision", "reason"],
    )
    weight = {"minimum": _number(d.weight_kg_min), "maximum": _number(d.weight_kg_max)}
    regimen = _object(
        {
            "uid": UID,
            "lineage": LINEAGE,
            "from": DATE,
            "g_per_kg": {
                "type": "number",
                "exclusiveMinimum": 0,
                "maximum": _number(d.g_per_kg_max),
            },
            "days": {"type": ["integer", "null"], "minimum": d.days_min, "maximum": d.days_max},
            "interval_weeks": {
                "type": "integer",
                "minimum": d.interval_min_weeks,
                "maximum": d.interval_max_weeks,
            },
            "route": {"enum": list(ROUTES)},
            "weight_kg": {"type": "number", **weight},
            "dosing_weight_override_kg": {"type": ["number", "null"], **weight},
            "override_reason": TEXT,
            "vial_step_g": {"type": ["number", "null"]},
            "ibw_basis": {"enum": [None, "female", "male"]},
            "sc_doses_per_period": {"type": ["integer", "null"]},
        },
        ["from", "g_per_kg", "interval_weeks", "route", "weight_kg"],
    )
    infusion = _object(
        {
            "uid": UID,
            "lineage": LINEAGE,
            "date": DATE,
            "grams": {"type": "number", "exclusiveMinimum": 0, "maximum": 300},
            "product": NAME,
            "batch": NAME,
            "route": {"enum": list(ROUTES)},
            "reaction": TEXT,
        },
        ["date", "grams", "product", "batch", "route"],
    )
    admission = _object(
        {
            "uid": UID,
            "lineage": LINEAGE,
            "admitted": DATE,
            "discharged": OPTIONAL_DATE,
            "related": {"type": "boolean"},
            "notes": TEXT,
        },
        ["admitted", "related"],
    )
    roles = [r.key for r in forms.meeting.roles]
    statuses = [x.key for x in forms.meeting.statuses]
    meeting = _object(
        {
            "uid": UID,
            "version": {"type": "integer", "minimum": 1},
            "date": DATE,
            "time": {"type": "string", "pattern": r"^\d{2}:\d{2}$"},
            "place": NAME,
            "chair": TEXT,
            "attendees": {
                "type": "array",
                "items": _object(
                    {
                        "name": NAME,
                        "role": {"enum": roles},
                        "specialty": TEXT,
                        "username": {"type": ["string", "null"]},
                        "present": {"type": "boolean"},
                    },
                    ["name", "role", "present"],
                ),
            },
            "agenda": {
                "type": "array",
                "items": _object(
                    {
                        "patient_uid": UID,
                        "source": {"enum": ["due", "referral", "added"]},
                        "reason": TEXT,
                        "status": {"enum": statuses},
                    },
                    ["patient_uid", "source", "status"],
                ),
            },
        },
        ["uid", "date", "time", "place", "attendees", "agenda"],
    )
    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:mdtapp:format:mdtapp-1",
        "title": "mdtapp interchange format mdtapp/1",
        "description": "Whole patients for mdtapp export and import. See docs/format.md.",
        "type": "object",
        "required": ["format", "patients"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": "mdtapp/1"},
            "forms_version": {"type": "string"},
            "patients": {"type": "array", "items": {"$ref": "#/$defs/patient"}},
            # MDT meetings (m011), in a whole-database export only: the agenda names patients
            # by their uid in this file or in the database imported into
            "meetings": {"type": "array", "items": {"$ref": "#/$defs/meeting"}},
        },
        "$defs": {
            "meeting": meeting,
            "patient": patient,
            "eligibility": eligibility,
            "decision": decision,
            "regimen": regimen,
            "infusion": infusion,
            "assessment": assessment_schema(forms),
            "admission": admission,
            "lineage": lineage_schema(),
        },
    }
    # one copy of each shared piece, so the text is the same however it was built
    copied: Json = json.loads(json.dumps(document))
    return copied


def schema_text(forms: Forms) -> str:
    return json.dumps(interchange_schema(forms), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- docs/format.md


def _range(m: Measure, forms: Forms) -> str:
    if isinstance(m, MrssGridMeasure):
        areas = " ".join(f"`{k}`" for k in forms.mrss.area_keys)
        return (
            f"every area key, each {forms.mrss.min_score}-{forms.mrss.max_score} or null "
            f"(not assessed): {areas}"
        )
    if isinstance(m, VasMeasure):
        bands = ""
        if m.bands:
            bands = "; bands " + ", ".join(f"{b.low}-{b.high} {b.label}" for b in m.bands)
        return f"whole millimetres {forms.vas.min_mm}-{forms.vas.max_mm}{bands}"
    if isinstance(m, CountAtSiteMeasure):
        return f"`{{count, site}}`: count 0-{m.max_count}, the site named"
    if isinstance(m, OrganTableMeasure):
        organs = " ".join(f"`{k}`" for k in forms.systemic.organ_keys)
        return f"per organ ({organs}) `{{involved, progressed}}`, each true, false or null"
    if isinstance(m, NumberMeasure):
        return f"{m.low}-{m.high} {m.unit}"
    if isinstance(m, TextMeasure):
        lines = "free text (new lines allowed)" if m.multiline else "one line"
        return f"{lines}, at most {m.max_length} characters" + ("; required" if m.required else "")
    if isinstance(m, DateMeasure):
        return "YYYY-MM-DD, not in the future; one assessment per patient per date"
    if isinstance(m, YesNoMeasure):
        return f"true ({m.yes_means}), false ({m.no_means}) or null"
    if isinstance(m, PhotosMeasure):
        return (
            "`{view, sha256, media_type, count, data_base64}`; the SHA-256 must match the image; "
            "`count` (optional) the papules counted on it: the scale, the square and the marks "
            "in the photo's pixels, below"
        )
    return ""


JSON_TYPES = {
    "date": "date",
    "text": "string",
    "mrss_grid": "object",
    "vas_mm": "integer or null",
    "count_at_site": "object or null",
    "organ_table": "object",
    "yes_no": "boolean or null",
    "number": "number or null",
    "photos": "array",
}


def assessment_table(forms: Forms) -> str:
    """The assessment's fields, one row per measure of forms/assessment.toml."""
    rows = [
        "| field | measure type | type | values | what it is |",
        "|---|---|---|---|---|",
    ]
    for m in forms.assessment.measures:
        what = m.question if m.question != m.label else m.label
        rows.append(
            f"| `{m.key}` | {m.type} | {JSON_TYPES[m.type]} | {_range(m, forms)} | "
            f"{what.replace('|', '/')} |"
        )
    return "\n".join(rows)


def replace_between(text: str, name: str, content: str) -> str:
    """`text` with the part between <!-- name:start --> and <!-- name:end --> replaced."""
    pattern = re.compile(
        rf"(<!-- {name}:start -->\n)(?:.*?\n)?(<!-- {name}:end -->)", flags=re.DOTALL
    )
    if not pattern.search(text):
        raise ValueError(f"no <!-- {name}:start --> ... <!-- {name}:end --> markers")
    return pattern.sub(lambda m: m.group(1) + content + "\n" + m.group(2), text)


def lineage_table() -> str:
    rows = ["| field | type | what it is |", "|---|---|---|"]
    rows += [f"| `{key}` | {kind} | {what} |" for key, _, kind, what in LINEAGE_FIELDS]
    return "\n".join(rows)


def generated_docs(text: str, forms: Forms) -> str:
    """docs/format.md with its generated tables brought up to date."""
    from mdtapp.domain.record import summary_field_table

    text = replace_between(text, "lineage-fields", lineage_table())
    text = replace_between(text, "assessment-fields", assessment_table(forms))
    return replace_between(text, "summary-fields", summary_field_table(forms))


def main(argv: list[str] | None = None) -> int:
    """--write: regenerate the schema file and docs/format.md; --check: exit 1 if stale."""
    from mdtapp.domain.forms import forms

    args = sys.argv[1:] if argv is None else argv
    root = Path(__file__).resolve().parents[2]
    schema_file = Path(__file__).with_name("mdtapp-1.schema.json")
    doc_file = root / "docs" / "format.md"
    f = forms()
    wanted = {schema_file: schema_text(f), doc_file: generated_docs(doc_file.read_text(), f)}
    stale = [p for p, text in wanted.items() if p.read_text() != text]
    if "--write" in args:
        for path in stale:
            path.write_text(wanted[path])
            print(f"wrote {path}")
        return 0
    for path in stale:
        print(f"{path} is stale: python -m mdtapp.store.json_schema --write")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
