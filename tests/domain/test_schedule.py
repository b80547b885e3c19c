from __future__ import annotations

from datetime import date

from mdtapp.domain.schedule import LatestDecision, review_status

FIRST = date(2026, 1, 31)


def status(f, dates=(), decision=None, today=date(2026, 3, 1), first=FIRST):
    return review_status(
        first_infusion=first,
        assessment_dates=dates,
        latest_decision=decision,
        today=today,
        rules=f.schedule,
    )


def test_milestones_are_calendar_months_clamped_to_month_end(f):
    s = status(f)
    assert [m.due for m in s.milestones] == [
        date(2026, 4, 30),
        date(2026, 7, 31),
        date(2027, 1, 31),
    ]
    assert s.next_due == date(2026, 4, 30)
    assert s.reason.startswith("3-month review")
    assert not s.overdue


def test_a_milestone_is_met_from_28_days_before(f):
    # 30-Apr minus 28 days = 02-Apr
    assert status(f, [date(2026, 4, 1)]).next_due == date(2026, 4, 30)
    met = status(f, [date(2026, 4, 2)])
    assert met.milestones[0].met_by == date(2026, 4, 2)
    assert met.next_due == date(2026, 7, 31)


def test_overdue_counts_days(f):
    s = status(f, today=date(2026, 5, 10))
    assert s.overdue and s.days_overdue == 10
    assert "OVERDUE since 30-Apr-2026 (10 days)" in s.text
    assert not status(f, today=date(2026, 4, 30)).overdue  # due today is not overdue


def test_after_the_policy_milestones_the_mdt_sets_the_date(f):
    dates = [date(2026, 4, 28), date(2026, 7, 30), date(2027, 1, 20)]
    s = status(
        f, dates, LatestDecision(date(2027, 1, 20), date(2027, 7, 20)), today=date(2027, 2, 1)
    )
    assert s.next_due == date(2027, 7, 20)
    assert s.reason == "Review set by the MDT on 20-Jan-2027"


def test_an_earlier_mdt_date_comes_first(f):
    s = status(f, [], LatestDecision(date(2026, 1, 31), date(2026, 3, 15)))
    assert s.next_due == date(2026, 3, 15)


def test_a_review_done_after_the_decision_clears_its_date(f):
    dates = [date(2026, 4, 28), date(2026, 7, 30), date(2027, 1, 20), date(2027, 7, 1)]
    s = status(
        f, dates, LatestDecision(date(2027, 1, 20), date(2027, 7, 20)), today=date(2027, 8, 1)
    )
    assert s.next_due is None and s.unscheduled
    assert "no next review date set" in s.reason


def test_before_treatment_only_the_mdt_date_counts(f):
    none = status(f, first=None)
    assert none.next_due is None and not none.unscheduled
    s = status(
        f, [date(2026, 2, 1)], LatestDecision(date(2026, 2, 1), date(2026, 3, 1)), first=None
    )
    assert s.next_due == date(2026, 3, 1)
