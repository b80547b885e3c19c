"""A whole patient record, and the state a clinician opens it for.

`patient_state` is the one place the overview, the summary command, the letter and the reviews
dashboard get eligibility, response, flags, next review and the dose plan from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from mdtapp.domain.dosing import DosePlan, DoseRequest, plan_dose
from mdtapp.domain.eligibility import EligibilityResult, assess_eligibility
from mdtapp.domain.errors import ValidationError
from mdtapp.domain.forms import Forms
from mdtapp.domain.instruments import mrss_total
from mdtapp.domain.model import (
    Admission,
    Assessment,
    Decision,
    Eligibility,
    Infusion,
    Patient,
    Regimen,
)
from mdtapp.domain.response import Evaluation, evaluate
from mdtapp.domain.schedule import LatestDecision, ReviewStatus, review_status


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
        first = self.first_infusion
        if first is None:
            return None
        return next((a for a in reversed(self.assessments) if a.date <= first), None)


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
    evaluation = None
    if record.assessments:
        evaluation = evaluate(
            record.assessments, first_infusion=record.first_infusion, forms=forms, at=at
        )
    latest = record.latest_decision
    review = review_status(
        first_infusion=record.first_infusion,
        assessment_dates=[a.date for a in record.assessments],
        latest_decision=LatestDecision(latest.date, latest.next_review) if latest else None,
        today=today,
        rules=forms.schedule,
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
        total = mrss_total(latest.mrss, forms.mrss)
        out["latest_assessment"] = {
            "date": latest.date.isoformat(),
            "examiner": latest.examiner,
            "mrss_total": total.total if total.any_assessed else None,
            "mrss_areas_assessed": total.areas_assessed,
            "mrss_text": total.text,
            "itch_vas_mm": latest.itch_vas_mm,
            "patient_global_vas_mm": latest.patient_global_vas_mm,
            "physician_global_vas_mm": latest.physician_global_vas_mm,
            "papule_count": latest.papules.count if latest.papules else None,
            "papule_site": latest.papules.site if latest.papules else None,
        }
    if state.evaluation is not None:
        ev = state.evaluation
        out["baseline_date"] = ev.baseline_date.isoformat() if ev.baseline_date else None
        out["response"] = ev.response
        out["response_evidence"] = [x.text for x in ev.response_evidence]
        out["flags"] = [f.to_json() for f in ev.raised]
        out["notes"] = list(ev.notes)
    return out
