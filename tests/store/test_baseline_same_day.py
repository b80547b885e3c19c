"""The baseline is the latest assessment dated on or before the first infusion (domain.md
section 5, issue 15.2): a score taken on the morning of the first infusion is the baseline,
through the store, the patient list and `mdtapp summary --json`, as in the domain."""

from __future__ import annotations

from datetime import date

from mdtapp.domain.model import Infusion
from mdtapp.domain.record import patient_state, summary_json
from tests.factories import assessment
from tests.store.conftest import TODAY, jane

FIRST = date(2026, 5, 4)


def test_an_assessment_on_the_day_of_the_first_infusion_is_the_baseline(store):
    uid = store.add_patient(jane()).uid
    store.save("assessments", uid, assessment(date(2026, 4, 20), itch=70))  # earlier: not it
    store.save("assessments", uid, assessment(FIRST, itch=60))  # the morning of the infusion
    store.save("infusions", uid, Infusion(FIRST, 25.0, "Privigen", "B1", "iv"))
    store.save("assessments", uid, assessment(date(2026, 5, 5), itch=55))  # the day after
    store.save("assessments", uid, assessment(date(2026, 8, 3), itch=35))
    record = store.load(uid).record
    state = patient_state(record, today=TODAY, forms=store.forms)
    out = summary_json(record, state, today=TODAY, forms=store.forms)
    assert out["baseline_date"] == "2026-05-04" == out["first_infusion"]
    # itch 60 (baseline, 04-May) -> 35 = -25 mm: a response (at least 20 mm down); against the
    # assessment of 20-Apr (70 -> 35) it would be -35 mm, and of 05-May (55 -> 35) -20 mm
    assert out["response"] is True
    assert "Itch VAS 60 → 35 mm (−25 mm) vs baseline 04-May-2026" in " ".join(
        out["response_evidence"]
    )
    [row] = store.summaries()
    assert row.response is True and row.first_infusion == FIRST
