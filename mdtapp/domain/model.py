"""The clinical record as plain dataclasses, and the field checks that guard every write.

Field names are those of the interchange format (docs/format.md), so an error such as
`assessments[2].itch_vas_mm: must be 0-100 mm; got 140` points at the same name in the UI,
the JSON file and the database.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import TYPE_CHECKING, Any

from mdtapp.domain.errors import FieldError
from mdtapp.domain.meeting import Attendee
from mdtapp.domain.nhs_number import nhs_number_problem, normalise_nhs_number

if TYPE_CHECKING:
    from mdtapp.domain.forms import Forms
    from mdtapp.domain.papule_count import PapuleCount

SEXES = ("female", "male", "other", "unknown")
ROUTES = ("iv", "sc")
CRITERION_STATES = ("yes", "no", "unknown")
TEXT_MAX = 4000


@dataclass(frozen=True)
class GP:
    name: str = ""
    practice: str = ""
    address: str = ""


@dataclass(frozen=True)
class LocalCentre:
    """The local treating centre that gives the infusions (a letter goes to it)."""

    name: str = ""
    address: str = ""


@dataclass(frozen=True)
class Patient:
    nhs_number: str
    family_name: str
    given_names: str
    date_of_birth: date
    sex: str
    hospital_number: str = ""
    height_cm: float | None = None
    address: str = ""
    gp: GP = field(default_factory=GP)
    local_centre: LocalCentre = field(default_factory=LocalCentre)

    @property
    def display_name(self) -> str:
        """FAMILY, Given — the form NHS banners use."""
        return f"{self.family_name.upper()}, {self.given_names}"

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}"


@dataclass(frozen=True)
class SpecialtyAgreement:
    clinician: str
    date: date


@dataclass(frozen=True)
class Eligibility:
    criteria: Mapping[str, str]  # criterion key -> yes | no | unknown
    rheumatology_agreed: SpecialtyAgreement | None = None
    dermatology_agreed: SpecialtyAgreement | None = None
    biopsy_date: date | None = None
    contraindications_reviewed: bool = False
    contraindications: tuple[str, ...] = ()
    referral_form_completed: bool = False
    ig_database_reference: str = ""
    panel_approval: str | None = None  # not_required | pending | approved | retrospective


@dataclass(frozen=True)
class Decision:
    date: date
    decision: str  # a key from forms/decisions.toml
    reason: str
    clinicians: tuple[str, ...] = ()
    next_review: datetime.date | None = None
    flags_at_decision: tuple[str, ...] = ()
    actions_gp: str = ""
    actions_local_centre: str = ""
    actions_patient: str = ""
    # taken in an MDT meeting (domain.md section 6a): which one, who was present at that
    # moment, and whether they made it joint (forms/meeting.toml's quorum among them)
    meeting_uid: str | None = None
    present: tuple[Attendee, ...] = ()
    joint: bool | None = None


@dataclass(frozen=True)
class Regimen:
    from_date: date
    g_per_kg: float
    days: int | None  # IV only
    interval_weeks: int
    route: str
    weight_kg: float
    dosing_weight_override_kg: float | None = None
    override_reason: str = ""
    vial_step_g: float | None = None
    ibw_basis: str | None = None  # female | male, chosen when sex is other/unknown
    sc_doses_per_period: int | None = None


@dataclass(frozen=True)
class Infusion:
    date: date
    grams: float
    product: str
    batch: str
    route: str
    reaction: str = ""


@dataclass(frozen=True)
class Admission:
    admitted: date
    discharged: date | None
    related: bool
    notes: str = ""


@dataclass(frozen=True)
class OrganStatus:
    involved: bool | None = None
    progressed: bool | None = None


@dataclass(frozen=True)
class Papules:
    count: int
    site: str


@dataclass(frozen=True)
class Nutrition:
    weight_kg: float | None = None
    weight_3_6_months_ago_kg: float | None = None
    acutely_ill_no_intake_5_days: bool | None = None
    dysphagia: bool | None = None


@dataclass(frozen=True)
class PhotoRef:
    view: str
    sha256: str
    media_type: str = "image/jpeg"
    # the papules counted on this photo: the scale, the 2 x 2 cm square and every mark
    count: PapuleCount | None = None


@dataclass(frozen=True)
class Assessment:
    """One assessment: a date, an examiner and the measures of forms/assessment.toml.

    The policy's Appendix 1 measures have attributes of their own; a measure added to the
    forms later (a fourth VAS) is carried in `other_measures` by its key. `value(key)` reads
    either, so code that loops over the measure descriptions never needs an attribute."""

    date: date
    examiner: str
    mrss: Mapping[str, int | None]  # every area key; None = not assessed
    itch_vas_mm: int | None = None
    patient_global_vas_mm: int | None = None
    physician_global_vas_mm: int | None = None
    papules: Papules | None = None
    systemic: Mapping[str, OrganStatus] = field(default_factory=dict)
    systemic_other: str = ""
    dermatoneuro_syndrome: bool | None = None
    hrqol_worse: bool | None = None
    nutrition: Nutrition = field(default_factory=Nutrition)
    notes: str = ""
    photos: tuple[PhotoRef, ...] = ()
    other_measures: Mapping[str, Any] = field(default_factory=dict)

    def value(self, key: str) -> Any:
        """A measure's value by its key in forms/assessment.toml ("nutrition.weight_kg");
        None when not recorded."""
        if key in self.other_measures:
            return self.other_measures[key]
        group, _, name = key.rpartition(".")
        if group == "nutrition" and name in _NUTRITION_FIELDS:
            return getattr(self.nutrition, name)
        if not group and key in _ASSESSMENT_FIELDS:
            return getattr(self, key)
        return None

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Assessment:
        """An assessment from measure values by key (those not given are not recorded)."""
        own: dict[str, Any] = {"mrss": {}}
        nutrition: dict[str, Any] = {}
        other: dict[str, Any] = {}
        for key, value in values.items():
            group, _, name = key.rpartition(".")
            if group == "nutrition" and name in _NUTRITION_FIELDS:
                nutrition[name] = value
            elif not group and key in _ASSESSMENT_FIELDS:
                own[key] = value
            else:
                other[key] = value
        return cls(**own, nutrition=Nutrition(**nutrition), other_measures=other)

    def with_values(self, values: Mapping[str, Any]) -> Assessment:
        """A copy with these measures changed."""
        current = {
            **{k: getattr(self, k) for k in _ASSESSMENT_FIELDS},
            **{f"nutrition.{k}": getattr(self.nutrition, k) for k in _NUTRITION_FIELDS},
            **self.other_measures,
        }
        return Assessment.from_values({**current, **values})


_NUTRITION_FIELDS = frozenset(f.name for f in fields(Nutrition))
_ASSESSMENT_FIELDS = tuple(
    f.name for f in fields(Assessment) if f.name not in ("nutrition", "other_measures")
)


def empty_mrss(forms: Forms) -> dict[str, int | None]:
    return dict.fromkeys(forms.mrss.area_keys)


# ---------------------------------------------------------------- field checks


# Characters a typed record never holds (issue 14.11). Control characters break letters, the
# audit return's CSV and other systems' readers (a NUL ends a C string early); bidirectional
# embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069) make a name show as
# other than what is stored (U+202E turns the rest of the line around), so the wrong patient can
# look like the right one; a lone surrogate is not text at all and cannot be stored as UTF-8.
# A line (a name, an identifier, a label) refuses them all. Free text (notes, addresses,
# reasons) keeps tab, line feed and carriage return, which pasted paragraphs hold, and bidi
# controls, which right-to-left writing may hold (their effect ends with the paragraph).
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_SURROGATES = "\ud800-\udfff"
_REFUSED_IN_A_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI_CONTROLS}{_SURROGATES}]")
_REFUSED_IN_FREE_TEXT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_SURROGATES}]")
_LINE_ALLOWS = "a name or identifier is one line of letters, digits, spaces and punctuation"
_FREE_TEXT_ALLOWS = "free text may hold new lines and tabs, no other control character"


def text_problem(value: str, *, free_text: bool = False) -> str | None:
    """Why this text cannot be stored (its first refused character and where), or None."""
    found = (_REFUSED_IN_FREE_TEXT if free_text else _REFUSED_IN_A_LINE).search(value)
    if found is None:
        return None
    code = ord(found.group())
    where = f"U+{code:04X} (character {found.start() + 1})"
    if 0xD800 <= code <= 0xDFFF:
        return f"must be Unicode text; it holds a lone surrogate {where}"
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        return (
            f"must not contain the bidirectional control {where}: it makes text show in "
            f"another order than it is stored; {_LINE_ALLOWS}"
        )
    allows = _FREE_TEXT_ALLOWS if free_text else _LINE_ALLOWS
    return f"must not contain the control character {where}; {allows}"


def _text(
    errors: list[FieldError],
    name: str,
    value: str,
    *,
    required: bool = False,
    limit: int = TEXT_MAX,
    free_text: bool = False,
) -> None:
    """A line (a name, an identifier) unless `free_text`; see text_problem."""
    if not isinstance(value, str):
        errors.append(FieldError(name, f"must be text; got {value!r}"))
    elif required and not value.strip():
        errors.append(FieldError(name, "is required"))
    elif len(value) > limit:
        errors.append(FieldError(name, f"must be at most {limit} characters; got {len(value)}"))
    elif problem := text_problem(value, free_text=free_text):
        errors.append(FieldError(name, problem))


def _not_future(errors: list[FieldError], name: str, value: date | None, today: date) -> None:
    if value is not None and value > today:
        errors.append(FieldError(name, f"must not be in the future; got {value.isoformat()}"))


def _number(
    errors: list[FieldError],
    name: str,
    value: float | None,
    lo: float,
    hi: float,
    unit: str,
    *,
    required: bool = False,
) -> None:
    if value is None:
        if required:
            errors.append(FieldError(name, f"is required ({lo:g}-{hi:g} {unit})"))
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        errors.append(FieldError(name, f"must be a number {lo:g}-{hi:g} {unit}; got {value!r}"))
    elif not lo <= value <= hi:
        errors.append(FieldError(name, f"must be {lo:g}-{hi:g} {unit}; got {value:g}"))


def _whole(
    errors: list[FieldError], name: str, value: int | None, lo: int, hi: int, unit: str = ""
) -> None:
    if value is None:
        return
    suffix = f" {unit}" if unit else ""
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(FieldError(name, f"must be a whole number {lo}-{hi}{suffix}; got {value!r}"))
    elif not lo <= value <= hi:
        errors.append(FieldError(name, f"must be {lo}-{hi}{suffix}; got {value}"))


def validate_patient(p: Patient, forms: Forms, today: date) -> list[FieldError]:
    errors: list[FieldError] = []
    problem = nhs_number_problem(p.nhs_number)
    if problem:
        errors.append(FieldError("nhs_number", problem))
    elif p.nhs_number != normalise_nhs_number(p.nhs_number):
        errors.append(FieldError("nhs_number", "must be stored as 10 digits without spaces"))
    _text(errors, "family_name", p.family_name, required=True, limit=200)
    _text(errors, "given_names", p.given_names, required=True, limit=200)
    _text(errors, "hospital_number", p.hospital_number, limit=50)
    _text(errors, "address", p.address, limit=500, free_text=True)
    for part in ("name", "practice", "address"):
        value = getattr(p.gp, part)
        _text(errors, f"gp.{part}", value, limit=500, free_text=part == "address")
    for part in ("name", "address"):
        value = getattr(p.local_centre, part)
        _text(errors, f"local_centre.{part}", value, limit=500, free_text=part == "address")
    if p.sex not in SEXES:
        errors.append(FieldError("sex", f"must be one of {', '.join(SEXES)}; got {p.sex!r}"))
    _not_future(errors, "date_of_birth", p.date_of_birth, today)
    if p.date_of_birth.year < 1900:
        errors.append(FieldError("date_of_birth", "must be 1900 or later"))
    d = forms.dosing
    _number(errors, "height_cm", p.height_cm, float(d.height_cm_min), float(d.height_cm_max), "cm")
    return errors


def validate_eligibility(e: Eligibility, forms: Forms, today: date) -> list[FieldError]:
    errors: list[FieldError] = []
    keys = forms.eligibility.criterion_keys
    for key in e.criteria:
        if key not in keys:
            errors.append(FieldError(f"criteria.{key}", "is not a known criterion"))
    for key in keys:
        state = e.criteria.get(key)
        if state not in CRITERION_STATES:
            errors.append(
                FieldError(f"criteria.{key}", f"must be yes, no or unknown; got {state!r}")
            )
    for name in ("rheumatology_agreed", "dermatology_agreed"):
        agreement: SpecialtyAgreement | None = getattr(e, name)
        if agreement is not None:
            _text(errors, f"{name}.clinician", agreement.clinician, required=True, limit=200)
            _not_future(errors, f"{name}.date", agreement.date, today)
    _not_future(errors, "biopsy_date", e.biopsy_date, today)
    for i, item in enumerate(e.contraindications):
        _text(errors, f"contraindications[{i}]", item, required=True, limit=500)
    if e.contraindications and not e.contraindications_reviewed:
        errors.append(
            FieldError(
                "contraindications_reviewed", "must be true when contraindications are listed"
            )
        )
    _text(errors, "ig_database_reference", e.ig_database_reference, limit=100)
    statuses = [s.key for s in forms.eligibility.panel_statuses]
    if e.panel_approval is not None and e.panel_approval not in statuses:
        errors.append(
            FieldError(
                "panel_approval", f"must be one of {', '.join(statuses)}; got {e.panel_approval!r}"
            )
        )
    return errors


def validate_decision(d: Decision, forms: Forms, today: date) -> list[FieldError]:
    errors: list[FieldError] = []
    kinds = [c.key for c in forms.decisions]
    if d.decision not in kinds:
        errors.append(
            FieldError("decision", f"must be one of {', '.join(kinds)}; got {d.decision!r}")
        )
    _text(errors, "reason", d.reason, required=True, free_text=True)
    _not_future(errors, "date", d.date, today)
    for i, name in enumerate(d.clinicians):
        _text(errors, f"clinicians[{i}]", name, required=True, limit=200)
    if d.next_review is not None and d.next_review < d.date:
        errors.append(FieldError("next_review", "must be on or after the decision date"))
    flag_keys = [f.key for f in forms.response.flags]
    for i, key in enumerate(d.flags_at_decision):
        if key not in flag_keys:
            errors.append(FieldError(f"flags_at_decision[{i}]", f"is not a known flag: {key!r}"))
    for name in ("actions_gp", "actions_local_centre", "actions_patient"):
        _text(errors, name, getattr(d, name), free_text=True)
    if d.meeting_uid is not None:
        errors.extend(_meeting_problems(d, forms))
    return errors


def _meeting_problems(d: Decision, forms: Forms) -> list[FieldError]:
    """A decision taken in a meeting: its attendees have roles, and it is joint only when
    they make the quorum (forms/meeting.toml): never "joint" without it (hazard H71)."""
    from mdtapp.domain.meeting import quorum

    errors: list[FieldError] = []
    if not re.fullmatch(r"[0-9a-f]{32}", d.meeting_uid or ""):
        errors.append(FieldError("meeting.uid", f"must be a meeting's id; got {d.meeting_uid!r}"))
    roles = [r.key for r in forms.meeting.roles]
    for i, a in enumerate(d.present):
        _text(errors, f"meeting.present[{i}].name", a.name, required=True, limit=200)
        if a.role not in roles:
            errors.append(
                FieldError(
                    f"meeting.present[{i}].role",
                    f"must be one of {', '.join(roles)}; got {a.role!r}",
                )
            )
    if d.joint is None:
        errors.append(FieldError("meeting.joint", "is required: true or false"))
    elif d.joint and not quorum(d.present, forms.meeting).quorate:
        q = quorum(d.present, forms.meeting)
        errors.append(
            FieldError(
                "meeting.joint",
                "cannot be joint: the people present are not quorate ("
                + ", ".join(f"no {m.lower()}" for m in q.missing)
                + f"); {q.rule}",
            )
        )
    return errors


def validate_regimen(r: Regimen, forms: Forms) -> list[FieldError]:
    """The dose calculator's own rules (dosing.regimen_problems), with the interval required:
    a stored regimen states its interval."""
    from mdtapp.domain.dosing import regimen_problems  # here: dosing imports this module

    errors = regimen_problems(r, forms.dosing, interval_required=True)
    if r.override_reason:
        _text(errors, "override_reason", r.override_reason, free_text=True)
    return errors


def validate_infusion(i: Infusion, today: date) -> list[FieldError]:
    errors: list[FieldError] = []
    _not_future(errors, "date", i.date, today)
    _number(errors, "grams", i.grams, 0.5, 300, "g", required=True)
    _text(errors, "product", i.product, required=True, limit=200)
    # blood products must be traceable (policy; national Ig database)
    _text(errors, "batch", i.batch, required=True, limit=100)
    if i.route not in ROUTES:
        errors.append(FieldError("route", f"must be iv or sc; got {i.route!r}"))
    _text(errors, "reaction", i.reaction, free_text=True)
    return errors


def validate_admission(a: Admission, today: date) -> list[FieldError]:
    errors: list[FieldError] = []
    _not_future(errors, "admitted", a.admitted, today)
    _not_future(errors, "discharged", a.discharged, today)
    if a.discharged is not None and a.discharged < a.admitted:
        errors.append(FieldError("discharged", "must be on or after the admission date"))
    if not isinstance(a.related, bool):
        errors.append(FieldError("related", "must be true or false"))
    _text(errors, "notes", a.notes, free_text=True)
    return errors


def validate_assessment(a: Assessment, forms: Forms, today: date) -> list[FieldError]:
    """Every measure's checks, as forms/assessment.toml describes it."""
    from mdtapp.domain.measures import check_assessment

    return check_assessment(a, forms, today)
