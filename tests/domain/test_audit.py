"""The audit return by regimen (domain.md section 6, issue 15.5), worked by hand.

Jane (female, 165 cm, 70 kg): 165 / 2.54 = 64.96 in; ideal = 45.5 + 2.3 x 4.96 = 56.9 kg;
70 > 1.2 x 56.9 = 68.3 -> adjusted = 56.9 + 0.4 x 13.1 = 62.1 kg. At 2 g/kg: 124.3 g -> 120 g
a course (IV) or per 4 weeks (SC: 4 weekly doses of 30 g). At 1.5 g/kg: 93.2 g -> 90 g.
"""

from __future__ import annotations

from datetime import date, timedelta

from mdtapp.domain.audit import (
    COLUMN_TABLE,
    COLUMNS,
    inputs_from_record,
    patient_rows,
    regimen_periods,
    summarise,
)
from mdtapp.domain.model import GP, Decision, Infusion, Patient, Regimen
from mdtapp.domain.record import PatientRecord
from mdtapp.domain.schedule import Stop
from tests.factories import assessment

JANE = Patient(
    "9434765919", "Smith", "Jane", date(1970, 1, 2), "female", "H123456", 165.0, "", GP()
)
IV = Regimen(date(2024, 12, 1), 2.0, 5, 4, "iv", 70.0)


def iv_course(start: date, grams=(25, 25, 25, 25, 20)) -> list[Infusion]:
    return [
        Infusion(start + timedelta(days=day), g, "Privigen", f"B{start:%m%d}", "iv")
        for day, g in enumerate(grams)
    ]


def sc_dose(on: date, grams: float = 30) -> Infusion:
    return Infusion(on, grams, "Hizentra", f"S{on:%m%d}", "sc")


def rows_for(record: PatientRecord, year: int, f):
    return patient_rows(inputs_from_record(record, year), year, f)


def columns(row, *names):
    return tuple(getattr(row, n) for n in names)


WHEN = ("regimen_from", "applied_from", "applied_to")
DOSE = ("route", "g_per_kg", "course_total_g", "interval_weeks")
GIVEN = ("iv_courses_in_year", "sc_doses_in_year", "total_grams_in_year")


def test_a_mid_year_switch_from_iv_to_sc_gives_a_row_per_regimen(f):
    # Issue 15.5: one row used to say "sc, 120 g, every 1 week, 7 courses" (7 x 120 = 840 g)
    # against 480 g given. Now: the IV regimen 01-Jan..30-Jun, 3 courses of 120 g = 360 g; the
    # SC regimen 01-Jul..31-Dec, 4 doses of 30 g = 120 g; 360 + 120 = 480 g.
    sc = Regimen(date(2025, 7, 1), 2.0, None, 4, "sc", 70.0, sc_doses_per_period=4)
    infusions = iv_course(date(2025, 1, 6)) + iv_course(date(2025, 2, 3))
    infusions += iv_course(date(2025, 3, 3))
    infusions += [sc_dose(date(2025, 7, d)) for d in (7, 14, 21, 28)]
    record = PatientRecord(JANE, regimens=(IV, sc), infusions=tuple(infusions))
    iv_row, sc_row = rows_for(record, 2025, f)
    assert columns(iv_row, *WHEN) == ("2024-12-01", "2025-01-01", "2025-06-30")
    assert columns(iv_row, *DOSE) == ("iv", "2", "120", "4")
    assert columns(iv_row, *GIVEN) == (3, 0, "360")
    assert columns(sc_row, *WHEN) == ("2025-07-01", "2025-07-01", "2025-12-31")
    assert columns(sc_row, *DOSE) == ("sc", "2", "120", "1")  # 120 g per 4 weeks, weekly
    assert columns(sc_row, *GIVEN) == (0, 4, "120")
    summary = summarise([iv_row, sc_row], 2025)
    assert (summary.patients, summary.iv_courses, summary.sc_doses, summary.grams) == (
        1,
        3,
        4,
        "480",
    )


def test_a_patient_with_one_regimen_has_one_row(f):
    # 4-weekly courses from 06-Jan-2025: 06-Jan + 28 k days up to 08-Dec (k = 0..12) = 13
    # courses of 120 g = 1,560 g
    infusions = [i for k in range(13) for i in iv_course(date(2025, 1, 6) + timedelta(weeks=4 * k))]
    assert infusions[-1].date == date(2025, 12, 12)
    [row] = rows_for(PatientRecord(JANE, regimens=(IV,), infusions=tuple(infusions)), 2025, f)
    assert columns(row, *WHEN) == ("2024-12-01", "2025-01-01", "2025-12-31")
    assert columns(row, *GIVEN) == (13, 0, "1560")
    assert row.values()[:3] == ["9434765919", "H123456", 2025]


def test_a_course_from_29_dec_to_2_jan_counts_once_and_its_grams_by_date(f):
    # 29, 30, 31 Dec: 25 + 25 + 25 = 75 g in 2025; 1, 2 Jan: 25 + 20 = 45 g in 2026; the
    # course counts in 2025, the year of its first infusion
    record = PatientRecord(JANE, regimens=(IV,), infusions=tuple(iv_course(date(2025, 12, 29))))
    [in_2025] = rows_for(record, 2025, f)
    [in_2026] = rows_for(record, 2026, f)
    assert columns(in_2025, *GIVEN) == (1, 0, "75")
    assert columns(in_2026, *GIVEN) == (0, 0, "45")


def test_a_regimen_change_inside_a_course(f):
    # course 03..07-Mar-2025; 1.5 g/kg from 05-Mar: 3 and 4 Mar (25 + 25 = 50 g) under 2 g/kg,
    # 5, 6 and 7 Mar (25 + 25 + 20 = 70 g) under 1.5 g/kg; the course counts once, under the
    # regimen of its first infusion
    lower = Regimen(date(2025, 3, 5), 1.5, 5, 4, "iv", 70.0)
    record = PatientRecord(JANE, regimens=(IV, lower), infusions=tuple(iv_course(date(2025, 3, 3))))
    before, after = rows_for(record, 2025, f)
    assert columns(before, *WHEN) == ("2024-12-01", "2025-01-01", "2025-03-04")
    assert columns(before, *GIVEN) == (1, 0, "50")
    assert columns(after, *WHEN) == ("2025-03-05", "2025-03-05", "2025-12-31")
    assert columns(after, *DOSE) == ("iv", "1.5", "90", "4")  # 1.5 x 62.1 = 93.2 -> 90 g
    assert columns(after, *GIVEN) == (0, 0, "70")


def test_a_stop_ends_the_regimen_and_a_restart_resumes_it(f):
    # stopped 15-Jun-2025, restarted 01-Sep-2025 with no new regimen: the regimen applied
    # 01-Jan..14-Jun and 01-Sep..31-Dec; an infusion given while stopped (01-Jul, 25 g) is on a
    # row of its own, with no regimen, never hidden
    decisions = (
        Decision(date(2025, 6, 15), "stop", "No response"),
        Decision(date(2025, 9, 1), "start", "Relapse"),
    )
    infusions = iv_course(date(2025, 2, 3)) + iv_course(date(2025, 9, 8))
    infusions.append(Infusion(date(2025, 7, 1), 25, "Privigen", "B0701", "iv"))
    record = PatientRecord(JANE, decisions=decisions, regimens=(IV,), infusions=tuple(infusions))
    first, second, none = rows_for(record, 2025, f)
    assert columns(first, *WHEN, *GIVEN) == ("2024-12-01", "2025-01-01", "2025-06-14", 1, 0, "120")
    assert columns(second, *WHEN, *GIVEN) == ("2024-12-01", "2025-09-01", "2025-12-31", 1, 0, "120")
    assert columns(none, *WHEN, *DOSE, *GIVEN) == ("",) * 7 + (1, 0, "25")
    assert summarise([first, second, none], 2025).grams == "265"  # 120 + 120 + 25


def test_a_patient_assessed_with_no_regimen_in_force_has_one_row(f):
    stopped = (Decision(date(2024, 6, 1), "stop", "Remission"),)
    record = PatientRecord(
        JANE, decisions=stopped, regimens=(IV,), assessments=(assessment(date(2025, 5, 5)),)
    )
    [row] = rows_for(record, 2025, f)
    assert columns(row, *WHEN, *DOSE, *GIVEN) == ("",) * 7 + (0, 0, "0")
    assert (row.systemic_involvement, row.dermatoneuro_syndrome) == ("no", "no")
    assert rows_for(PatientRecord(JANE, regimens=(IV,)), 2025, f) == []  # nothing that year


def test_regimen_periods_tile_the_year():
    later = Regimen(date(2025, 5, 1), 1.0, 5, 6, "iv", 70.0)
    periods = regimen_periods(
        [IV, later],
        [Stop(date(2025, 8, 1), date(2025, 10, 1))],
        date(2025, 1, 1),
        date(2025, 12, 31),
    )
    assert [(p.regimen, p.start, p.end) for p in periods] == [
        (IV, date(2025, 1, 1), date(2025, 4, 30)),
        (later, date(2025, 5, 1), date(2025, 7, 31)),
        (None, date(2025, 8, 1), date(2025, 9, 30)),
        (later, date(2025, 10, 1), date(2025, 12, 31)),
    ]


def test_every_column_has_a_heading_and_a_meaning():
    assert tuple(c.key for c in COLUMN_TABLE) == COLUMNS
    assert len(set(COLUMNS)) == len(COLUMNS)
    assert all(c.heading and c.meaning for c in COLUMN_TABLE)


def test_docs_outputs_md_lists_every_column_as_the_code_does():
    from pathlib import Path

    from mdtapp.domain.audit import column_doc_table
    from mdtapp.store.json_schema import replace_between

    doc = Path(__file__).resolve().parents[2] / "docs" / "outputs.md"
    text = doc.read_text(encoding="utf-8")
    assert text == replace_between(text, "audit-columns", column_doc_table()), (
        "regenerate: .venv/bin/python -m mdtapp.store.audit_return --write"
    )
