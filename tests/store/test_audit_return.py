from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from mdtapp.domain.audit import COLUMNS, inputs_from_record, patient_rows, summarise
from mdtapp.domain.model import Admission, Decision, Infusion, OrganStatus, Regimen
from mdtapp.store.audit_return import audit_rows, csv_bytes, export_audit
from tests.factories import assessment
from tests.store.conftest import jane


def course(store, uid, start: date, grams: list[float], route: str = "iv") -> None:
    for day, g in enumerate(grams):
        store.save(
            "infusions",
            uid,
            Infusion(start + timedelta(days=day), g, "Privigen", f"B{start:%m%d}", route),
        )


@pytest.fixture
def year_data(store):
    # A: Jane, female 165 cm 70 kg -> 120 g courses (the worked example), IV throughout
    a = store.add_patient(jane()).uid
    store.save("regimens", a, Regimen(date(2024, 12, 1), 2.0, 5, 4, "iv", 70.0))
    course(store, a, date(2024, 12, 29), [25, 25, 25, 25, 20])  # 29-Dec-2024 .. 2-Jan-2025
    course(store, a, date(2025, 6, 2), [25, 25, 25, 25, 20])
    course(store, a, date(2025, 12, 29), [25, 25, 25, 25, 20])  # 29-Dec-2025 .. 2-Jan-2026
    store.save(
        "assessments", a, assessment(date(2025, 3, 1), systemic={"renal": OrganStatus(True, False)})
    )
    store.save("admissions", a, Admission(date(2025, 4, 10), date(2025, 4, 14), True, "SVT"))
    store.save("admissions", a, Admission(date(2025, 5, 1), date(2025, 5, 2), False, "hernia"))
    store.save("admissions", a, Admission(date(2024, 12, 20), date(2024, 12, 22), True, "prev"))
    # B: male 180 cm 80 kg -> ideal 74.99 kg -> 2 x 74.99 = 149.98 -> 140 g; IV then SC
    b = store.add_patient(
        jane(
            nhs_number="4010232137",
            family_name="Jones",
            sex="male",
            height_cm=180.0,
            hospital_number="RX2",
        )
    ).uid
    store.save("regimens", b, Regimen(date(2025, 1, 10), 2.0, 5, 4, "iv", 80.0))
    store.save(
        "regimens", b, Regimen(date(2025, 7, 1), 2.0, None, 4, "sc", 80.0, sc_doses_per_period=4)
    )
    course(store, b, date(2025, 2, 3), [30, 30, 30, 25, 25])
    for week in range(3):  # SC 140 g / 4 weeks = 35 g weekly; 7 days apart: separate courses
        course(store, b, date(2025, 7, 7) + timedelta(weeks=week), [35], "sc")
    # C: assessed in 2025 (dermatoneuro syndrome), never treated
    c = store.add_patient(
        jane(nhs_number="9876543210", family_name="Cole", hospital_number="RX3")
    ).uid
    store.save("assessments", c, assessment(date(2025, 9, 9), dermatoneuro=True))
    # D: nothing in 2025
    d = store.add_patient(jane(nhs_number="4505577104", family_name="Dale")).uid
    store.save("assessments", d, assessment(date(2026, 2, 2)))
    return {"a": a, "b": b, "c": c, "d": d}


EXPECTED_2025 = [
    # nhs, hosp, year, regimen from, applied from, applied to, route, g/kg, course, interval,
    # IV courses, SC doses, grams, systemic, dermatoneuro, admissions
    # A: one regimen. In 2025: 1-2 Jan (25 + 20, the 2024 course), 2-6 Jun (120), 29-31 Dec
    #    (75) = 240 g; courses starting in 2025: 2-Jun and 29-Dec = 2; one related admission
    [
        "9434765919", "H123456", 2025, "2024-12-01", "2025-01-01", "2025-12-31",
        "iv", "2", "120", "4", 2, 0, "240", "yes", "no", 1,
    ],
    # B: IV from 10-Jan (no regimen 1-9 Jan, nothing given then), SC from 01-Jul. IV: one course
    #    3-Feb, 30 + 30 + 30 + 25 + 25 = 140 g. SC: 140 g per 4 weeks as 4 weekly doses of 35 g;
    #    given 7, 14, 21 Jul = 3 doses, 105 g. Not assessed in 2025.
    [
        "4010232137", "RX2", 2025, "2025-01-10", "2025-01-10", "2025-06-30",
        "iv", "2", "140", "4", 1, 0, "140", "", "", 0,
    ],
    [
        "4010232137", "RX2", 2025, "2025-07-01", "2025-07-01", "2025-12-31",
        "sc", "2", "140", "1", 0, 3, "105", "", "", 0,
    ],
    # C: no Ig, no regimen; one assessment with dermatoneuro syndrome and no organ involved
    ["9876543210", "RX3", 2025, "", "", "", "", "", "", "", 0, 0, "0", "no", "yes", 0],
]  # fmt: skip


def test_hand_computed_rows_for_2025(store, year_data):
    rows = audit_rows(store, 2025)
    expected = sorted(EXPECTED_2025, key=lambda r: r[0])
    assert [r.values() for r in rows] == expected  # D had nothing in 2025: no row


def test_the_course_spanning_new_year_counts_once_in_its_first_year(store, year_data):
    [row] = [r for r in audit_rows(store, 2026) if r.nhs_number == "9434765919"]
    # 2026: 1-2 Jan (25 + 20 g) of the course that began on 29-Dec-2025; no assessment in 2026
    assert row.values() == [
        "9434765919", "H123456", 2026, "2024-12-01", "2026-01-01", "2026-12-31",
        "iv", "2", "120", "4", 0, 0, "45", "", "", 0,
    ]  # fmt: skip


def test_the_database_path_and_the_whole_record_agree(store, year_data):
    for year in (2024, 2025, 2026):
        fast = audit_rows(store, year)
        for uid in year_data.values():
            record = store.load(uid).record
            slow = patient_rows(inputs_from_record(record, year), year, store.forms)
            assert [r for r in fast if r.nhs_number == record.patient.nhs_number] == slow


def test_a_stop_a_restart_and_a_change_inside_a_course_from_the_database(store):
    # course 03..07-Mar-2025 with 1.5 g/kg from 05-Mar (2 days under 2 g/kg: 50 g; 3 under
    # 1.5 g/kg: 70 g); stopped 15-Jun, an infusion on 01-Jul while stopped (25 g), restarted
    # 01-Sep: 1.5 g/kg again from 01-Sep, course 08-Sep (120 g)
    uid = store.add_patient(jane()).uid
    store.save("regimens", uid, Regimen(date(2024, 12, 1), 2.0, 5, 4, "iv", 70.0))
    store.save("regimens", uid, Regimen(date(2025, 3, 5), 1.5, 5, 4, "iv", 70.0))
    course(store, uid, date(2025, 3, 3), [25, 25, 25, 25, 20])
    store.save("decisions", uid, Decision(date(2025, 6, 15), "stop", "No response"))
    course(store, uid, date(2025, 7, 1), [25])
    store.save("decisions", uid, Decision(date(2025, 9, 1), "start", "Relapse"))
    course(store, uid, date(2025, 9, 8), [25, 25, 25, 25, 20])
    rows = audit_rows(store, 2025)
    assert [r.values()[3:13] for r in rows] == [
        ["2024-12-01", "2025-01-01", "2025-03-04", "iv", "2", "120", "4", 1, 0, "50"],
        ["2025-03-05", "2025-03-05", "2025-06-14", "iv", "1.5", "90", "4", 0, 0, "70"],
        ["2025-03-05", "2025-09-01", "2025-12-31", "iv", "1.5", "90", "4", 1, 0, "120"],
        ["", "", "", "", "", "", "", 1, 0, "25"],
    ]
    record = store.load(uid).record
    assert rows == patient_rows(inputs_from_record(record, 2025), 2025, store.forms)


def test_csv_is_a_header_and_one_row_per_regimen(store, year_data, tmp_path):
    out = tmp_path / "audit-2025.csv"
    rows = export_audit(store, 2025, out)
    text = out.read_bytes().decode("utf-8")
    assert text.splitlines()[0] == ",".join(COLUMNS)
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert len(parsed) == 4 == len(rows)
    # rows are in NHS number order: 401 023 2137 (the IV-then-SC patient) comes first
    assert [p["route"] for p in parsed[:2]] == ["iv", "sc"]
    assert parsed[0]["systemic_involvement"] == ""
    assert csv_bytes(rows) == out.read_bytes()
    entry = store.audit_entries(limit=1)[0]
    assert entry.action == "audit-return" and "year 2025: 4 row(s) to" in entry.detail


def test_the_year_summary(store, year_data):
    summary = summarise(audit_rows(store, 2025), 2025)
    # IV courses: A 2 + B 1 = 3; SC doses: B 3; grams 240 + 140 + 105 + 0 = 485; A's one
    # related admission counted once
    assert (
        summary.patients,
        summary.rows,
        summary.iv_courses,
        summary.sc_doses,
        summary.grams,
        summary.related_admissions,
    ) == (3, 4, 3, 3, "485", 1)
    assert summary.text == (
        "2025: 3 patient(s) on 4 row(s), 3 IV course(s), 3 SC dose(s), 485 g of "
        "immunoglobulin, 1 related hospital admission(s)"
    )


def test_deleted_records_are_left_out(store, year_data):
    saved = store.current("admissions", year_data["a"])
    related = next(s for s in saved if s.value.related and s.value.admitted.year == 2025)
    store.delete("admissions", related.uid, base_version=related.version, reason="wrong patient")
    [row] = [r for r in audit_rows(store, 2025) if r.nhs_number == "9434765919"]
    assert row.related_admissions == 0


def test_the_audit_command(store, year_data, db_path, tmp_path, capsys):
    from mdtapp.cli import main

    store.close()
    out = tmp_path / "r.csv"
    assert main(["audit", "--db", str(db_path), "--year", "2025", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "2025: 3 patient(s) on 4 row(s), 3 IV course(s), 3 SC dose(s), 485 g" in printed
    assert len(out.read_text().splitlines()) == 5
    assert main(["audit", "--db", str(db_path), "--year", "2025", "--out", "x.xlsx"]) == 2
    assert "written as CSV" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("query", "params", "index"),
    [
        ("YEAR_DOSES", ["2024-01-01", "2024-12-31"], "infusions_year_totals (on_date>? AND on_"),
        (
            "YEAR_OUTCOMES",
            ["2024-01-01", "2024-12-31"],
            "assessments_year_outcomes (on_date>? AND on_",
        ),
        ("STOPS_AND_STARTS", ["2024-12-31", "stop", "start"], "decisions_kind (patient_uid=? AND"),
    ],
)
def test_the_years_big_reads_come_from_indexes_alone(store, query, params, index):
    # with 10,000 patients a year is 650,000 infusions, 87,000 assessments and 100,000
    # decisions: reading their record pages instead of the index made the return slower
    from mdtapp.store import audit_return

    store.db.execute("CREATE TEMP TABLE IF NOT EXISTS audit_patients (uid TEXT PRIMARY KEY)")
    plan = " / ".join(
        row[3]
        for row in store.db.conn.execute(
            "EXPLAIN QUERY PLAN " + getattr(audit_return, query), params
        )
    )
    assert f"USING COVERING INDEX {index}" in plan, plan
