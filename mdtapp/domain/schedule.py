"""Review schedule: policy 2271 "Monitoring".

Specialist MDT assessment at 3, 6 and 12 calendar months after the start of treatment (the first
infusion), then at an interval the MDT sets. A milestone is met by any assessment dated on or after
28 days before it. The next review due is the earlier of the first unmet milestone and the
review date the latest MDT decision asked for (while no assessment has followed that decision).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from mdtapp.domain.dates import add_months, format_date
from mdtapp.domain.forms import ScheduleRules


@dataclass(frozen=True)
class Milestone:
    months: int
    due: date
    met_by: date | None  # the assessment that met it

    @property
    def label(self) -> str:
        return f"{self.months}-month review"


@dataclass(frozen=True)
class ReviewStatus:
    first_infusion: date | None
    milestones: tuple[Milestone, ...]
    next_due: date | None
    reason: str  # what the due date is for, or why there is none
    overdue: bool
    days_overdue: int
    unscheduled: bool  # treatment under way but no review date at all: needs the MDT's attention

    @property
    def text(self) -> str:
        if self.next_due is None:
            return self.reason
        when = format_date(self.next_due)
        if self.overdue:
            return f"{self.reason}: OVERDUE since {when} ({self.days_overdue} days)"
        return f"{self.reason}: due {when}"


@dataclass(frozen=True)
class LatestDecision:
    date: date
    next_review: datetime.date | None


def review_status(
    *,
    first_infusion: date | None,
    assessment_dates: Iterable[date],
    latest_decision: LatestDecision | None,
    today: date,
    rules: ScheduleRules,
) -> ReviewStatus:
    dates = sorted(assessment_dates)
    window = timedelta(days=rules.met_window_days)
    milestones: list[Milestone] = []
    if first_infusion is not None:
        for months in rules.milestones_months:
            due = add_months(first_infusion, months)
            met_by = next((d for d in dates if d >= due - window), None)
            milestones.append(Milestone(months, due, met_by))

    candidates: list[tuple[date, str]] = []
    unmet = next((m for m in milestones if m.met_by is None), None)
    if unmet is not None:
        candidates.append(
            (unmet.due, f"{unmet.label} (from first infusion {format_date(first_infusion)})")
        )
    # the MDT's date is still pending while no assessment has followed the decision that set it
    if (
        latest_decision is not None
        and latest_decision.next_review is not None
        and not any(d > latest_decision.date for d in dates)
    ):
        candidates.append(
            (
                latest_decision.next_review,
                f"Review set by the MDT on {format_date(latest_decision.date)}",
            )
        )

    if candidates:
        due, reason = min(candidates)
        late = (today - due).days
        return ReviewStatus(
            first_infusion, tuple(milestones), due, reason, late > 0, max(late, 0), False
        )
    if first_infusion is None:
        reason = "No review due: treatment not started and no review date set"
        return ReviewStatus(None, (), None, reason, False, 0, False)
    reason = "Policy reviews done; no next review date set: record an MDT decision with one"
    return ReviewStatus(first_infusion, tuple(milestones), None, reason, False, 0, True)
