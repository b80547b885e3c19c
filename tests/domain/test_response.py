from __future__ import annotations

from datetime import date

from mdtapp.domain.model import OrganStatus
from mdtapp.domain.response import evaluate
from tests.factories import assessment, mrss_all

FIRST = date(2026, 2, 3)
BASE = date(2026, 2, 3)  # same day as the first infusion: baseline is "on or before"
M3, M6 = date(2026, 5, 5), date(2026, 8, 4)


def ev(f, *history, at=None, first=FIRST):
    return evaluate(list(history), first_infusion=first, forms=f, at=at)


def raised(e):
    return {x.key: x for x in e.raised}


def test_a_responder_on_mrss_names_the_numbers(f):
    e = ev(f, assessment(BASE, mrss=30), assessment(M3, mrss=25))
    assert e.baseline_date == BASE and e.on_treatment
    assert e.response is True
    [evidence] = e.response_evidence
    assert evidence.measure == "mrss"
    assert (evidence.before, evidence.after, evidence.change) == (30, 25, -5)
    assert evidence.text == "mRSS 30 → 25 (−5) vs baseline 03-Feb-2026; response is a change of −5"
    assert not e.raised


def test_four_points_is_not_a_response(f):
    e = ev(f, assessment(BASE, mrss=30), assessment(M3, mrss=26))
    assert e.response is False


def test_vas_and_papule_responses(f):
    e = ev(f, assessment(BASE, itch=70, papules=40), assessment(M3, itch=50, papules=30))
    measures = {x.measure for x in e.response_evidence}
    assert measures == {"itch_vas_mm", "papules"}  # 20 mm fall; 25 % fall (40 -> 30)


def test_no_response_after_6_months_is_flagged_with_its_numbers(f):
    e = ev(
        f,
        assessment(BASE, mrss=30, itch=60),
        assessment(M3, mrss=29, itch=55),
        assessment(M6, mrss=28, itch=50),
    )
    assert e.response is False
    flag = raised(e)["no_response_after_6_months"]
    assert "6+ months since first infusion 03-Feb-2026" in flag.evidence[0].text
    assert "mRSS 30 → 28 (−2)" in flag.notes
    assert "Itch VAS 60 → 50 mm (−10 mm)" in flag.notes


def test_no_response_flag_waits_for_6_calendar_months(f):
    early = ev(f, assessment(BASE), assessment(date(2026, 8, 2)))  # 6 months is 03-Aug-2026
    assert "no_response_after_6_months" not in raised(early)
    on_the_day = ev(f, assessment(BASE), assessment(date(2026, 8, 3)))
    assert "no_response_after_6_months" in raised(on_the_day)


def test_partial_mrss_is_never_compared_with_complete(f):
    partial = mrss_all(3, back=None)
    e = ev(f, assessment(BASE, mrss=mrss_all(1)), assessment(M3, mrss=partial))
    mrss = next(c for c in e.versus_baseline if c.measure == "mrss")
    assert not mrss.comparable
    assert "different areas assessed" in mrss.why_not
    # a 57-point total that looks like +37 must not raise worsening
    assert "worsening_disease_activity" not in raised(e)


def test_papules_only_over_the_same_site_and_never_from_zero(f):
    moved = ev(
        f,
        assessment(BASE, papules=40, site="left forearm"),
        assessment(M3, papules=80, site="right forearm"),
    )
    assert not moved.raised
    c = next(c for c in moved.versus_previous if c.measure == "papules")
    assert not c.comparable
    assert c.why_not == (
        "Papules not compared: counted over 'right forearm' now but 'left forearm' on 03-Feb-2026"
    )
    from_zero = ev(f, assessment(BASE, papules=0), assessment(M3, papules=12))
    c = next(c for c in from_zero.versus_previous if c.measure == "papules")
    assert not c.comparable and "count on 03-Feb-2026 was 0" in c.why_not
    same_site = ev(
        f,
        assessment(BASE, papules=40, site="Left  Forearm"),
        assessment(M3, papules=50, site="left forearm"),
    )
    assert raised(same_site)["worsening_disease_activity"].evidence[0].measure == "papules"


def test_worsening_disease_activity_against_the_previous_assessment(f):
    e = ev(
        f,
        assessment(BASE, mrss=30, itch=40, phga=40),
        assessment(M3, mrss=20, itch=20, phga=20),
        assessment(M6, mrss=25, itch=40, phga=39),
    )
    flag = raised(e)["worsening_disease_activity"]
    texts = [x.text for x in flag.evidence]
    assert texts == [
        "mRSS 20 → 25 (+5) vs previous 05-May-2026; worsening is a change of +5",
        "Itch VAS 20 → 40 mm (+20 mm) vs previous 05-May-2026; worsening is a change of +20 mm",
    ]  # physician global +19 mm is under the threshold
    assert e.response is True  # still a responder against baseline: both are shown


def test_dermatoneuro_syndrome_newly_present(f):
    e = ev(f, assessment(BASE), assessment(M3, dermatoneuro=True))
    flag = raised(e)["worsening_disease_activity"]
    assert flag.evidence[0].text == (
        "Dermatoneuro syndrome newly present (was not present on 03-Feb-2026)"
    )


def test_extracutaneous_progression_or_new_involvement(f):
    e = ev(
        f,
        assessment(BASE, systemic={"renal": OrganStatus(True, False)}),
        assessment(
            M3,
            systemic={"renal": OrganStatus(True, True), "cardiovascular": OrganStatus(True, False)},
        ),
    )
    texts = [x.text for x in raised(e)["worsening_extracutaneous"].evidence]
    assert texts == [
        "Cardiovascular: newly involved (was not involved on 03-Feb-2026)",
        "Renal: evidence of progression recorded",
    ]
    stable = ev(
        f,
        assessment(BASE, systemic={"renal": OrganStatus(True, False)}),
        assessment(M3, systemic={"renal": OrganStatus(True, False)}),
    )
    assert "worsening_extracutaneous" not in raised(stable)


def test_worsening_quality_of_life(f):
    e = ev(f, assessment(BASE, ptga=30), assessment(M3, ptga=50, hrqol_worse=True))
    texts = [x.text for x in raised(e)["worsening_quality_of_life"].evidence]
    assert texts[0] == "Health-related quality of life recorded as worse"
    assert texts[1].startswith("Patient global assessment VAS 30 → 50 mm (+20 mm)")


def test_no_stop_flags_before_treatment(f):
    e = ev(f, assessment(date(2026, 1, 5), mrss=10), assessment(BASE, mrss=30, dermatoneuro=True))
    assert not e.on_treatment and not e.raised and e.response is None
    untreated = ev(f, assessment(date(2026, 1, 5)), first=None)
    assert untreated.response_text == "Before treatment"


def test_every_flag_is_reported_raised_or_not(f):
    e = ev(f, assessment(BASE), assessment(M3))
    assert [x.key for x in e.flags] == [
        "worsening_disease_activity",
        "worsening_extracutaneous",
        "worsening_quality_of_life",
        "no_response_after_6_months",
    ]
    assert e.flags[0].to_json()["flag"] == "worsening_disease_activity"
