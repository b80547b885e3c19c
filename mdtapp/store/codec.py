"""Records as interchange JSON (docs/format.md) and back.

The database stores each record version as exactly this JSON, so an export is the stored
documents assembled in a fixed order, and an import stores what it read: the round trip is exact.
Decoding collects every problem as a FieldError named by its JSON path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from mdtapp.domain.errors import FieldError, ValidationError
from mdtapp.domain.forms import Forms
from mdtapp.domain.forms import forms as default_forms
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
from mdtapp.domain.meeting import Attendee
from mdtapp.domain.model import (
    GP,
    Admission,
    Assessment,
    Decision,
    Eligibility,
    Infusion,
    LocalCentre,
    OrganStatus,
    Papules,
    Patient,
    PhotoRef,
    Regimen,
    SpecialtyAgreement,
    validate_admission,
    validate_assessment,
    validate_decision,
    validate_eligibility,
    validate_infusion,
    validate_patient,
    validate_regimen,
)
from mdtapp.domain.papule_count import PapuleCount

Json = dict[str, Any]


class _Reader:
    """Pulls typed values out of a JSON object, recording problems instead of raising."""

    def __init__(self, data: Any, errors: list[FieldError], prefix: str = ""):
        self.data = data if isinstance(data, dict) else {}
        self.errors = errors
        self.prefix = prefix
        if not isinstance(data, dict):
            errors.append(FieldError(prefix.rstrip(".") or "(record)", "must be an object"))

    def _name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def date(self, key: str, *, required: bool = True) -> date | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.errors.append(FieldError(self._name(key), "is required (YYYY-MM-DD)"))
            return None
        try:
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            self.errors.append(
                FieldError(self._name(key), f"must be a date as YYYY-MM-DD; got {value!r}")
            )
            return None

    def text(self, key: str, default: str = "") -> str:
        value = self.data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, str):
            self.errors.append(FieldError(self._name(key), f"must be text; got {value!r}"))
            return default
        return value

    def number(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.errors.append(FieldError(self._name(key), f"must be a number; got {value!r}"))
            return None
        return float(value)

    def whole(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.errors.append(
                FieldError(self._name(key), f"must be a whole number; got {value!r}")
            )
            return None
        return int(value)

    def flag(self, key: str) -> bool | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.errors.append(FieldError(self._name(key), f"must be true or false; got {value!r}"))
            return None
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.errors.append(FieldError(self._name(key), "must be a list of text"))
            return ()
        return tuple(value)

    def child(self, key: str) -> _Reader | None:
        value = self.data.get(key)
        if value is None:
            return None
        return _Reader(value, self.errors, f"{self._name(key)}.")


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


# ---------------------------------------------------------------- patient


def encode_patient(p: Patient) -> Json:
    return {
        "nhs_number": p.nhs_number,
        "hospital_number": p.hospital_number,
        "family_name": p.family_name,
        "given_names": p.given_names,
        "date_of_birth": p.date_of_birth.isoformat(),
        "sex": p.sex,
        "height_cm": p.height_cm,
        "address": p.address,
        "gp": {"name": p.gp.name, "practice": p.gp.practice, "address": p.gp.address},
        "local_centre": {"name": p.local_centre.name, "address": p.local_centre.address},
    }


def decode_patient(data: Json, errors: list[FieldError]) -> Patient | None:
    r = _Reader(data, errors)
    born = r.date("date_of_birth")
    gp = r.child("gp")
    centre = r.child("local_centre")
    patient = Patient(
        nhs_number=r.text("nhs_number"),
        family_name=r.text("family_name"),
        given_names=r.text("given_names"),
        date_of_birth=born or date.min,
        sex=r.text("sex"),
        hospital_number=r.text("hospital_number"),
        height_cm=r.number("height_cm"),
        address=r.text("address"),
        gp=GP(gp.text("name"), gp.text("practice"), gp.text("address")) if gp else GP(),
        local_centre=LocalCentre(centre.text("name"), centre.text("address"))
        if centre
        else LocalCentre(),
    )
    return patient if born else None


# ---------------------------------------------------------------- eligibility


def _agreement(a: SpecialtyAgreement | None) -> Json | None:
    return None if a is None else {"clinician": a.clinician, "date": a.date.isoformat()}


def encode_eligibility(e: Eligibility) -> Json:
    return {
        "criteria": dict(e.criteria),
        "rheumatology_agreed": _agreement(e.rheumatology_agreed),
        "dermatology_agreed": _agreement(e.dermatology_agreed),
        "biopsy_date": _iso(e.biopsy_date),
        "contraindications_reviewed": e.contraindications_reviewed,
        "contraindications": list(e.contraindications),
        "referral_form_completed": e.referral_form_completed,
        "ig_database_reference": e.ig_database_reference,
        "panel_approval": e.panel_approval,
    }


def decode_eligibility(data: Json, errors: list[FieldError]) -> Eligibility:
    r = _Reader(data, errors)
    criteria = r.data.get("criteria")
    if not isinstance(criteria, dict):
        errors.append(FieldError("criteria", "must be an object of yes | no | unknown"))
        criteria = {}
    agreements: dict[str, SpecialtyAgreement | None] = {}
    for key in ("rheumatology_agreed", "dermatology_agreed"):
        child = r.child(key)
        agreed = child.date("date") if child else None
        agreements[key] = (
            SpecialtyAgreement(child.text("clinician"), agreed) if (child and agreed) else None
        )
    panel = r.data.get("panel_approval")
    return Eligibility(
        criteria=dict(criteria),
        rheumatology_agreed=agreements["rheumatology_agreed"],
        dermatology_agreed=agreements["dermatology_agreed"],
        biopsy_date=r.date("biopsy_date", required=False),
        contraindications_reviewed=bool(r.flag("contraindications_reviewed")),
        contraindications=r.texts("contraindications"),
        referral_form_completed=bool(r.flag("referral_form_completed")),
        ig_database_reference=r.text("ig_database_reference"),
        panel_approval=panel if isinstance(panel, str) else None,
    )


# ---------------------------------------------------------------- decisions, regimens, ...


def encode_decision(d: Decision) -> Json:
    return {
        "date": d.date.isoformat(),
        "decision": d.decision,
        "reason": d.reason,
        "clinicians": list(d.clinicians),
        "next_review": _iso(d.next_review),
        "flags_at_decision": list(d.flags_at_decision),
        "actions": {
            "gp": d.actions_gp,
            "local_centre": d.actions_local_centre,
            "patient": d.actions_patient,
        },
        # only a decision taken in a meeting has the key: files written before meetings keep
        # their bytes through import and export
        **({"meeting": encode_meeting_link(d)} if d.meeting_uid is not None else {}),
    }


def encode_meeting_link(d: Decision) -> Json:
    return {
        "uid": d.meeting_uid,
        "joint": d.joint,
        "present": [{"name": a.name, "role": a.role} for a in d.present],
    }


def decode_decision(data: Json, errors: list[FieldError]) -> Decision | None:
    r = _Reader(data, errors)
    on = r.date("date")
    actions = r.child("actions")
    decision = Decision(
        date=on or date.min,
        decision=r.text("decision"),
        reason=r.text("reason"),
        clinicians=r.texts("clinicians"),
        next_review=r.date("next_review", required=False),
        flags_at_decision=r.texts("flags_at_decision"),
        actions_gp=actions.text("gp") if actions else "",
        actions_local_centre=actions.text("local_centre") if actions else "",
        actions_patient=actions.text("patient") if actions else "",
    )
    meeting = r.child("meeting")
    if meeting is not None:
        joint = meeting.data.get("joint")
        present = meeting.data.get("present")
        decision = replace(
            decision,
            meeting_uid=meeting.text("uid"),
            joint=joint if isinstance(joint, bool) else None,
            present=tuple(
                Attendee(name=str(p.get("name", "")), role=str(p.get("role", "")))
                for p in (present if isinstance(present, list) else [])
                if isinstance(p, dict)
            ),
        )
    return decision if on else None


def encode_regimen(g: Regimen) -> Json:
    return {
        "from": g.from_date.isoformat(),
        "g_per_kg": g.g_per_kg,
        "days": g.days,
        "interval_weeks": g.interval_weeks,
        "route": g.route,
        "weight_kg": g.weight_kg,
        "dosing_weight_override_kg": g.dosing_weight_override_kg,
        "override_reason": g.override_reason,
        "vial_step_g": g.vial_step_g,
        "ibw_basis": g.ibw_basis,
        "sc_doses_per_period": g.sc_doses_per_period,
    }


def decode_regimen(data: Json, errors: list[FieldError]) -> Regimen | None:
    r = _Reader(data, errors)
    start = r.date("from")
    basis = r.data.get("ibw_basis")
    regimen = Regimen(
        from_date=start or date.min,
        g_per_kg=r.number("g_per_kg"),  # type: ignore[arg-type]  # required: checked by validate
        days=r.whole("days"),
        interval_weeks=r.whole("interval_weeks"),  # type: ignore[arg-type]
        route=r.text("route"),
        weight_kg=r.number("weight_kg"),  # type: ignore[arg-type]
        dosing_weight_override_kg=r.number("dosing_weight_override_kg"),
        override_reason=r.text("override_reason"),
        vial_step_g=r.number("vial_step_g"),
        ibw_basis=basis if isinstance(basis, str) else None,
        sc_doses_per_period=r.whole("sc_doses_per_period"),
    )
    for key in ("g_per_kg", "interval_weeks", "weight_kg"):
        if r.data.get(key) is None:
            errors.append(FieldError(key, "is required"))
    return regimen if start else None


def encode_infusion(i: Infusion) -> Json:
    return {
        "date": i.date.isoformat(),
        "grams": i.grams,
        "product": i.product,
        "batch": i.batch,
        "route": i.route,
        "reaction": i.reaction,
    }


def decode_infusion(data: Json, errors: list[FieldError]) -> Infusion | None:
    r = _Reader(data, errors)
    on = r.date("date")
    grams = r.number("grams")
    if grams is None and "grams" not in [e.field for e in errors]:
        errors.append(FieldError("grams", "is required"))
    infusion = Infusion(
        on or date.min,
        grams or 0.0,
        r.text("product"),
        r.text("batch"),
        r.text("route"),
        r.text("reaction"),
    )
    return infusion if on and grams is not None else None


def encode_admission(a: Admission) -> Json:
    return {
        "admitted": a.admitted.isoformat(),
        "discharged": _iso(a.discharged),
        "related": a.related,
        "notes": a.notes,
    }


def decode_admission(data: Json, errors: list[FieldError]) -> Admission | None:
    r = _Reader(data, errors)
    admitted = r.date("admitted")
    related = r.flag("related")
    if related is None:
        errors.append(FieldError("related", "is required (true or false)"))
    admission = Admission(
        admitted or date.min, r.date("discharged", required=False), bool(related), r.text("notes")
    )
    return admission if admitted and related is not None else None


# ---------------------------------------------------------------- assessment
# One rule per measure type; the measures and their order come from forms/assessment.toml, so
# a measure added there is stored, exported and imported with no change here.


def _encode_measure(m: Measure, a: Assessment, forms: Forms) -> Any:
    if isinstance(m, DateMeasure):
        return _iso(m.day(a))
    if isinstance(m, TextMeasure):
        return m.text(a)
    if isinstance(m, MrssGridMeasure):
        scores = m.scores(a)
        return {key: scores.get(key) for key in forms.mrss.area_keys}
    if isinstance(m, VasMeasure):
        return m.mm(a)
    if isinstance(m, CountAtSiteMeasure):
        count = m.count(a)
        return None if count is None else {"count": count.count, "site": count.site}
    if isinstance(m, OrganTableMeasure):
        statuses = m.statuses(a)
        return {
            key: {"involved": s.involved, "progressed": s.progressed}
            for key in forms.systemic.organ_keys
            for s in (statuses.get(key, OrganStatus()),)
        }
    if isinstance(m, YesNoMeasure):
        return m.answer(a)
    if isinstance(m, NumberMeasure):
        return m.number(a)
    if isinstance(m, PhotosMeasure):
        return [_encode_photo(p) for p in m.photos(a)]
    raise TypeError(f"no encoding for a {m.type} measure")


def _encode_photo(p: PhotoRef) -> Json:
    out: Json = {"view": p.view, "sha256": p.sha256, "media_type": p.media_type}
    if p.count is not None:
        # only when counted: a photo stored before counting was possible keeps its exact JSON
        out["count"] = p.count.to_json()
    return out


def encode_assessment(a: Assessment, forms: Forms) -> Json:
    out: Json = {}
    for m in forms.assessment.measures:
        value = _encode_measure(m, a, forms)
        if m.group is None:
            out[m.key] = value
        else:
            out.setdefault(m.group, {})[m.name] = value
    return out


def _decode_measure(m: Measure, r: _Reader, forms: Forms) -> Any:
    key, errors = m.name, r.errors
    if isinstance(m, DateMeasure):
        return r.date(key)
    if isinstance(m, TextMeasure):
        return r.text(key)
    if isinstance(m, MrssGridMeasure):
        raw = r.data.get(key)
        scores: dict[str, int | None] = {}
        if not isinstance(raw, dict):
            errors.append(FieldError(r._name(key), "must be an object of area: score"))
            return scores
        allowed = f"{forms.mrss.min_score}-{forms.mrss.max_score}"
        for area, value in raw.items():
            if value is None or (isinstance(value, int) and not isinstance(value, bool)):
                scores[area] = value
            else:
                errors.append(
                    FieldError(
                        f"{r._name(key)}.{area}", f"must be {allowed} or null; got {value!r}"
                    )
                )
        return scores
    if isinstance(m, VasMeasure):
        return r.whole(key)
    if isinstance(m, CountAtSiteMeasure):
        p = r.child(key)
        if p is None:
            return None
        count = p.whole("count")
        name = f"{r._name(key)}.count"
        if count is None and name not in [e.field for e in errors]:
            errors.append(FieldError(name, "is required when papules are recorded"))
        return Papules(count if count is not None else 0, p.text("site"))
    if isinstance(m, OrganTableMeasure):
        organs = r.child(key)
        statuses: dict[str, OrganStatus] = {}
        for organ in organs.data if organs else {}:
            assert organs is not None
            status = organs.child(organ)
            statuses[organ] = (
                OrganStatus(status.flag("involved"), status.flag("progressed"))
                if status
                else OrganStatus()
            )
        return statuses
    if isinstance(m, YesNoMeasure):
        return r.flag(key)
    if isinstance(m, NumberMeasure):
        return r.number(key)
    if isinstance(m, PhotosMeasure):
        photos: list[PhotoRef] = []
        raw_photos = r.data.get(key) or []
        for i, item in enumerate(raw_photos if isinstance(raw_photos, list) else []):
            ph = _Reader(item, errors, f"{r._name(key)}[{i}].")
            marks = None
            if ph.data.get("count") is not None:  # absent or null: not counted on the photo
                try:
                    marks = PapuleCount.from_json(ph.data["count"])
                except ValidationError as e:
                    where = ph._name("count")
                    errors.extend(
                        FieldError(
                            where if err.field == "(count)" else f"{where}.{err.field}",
                            err.message,
                        )
                        for err in e.errors
                    )
            photos.append(
                PhotoRef(
                    ph.text("view"),
                    ph.text("sha256"),
                    ph.text("media_type", "image/jpeg"),
                    marks,
                )
            )
        return tuple(photos)
    raise TypeError(f"no decoding for a {m.type} measure")


def decode_assessment(data: Json, errors: list[FieldError], forms: Forms) -> Assessment | None:
    r = _Reader(data, errors)
    groups: dict[str, _Reader | None] = {}
    values: dict[str, Any] = {}
    for m in forms.assessment.measures:
        if m.group is None:
            reader: _Reader | None = r
        else:
            if m.group not in groups:
                groups[m.group] = r.child(m.group)
            reader = groups[m.group]
        if reader is not None:
            values[m.key] = _decode_measure(m, reader, forms)
    if not isinstance(values.get("date"), date):
        return None
    return Assessment.from_values({k: v for k, v in values.items() if v is not None})


# ---------------------------------------------------------------- drafts
# What is being typed, kept on every change: the assessment in the codec's own encoding, plus
# what that encoding cannot hold (areas not yet scored, text that is not yet a valid value).

DRAFT_FORMAT = "mdtapp-draft/1"


@dataclass(frozen=True)
class AssessmentDraft:
    assessment: Assessment | None
    not_scored: tuple[str, ...] = ()  # mRSS areas left blank (not the same as not assessed)
    as_typed: dict[str, str] = field(default_factory=dict)  # measure key -> text as typed


def encode_draft(
    a: Assessment, forms: Forms, *, not_scored: Sequence[str], as_typed: Mapping[str, str]
) -> Json:
    return {
        "format": DRAFT_FORMAT,
        "assessment": encode_assessment(a, forms),
        "not_scored": list(not_scored),
        "as_typed": dict(as_typed),
    }


def decode_draft(data: Json, forms: Forms) -> AssessmentDraft:
    """A kept draft, leniently: whatever it holds is given back, even if it would not save."""
    if data.get("format") != DRAFT_FORMAT:
        data = _legacy_draft(data, forms)
    errors: list[FieldError] = []
    raw = data.get("assessment")
    assessment = decode_assessment(raw, errors, forms) if isinstance(raw, dict) else None
    not_scored = data.get("not_scored") or []
    as_typed = data.get("as_typed") or {}
    return AssessmentDraft(
        assessment,
        tuple(k for k in not_scored if isinstance(k, str)),
        {k: v for k, v in as_typed.items() if isinstance(k, str) and isinstance(v, str)},
    )


def _legacy_draft(old: Json, forms: Forms) -> Json:
    """A draft kept before drafts used the codec's encoding (no "format"), in today's form."""
    mrss = old.get("mrss") or {}
    vas = old.get("vas") or {}
    papules = old.get("papules")
    weights = {
        "weight_kg": old.get("weight") or "",
        "weight_3_6_months_ago_kg": old.get("weight_before") or "",
    }
    as_typed = {"date": str(old.get("date") or "")}
    nutrition: Json = {}
    for name, text in weights.items():
        try:
            nutrition[name] = float(str(text).replace(",", ".")) if str(text).strip() else None
        except ValueError:
            nutrition[name] = None
            as_typed[f"nutrition.{name}"] = str(text)
    nutrition["acutely_ill_no_intake_5_days"] = old.get("acute")
    nutrition["dysphagia"] = old.get("dysphagia")
    assessment: Json = {
        "date": date.today().isoformat(),
        "examiner": old.get("examiner") or "",
        "mrss": {k: v if isinstance(v, int) else None for k, v in mrss.items()},
        **{k: v for k, v in vas.items()},
        "papules": {"count": papules, "site": old.get("papule_site") or ""}
        if isinstance(papules, int) and papules >= 0
        else None,
        "systemic": {
            k: {"involved": v[0], "progressed": v[1]}
            for k, v in (old.get("systemic") or {}).items()
            if isinstance(v, list) and len(v) == 2
        },
        "systemic_other": old.get("systemic_other") or "",
        "dermatoneuro_syndrome": old.get("dermatoneuro"),
        "hrqol_worse": old.get("hrqol"),
        "nutrition": nutrition,
        "notes": old.get("notes") or "",
        "photos": [
            {"view": p[0], "sha256": p[1], "media_type": p[2]}
            for p in old.get("photos") or []
            if isinstance(p, list) and len(p) == 3
        ],
    }
    site = old.get("papule_site")
    if isinstance(site, str) and site and assessment["papules"] is None:
        as_typed["papules.site"] = site  # a site named before a count
    not_scored = [k for k in forms.mrss.area_keys if k in mrss and mrss[k] is None]
    return {"assessment": assessment, "not_scored": not_scored, "as_typed": as_typed}


# ---------------------------------------------------------------- by kind


Encoder = Callable[[Any, Forms], Json]
Decoder = Callable[[Json, list[FieldError], Forms], Any]

KINDS: dict[str, tuple[Encoder, Decoder, str | None]] = {
    # kind: (encode, decode, the field that dates the record)
    "patients": (lambda v, f: encode_patient(v), lambda d, e, f: decode_patient(d, e), None),
    "eligibility": (
        lambda v, f: encode_eligibility(v),
        lambda d, e, f: decode_eligibility(d, e),
        None,
    ),
    "decisions": (lambda v, f: encode_decision(v), lambda d, e, f: decode_decision(d, e), "date"),
    "regimens": (
        lambda v, f: encode_regimen(v),
        lambda d, e, f: decode_regimen(d, e),
        "from_date",
    ),
    "infusions": (lambda v, f: encode_infusion(v), lambda d, e, f: decode_infusion(d, e), "date"),
    "assessments": (encode_assessment, decode_assessment, "date"),
    "admissions": (
        lambda v, f: encode_admission(v),
        lambda d, e, f: decode_admission(d, e),
        "admitted",
    ),
}

LABELS = {
    "patients": "patient details",
    "eligibility": "eligibility",
    "decisions": "MDT decision",
    "regimens": "dose regimen",
    "infusions": "infusion",
    "assessments": "assessment",
    "admissions": "hospital admission",
}


def encode(kind: str, value: Any, forms: Forms) -> Json:
    return KINDS[kind][0](value, forms)


def decode(kind: str, data: Json, forms: Forms | None = None) -> Any:
    """The record, or ValidationError naming each bad field by its JSON path. An assessment is
    read as `forms` (default: the forms in use) describe its measures."""
    errors: list[FieldError] = []
    value = KINDS[kind][1](data, errors, forms or default_forms())
    if errors or value is None:
        raise ValidationError(errors or [FieldError("(record)", "could not be read")])
    return value


def record_date(kind: str, value: Any) -> date | None:
    attr = KINDS[kind][2]
    return getattr(value, attr) if attr else None


def validate(kind: str, value: Any, forms: Forms, today: date) -> list[FieldError]:
    """The domain checks for one record of a kind."""
    if kind == "patients":
        return validate_patient(value, forms, today)
    if kind == "eligibility":
        return validate_eligibility(value, forms, today)
    if kind == "decisions":
        return validate_decision(value, forms, today)
    if kind == "regimens":
        return validate_regimen(value, forms)
    if kind == "infusions":
        return validate_infusion(value, today)
    if kind == "assessments":
        return validate_assessment(value, forms, today)
    if kind == "admissions":
        return validate_admission(value, today)
    raise KeyError(kind)
