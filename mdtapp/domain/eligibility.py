"""Eligibility under policy 2271: a checklist with each criterion's state and the verdict.

Inclusion (as amended after engagement): adult; diagnosis agreed by rheumatology and
dermatology; ANY three of the four Rongioletti & Rebora (2001) criteria; biopsy preferable, not
mandatory. Exclusion: any contraindication to human normal immunoglobulin. Starting: documented
decision, referral form, national Ig database registration, panel approval status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mdtapp.domain.dates import age_on, format_date
from mdtapp.domain.forms import EligibilityRules
from mdtapp.domain.model import Eligibility

MET, NOT_MET, UNKNOWN, WARNING = "met", "not_met", "unknown", "warning"


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    state: str  # met | not_met | unknown | warning
    detail: str


@dataclass(frozen=True)
class EligibilityResult:
    status: str  # eligible | incomplete | not_eligible
    criteria_met: int
    criteria_unknown: int
    items: tuple[ChecklistItem, ...]  # inclusion and exclusion
    starting: tuple[ChecklistItem, ...]  # starting requirements
    reasons: tuple[str, ...]  # why the verdict is what it is
    warnings: tuple[str, ...]

    @property
    def eligible(self) -> bool:
        return self.status == "eligible"

    @property
    def ready_to_start(self) -> bool:
        return self.eligible and all(i.state == MET for i in self.starting)

    @property
    def verdict(self) -> str:
        return {
            "eligible": "Eligible under policy 2271",
            "incomplete": "Not yet decided: information missing",
            "not_eligible": "Not eligible under policy 2271",
        }[self.status]


def assess_eligibility(
    e: Eligibility,
    *,
    date_of_birth: date,
    on: date,
    rules: EligibilityRules,
    start_decision: date | None = None,
) -> EligibilityResult:
    """`on` is the decision date (or today when no decision has been made)."""
    items: list[ChecklistItem] = []
    blockers: list[str] = []  # make the patient ineligible
    gaps: list[str] = []  # missing information that could still make them eligible
    warnings: list[str] = []

    age = age_on(date_of_birth, on)
    if age >= rules.adult_age_years:
        items.append(
            ChecklistItem(
                "adult",
                f"Adult ({rules.adult_age_years} or over)",
                MET,
                f"Aged {age} on {format_date(on)}",
            )
        )
    else:
        detail = (
            f"Aged {age} on {format_date(on)}: under {rules.adult_age_years}, treatment "
            f"falls under {rules.paediatric_policy}. Data entry continues."
        )
        items.append(
            ChecklistItem("adult", f"Adult ({rules.adult_age_years} or over)", NOT_MET, detail)
        )
        blockers.append(
            f"Under {rules.adult_age_years} on {format_date(on)} (policy 2271 is for adults)"
        )

    for key, specialty in (
        ("rheumatology_agreed", "Rheumatology"),
        ("dermatology_agreed", "Dermatology"),
    ):
        agreement = getattr(e, key)
        label = f"{specialty} agrees the diagnosis"
        if agreement is None:
            items.append(ChecklistItem(key, label, UNKNOWN, "Not yet recorded"))
            gaps.append(f"{specialty} agreement not recorded")
        else:
            items.append(
                ChecklistItem(
                    key, label, MET, f"{agreement.clinician}, {format_date(agreement.date)}"
                )
            )

    met = unknown = 0
    for criterion in rules.criteria:
        state = e.criteria.get(criterion.key, "unknown")
        if state == "yes" and criterion.needs_biopsy and e.biopsy_date is None:
            # without a biopsy the histology criterion cannot be met (domain.md section 1)
            unknown += 1
            items.append(
                ChecklistItem(
                    criterion.key,
                    criterion.label,
                    UNKNOWN,
                    "Marked yes, but no biopsy is recorded: record the biopsy "
                    "date for this criterion to count",
                )
            )
        elif state == "yes":
            met += 1
            detail = (
                f"Yes (biopsy {format_date(e.biopsy_date)})" if criterion.needs_biopsy else "Yes"
            )
            items.append(ChecklistItem(criterion.key, criterion.label, MET, detail))
        elif state == "no":
            items.append(ChecklistItem(criterion.key, criterion.label, NOT_MET, "No"))
        else:
            unknown += 1
            items.append(
                ChecklistItem(
                    criterion.key, criterion.label, UNKNOWN, "Unknown: does not count as met"
                )
            )
    need = rules.criteria_required
    total = len(rules.criteria)
    summary = f"{met} of {total} Rongioletti criteria met (any {need} required)"
    if met >= need:
        state = MET
    elif met + unknown >= need:
        state = UNKNOWN
        gaps.append(f"{summary}; {unknown} unknown")
    else:
        state = NOT_MET
        blockers.append(summary)
    items.append(
        ChecklistItem("rongioletti", f"Any {need} of {total} Rongioletti criteria", state, summary)
    )

    if e.biopsy_date is None:
        text = (
            "No biopsy recorded: preferable, not mandatory. Without it the histology criterion "
            f"cannot count, so the other {total - 1} must be met."
        )
        items.append(ChecklistItem("biopsy", "Biopsy (preferable)", WARNING, text))
        warnings.append(text)
    else:
        items.append(
            ChecklistItem(
                "biopsy", "Biopsy (preferable)", MET, f"Biopsy {format_date(e.biopsy_date)}"
            )
        )

    label = "No contraindication to immunoglobulin"
    if e.contraindications:
        listed = "; ".join(e.contraindications)
        items.append(ChecklistItem("contraindications", label, NOT_MET, listed))
        blockers.append(f"Contraindication: {listed}")
    elif e.contraindications_reviewed:
        items.append(ChecklistItem("contraindications", label, MET, "Reviewed: none"))
    else:
        items.append(ChecklistItem("contraindications", label, UNKNOWN, "Not yet reviewed"))
        gaps.append("Contraindications not yet reviewed")

    starting = _starting_items(e, rules, start_decision)
    if blockers:
        status, reasons = "not_eligible", blockers + gaps
    elif gaps:
        status, reasons = "incomplete", gaps
    else:
        status = "eligible"
        reasons = [f"{summary}; both specialties agree; no contraindication"]
    return EligibilityResult(
        status, met, unknown, tuple(items), starting, tuple(reasons), tuple(warnings)
    )


def _starting_items(
    e: Eligibility, rules: EligibilityRules, start_decision: date | None
) -> tuple[ChecklistItem, ...]:
    items = []
    if start_decision is None:
        items.append(
            ChecklistItem(
                "decision",
                "Documented MDT decision to start",
                UNKNOWN,
                "No start decision recorded",
            )
        )
    else:
        items.append(
            ChecklistItem(
                "decision",
                "Documented MDT decision to start",
                MET,
                f"Decision {format_date(start_decision)}",
            )
        )
    items.append(
        ChecklistItem(
            "referral_form",
            "Completed Ig referral form",
            MET if e.referral_form_completed else UNKNOWN,
            "Completed" if e.referral_form_completed else "Not recorded",
        )
    )
    ref = e.ig_database_reference.strip()
    items.append(
        ChecklistItem(
            "ig_database",
            "Registered on the national Ig database (prior approval)",
            MET if ref else UNKNOWN,
            f"Reference {ref}" if ref else "No reference recorded",
        )
    )
    labels = {s.key: s.label for s in rules.panel_statuses}
    panel = e.panel_approval
    if panel is None:
        items.append(ChecklistItem("panel", "Panel approval status", UNKNOWN, "Not recorded"))
    else:
        # pending is recorded, but is not yet an approval
        state = UNKNOWN if panel == "pending" else MET
        items.append(ChecklistItem("panel", "Panel approval status", state, labels[panel]))
    return tuple(items)
