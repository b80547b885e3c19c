"""The yearly audit return (policy 2271 "Audit requirements"): per patient per calendar year,
dose, route and frequency, courses and grams given, systemic involvement, progression to
dermatoneuro syndrome, and hospital admissions related to scleromyxedema.

One pure function computes a row from the minimum it needs, so that the fast database path
(which reads only those fields) and a whole in-memory record give the same answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from mdtapp.domain.courses import course_starts
from mdtapp.domain.dosing import plan_dose
from mdtapp.domain.errors import ValidationError
from mdtapp.domain.forms import Forms
from mdtapp.domain.model import Patient, Regimen
from mdtapp.domain.numbers import exact, plain
from mdtapp.domain.record import PatientRecord, dose_request

COLUMNS = (
    "nhs_number",
    "hospital_number",
    "year",
    "route",
    "g_per_kg",
    "course_total_g",
    "interval_weeks",
    "courses_in_year",
    "total_grams_in_year",
    "systemic_involvement",
    "dermatoneuro_syndrome",
    "related_admissions",
)


@dataclass(frozen=True)
class Seen:
    """One assessment, as the audit needs it."""

    date: date
    any_organ_involved: bool
    dermatoneuro_syndrome: bool


@dataclass(frozen=True)
class AuditInputs:
    patient: Patient
    regimens: tuple[Regimen, ...]
    # the year's infusion dates and at least the last one before the year (whether the year's
    # first infusion starts a course depends only on the infusion before it)
    infusion_dates: tuple[date, ...]
    # how many infusions of each (grams, route) were given in the year: the audit needs only
    # their total and routes, and a year of thousands of patients has few distinct doses
    doses_in_year: Mapping[tuple[float, str], int]
    assessments_in_year: tuple[Seen, ...]
    related_admissions_in_year: int


@dataclass(frozen=True)
class AuditRow:
    nhs_number: str
    hospital_number: str
    year: int
    route: str
    g_per_kg: str
    course_total_g: str
    interval_weeks: str
    courses_in_year: int
    total_grams_in_year: str
    systemic_involvement: str
    dermatoneuro_syndrome: str
    related_admissions: int

    def values(self) -> list[str | int]:
        return [getattr(self, c) for c in COLUMNS]


def _yes_no_blank(seen: tuple[Seen, ...], attr: str) -> str:
    if not seen:
        return ""  # no assessment in the year: not known, never "no"
    return "yes" if any(getattr(s, attr) for s in seen) else "no"


def _total_grams(doses: Mapping[tuple[float, str], int]) -> Fraction:
    """Exact, with one conversion per distinct dose."""
    return sum((exact(grams) * count for (grams, _), count in doses.items()), Fraction(0))


def audit_row(inputs: AuditInputs, year: int, forms: Forms) -> AuditRow | None:
    """The patient's row for `year`, or None when nothing was given or assessed that year."""
    doses, seen = {d: n for d, n in inputs.doses_in_year.items() if n}, inputs.assessments_in_year
    if not doses and not seen:
        return None
    year_end = date(year, 12, 31)
    routes = sorted({route for _, route in doses})  # iv before sc
    if doses:
        last = max(d for d in inputs.infusion_dates if d.year == year)
        in_force = [r for r in inputs.regimens if r.from_date <= last]
    else:
        in_force = [r for r in inputs.regimens if r.from_date <= year_end]
    regimen = max(in_force, key=lambda r: r.from_date) if in_force else None
    g_per_kg = course_total = interval = ""
    if regimen is not None:
        g_per_kg = plain(regimen.g_per_kg)
        interval = str(regimen.interval_weeks)
        if inputs.patient.height_cm is not None:
            try:
                plan = plan_dose(
                    dose_request(inputs.patient, regimen), forms.dosing, explain=False
                )  # the return carries numbers, not the working
            except ValidationError:
                plan = None  # the regimen cannot be planned: left blank, never guessed
            if plan is not None:
                # SC: the total per 4 weeks, and the interval between doses (weekly = 1)
                course_total = plain(plan.course_total_g)
                interval = str(plan.interval_weeks)
    # a course counts in the year of its first infusion (29-Dec to 2-Jan counts in December's)
    courses = sum(1 for start in course_starts(inputs.infusion_dates) if start.year == year)
    return AuditRow(
        nhs_number=inputs.patient.nhs_number,
        hospital_number=inputs.patient.hospital_number,
        year=year,
        route="+".join(routes),
        g_per_kg=g_per_kg,
        course_total_g=course_total,
        interval_weeks=interval,
        courses_in_year=courses,
        total_grams_in_year=plain(_total_grams(doses)),
        systemic_involvement=_yes_no_blank(seen, "any_organ_involved"),
        dermatoneuro_syndrome=_yes_no_blank(seen, "dermatoneuro_syndrome"),
        related_admissions=inputs.related_admissions_in_year,
    )


def inputs_from_record(record: PatientRecord, year: int) -> AuditInputs:
    """The audit inputs from a whole record (tests, and a single patient's view)."""

    def in_year(d: date) -> bool:
        return d.year == year

    return AuditInputs(
        patient=record.patient,
        regimens=record.regimens,
        infusion_dates=tuple(i.date for i in record.infusions if i.date <= date(year, 12, 31)),
        doses_in_year=Counter((i.grams, i.route) for i in record.infusions if in_year(i.date)),
        assessments_in_year=tuple(
            Seen(
                a.date, any(s.involved for s in a.systemic.values()), bool(a.dermatoneuro_syndrome)
            )
            for a in record.assessments
            if in_year(a.date)
        ),
        related_admissions_in_year=sum(
            1 for a in record.admissions if a.related and in_year(a.admitted)
        ),
    )


@dataclass(frozen=True)
class YearSummary:
    year: int
    patients: int
    courses: int
    grams: str
    related_admissions: int

    @property
    def text(self) -> str:
        return (
            f"{self.year}: {self.patients} patient(s), {self.courses} course(s), "
            f"{self.grams} g of immunoglobulin, {self.related_admissions} related hospital "
            f"admission(s)"
        )


def summarise(rows: list[AuditRow], year: int) -> YearSummary:
    grams = sum((exact(r.total_grams_in_year) for r in rows), Fraction(0))
    return YearSummary(
        year,
        len(rows),
        sum(r.courses_in_year for r in rows),
        plain(grams),
        sum(r.related_admissions for r in rows),
    )
