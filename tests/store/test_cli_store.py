from __future__ import annotations

import json
import os

import pytest

from mdtapp.cli import main
from mdtapp.store import access


@pytest.fixture
def demo_db(tmp_path, capsys):
    path = tmp_path / "demo.db"
    assert main(["demo", "--db", str(path)]) == 0
    capsys.readouterr()
    return path


def _reviews(path, capsys):
    assert main(["reviews", "--db", str(path), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_reviews_list_overdue_first(demo_db, capsys):
    rows = _reviews(demo_db, capsys)
    assert len(rows) == 5
    assert rows[0]["overdue"] and rows[0]["name"] == "Eve Demo-Rowan"
    assert [r["overdue"] for r in rows] == sorted([r["overdue"] for r in rows], reverse=True)
    due = [r["next_review_due"] for r in rows]
    assert due == sorted(due)


def test_summary_json_has_the_agreed_keys(demo_db, capsys):
    nhs = next(r["nhs_number"] for r in _reviews(demo_db, capsys) if "Hazel" in r["name"])
    assert main(["summary", "--db", str(demo_db), "--nhs-number", nhs, "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["nhs_number"] == nhs
    assert set(s["eligibility"]) >= {"eligible", "criteria_met", "reasons"}
    assert set(s["latest_assessment"]) >= {
        "date",
        "mrss_total",
        "mrss_areas_assessed",
        "itch_vas_mm",
        "patient_global_vas_mm",
        "physician_global_vas_mm",
        "papule_count",
    }
    assert s["latest_assessment"]["mrss_total"] == 32
    assert s["response"] is False
    assert [f["flag"] for f in s["flags"]] == [
        "worsening_disease_activity",
        "worsening_extracutaneous",
        "worsening_quality_of_life",
    ]
    activity = s["flags"][0]["numbers"]
    # physician global 45 -> 60 is +15 mm: under the 20 mm threshold, so not among them
    assert {n["measure"]: (n["before"], n["after"]) for n in activity} == {
        "mrss": (25, 32),
        "itch_vas_mm": (40, 65),
        "papules": (20, 30),
    }
    assert s["dose_plan"]["course_total_g"] > 0 and s["baseline_date"]
    assert s["overdue"] is False and s["next_review_due"]


def test_summary_text_and_bad_nhs_number(demo_db, capsys):
    nhs = next(r["nhs_number"] for r in _reviews(demo_db, capsys) if "Cedar" in r["name"])
    assert main(["summary", "--db", str(demo_db), "--nhs-number", nhs]) == 0
    out = capsys.readouterr().out
    assert "DEMO-CEDAR, Carol" in out and "Next review: 6-month review" in out
    assert main(["summary", "--db", str(demo_db), "--nhs-number", "1234567890"]) == 2
    assert "fails the Modulus 11 check" in capsys.readouterr().err


def test_export_import_via_the_command_line(demo_db, tmp_path, capsys):
    out = tmp_path / "all.json"
    assert main(["export", "--db", str(demo_db), str(out)]) == 0
    # imported records need the roles their saves need (issue 14.1): the first administrator
    # (admin, clinician) takes the pharmacist role for the regimens and infusions
    new = tmp_path / "new.db"
    access.create_database(
        new, username="tester", display_name="Tester", password=os.environ["MDTAPP_PASSWORD"]
    ).store.close()
    roles = ["--role", "admin", "--role", "clinician", "--role", "pharmacist"]
    assert main(["user", "roles", "--db", str(new), "--username", "tester", *roles]) == 0
    assert main(["import", "--db", str(new), str(out)]) == 0
    assert "5 patient(s) added" in capsys.readouterr().out
    doc = json.loads(out.read_text())
    doc["patients"][0]["assessments"][0]["itch_vas_mm"] = 140
    out.write_text(json.dumps(doc))
    assert main(["import", "--db", str(tmp_path / "other.db"), str(out)]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("mdtapp:")]
    assert err[0].endswith("assessments[0].itch_vas_mm: must be 0-100; got 140")
    assert err[-1].endswith("nothing was imported")


def test_backup_and_restore_via_the_command_line(demo_db, tmp_path, capsys):
    copy = tmp_path / "copy.db"
    assert main(["backup", "--db", str(demo_db), str(copy)]) == 0
    assert "verified" in capsys.readouterr().out
    assert main(["restore", "--db", str(demo_db), str(copy)]) == 0
    assert "previous content is kept" in capsys.readouterr().out
    junk = tmp_path / "junk.txt"
    junk.write_text("hello")
    assert main(["restore", "--db", str(demo_db), str(junk)]) == 1
    assert "was not changed" in capsys.readouterr().err


def test_a_non_mdtapp_file_is_refused_by_every_command(tmp_path, capsys):
    path = tmp_path / "notes.txt"
    path.write_text("my notes")
    assert main(["reviews", "--db", str(path)]) == 1
    assert "not an mdtapp database" in capsys.readouterr().err
    assert path.read_text() == "my notes"


def test_every_command_has_help(capsys):
    from mdtapp.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name, sub in commands.items():
        text = sub.format_help()
        assert sub.description and len(sub.description) > 20, name
        assert "--db" in text, name


def test_check_passes_a_sound_file_and_names_a_damaged_one(demo_db, capsys):
    assert main(["check", "--db", str(demo_db)]) == 0
    assert "integrity check passed (5 patients)" in capsys.readouterr().out
    data = bytearray(demo_db.read_bytes())
    data[4 * 4096 : 5 * 4096] = b"\xa5" * 4096  # a page overwritten, as a failing disk might
    demo_db.write_bytes(bytes(data))
    assert main(["check", "--db", str(demo_db)]) == 1
    err = capsys.readouterr().err
    assert f"{demo_db} is damaged" in err


@pytest.mark.parametrize("where", ["before", "after"])
def test_db_is_honoured_before_or_after_the_command(tmp_path, capsys, where, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("MDTAPP_HOME", str(home))
    monkeypatch.delenv("MDTAPP_DB", raising=False)
    path = tmp_path / "chosen.db"
    args = ["--db", str(path), "demo"] if where == "before" else ["demo", "--db", str(path)]
    assert main(args) == 0
    assert str(path) in capsys.readouterr().out
    assert path.exists()
    assert not list(home.rglob("*.db"))  # the default database was not touched


def test_summary_json_names_each_measures_own_previous_date(tmp_path, capsys):
    # issue 15.1: itch 60 on 03-Feb, not recorded on 05-May, 90 on 04-Aug: +30 mm vs 03-Feb
    from datetime import date

    from mdtapp.domain.model import Infusion
    from mdtapp.store.repository import Store
    from tests.factories import assessment
    from tests.store.conftest import fixed_clock, jane

    path = tmp_path / "s.db"
    store = Store.open(path, user="tester", clock=fixed_clock)
    p = store.add_patient(jane())
    store.save("assessments", p.uid, assessment(date(2026, 2, 3), itch=60))
    store.save("infusions", p.uid, Infusion(date(2026, 2, 3), 25.0, "Privigen", "B1", "iv"))
    store.save("assessments", p.uid, assessment(date(2026, 5, 5), itch=None))
    store.save("assessments", p.uid, assessment(date(2026, 8, 4), itch=90))
    assert [s.flags for s in store.summaries()] == [
        ("worsening_disease_activity", "no_response_after_6_months")
    ]  # the patient list, through the same domain function
    store.close()
    assert main(["summary", "--db", str(path), "--nhs-number", "9434765919", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    [itch] = [n for n in s["flags"][0]["numbers"] if n["measure"] == "itch_vas_mm"]
    assert (itch["before"], itch["after"], itch["change"]) == (60, 90, 30)
    assert (itch["versus"], itch["versus_date"], itch["note"]) == ("previous", "2026-02-03", None)
    assert s["flags_not_yet_assessable"] == []
    assert main(["summary", "--db", str(path), "--nhs-number", "9434765919"]) == 0
    out = capsys.readouterr().out
    assert "Itch VAS 60 → 90 mm (+30 mm) vs previous 03-Feb-2026" in out
    assert "mRSS 30 / 60; itch 9.0 cm (90 mm, very severe); patient global 6.0 cm (60 mm" in out
