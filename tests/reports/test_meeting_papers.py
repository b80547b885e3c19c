"""A meeting's papers (issue 17): the outcomes summary with attendance and quorum at the top,
and a letter for every patient discussed (one PDF each and one combined), each saying where and
when the patient was discussed, who was present and whether the decision was joint."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pytest
from pypdf import PdfReader

from mdtapp.domain.errors import ValidationError
from mdtapp.domain.meeting import AgendaItem, Attendee, Meeting
from mdtapp.domain.model import Decision
from mdtapp.reports.meeting_papers import produce_meeting_letters, produce_outcomes
from mdtapp.reports.service import LetterNotReady
from tests.factories import assessment
from tests.reports.conftest import SETTINGS, pages_text, store_settings
from tests.store.conftest import TODAY, jane

RHEUM = Attendee("Dr Rhea Ward", "consultant_rheumatologist", "Rheumatology")
DERM = Attendee("Dr Derek Moss", "consultant_dermatologist", "Dermatology", "derm")


@pytest.fixture
def meeting(store, jane_treated):
    """Jane (treated, decided with both consultants, dose verified by the pharmacist) and Ken
    (decided after the dermatologist left: not joint, not signed)."""
    store.add_account("pharm", "Pat Hale", ["pharmacist"], "pharmacist-passphrase")
    store.add_account("derm", "Dr Derek Moss", ["clinician"], "dermatologist-passphrase")
    ken = store.add_patient(
        jane(nhs_number="4010232137", family_name="Kent", given_names="Ken")
    ).uid
    store.save("assessments", ken, assessment(date(2026, 11, 20), mrss=30, itch=50))
    m = Meeting(
        TODAY,
        "14:00",
        "Seminar room 2",
        "Dr Rhea Ward",
        (RHEUM, DERM),
        (
            AgendaItem(jane_treated, "due", "3-month review, due 05-Nov-2026", "discussed"),
            AgendaItem(ken, "referral", "new referral: eligibility not yet decided", "discussed"),
        ),
    )
    saved = store.add_meeting(m)
    joint = store.save(
        "decisions",
        jane_treated,
        Decision(
            TODAY,
            "continue",
            "Stable",
            meeting_uid=saved.uid,
            present=(RHEUM, DERM),
            joint=True,
            actions_gp="Check thyroid function",
            next_review=date(2027, 2, 21),
        ),
    )
    store.sign_in_place(
        "decisions", joint.uid, joint.version, username="derm", password="dermatologist-passphrase"
    )
    regimen = store.load(jane_treated).regimens[-1]
    store.sign_in_place(
        "regimens", regimen.uid, regimen.version, username="pharm", password="pharmacist-passphrase"
    )
    left = replace(m, attendees=(RHEUM, replace(DERM, present=False)))
    store.save_meeting(saved.uid, left, base_version=1)
    store.save(
        "decisions",
        ken,
        Decision(
            TODAY, "other", "Await biopsy", meeting_uid=saved.uid, present=(RHEUM,), joint=False
        ),
    )
    return saved.uid, jane_treated, ken


def test_the_outcomes_summary_has_attendance_quorum_and_a_line_per_patient(store, meeting):
    store_settings(store, SETTINGS)
    uid, _, _ = meeting
    text = " ".join(pages_text(produce_outcomes(store, uid)))
    assert "MDT meeting outcomes" in text
    assert "Dr Rhea Ward (Consultant rheumatologist): present" in text
    assert "Dr Derek Moss (Consultant dermatologist): left / absent" in text
    assert "NOT quorate" in text and "at least 1 consultant dermatologist" in text
    assert "SMITH, Jane" in text and "Continue current regimen: Stable" in text
    assert "GP: Check thyroid function" in text and "by 21-Feb-2027" in text
    assert "KENT, Ken" in text and "NOT joint" in text and "NOT signed" in text
    assert "Signed by Dr Derek Moss" in text


def test_letters_for_every_patient_discussed_one_each_and_one_combined(store, meeting, tmp_path):
    store_settings(store, SETTINGS)
    uid, _, _ = meeting
    seen = []
    result = produce_meeting_letters(
        store, uid, tmp_path / "out", progress=lambda n, t, who: seen.append((n, t))
    )
    assert len(result.files) == 2 and result.combined is not None
    assert seen[0] == (0, 2) and seen[-1] == (2, 2)
    jane_text = " ".join(pages_text(result.files[0].read_bytes()))
    ken_text = " ".join(pages_text(result.files[1].read_bytes()))
    assert "Discussed at the MDT meeting on 21-Nov-2026 at 14:00, Seminar room 2" in jane_text
    assert (
        "Dr Rhea Ward (Consultant rheumatologist); Dr Derek Moss (Consultant dermatologist)"
        in jane_text
    )
    assert (
        "Joint decision: the quorum was present (at least 1 consultant rheumatologist, "
        "at least 1 consultant dermatologist)" in jane_text
    )
    assert "Verified by Pat Hale (Ig pharmacist)" in jane_text
    assert "NOT a joint decision (no consultant dermatologist present" in ken_text
    assert "DRAFT" in ken_text  # the decision is not signed
    assert result.drafts == ("KENT, Ken",) or "KENT, Ken" in result.drafts
    combined = PdfReader(io.BytesIO(result.combined.read_bytes()))
    pages = sum(len(PdfReader(io.BytesIO(f.read_bytes())).pages) for f in result.files)
    assert len(combined.pages) == pages


def test_an_unverified_dose_plan_says_so_in_the_letter(store, meeting, tmp_path):
    from mdtapp.domain.model import Regimen
    from mdtapp.reports.service import produce_letter

    store_settings(store, SETTINGS)
    _, jane_uid, _ = meeting
    old = store.load(jane_uid).regimens[-1]  # verified; its amendment awaits verification
    store.save(
        "regimens",
        jane_uid,
        Regimen(old.value.from_date, 1.5, 5, 4, "iv", 70.0),
        uid=old.uid,
        base_version=old.version,
        reason="lower dose",
    )
    text = " ".join(pages_text(produce_letter(store, jane_uid).pdf))
    assert "Awaiting pharmacist verification" in text


def test_a_meeting_in_the_future_has_no_outcomes_nor_letters(store, jane_treated, tmp_path):
    store_settings(store, SETTINGS)
    saved = store.add_meeting(Meeting(date(2026, 12, 1), "14:00", "virtual", "", (RHEUM,), ()))
    with pytest.raises(ValidationError, match="date: the meeting is on 01-Dec-2026, in the future"):
        produce_outcomes(store, saved.uid)
    with pytest.raises(ValidationError, match="date:"):
        produce_meeting_letters(store, saved.uid, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_missing_letterhead_is_asked_once_before_any_letter_is_written(store, meeting, tmp_path):
    uid, _, _ = meeting
    with pytest.raises(LetterNotReady) as e:
        produce_meeting_letters(store, uid, tmp_path / "out")
    assert any(m.key == "letterhead.centre" for m in e.value.missing)
    assert not (tmp_path / "out").exists()
