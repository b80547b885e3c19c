"""The yearly audit return (policy 2271 "Audit requirements", domain.md section 6): per patient
per calendar year, one row per regimen in force during the year, with the dates it applied
within the year, its dose (g/kg and course total), route and interval, the IV courses and SC
doses given under it and their grams; and the patient's systemic involvement, progression to
dermatoneuro syndrome and hospital admissions related to scleromyxedema in the year.

Each infusion belongs to the regimen in force on its date: the latest regimen starting on or
before it, unless a stop decision had ended treatment then (domain.md section 3). One pure
function computes a patient's rows from the minimum it needs, so that the fast database path
(which reads only those fields) and a whole in-memory record give the same answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from mdtapp.domain.courses import SAME_COURSE_WITHIN_DAYS, course_starts
from mdtapp.domain.dosing import plan_dose
from mdtapp.domain.errors import ValidationError
from mdtapp.domain.forms import Forms
from mdtapp.domain.model import Patient, Regimen
from mdtapp.domain.numbers import exact, plain
from mdtapp.domain.record import PatientRecord, dose_request
from mdtapp.domain.schedule import ScheduleDecision, Stop, stopped_on, stops

# Whether the year's first IV infusion begins a course depends only on IV infusions this many
# days before the year (a gap of 7 days or more begins a new course).
LOOK_BACK_DAYS = SAME_COURSE_WITHIN_DAYS - 1


@dataclass(frozen=True)
class Column:
    key: str  # the CSV's machine key: stable while it means the same
    heading: str  # as the app's preview shows it
    meaning: str  # docs/outputs.md


PATIENT_WIDE = "the patient's, for the whole year: the same on each of the patient's rows"
COLUMN_TABLE = (
    Column("nhs_number", "NHS number", "10 digits, no spaces"),
    Column("hospital_number", "Hospital number", "the hospital number, or empty"),
    Column("year", "Year", "the calendar year of the return"),
    Column(
        "regimen_from",
        "Regimen from",
        "YYYY-MM-DD: the date the regimen took effect (it may be before the year); empty on the "
        "row of what was given while no regimen was in force (before the first regimen, or "
        "while treatment was stopped), or of a patient assessed in the year with none in force",
    ),
    Column(
        "applied_from",
        "Applied from",
        "YYYY-MM-DD: the first day of the year the regimen was in force; empty when no regimen",
    ),
    Column(
        "applied_to",
        "Applied to",
        "YYYY-MM-DD: the last day of the year it was in force (the day before the next "
        "regimen took effect, or before a stop decision, or 31 December); empty when no regimen",
    ),
    Column("route", "Route", "the regimen's route: iv or sc; empty when no regimen"),
    Column(
        "g_per_kg", "g/kg", "the regimen's dose in g per kg of dosing weight; empty when no regimen"
    ),
    Column(
        "course_total_g",
        "Course total (g)",
        "from the dose plan (the app's own calculation): IV, grams per course; SC, grams per "
        "4 weeks (the policy's IV-equivalent total); empty when the regimen cannot be planned "
        "(no height recorded, or outside the calculator's limits)",
    ),
    Column(
        "interval_weeks",
        "Interval (weeks)",
        "IV: weeks between courses, as the regimen states; SC: weeks between doses, from the "
        "dose plan (weekly = 1), empty when the plan cannot be made",
    ),
    Column(
        "iv_courses_in_year",
        "IV courses",
        "IV courses begun in the year under this regimen: IV infusions less than 7 days apart "
        "are one course, counted once, in the year and under the regimen of its first infusion "
        "(29 Dec to 2 Jan counts in December's year)",
    ),
    Column(
        "sc_doses_in_year",
        "SC doses",
        "SC infusions given in the year under this regimen, each one dose (never counted as "
        "courses)",
    ),
    Column(
        "total_grams_in_year",
        "Grams given",
        "grams given in the year under this regimen (IV and SC), by infusion date: a course "
        "over New Year has its grams in each year; the patient's rows add up to all that was "
        "given in the year",
    ),
    Column(
        "systemic_involvement",
        "Systemic involvement",
        f"yes when an assessment in the year recorded any organ involved, no when none did, "
        f"empty when not assessed in the year ({PATIENT_WIDE})",
    ),
    Column(
        "dermatoneuro_syndrome",
        "Dermatoneuro syndrome",
        f"yes when an assessment in the year recorded dermatoneuro syndrome, no when none did, "
        f"empty when not assessed in the year ({PATIENT_WIDE})",
    ),
    Column(
        "related_admissions",
        "Related admissions",
        f"hospital admissions related to scleromyxedema that began in the year ({PATIENT_WIDE}; "
        f"count them once per patient)",
    ),
)
COLUMNS = tuple(c.key for c in COLUMN_TABLE)


def column_doc_table() -> str:
    """docs/outputs.md's table of the CSV's columns (a test fails when it is stale)."""
    rows = ["| column (machine key) | heading in the app | meaning |", "|---|---|---|"]
    rows += [f"| `{c.key}` | {c.heading} | {c.meaning} |" for c in COLUMN_TABLE]
    return "\n".join(rows)


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
    stops: tuple[Stop, ...]  # from the MDT decisions up to the end of the year
    # the dates each dose (grams, route) was given in the year: a year of thousands of patients
    # has few distinct doses
    given: Mapping[tuple[float, str], Sequence[date]]
    # IV infusions in the LOOK_BACK_DAYS before the year: whether the year's first IV
    # infusion begins a course depends only on these
    iv_dates_before: tuple[date, ...]
    assessments_in_year: tuple[Seen, ...]
    related_admissions_in_year: int


@dataclass(frozen=True)
class AuditRow:
    nhs_number: str
    hospital_number: str
    year: int
    regimen_from: str
    applied_from: str
    applied_to: str
    route: str
    g_per_kg: str
    course_total_g: str
    interval_weeks: str
    iv_courses_in_year: int
    sc_doses_in_year: int
    total_grams_in_year: str
    systemic_involvement: str
    dermatoneuro_syndrome: str
    related_admissions: int

    def values(self) -> list[str | int]:
        return [getattr(self, c) for c in COLUMNS]


@dataclass(frozen=True)
class Period:
    """A run of days with one regimen in force (None: none in force)."""

    regimen: Regimen | None
    start: date
    end: date


def regimen_periods(
    regimens: Sequence[Regimen], treatment_stops: Sequence[Stop], first: date, last: date
) -> list[Period]:
    """The regimen in force on each day from `first` to `last`, as runs of days: the latest
    regimen taking effect on or before the day, unless treatment was stopped that day."""
    ordered = sorted(regimens, key=lambda r: r.from_date)  # stable: the later record wins

    def in_force(day: date) -> Regimen | None:
        if stopped_on(day, treatment_stops) is not None:
            return None
        found = None
        for r in ordered:
            if r.from_date > day:
                break
            found = r
        return found

    changes = {first}
    changes.update(r.from_date for r in ordered if first < r.from_date <= last)
    for s in treatment_stops:
        changes.update(d for d in (s.on, s.restarted) if d is not None and first < d <= last)
    starts = sorted(changes)
    periods: list[Period] = []
    for i, start in enumerate(starts):
        end = starts[i + 1] - timedelta(days=1) if i + 1 < len(starts) else last
        regimen = in_force(start)
        if periods and periods[-1].regimen is regimen:
            periods[-1] = Period(regimen, periods[-1].start, end)
        else:
            periods.append(Period(regimen, start, end))
    return periods


def _yes_no_blank(seen: tuple[Seen, ...], attr: str) -> str:
    if not seen:
        return ""  # no assessment in the year: not known, never "no"
    return "yes" if any(getattr(s, attr) for s in seen) else "no"


def _regimen_columns(patient: Patient, regimen: Regimen, forms: Forms) -> tuple[str, str, str, str]:
    """route, g/kg, course total and interval, as the dose plan gives them."""
    course_total = ""
    interval = str(regimen.interval_weeks) if regimen.route == "iv" else ""
    if patient.height_cm is not None:
        try:
            plan = plan_dose(
                dose_request(patient, regimen), forms.dosing, explain=False
            )  # the return carries numbers, not the working
        except ValidationError:
            plan = None  # the regimen cannot be planned: left blank, never guessed
        if plan is not None:
            # SC: the total per 4 weeks, and the interval between doses (weekly = 1)
            course_total = plain(plan.course_total_g)
            interval = str(plan.interval_weeks)
    return regimen.route, plain(regimen.g_per_kg), course_total, interval


def patient_rows(inputs: AuditInputs, year: int, forms: Forms) -> list[AuditRow]:
    """The patient's rows for `year`: one per regimen in force during the year (a regimen
    resumed after a stop has one per stretch), and one for what was given with no regimen in
    force; none when nothing was given or assessed that year."""
    given = {dose: dates for dose, dates in inputs.given.items() if dates}
    seen = inputs.assessments_in_year
    if not given and not seen:
        return []
    first, last = date(year, 1, 1), date(year, 12, 31)
    periods = regimen_periods(inputs.regimens, inputs.stops, first, last)
    starts = [p.start for p in periods]

    def period_of(day: date) -> int:
        # the last period starting on or before the day (periods tile the year)
        lo, hi = 0, len(starts)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if starts[mid] <= day:
                lo = mid
            else:
                hi = mid
        return lo

    # each infusion to the period of its date; each IV course to the period of its first day
    doses: list[Counter[tuple[float, str]]] = [Counter() for _ in periods]
    iv_dates: list[date] = list(inputs.iv_dates_before)
    for (grams, route), dates in given.items():
        if route == "iv":
            iv_dates.extend(dates)
        if len(periods) == 1:
            doses[0][grams, route] += len(dates)
        else:
            for day in dates:
                doses[period_of(day)][grams, route] += 1
    courses = Counter(period_of(s) for s in course_starts(iv_dates) if s >= first)

    patient = inputs.patient

    def row(period: Period | None, picked: list[int]) -> AuditRow:
        regimen = period.regimen if period is not None else None
        route = g_per_kg = course_total = interval = ""
        if regimen is not None:
            route, g_per_kg, course_total, interval = _regimen_columns(patient, regimen, forms)
        grams = sum((exact(g) * n for i in picked for (g, _), n in doses[i].items()), Fraction(0))
        return AuditRow(
            nhs_number=patient.nhs_number,
            hospital_number=patient.hospital_number,
            year=year,
            regimen_from=regimen.from_date.isoformat() if regimen else "",
            applied_from=period.start.isoformat() if period else "",
            applied_to=period.end.isoformat() if period else "",
            route=route,
            g_per_kg=g_per_kg,
            course_total_g=course_total,
            interval_weeks=interval,
            iv_courses_in_year=sum(courses[i] for i in picked),
            sc_doses_in_year=sum(
                n for i in picked for (_, how), n in doses[i].items() if how == "sc"
            ),
            total_grams_in_year=plain(grams),
            systemic_involvement=_yes_no_blank(seen, "any_organ_involved"),
            dermatoneuro_syndrome=_yes_no_blank(seen, "dermatoneuro_syndrome"),
            related_admissions=inputs.related_admissions_in_year,
        )

    rows = [row(p, [i]) for i, p in enumerate(periods) if p.regimen is not None]
    outside = [i for i, p in enumerate(periods) if p.regimen is None]
    if not rows or any(doses[i] or courses[i] for i in outside):
        rows.append(row(None, outside))
    return rows


def inputs_from_record(record: PatientRecord, year: int) -> AuditInputs:
    """The audit inputs from a whole record (tests, and a single patient's view)."""

    def in_year(d: date) -> bool:
        return d.year == year

    first, last = date(year, 1, 1), date(year, 12, 31)
    given: dict[tuple[float, str], list[date]] = {}
    for i in record.infusions:
        if in_year(i.date):
            given.setdefault((i.grams, i.route), []).append(i.date)
    return AuditInputs(
        patient=record.patient,
        regimens=record.regimens,
        stops=stops(
            ScheduleDecision(d.date, d.decision) for d in record.decisions if d.date <= last
        ),
        given=given,
        iv_dates_before=tuple(
            i.date
            for i in record.infusions
            if i.route == "iv" and first - timedelta(days=LOOK_BACK_DAYS) <= i.date < first
        ),
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
    rows: int
    iv_courses: int
    sc_doses: int
    grams: str
    related_admissions: int

    @property
    def text(self) -> str:
        return (
            f"{self.year}: {self.patients} patient(s) on {self.rows} row(s), "
            f"{self.iv_courses} IV course(s), {self.sc_doses} SC dose(s), {self.grams} g of "
            f"immunoglobulin, {self.related_admissions} related hospital admission(s)"
        )


def summarise(rows: list[AuditRow], year: int) -> YearSummary:
    grams = sum((exact(r.total_grams_in_year) for r in rows), Fraction(0))
    # the patient-wide columns repeat on each of a patient's rows: counted once per patient
    admissions = {r.nhs_number: r.related_admissions for r in rows}
    return YearSummary(
        year,
        len(admissions),
        len(rows),
        sum(r.iv_courses_in_year for r in rows),
        sum(r.sc_doses_in_year for r in rows),
        plain(grams),
        sum(admissions.values()),
    )
