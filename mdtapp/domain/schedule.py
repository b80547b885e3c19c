"""Review schedule: policy 2271 "Monitoring", and domain.md section 3.

Specialist MDT assessment at 3, 6 and 12 calendar months after the start of treatment (the first
infusion), then at an interval the MDT sets. A milestone is met by any assessment dated on or after
28 days before it. The next review due is the earlier of the first unmet milestone and the
review date the latest MDT decision asked for (while no assessment has followed that decision).

A **stop** decision ends the schedule: from its date nothing is due or overdue. A later **start**
decision opens a new schedule, counted from the first infusion on or after it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from mdtapp.domain.dates import add_months, format_date
from mdtapp.domain.forms import ScheduleRules

# the decisions (keys of forms/decisions.toml) that end and reopen treatment
STOP = "stop"
START = "start"


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
    first_infusion: date | None  # the first infusion of the schedule in force
    milestones: tuple[Milestone, ...]
    next_due: date | None
    reason: str  # what the due date is for, or why there is none
    overdue: bool
    days_overdue: int
    unscheduled: bool  # treatment under way but no review date at all: needs the MDT's attention
    stopped_on: date | None = None  # a stop decision ended the schedule (and none reopened it)

    @property
    def text(self) -> str:
        if self.next_due is None:
            return self.reason
        when = format_date(self.next_due)
        if self.overdue:
            return f"{self.reason}: OVERDUE since {when} ({self.days_overdue} days)"
        return f"{self.reason}: due {when}"


@dataclass(frozen=True)
class ScheduleDecision:
    """An MDT decision, as the schedule needs it."""

    date: date
    kind: str  # a key of forms/decisions.toml
    next_review: datetime.date | None = None


@dataclass(frozen=True)
class Stop:
    """A stop decision that ended treatment, and the start decision that reopened it."""

    on: date
    restarted: date | None = None


def stops(decisions: Iterable[ScheduleDecision]) -> tuple[Stop, ...]:
    """Each time treatment was stopped, in date order. A stop while already stopped, or a start
    while on treatment, changes nothing; decisions of the same date count in the order given."""
    found: list[Stop] = []
    on_treatment = True
    for d in sorted(decisions, key=lambda d: d.date):
        if d.kind == STOP and on_treatment:
            found.append(Stop(d.date))
            on_treatment = False
        elif d.kind == START and not on_treatment:
            found[-1] = Stop(found[-1].on, d.date)
            on_treatment = True
    return tuple(found)


def stopped_on(day: date, treatment_stops: Sequence[Stop]) -> date | None:
    """The stop in force on `day` (its date), or None when treatment was not stopped then.
    The stop's own date counts as stopped; the restart's date as on treatment."""
    for s in treatment_stops:
        if s.on <= day and (s.restarted is None or day < s.restarted):
            return s.on
    return None


def review_status(
    *,
    infusion_dates: Iterable[date],
    assessment_dates: Iterable[date],
    decisions: Iterable[ScheduleDecision],
    today: date,
    rules: ScheduleRules,
) -> ReviewStatus:
    decided = sorted(decisions, key=lambda d: d.date)
    infused = sorted(infusion_dates)
    treatment_stops = stops(decided)
    last_stop = treatment_stops[-1] if treatment_stops else None
    since_stop = [d for d in infused if last_stop is not None and d > last_stop.on]
    if last_stop is not None and last_stop.restarted is None and since_stop:
        # given after a stop with no decision to restart: never hidden as "stopped"
        reason = (
            f"Infusion given on {format_date(since_stop[0])} after treatment was stopped on "
            f"{format_date(last_stop.on)}, with no decision to restart: record the MDT's decision"
        )
        return ReviewStatus(None, (), None, reason, False, 0, True)
    if last_stop is not None and last_stop.restarted is None:
        # domain.md section 3: a stop ends the schedule; nothing is due or overdue from its date
        reason = f"Treatment stopped on {format_date(last_stop.on)}"
        asked = [d.next_review for d in decided if d.date >= last_stop.on and d.next_review]
        if asked:
            reason += f" (the MDT asked to see the patient on {format_date(asked[-1])})"
        return ReviewStatus(None, (), None, reason, False, 0, False, last_stop.on)

    # the schedule in force: from the first infusion, or after a restart from the first one
    # after the stop (a restart course given before the MDT dated its decision counts: the
    # 3-month review is never later than the treatment makes it)
    restarted = last_stop.restarted if last_stop is not None else None
    given = since_stop if restarted is not None else infused
    first_infusion = given[0] if given else None
    start_text = f"from first infusion {format_date(first_infusion)}" + (
        f", after the restart on {format_date(restarted)}" if restarted is not None else ""
    )
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
        candidates.append((unmet.due, f"{unmet.label} ({start_text})"))
    # the MDT's date is still pending while no assessment has followed the decision that set it
    latest = decided[-1] if decided else None
    if (
        latest is not None
        and latest.next_review is not None
        and not any(d > latest.date for d in dates)
    ):
        candidates.append(
            (latest.next_review, f"Review set by the MDT on {format_date(latest.date)}")
        )

    if candidates:
        due, reason = min(candidates)
        late = (today - due).days
        return ReviewStatus(
            first_infusion, tuple(milestones), due, reason, late > 0, max(late, 0), False
        )
    if first_infusion is None:
        reason = (
            "No review due: treatment not started and no review date set"
            if restarted is None
            else f"No review due: treatment restarted on {format_date(restarted)}, no infusion "
            "given since and no review date set"
        )
        return ReviewStatus(None, (), None, reason, False, 0, False)
    reason = "Policy reviews done; no next review date set: record an MDT decision with one"
    return ReviewStatus(first_infusion, tuple(milestones), None, reason, False, 0, True)
