from __future__ import annotations

from datetime import date, timedelta

from mdtapp.domain.courses import group_courses
from mdtapp.domain.model import Infusion


def inf(d: date, grams: float = 25, route: str = "iv", batch: str = "B1") -> Infusion:
    return Infusion(d, grams, "Privigen", batch, route)


def test_a_five_day_course_is_one_course():
    start = date(2026, 3, 2)
    courses = group_courses([inf(start + timedelta(days=i)) for i in range(5)])
    assert len(courses) == 1
    assert (courses[0].start, courses[0].end, courses[0].grams) == (
        start,
        start + timedelta(days=4),
        125,
    )


def test_six_days_apart_is_the_same_course_seven_days_a_new_one():
    d = date(2026, 1, 1)
    assert len(group_courses([inf(d), inf(d + timedelta(days=6))])) == 1
    assert len(group_courses([inf(d), inf(d + timedelta(days=7))])) == 2


def test_a_course_spanning_the_new_year_keeps_its_batches_in_order():
    days = [
        date(2025, 12, 29),
        date(2025, 12, 30),
        date(2025, 12, 31),
        date(2026, 1, 1),
        date(2026, 1, 2),
    ]
    [course] = group_courses([inf(d, batch=f"B{i % 2}") for i, d in enumerate(days)])
    assert course.start.year == 2025 and course.end.year == 2026
    assert course.batches == ("B0", "B1")


def test_weekly_sc_doses_are_separate_courses():
    d = date(2026, 5, 4)
    assert len(group_courses([inf(d + timedelta(weeks=w), 30, "sc") for w in range(4)])) == 4
