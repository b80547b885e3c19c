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


# ---------------------------------------------------------------- issue 15.1: previous per measure


def test_a_vas_left_blank_last_time_does_not_hide_a_rise_since_the_time_before(f):
    # itch 60 at baseline, not recorded at 3 months, 90 at 6 months: 90 - 60 = +30 mm, over
    # the 20 mm threshold, against the most recent assessment that recorded itch (03-Feb-2026)
    e = ev(
        f,
        assessment(BASE, itch=60),
        assessment(M3, itch=None),
        assessment(M6, itch=90),
    )
    flag = raised(e)["worsening_disease_activity"]
    [itch] = [x for x in flag.evidence if x.measure == "itch_vas_mm"]
    assert itch.text == (
        "Itch VAS 60 → 90 mm (+30 mm) vs previous 03-Feb-2026; worsening is a change of +20 mm"
    )
    assert (itch.before, itch.after, itch.change, itch.versus_date) == (60, 90, 30, BASE)
    assert e.previous_date == M3  # the previous assessment is still the 3-month one
    itch_vs_previous = next(c for c in e.versus_previous if c.measure == "itch_vas_mm")
    assert itch_vs_previous.before_date == BASE


def test_the_mrss_is_compared_with_the_last_score_over_the_same_areas(f):
    # a complete 30, a partial at 3 months (back not assessed), a complete 36 at 6 months:
    # 36 - 30 = +6 against the last complete score; the partial is never set against it
    partial = mrss_all(1, back=None)
    e = ev(f, assessment(BASE, mrss=30), assessment(M3, mrss=partial), assessment(M6, mrss=36))
    [mrss] = [x for x in raised(e)["worsening_disease_activity"].evidence if x.measure == "mrss"]
    assert mrss.text == "mRSS 30 → 36 (+6) vs previous 03-Feb-2026; worsening is a change of +5"
    # and with nothing over the same areas, it says so with the latest score's date
    only_partial = ev(f, assessment(M3, mrss=partial), assessment(M6, mrss=36), first=BASE)
    c = next(c for c in only_partial.versus_previous if c.measure == "mrss")
    assert not c.comparable
    assert c.why_not == (
        "mRSS not compared: 36 / 60 now vs 19 / 57 — 1 area not assessed on 05-May-2026 "
        "(different areas assessed)"
    )


def test_papules_are_compared_with_the_last_count_over_the_same_site(f):
    # left forearm 40 at baseline, right forearm 10 at 3 months, left forearm 52 at 6 months:
    # (52 - 40) / 40 = +30 %, over the 25 % threshold, against 03-Feb-2026
    e = ev(
        f,
        assessment(BASE, papules=40, site="left forearm"),
        assessment(M3, papules=10, site="right forearm"),
        assessment(M6, papules=52, site="left forearm"),
    )
    flag = raised(e)["worsening_disease_activity"]
    [papules] = [x for x in flag.evidence if x.measure == "papules"]
    assert papules.text == (
        "Papule count 40 → 52 (+30 %) vs previous 03-Feb-2026; worsening is a change of +25 %"
    )


def test_dermatoneuro_syndrome_and_organs_are_compared_with_the_last_recording(f):
    unrecorded = {o: OrganStatus(None, None) for o in f.systemic.organ_keys}
    # not present at baseline, not recorded at 3 months, present at 6 months: newly present
    newly = ev(
        f,
        assessment(BASE, dermatoneuro=False, systemic={"renal": OrganStatus(False, False)}),
        assessment(M3, dermatoneuro=None, systemic=unrecorded),
        assessment(M6, dermatoneuro=True, systemic={"renal": OrganStatus(True, False)}),
    )
    texts = [x.text for x in raised(newly)["worsening_disease_activity"].evidence]
    assert texts == ["Dermatoneuro syndrome newly present (was not present on 03-Feb-2026)"]
    extra = [x.text for x in raised(newly)["worsening_extracutaneous"].evidence]
    assert extra == ["Renal: newly involved (was not involved on 03-Feb-2026)"]
    # present at baseline, not recorded at 3 months, present at 6 months: not new
    known = ev(
        f,
        assessment(BASE, dermatoneuro=True, systemic={"renal": OrganStatus(True, False)}),
        assessment(M3, dermatoneuro=None, systemic=unrecorded),
        assessment(M6, dermatoneuro=True, systemic={"renal": OrganStatus(True, False)}),
    )
    assert not {"worsening_disease_activity", "worsening_extracutaneous"} & set(raised(known))


# ---------------------------------------------------------------- issue 15.3: what was recorded


def empty(on):
    nothing = {o: OrganStatus(None, None) for o in forms_organs()}
    return assessment(
        on,
        mrss=None,
        itch=None,
        ptga=None,
        phga=None,
        papules=None,
        systemic=nothing,
        dermatoneuro=None,
        hrqol_worse=None,
        weight=None,
    )


def forms_organs():
    from mdtapp.domain.forms import forms

    return forms().systemic.organ_keys


def test_an_empty_form_at_six_months_is_not_yet_assessable_never_met(f):
    e = ev(f, assessment(BASE), assessment(M3), empty(M6))
    assert e.on_treatment and not e.raised
    assert e.response is None and e.response_text == "Not yet assessable"
    no_response = next(x for x in e.flags if x.key == "no_response_after_6_months")
    assert no_response.status == "not yet assessable"
    assert {x.key for x in e.not_yet_assessable} == {x.key for x in e.flags}
    assert "Not yet assessable: no response measure recorded at this assessment" in e.notes


def test_one_response_measure_recorded_is_judged(f):
    # only itch typed so far at 6 months: 60 -> 55 is -5 mm, not the -20 mm of a response
    only_itch = assessment(
        M6, mrss=None, itch=55, ptga=None, phga=None, papules=None, dermatoneuro=None
    )
    e = ev(f, assessment(BASE, itch=60), only_itch)
    assert e.response is False
    assert (
        raised(e)["no_response_after_6_months"]
        .evidence[0]
        .text.endswith("no response criterion met vs baseline")
    )


# ---------------------------------------------------------------- issue 15.6: examiners differ


def test_an_mrss_compared_across_examiners_says_so(f):
    # 30 by Dr A Rheum, 36 by Dr B Derm: +6 raises the flag, and the evidence names both
    e = ev(
        f,
        assessment(BASE, mrss=30, examiner="Dr A Rheum"),
        assessment(M3, mrss=36, examiner="Dr B Derm"),
    )
    [mrss] = [x for x in raised(e)["worsening_disease_activity"].evidence if x.measure == "mrss"]
    assert mrss.note == "examiners differ: Dr A Rheum on 03-Feb-2026, Dr B Derm on 05-May-2026"
    assert mrss.text.endswith("; worsening is a change of +5; " + mrss.note)
    assert next(c for c in e.versus_baseline if c.measure == "mrss").note == mrss.note
    # the VAS is not examiner-dependent (forms/assessment.toml): no note there
    assert all(c.note == "" for c in e.versus_previous if c.measure != "mrss")
    same = ev(
        f,
        assessment(BASE, mrss=30, examiner="Dr A Rheum"),
        assessment(M3, mrss=36, examiner="dr a  rheum"),
    )
    assert raised(same)["worsening_disease_activity"].evidence[0].note == ""


def test_the_baseline_is_the_latest_assessment_on_or_before_the_first_infusion(f):
    from mdtapp.domain.response import baseline_for, baseline_of

    history = [assessment(date(2026, 1, 5)), assessment(BASE), assessment(M3)]
    assert baseline_of(history, FIRST).date == BASE  # the same day as the first infusion
    assert baseline_of(history, None) is None
    assert baseline_for(history, FIRST, M3).date == BASE
    assert baseline_for(history, FIRST, BASE) is None  # the baseline has no baseline
