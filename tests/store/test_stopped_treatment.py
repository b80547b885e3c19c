"""A stop decision ends the review schedule (domain.md section 3, issue 15.4) in every place that
shows it from the store: the summary cache (patient list, reviews dashboard), `mdtapp summary`
and `mdtapp reviews`, text and --json; a later start reopens it."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path

from mdtapp.cli import main
from mdtapp.domain.forms import forms
from mdtapp.domain.model import Decision, Infusion
from mdtapp.store.repository import Store
from tests.store.conftest import TODAY, fixed_clock, jane

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _stopped_jane(store: Store) -> str:
    p = store.add_patient(jane())
    store.save("decisions", p.uid, Decision(date(2026, 5, 20), "start", "Eligible"))
    store.save("infusions", p.uid, Infusion(date(2026, 6, 1), 25, "P", "B1", "iv"))
    # 3-month review due 01-Sep-2026; on 21-Nov-2026: 29 (Sep 2-30) + 31 (Oct) + 21 = 81 days
    [row] = store.reviews()
    assert row.next_review == date(2026, 9, 1) and row.days_overdue(TODAY) == 81
    store.save("decisions", p.uid, Decision(date(2026, 10, 1), "stop", "No response"))
    return p.uid


def test_the_summary_cache_follows_a_stop_and_a_restart(store):
    uid = _stopped_jane(store)
    [row] = store.reviews()
    assert (row.next_review, row.stopped_on, row.unscheduled) == (None, date(2026, 10, 1), False)
    assert not row.overdue(TODAY) and row.days_overdue(TODAY) == 0
    assert row.review_reason == "Treatment stopped on 01-Oct-2026"
    assert store.summaries("smith")[0].stopped_on == date(2026, 10, 1)
    # restarted on 01-Nov-2026, first infusion since on 05-Nov-2026: 3 months on = 05-Feb-2027
    store.save("decisions", uid, Decision(date(2026, 11, 1), "start", "Relapse"))
    store.save("infusions", uid, Infusion(date(2026, 11, 5), 25, "P", "B2", "iv"))
    [row] = store.reviews()
    assert (row.next_review, row.stopped_on) == (date(2027, 2, 5), None)
    assert row.review_reason == (
        "3-month review (from first infusion 05-Nov-2026, after the restart on 01-Nov-2026)"
    )


def test_summary_and_reviews_commands_say_treatment_stopped(tmp_path, capsys):
    path = tmp_path / "s.db"
    store = Store.open(path, user="tester", clock=fixed_clock)
    _stopped_jane(store)
    store.close()
    assert main(["summary", "--db", str(path), "--nhs-number", "9434765919", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["treatment_stopped_on"] == "2026-10-01"
    assert (s["next_review_due"], s["overdue"]) == (None, False)
    assert s["next_review_reason"] == "Treatment stopped on 01-Oct-2026"
    assert main(["summary", "--db", str(path), "--nhs-number", "9434765919"]) == 0
    assert "Next review: Treatment stopped on 01-Oct-2026\n" in capsys.readouterr().out
    assert main(["reviews", "--db", str(path), "--json"]) == 0
    [r] = json.loads(capsys.readouterr().out)
    assert r["treatment_stopped_on"] == "2026-10-01"
    assert (r["next_review_due"], r["overdue"], r["days_overdue"]) == (None, False, 0)
    assert main(["reviews", "--db", str(path)]) == 0
    line = capsys.readouterr().out.strip()
    assert "OVERDUE" not in line
    assert line.startswith("—            stopped  ") and "Treatment stopped on 01-Oct-2026" in line


def test_upgrading_computes_again_the_summaries_of_patients_with_a_stop_decision(tmp_path):
    # rows cached before m010 were computed without the stop rule; it changes only patients
    # with a stop decision, so only theirs are computed again (all 10,000 would take minutes)
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema-m007_year_outcomes_index.db", path)
    conn = sqlite3.connect(path)
    with conn:  # a stop decision for one patient; every cached row as if current, but wrong
        stopped, other = [r[0] for r in conn.execute("SELECT uid FROM patients LIMIT 2")]
        decision = {
            "date": "2026-11-15",
            "decision": "stop",
            "reason": "No response",
            "clinicians": [],
            "next_review": None,
            "flags_at_decision": [],
            "actions": {"gp": "", "local_centre": "", "patient": ""},
        }
        conn.execute(
            "INSERT INTO decisions (uid, version, patient_uid, on_date, data, saved_at, saved_by)"
            " VALUES (?, 1, ?, '2026-11-15', ?, '2026-11-21T10:00:00Z', 'fixture')",
            ["f" * 32, stopped, json.dumps(decision)],
        )
        conn.execute(
            "UPDATE patient_summary SET next_review = '1999-01-01', forms_version = ?",
            [forms().version],
        )
    conn.close()
    store = Store.open(path, user="tester", clock=fixed_clock)
    try:
        rows = {r.patient_uid: r for r in store.reviews()}
        assert (rows[stopped].next_review, rows[stopped].stopped_on) == (None, date(2026, 11, 15))
        assert rows[other].next_review == date(1999, 1, 1)  # not computed again: unchanged
    finally:
        store.close()
