from __future__ import annotations

from datetime import date

import pytest

from mdtapp.domain.dates import add_months, age_on, format_date, parse_iso_date


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 3, date(2026, 4, 30)),  # domain.md's example: clamped to month end
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2025, 11, 30), 3, date(2026, 2, 28)),  # across a year end
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 3, 15), 12, date(2027, 3, 15)),
        (date(2026, 5, 31), 0, date(2026, 5, 31)),
    ],
)
def test_calendar_months_clamp_to_the_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_uk_date_display():
    assert format_date(date(2026, 2, 5)) == "05-Feb-2026"
    assert format_date(None) == "—"


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2008, 3, 1), date(2026, 2, 28), 17),
        (date(2008, 3, 1), date(2026, 3, 1), 18),
        (date(2008, 2, 29), date(2026, 2, 28), 17),  # the 29-Feb birthday has not come yet
        (date(2008, 2, 29), date(2026, 3, 1), 18),
    ],
)
def test_age_in_completed_years(born, on, age):
    assert age_on(born, on) == age


def test_only_iso_dates_parse():
    assert parse_iso_date("2026-02-05") == date(2026, 2, 5)
    for bad in ("05/02/2026", "2026-2-5", "2026-02-30", ""):
        with pytest.raises(ValueError, match="YYYY-MM-DD"):
            parse_iso_date(bad)
