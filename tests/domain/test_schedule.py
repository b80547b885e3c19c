from __future__ import annotations

from datetime import date

from mdtapp.domain.schedule import ScheduleDecision, Stop, review_status, stopped_on, stops

FIRST = date(2026, 1, 31)


def LatestDecision(on, next_review):  # noqa: N802 - reads as the decision it stands for
    return ScheduleDecision(on, "continue", next_review)


def status(f, dates=(), decision=None, today=date(2026, 3, 1), first=FIRST):
    return review_status(
        infusion_dates=[first] if first else [],
        assessment_dates=dates,
        decisions=[decision] if decision else [],
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


# ---- a stop decision ends the schedule; a later start opens a new one (domain.md section 3)


def schedule(f, infusions, decisions, dates=(), today=date(2026, 12, 1)):
    return review_status(
        infusion_dates=infusions,
        assessment_dates=dates,
        decisions=decisions,
        today=today,
        rules=f.schedule,
    )


def test_a_stop_decision_ends_the_schedule_nothing_due_or_overdue(f):
    infusions = [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 28)]
    met = [date(2026, 4, 28)]  # meets the 3-month review (due 30-Apr-2026)
    # without the stop: the 6-month review was due 31-Jul-2026; on 01-Dec-2026 that is
    # 31 (Aug) + 30 (Sep) + 31 (Oct) + 30 (Nov) + 1 = 123 days overdue
    going = schedule(f, infusions, [], met)
    assert going.next_due == date(2026, 7, 31) and going.days_overdue == 123
    s = schedule(f, infusions, [ScheduleDecision(date(2026, 6, 15), "stop")], met)
    assert s.next_due is None and not s.overdue and s.days_overdue == 0
    assert not s.unscheduled and s.milestones == ()
    assert s.stopped_on == date(2026, 6, 15)
    assert s.text == "Treatment stopped on 15-Jun-2026"


def test_from_the_stop_decisions_own_date_nothing_is_overdue(f):
    # the 3-month review (due 30-Apr-2026) was missed: 15 days overdue on 15-May-2026, the day
    # the MDT stops treatment; from that day it is not overdue
    infusions = [date(2026, 1, 31)]
    assert schedule(f, infusions, [], today=date(2026, 5, 15)).days_overdue == 15
    s = schedule(
        f, infusions, [ScheduleDecision(date(2026, 5, 15), "stop")], today=date(2026, 5, 15)
    )
    assert (s.next_due, s.overdue, s.stopped_on) == (None, False, date(2026, 5, 15))


def test_a_review_date_set_with_the_stop_is_said_but_never_due(f):
    stop = ScheduleDecision(date(2026, 6, 15), "stop", date(2026, 12, 15))
    s = schedule(f, [date(2026, 1, 31)], [stop], today=date(2027, 1, 10))
    assert s.next_due is None and not s.overdue
    assert (
        s.text
        == "Treatment stopped on 15-Jun-2026 (the MDT asked to see the patient on 15-Dec-2026)"
    )


def test_a_later_start_opens_a_new_schedule_from_the_first_infusion_after_it(f):
    infusions = [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 28), date(2026, 9, 7)]
    decisions = [
        ScheduleDecision(date(2026, 1, 20), "start"),
        ScheduleDecision(date(2026, 6, 15), "stop"),
        ScheduleDecision(date(2026, 9, 1), "start"),
    ]
    # new schedule from 07-Sep-2026: 3 months = 07-Dec-2026, 6 = 07-Mar-2027, 12 = 07-Sep-2027;
    # the assessment of 28-Apr-2026 belongs to the first treatment and meets none of them
    s = schedule(f, infusions, decisions, [date(2026, 4, 28)], today=date(2026, 12, 10))
    assert [m.due for m in s.milestones] == [date(2026, 12, 7), date(2027, 3, 7), date(2027, 9, 7)]
    assert s.first_infusion == date(2026, 9, 7) and s.stopped_on is None
    assert s.next_due == date(2026, 12, 7) and s.days_overdue == 3
    assert (
        s.reason
        == "3-month review (from first infusion 07-Sep-2026, after the restart on 01-Sep-2026)"
    )
    # 07-Dec-2026 - 28 days = 09-Nov-2026: an assessment on 12-Nov-2026 meets it
    met = schedule(f, infusions, decisions, [date(2026, 4, 28), date(2026, 11, 12)])
    assert met.next_due == date(2027, 3, 7)


def test_restarted_but_not_yet_given(f):
    decisions = [
        ScheduleDecision(date(2026, 6, 15), "stop"),
        ScheduleDecision(date(2026, 9, 1), "start"),
    ]
    s = schedule(f, [date(2026, 1, 31)], decisions)
    assert s.next_due is None and not s.unscheduled and s.stopped_on is None
    assert s.reason == (
        "No review due: treatment restarted on 01-Sep-2026, no infusion given since and no "
        "review date set"
    )
    with_date = [decisions[0], ScheduleDecision(date(2026, 9, 1), "start", date(2026, 10, 1))]
    s = schedule(f, [date(2026, 1, 31)], with_date)
    assert s.next_due == date(2026, 10, 1) and s.days_overdue == 61  # 30 (Oct) + 31 (Nov)


def test_a_restart_course_given_before_the_start_was_dated_opens_the_schedule(f):
    # stopped 01-Jun-2025; the restart course 01-05 Sep, the MDT's start decision dated 08-Sep
    # (ratified at the next meeting): the 3-month review is due 01-Dec-2025 (3 months from
    # 01-Sep), not "no infusion given since"; on 01-Jun-2026 it is overdue by
    # 31 (Dec) + 31 (Jan) + 28 (Feb) + 31 (Mar) + 30 (Apr) + 31 (May) = 182 days
    infusions = [date(2025, 1, 6), *(date(2025, 9, d) for d in range(1, 6))]
    decisions = [
        ScheduleDecision(date(2025, 1, 2), "start"),
        ScheduleDecision(date(2025, 6, 1), "stop"),
        ScheduleDecision(date(2025, 9, 8), "start"),
    ]
    s = schedule(f, infusions, decisions, today=date(2026, 6, 1))
    assert s.first_infusion == date(2025, 9, 1) and s.next_due == date(2025, 12, 1)
    assert s.overdue and s.days_overdue == 182


def test_infusions_after_a_stop_with_no_restart_need_the_mdts_attention(f):
    # stopped 01-Jun-2025, yet courses given on 01-Jul and 01-Aug with no decision to restart
    # (or a restart recorded as "change dose"): never hidden as "treatment stopped"
    infusions = [date(2025, 1, 6), date(2025, 7, 1), date(2025, 8, 1)]
    for decisions in (
        [ScheduleDecision(date(2025, 6, 1), "stop")],
        [
            ScheduleDecision(date(2025, 6, 1), "stop"),
            ScheduleDecision(date(2025, 7, 1), "change_dose"),
        ],
    ):
        s = schedule(f, infusions, decisions, today=date(2025, 9, 1))
        assert s.unscheduled and s.stopped_on is None and s.next_due is None
        assert s.text == (
            "Infusion given on 01-Jul-2025 after treatment was stopped on 01-Jun-2025, with no "
            "decision to restart: record the MDT's decision"
        )
    # an infusion on the stop's own day (stopped at the bedside mid-course) is before the stop
    s = schedule(f, [date(2025, 6, 1)], [ScheduleDecision(date(2025, 6, 1), "stop")])
    assert s.stopped_on == date(2025, 6, 1) and not s.unscheduled


def test_stops_pair_each_stop_with_the_start_that_ended_it():
    decisions = [
        ScheduleDecision(date(2026, 1, 1), "start"),
        ScheduleDecision(date(2026, 3, 1), "stop"),
        ScheduleDecision(date(2026, 4, 1), "stop"),  # already stopped: changes nothing
        ScheduleDecision(date(2026, 6, 1), "start"),
        ScheduleDecision(date(2026, 7, 1), "start"),  # already on treatment: changes nothing
        ScheduleDecision(date(2026, 9, 1), "stop"),
    ]
    found = stops(reversed(decisions))  # any order in, date order out
    assert found == (Stop(date(2026, 3, 1), date(2026, 6, 1)), Stop(date(2026, 9, 1)))
    assert stopped_on(date(2026, 2, 28), found) is None
    assert stopped_on(date(2026, 3, 1), found) == date(2026, 3, 1)  # the stop's own date
    assert stopped_on(date(2026, 5, 31), found) == date(2026, 3, 1)
    assert stopped_on(date(2026, 6, 1), found) is None  # the restart's own date
    assert stopped_on(date(2027, 1, 1), found) == date(2026, 9, 1)
