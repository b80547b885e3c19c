"""Calendar arithmetic and UK date display."""

from __future__ import annotations

import calendar
from datetime import date, datetime

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(d: date | None) -> str:
    """dd-Mmm-yyyy, the UK clinical style: 05-Feb-2026."""
    if d is None:
        return "—"
    return f"{d.day:02d}-{_MONTHS[d.month - 1]}-{d.year:04d}"


def add_months(d: date, months: int) -> date:
    """Calendar months, clamped to the month's end: 31-Jan + 3 months = 30-Apr."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def age_on(date_of_birth: date, on: date) -> int:
    """Completed years of age on a date (a 29-Feb birthday ages on 28-Feb in common years)."""
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def parse_iso_date(text: str) -> date:
    """YYYY-MM-DD only; raises ValueError with a readable message."""
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def format_timestamp(iso_utc: str) -> str:
    """A stored UTC time ('2026-11-21T09:11:13Z') as local dd-Mmm-yyyy HH:MM."""
    try:
        moment = datetime.fromisoformat(iso_utc.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return iso_utc
    return f"{format_date(moment.date())} {moment:%H:%M}"
