from __future__ import annotations

from datetime import date

from mdtapp.domain.eligibility import assess_eligibility
from mdtapp.domain.model import Eligibility, SpecialtyAgreement

RHEUM = SpecialtyAgreement("Dr A Rheum", date(2026, 3, 3))
DERM = SpecialtyAgreement("Dr B Derm", date(2026, 3, 3))
ON = date(2026, 3, 3)
ADULT = date(1970, 5, 1)


def elig(criteria, **kw):
    args = dict(
        rheumatology_agreed=RHEUM,
        dermatology_agreed=DERM,
        biopsy_date=date(2026, 2, 1),
        contraindications_reviewed=True,
    )
    args.update(kw)
    return Eligibility(criteria=criteria, **args)


ALL_YES = dict(
    papular_sclerodermoid_eruption="yes",
    monoclonal_gammopathy="yes",
    no_thyroid_disease="yes",
    histological_triad="yes",
)


def check(f, e, born=ADULT, on=ON, **kw):
    return assess_eligibility(e, date_of_birth=born, on=on, rules=f.eligibility, **kw)


def states(result):
    return {i.key: i.state for i in result.items}


def test_all_four_met(f):
    r = check(f, elig(ALL_YES))
    assert r.eligible and r.criteria_met == 4
    assert r.verdict == "Eligible under policy 2271"


def test_meeting_scenario_three_of_four_with_biopsy_pending(f):
    # domain.md "A meeting", patient A: histology unknown, no biopsy yet
    e = elig(ALL_YES | {"histological_triad": "unknown"}, biopsy_date=None)
    r = check(f, e)
    assert r.eligible and r.criteria_met == 3
    assert states(r)["biopsy"] == "warning"
    assert any("preferable, not mandatory" in w for w in r.warnings)
    assert states(r)["histological_triad"] == "unknown"


def test_unknown_never_counts_as_met(f):
    e = elig(ALL_YES | {"monoclonal_gammopathy": "unknown", "no_thyroid_disease": "unknown"})
    r = check(f, e)
    assert r.criteria_met == 2 and not r.eligible
    assert r.status == "incomplete"  # could still be eligible once the unknowns are known
    assert any("2 of 4 Rongioletti criteria met" in x for x in r.reasons)


def test_two_no_answers_make_the_patient_not_eligible(f):
    e = elig(ALL_YES | {"monoclonal_gammopathy": "no", "no_thyroid_disease": "no"})
    r = check(f, e)
    assert r.status == "not_eligible"
    assert states(r)["rongioletti"] == "not_met"


def test_histology_without_a_biopsy_cannot_count(f):
    e = elig(ALL_YES | {"monoclonal_gammopathy": "no"}, biopsy_date=None)
    r = check(f, e)
    assert r.criteria_met == 2 and not r.eligible
    item = next(i for i in r.items if i.key == "histological_triad")
    assert item.state == "unknown" and "no biopsy is recorded" in item.detail


def test_a_contraindication_excludes(f):
    e = elig(ALL_YES, contraindications=("IgA deficiency with antibodies against IgA",))
    r = check(f, e)
    assert r.status == "not_eligible"
    assert "Contraindication: IgA deficiency with antibodies against IgA" in r.reasons


def test_contraindications_not_reviewed_is_not_the_same_as_none(f):
    r = check(f, elig(ALL_YES, contraindications_reviewed=False))
    assert r.status == "incomplete" and states(r)["contraindications"] == "unknown"


def test_both_specialties_must_agree(f):
    r = check(f, elig(ALL_YES, dermatology_agreed=None))
    assert r.status == "incomplete"
    assert "Dermatology agreement not recorded" in r.reasons


def test_under_18_on_the_decision_date_is_named_not_blocked(f):
    born = date(2008, 3, 4)  # 17 on 03-Mar-2026, 18 the next day
    r = check(f, elig(ALL_YES), born=born)
    assert r.status == "not_eligible"
    adult = next(i for i in r.items if i.key == "adult")
    assert "170001/P" in adult.detail and "Data entry continues" in adult.detail
    assert check(f, elig(ALL_YES), born=born, on=date(2026, 3, 4)).eligible


def test_starting_requirements(f):
    e = elig(
        ALL_YES,
        referral_form_completed=True,
        ig_database_reference="MDSAS-12345",
        panel_approval="approved",
    )
    r = check(f, e, start_decision=ON)
    assert r.ready_to_start
    pending = check(
        f,
        elig(
            ALL_YES,
            referral_form_completed=True,
            ig_database_reference="X",
            panel_approval="pending",
        ),
        start_decision=ON,
    )
    assert pending.eligible and not pending.ready_to_start
    assert not check(f, e).ready_to_start  # no documented decision yet
