"""What a typed field may hold (issue 14.11): names and identifiers are one line with no
control or bidirectional-control character; free text keeps new lines and tabs. The rule is
the domain's, so every save and every import applies it, naming the field."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from mdtapp.domain.forms import forms
from mdtapp.domain.model import (
    GP,
    Admission,
    Decision,
    Eligibility,
    Infusion,
    LocalCentre,
    PhotoRef,
    Regimen,
    text_problem,
    validate_admission,
    validate_assessment,
    validate_decision,
    validate_eligibility,
    validate_infusion,
    validate_patient,
    validate_regimen,
)
from tests.factories import assessment
from tests.store.conftest import jane

TODAY = date(2026, 11, 21)
F = forms()

REFUSED_IN_A_LINE = {
    "NUL": "\x00",
    "line feed": "\n",
    "tab": "\t",
    "escape": "\x1b",
    "DEL": "\x7f",
    "C1 next line": "\x85",
    "right-to-left override": "\u202e",
    "left-to-right embedding": "\u202a",
    "first strong isolate": "\u2068",
    "pop directional isolate": "\u2069",
    "lone surrogate": "\ud800",
}


@pytest.mark.parametrize("char", list(REFUSED_IN_A_LINE.values()), ids=list(REFUSED_IN_A_LINE))
def test_a_name_refuses_every_control_and_bidi_character(char):
    problem = text_problem(f"Sm{char}ith")
    assert problem is not None
    assert f"U+{ord(char):04X} (character 3)" in problem


def test_the_message_says_what_is_allowed():
    assert text_problem("Smith\u202e") == (
        "must not contain the bidirectional control U+202E (character 6): it makes text show "
        "in another order than it is stored; a name or identifier is one line of letters, "
        "digits, spaces and punctuation"
    )
    assert text_problem("a\x07b", free_text=True) == (
        "must not contain the control character U+0007 (character 2); free text may hold new "
        "lines and tabs, no other control character"
    )


def test_free_text_keeps_new_lines_tabs_and_right_to_left_writing():
    assert text_problem("Line one\r\nline two\ttabbed", free_text=True) is None
    assert text_problem("\u2067\u05e9\u05dc\u05d5\u05dd\u2069 shalom", free_text=True) is None
    for char in ("\x00", "\x0c", "\x1b", "\x7f", "\x9b", "\udc00"):
        assert text_problem(f"a{char}b", free_text=True) is not None


def test_every_script_and_ordinary_punctuation_is_a_valid_name():
    for name in ("O'Brien-Smith", "Ng", "Nguyễn", "Müller", "Ōtsuka 大塚", "محمد", "Łukasz Ż."):
        assert text_problem(name) is None


def _fields(errors):
    return {e.field: e.message for e in errors}


def test_every_name_and_identifier_of_a_patient_is_a_line():
    bad = "X\u202eY"
    patient = jane(
        family_name=bad,
        given_names="Ja\x00ne",
        hospital_number="H1\n23",
        gp=GP(bad, bad, "Surgery\nHigh St"),
        local_centre=LocalCentre(bad, "Unit 1\nTown"),
        address="1 High St\nTown",
    )
    found = _fields(validate_patient(patient, F, TODAY))
    assert set(found) == {
        "family_name",
        "given_names",
        "hospital_number",
        "gp.name",
        "gp.practice",
        "local_centre.name",
    }  # addresses are free text: their new lines are allowed
    assert "U+0000 (character 3)" in found["given_names"]


def test_the_other_records_name_their_fields():
    bad = "B\u2066X"
    eligibility = Eligibility(
        criteria=dict.fromkeys(F.eligibility.criterion_keys, "yes"),
        contraindications=(bad,),
        contraindications_reviewed=True,
        ig_database_reference=bad,
    )
    assert set(_fields(validate_eligibility(eligibility, F, TODAY))) == {
        "contraindications[0]",
        "ig_database_reference",
    }
    decision = Decision(TODAY, "continue", "reason\non two lines", clinicians=(bad,))
    assert set(_fields(validate_decision(decision, F, TODAY))) == {"clinicians[0]"}
    infusion = Infusion(TODAY, 25.0, bad, bad, "iv", reaction="rash\nsettled")
    assert set(_fields(validate_infusion(infusion, TODAY))) == {"product", "batch"}
    admission = Admission(TODAY, None, True, "a\x00b")
    assert set(_fields(validate_admission(admission, TODAY))) == {"notes"}
    regimen = Regimen(TODAY, 2.0, 5, 4, "iv", 70.0, 60.0, "renal\x00impairment")
    assert set(_fields(validate_regimen(regimen, F))) == {"override_reason"}


def test_the_assessment_examiner_site_and_view_are_lines_and_notes_free_text():
    a = dataclasses.replace(
        assessment(TODAY, examiner="Dr\u202eB", site="left\tforearm"),
        notes="first line\nsecond line",
        systemic_other="lungs:\n\tfine",
        photos=(PhotoRef("left\x00forearm", "0" * 64, "image/jpeg"),),
    )
    assert set(_fields(validate_assessment(a, F, TODAY))) == {
        "examiner",
        "papules.site",
        "photos[0].view",
    }
    notes_bell = dataclasses.replace(assessment(TODAY), notes="ding\x07")
    assert set(_fields(validate_assessment(notes_bell, F, TODAY))) == {"notes"}


def test_text_measures_say_whether_they_are_one_line():
    assert not F.assessment.measure("examiner").multiline
    assert F.assessment.measure("notes").multiline
    assert F.assessment.measure("systemic_other").multiline
