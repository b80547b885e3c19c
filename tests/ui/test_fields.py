"""Dates typed the ways people in UK clinics type them; never a silent wrong date."""

from __future__ import annotations

from datetime import date

import pytest

from mdtapp.ui.widgets.fields import DateField, parse_uk_date


@pytest.mark.parametrize(
    "typed",
    [
        "1/1/2030",
        "01/01/2030",
        "01012030",
        "1 Jan 2030",
        "1 January 2030",
        "01-Jan-2030",
        "1-jan-2030",
        "1.1.2030",
        "01-01-2030",
        " 1 / 1 / 2030 ",
        "2030-01-01",
        "1 Jan. 2030",
    ],
)
def test_common_ways_to_type_a_date(typed):
    assert parse_uk_date(typed) == date(2030, 1, 1)


@pytest.mark.parametrize(
    "typed",
    ["31/02/2030", "1/1/30", "010130", "1 Foo 2030", "13/13/2030", "", "2030", "0101203"],
)
def test_what_is_not_a_date_is_refused(typed):
    assert parse_uk_date(typed) is None


def test_day_first_never_month_first():
    assert parse_uk_date("07/03/1971") == date(1971, 3, 7)
    assert parse_uk_date("07031971") == date(1971, 3, 7)


def test_the_message_names_what_was_typed_and_how_to_type_it(qtbot):
    field = DateField("d", "Date of birth")
    qtbot.addWidget(field)
    qtbot.keyClicks(field, "31/02/1971")
    assert field.message(required=True) == (
        "“31/02/1971” is not a date (e.g. 07/03/1971, 07031971 or 7 Mar 1971)"
    )
    field.clear()
    assert field.problem(required=True, label="Date of birth").startswith(
        "Date of birth is required"
    )
    qtbot.keyClicks(field, "01012030")
    field.editingFinished.emit()
    assert field.text() == "01-Jan-2030"  # shown back the UK way
