"""A whole patient record, and the state a clinician opens it for.

`patient_state` is the one place the overview, the summary command, the letter and the reviews
dashboard get eligibility, response, flags, next review and the dose plan from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from mdtapp.domain.dosing import DosePlan, DoseRequest, plan_dose
from mdtapp.domain.eligibility import EligibilityResult, assess_eligibility
from mdtapp.domain.errors import ValidationError
from mdtapp.domain.forms import Forms
from mdtapp.domain.instruments import mrss_total
from mdtapp.domain.measures import (
    CountAtSiteMeasure,
    DateMeasure,
    Measure,
    MrssGridMeasure,
    TextMeasure,
    VasMeasure,
)
from mdtapp.domain.model import (
    Admission,
    Assessment,
    Decision,
    Eligibility,
    Infusion,
    Patient,
    Regimen,
)
from mdtapp.domain.response import Evaluation, baseline_of, evaluate
from mdtapp.domain.schedule import ReviewStatus, ScheduleDecision, review_status


@dataclass(frozen=True)
class PatientRecord:
    patient: Patient
    eligibility: Eligibility | None = None
    decisions: tuple[Decision, ...] = ()
    regimens: tuple[Regimen, ...] = ()
    infusions: tuple[Infusion, ...] = ()
    assessments: tuple[Assessment, ...] = ()
    admissions: tuple[Admission, ...] = ()

    def __post_init__(self) -> None:
        # one order everywhere: by date
        object.__setattr__(self, "decisions", tuple(sorted(self.decisions, key=lambda d: d.date)))
        object.__setattr__(
            self, "regimens", tuple(sorted(self.regimens, key=lambda r: r.from_date))
        )
        object.__setattr__(self, "infusions", tuple(sorted(self.infusions, key=lambda i: i.date)))
        object.__setattr__(
            self, "assessments", tuple(sorted(self.assessments, key=lambda a: a.date))
        )
        object.__setattr__(
            self, "admissions", tuple(sorted(self.admissions, key=lambda a: a.admitted))
        )

    @property
    def first_infusion(self) -> date | None:
        return self.infusions[0].date if self.infusions else None

    @property
    def latest_decision(self) -> Decision | None:
        return self.decisions[-1] if self.decisions else None

    @property
    def start_decision(self) -> Decision | None:
        return next((d for d in self.decisions if d.decision == "start"), None)

    def regimen_on(self, on: date | None = None) -> Regimen | None:
        """The regimen in force on a date (default: the latest)."""
        candidates = [r for r in self.regimens if on is None or r.from_date <= on]
        return candidates[-1] if candidates else None

    def assessment_on(self, on: date) -> Assessment | None:
        return next((a for a in self.assessments if a.date == on), None)

    @property
    def baseline(self) -> Assessment | None:
        """The latest assessment dated on or before the first infusion (domain.md section 5)."""
        return baseline_of(self.assessments, self.first_infusion)


@dataclass(frozen=True)
class PatientState:
    eligibility: EligibilityResult | None
    evaluation: Evaluation | None  # of the assessment asked for (default: latest)
    review: ReviewStatus
    dose_plan: DosePlan | None
    dose_problem: str  # why there is no dose plan, when a regimen exists but cannot be planned
    regimen: Regimen | None


def dose_request(patient: Patient, regimen: Regimen) -> DoseRequest:
    return DoseRequest(
        sex=patient.sex,
        height_cm=patient.height_cm,  # type: ignore[arg-type]  # checked by plan_dose
        weight_kg=regimen.weight_kg,
        g_per_kg=regimen.g_per_kg,
        days=regimen.days if regimen.route == "iv" else None,
        route=regimen.route,
        interval_weeks=regimen.interval_weeks,
        vial_step_g=regimen.vial_step_g,
        ibw_basis=regimen.ibw_basis,
        override_weight_kg=regimen.dosing_weight_override_kg,
        override_reason=regimen.override_reason,
        sc_doses_per_period=regimen.sc_doses_per_period,
    )


def _review(
    infusion_dates: Sequence[date],
    assessment_dates: Sequence[date],
    decisions: Sequence[Decision],
    today: date,
    forms: Forms,
) -> ReviewStatus:
    return review_status(
        infusion_dates=infusion_dates,
        assessment_dates=assessment_dates,
        decisions=[ScheduleDecision(d.date, d.decision, d.next_review) for d in decisions],
        today=today,
        rules=forms.schedule,
    )


def review_of(
    record: PatientRecord, *, today: date, forms: Forms, as_known_on: date | None = None
) -> ReviewStatus:
    """The review schedule on `today`; with `as_known_on`, from only what was recorded up to
    that day (a reprinted letter's plan as it stood, not what was decided later)."""

    def known(day: date) -> bool:
        return as_known_on is None or day <= as_known_on

    return _review(
        [i.date for i in record.infusions if known(i.date)],
        [a.date for a in record.assessments if known(a.date)],
        [d for d in record.decisions if known(d.date)],
        today,
        forms,
    )


def flags_and_review(
    *,
    assessments: Sequence[Assessment],
    infusion_dates: Sequence[date],
    decisions: Sequence[Decision],
    today: date,
    forms: Forms,
    at: date | None = None,
) -> tuple[Evaluation | None, ReviewStatus]:
    """The response and flags of the assessment dated `at` (default: the latest) and the next
    review: what the patient list shows. Needs only the infusions' dates (the summary cache
    reads those without decoding each infusion)."""
    evaluation = None
    if assessments:
        first_infusion = min(infusion_dates) if infusion_dates else None
        evaluation = evaluate(assessments, first_infusion=first_infusion, forms=forms, at=at)
    review = _review(infusion_dates, [a.date for a in assessments], decisions, today, forms)
    return evaluation, review


def patient_state(
    record: PatientRecord, *, today: date, forms: Forms, at: date | None = None
) -> PatientState:
    eligibility = None
    if record.eligibility is not None:
        start = record.start_decision
        on = start.date if start else today
        eligibility = assess_eligibility(
            record.eligibility,
            date_of_birth=record.patient.date_of_birth,
            on=on,
            rules=forms.eligibility,
            start_decision=start.date if start else None,
        )
    evaluation, review = flags_and_review(
        assessments=record.assessments,
        infusion_dates=[i.date for i in record.infusions],
        decisions=record.decisions,
        today=today,
        forms=forms,
        at=at,
    )
    regimen = record.regimen_on(at) if at else record.regimen_on()
    plan, problem = None, ""
    if regimen is not None:
        if record.patient.height_cm is None:
            problem = "No height recorded: the dose plan needs the patient's height"
        else:
            try:
                plan = plan_dose(dose_request(record.patient, regimen), forms.dosing)
            except ValidationError as e:
                problem = f"The current regimen cannot be planned: {e}"
    return PatientState(eligibility, evaluation, review, plan, problem, regimen)


def summary_json(
    record: PatientRecord, state: PatientState, *, today: date, forms: Forms
) -> dict[str, Any]:
    """The state a clinician opens the record for, as `mdtapp summary --json` prints it."""
    latest = record.assessments[-1] if record.assessments else None
    out: dict[str, Any] = {
        "nhs_number": record.patient.nhs_number,
        "name": record.patient.full_name,
        "date_of_birth": record.patient.date_of_birth.isoformat(),
        "eligibility": None,
        "latest_assessment": None,
        "baseline_date": None,
        "first_infusion": record.first_infusion.isoformat() if record.first_infusion else None,
        "response": None,
        "flags": [],
        "next_review_due": state.review.next_due.isoformat() if state.review.next_due else None,
        "next_review_reason": state.review.reason,
        "overdue": state.review.overdue,
        "treatment_stopped_on": state.review.stopped_on.isoformat()
        if state.review.stopped_on
        else None,
        "dose_plan": state.dose_plan.to_json() if state.dose_plan else None,
        "dose_problem": state.dose_problem or None,
        "as_of": today.isoformat(),
        "forms_version": forms.version,
    }
    if state.eligibility is not None:
        e = state.eligibility
        out["eligibility"] = {
            "eligible": e.eligible,
            "status": e.status,
            "criteria_met": e.criteria_met,
            "reasons": list(e.reasons),
            "warnings": list(e.warnings),
            "ready_to_start": e.ready_to_start,
        }
    if latest is not None:
        out["latest_assessment"] = {
            name: value
            for m in forms.assessment.shown_in("summary")
            for name, value in summary_values(m, latest, forms).items()
        }
    if state.evaluation is not None:
        ev = state.evaluation
        out["baseline_date"] = ev.baseline_date.isoformat() if ev.baseline_date else None
        out["response"] = ev.response
        out["response_evidence"] = [x.text for x in ev.response_evidence]
        out["flags"] = [f.to_json() for f in ev.raised]
        out["flags_not_yet_assessable"] = [f.key for f in ev.not_yet_assessable]
        out["notes"] = list(ev.notes)
    return out


def summary_values(m: Measure, a: Assessment, forms: Forms) -> dict[str, Any]:
    """A measure's fields in `latest_assessment` of `mdtapp summary --json` (one rule per
    type; docs/format.md lists them for the forms in use)."""
    if isinstance(m, DateMeasure):
        day = m.day(a)
        return {m.key: day.isoformat() if day else None}
    if isinstance(m, TextMeasure):
        return {m.key: m.text(a)}
    if isinstance(m, MrssGridMeasure):
        total = mrss_total(m.scores(a), forms.mrss)
        return {
            f"{m.key}_total": total.total if total.any_assessed else None,
            f"{m.key}_areas_assessed": total.areas_assessed,
            f"{m.key}_text": total.text,
        }
    if isinstance(m, VasMeasure):
        return {m.key: m.mm(a)}
    if isinstance(m, CountAtSiteMeasure):
        count = m.count(a)
        return {
            f"{m.summary_name}_count": count.count if count else None,
            f"{m.summary_name}_site": count.site if count else None,
        }
    value = m.value(a)
    return {m.key: value if isinstance(value, (bool, int, float, str)) else None}


SUMMARY_FIELDS: tuple[tuple[str, str], ...] = (
    ("nhs_number", "10 digits, no spaces"),
    ("name", "given names then family name"),
    ("date_of_birth", "YYYY-MM-DD"),
    (
        "eligibility",
        "null when not recorded; else `eligible` (true/false), `status` (eligible, "
        "incomplete or not_eligible), `criteria_met` (how many Rongioletti criteria are "
        "met), `reasons` and `warnings` (sentences), `ready_to_start` (true when the "
        "starting requirements are recorded too)",
    ),
    (
        "latest_assessment",
        "null with no assessment; else the latest assessment's measures shown in summaries "
        "(the rows below)",
    ),
    ("baseline_date", "the latest assessment dated on or before the first infusion, or null"),
    ("first_infusion", "the first infusion's date, or null"),
    (
        "response",
        "true (a response criterion met against baseline), false (none met), or null (before "
        "treatment, no baseline, nothing comparable, or not yet assessable)",
    ),
    (
        "response_evidence",
        "the response criteria met, as sentences naming the numbers and the baseline's date",
    ),
    (
        "flags",
        "the stopping criteria met at the latest assessment: each `{flag, label, evidence, "
        "numbers, notes}`; `flag` is one of the four keys of forms/response.toml; `evidence` the "
        "sentences; `numbers` one object per sentence: `measure`, `text`, `before`, `after`, "
        "`change` (points, mm or per cent), `threshold`, `versus` (baseline or previous), "
        "`versus_date` (the assessment compared with: per measure, the most recent earlier one "
        "that recorded it), `note` (e.g. the examiners differ) or null",
    ),
    (
        "flags_not_yet_assessable",
        "the keys of the stopping criteria with nothing recorded to judge them on at the latest "
        "assessment (an empty form): neither met nor not met",
    ),
    ("notes", "what could not be compared, and why"),
    ("next_review_due", "YYYY-MM-DD or null"),
    ("next_review_reason", "why that review is due (or why none is)"),
    ("overdue", "true when the next review is in the past"),
    (
        "treatment_stopped_on",
        "YYYY-MM-DD of the stop decision that ended the review schedule (nothing is then due "
        "or overdue), or null; a later start decision reopens it",
    ),
    ("dose_plan", "the current regimen's dose plan, as `mdtapp dose --json` prints it, or null"),
    ("dose_problem", "why there is no dose plan although a regimen exists, or null"),
    ("as_of", "the date the summary was computed (YYYY-MM-DD)"),
    ("forms_version", "the forms/ rules in use (forms/index.toml)"),
)


def summary_field_table(forms: Forms) -> str:
    """docs/format.md's table of `mdtapp summary --json`, with the measures of these forms."""
    rows = ["| field | meaning |", "|---|---|"]
    for name, meaning in SUMMARY_FIELDS:
        rows.append(f"| `{name}` | {meaning} |")
        if name != "latest_assessment":
            continue
        for m in forms.assessment.shown_in("summary"):
            for field_name, what in _summary_meanings(m, forms):
                rows.append(f"| `latest_assessment.{field_name}` | {what} |")
    return "\n".join(rows)


def _summary_meanings(m: Measure, forms: Forms) -> list[tuple[str, str]]:
    if isinstance(m, MrssGridMeasure):
        return [
            (f"{m.key}_total", f"{forms.mrss.short_title} total over the areas assessed, or null"),
            (f"{m.key}_areas_assessed", f"how many of the {len(forms.mrss.areas)} areas"),
            (f"{m.key}_text", 'the total as shown: "38 / 57 — 1 area not assessed"'),
        ]
    if isinstance(m, VasMeasure):
        return [(m.key, f"{m.label}, whole mm {forms.vas.min_mm}-{forms.vas.max_mm}, or null")]
    if isinstance(m, CountAtSiteMeasure):
        return [
            (f"{m.summary_name}_count", f"{m.question}, or null when not counted"),
            (f"{m.summary_name}_site", f"{m.site_label.lower()} of the count, or null"),
        ]
    if isinstance(m, DateMeasure):
        return [(m.key, "YYYY-MM-DD")]
    return [(m.key, m.label)]
