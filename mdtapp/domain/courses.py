"""Infusions grouped into courses: infusions less than 7 days apart belong to the same course
(a 5-day IV course is one course; weekly SC doses are separate courses)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from mdtapp.domain.model import Infusion

SAME_COURSE_WITHIN_DAYS = 7


@dataclass(frozen=True)
class Course:
    infusions: tuple[Infusion, ...]

    @property
    def start(self) -> date:
        return self.infusions[0].date

    @property
    def end(self) -> date:
        return self.infusions[-1].date

    @property
    def grams(self) -> float:
        return sum(i.grams for i in self.infusions)

    @property
    def routes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.route for i in self.infusions))

    @property
    def products(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.product for i in self.infusions))

    @property
    def batches(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.batch for i in self.infusions))

    @property
    def reactions(self) -> tuple[str, ...]:
        return tuple(i.reaction for i in self.infusions if i.reaction.strip())


def starts_course(previous: date | None, current: date) -> bool:
    """The one rule: an infusion starts a new course unless the one before was < 7 days ago."""
    return previous is None or (current - previous).days >= SAME_COURSE_WITHIN_DAYS


def course_starts(dates: Iterable[date]) -> list[date]:
    """The first day of each course, for infusion dates in any order."""
    starts: list[date] = []
    previous: date | None = None
    for current in sorted(dates):
        if starts_course(previous, current):
            starts.append(current)
        previous = current
    return starts


def group_courses(infusions: Iterable[Infusion]) -> list[Course]:
    """Courses in date order; a gap of 7 days or more starts a new course."""
    courses: list[list[Infusion]] = []
    for infusion in sorted(infusions, key=lambda i: i.date):
        if courses and not starts_course(courses[-1][-1].date, infusion.date):
            courses[-1].append(infusion)
        else:
            courses.append([infusion])
    return [Course(tuple(c)) for c in courses]
