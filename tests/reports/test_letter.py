from __future__ import annotations

from datetime import date

from mdtapp.domain.instruments import mrss_total
from mdtapp.reports.service import produce_letter
from tests.reports.conftest import SETTINGS, pages_text
from tests.store.conftest import jane


def _letter(store, uid, **kw):
    return produce_letter(store, uid, settings=SETTINGS, **kw)


def test_every_mrss_area_and_the_total_match_the_stored_assessment(store, jane_treated):
    text = " ".join(pages_text(_letter(store, jane_treated).pdf))
    file = store.load(jane_treated)
    now, base = file.assessments[-1].value, file.assessments[0].value
    for row in store.forms.mrss.rows:
        label = row.label + (" *" if row.added else "")
        if row.single:
            expected = f"{label} {now.mrss[row.single]} {base.mrss[row.single]} "
        else:
            expected = (
                f"{label} {now.mrss[row.right]} {now.mrss[row.left]} "
                f"{base.mrss[row.right]} {base.mrss[row.left]} "
            )
        assert expected in text, expected
    assert mrss_total(now.mrss, store.forms.mrss).text == "27 / 60"
    assert "Total 27 / 60 20 / 60" in text
    assert "Change in mRSS: vs previous +7; vs baseline +7" in text


def test_the_vas_papules_systemic_and_must_are_in_the_letter(store, jane_treated):
    text = " ".join(pages_text(_letter(store, jane_treated).pdf))
    assert "Itch VAS 6.5 cm (65 mm, moderate) 4.0 cm (40 mm, moderate)" in text
    assert "+25 mm" in text
    assert "Patient global assessment VAS 4.0 cm (40 mm)" in text
    assert "Papule count (2 × 2 cm) 20 (left forearm)" in text
    assert "Renal Yes Yes" in text
    assert "Dermatoneuro syndrome: No" in text
    assert "MUST 0 (low risk)" in text


def test_the_dose_plan_is_the_worked_example(store, jane_treated):
    text = " ".join(pages_text(_letter(store, jane_treated).pdf))
    assert "adjusted weight 62.1 kg" in text
    assert "ideal 56.9 kg · adjusted 62.1 kg · actual 70.0 kg" in text
    assert "120 g (rounded down to whole 10 g)" in text
    assert "5 days: 25 + 25 + 25 + 25 + 20 = 120 g" in text
    assert "every 4 weeks" in text
    # with no earlier letter, the courses since the previous assessment, with batch numbers
    assert "given since the previous assessment (03-Aug-2026)" in text
    assert "PRV0, PRV1, PRV2, PRV3, PRV4" in text and "PRV9" in text


def test_the_flags_decision_plan_and_review_are_in_the_letter(store, jane_treated):
    text = " ".join(pages_text(_letter(store, jane_treated).pdf))
    assert "Worsening disease activity MET mRSS 20 → 27 (+7) vs previous 03-Aug-2026" in text
    assert "Itch VAS 40 → 65 mm (+25 mm)" in text
    assert "Worsening extracutaneous manifestations MET Renal: evidence of progression" in text
    assert "Worsening quality of life not met" in text
    assert "MDT decision (05-Nov-2026): Stop immunoglobulin. Reason: Worse skin and itch" in text
    assert "GP Please stop repeat prescriptions." in text
    assert "Local treating centre Cancel the booked December course." in text
    # the decision is "stop": nothing is due (domain.md section 3), the date asked for is said
    assert (
        "Next review Treatment stopped on 05-Nov-2026 (the MDT asked to see the patient on "
        "05-Feb-2027). No review of the policy's schedule is due while treatment is stopped."
        in text
    )
    assert "05-Feb-2027 (set by the MDT)" not in text
    assert "Immunoglobulin stopped on 05-Nov-2026." in text
    assert "Dr B Derm, Consultant dermatologist" in text


def test_a_reprint_of_the_baseline_letter_says_nothing_of_the_later_stop(store, jane_treated):
    """The baseline (03-Aug-2026) letter printed after the stop of 05-Nov-2026 keeps that
    assessment's plan: the stop belongs to the 05-Nov-2026 letter."""
    uid = jane_treated
    text = " ".join(pages_text(_letter(store, uid, on=date(2026, 8, 3)).pdf))
    assert "Immunoglobulin stopped" not in text and "Treatment stopped" not in text
    # the plan as it stood that day: the first infusion (05-Aug-2026) was still to come
    assert "Next review No review due: treatment not started and no review date set" in text


def test_name_nhs_number_and_page_n_of_m_on_every_page(store, jane_treated):
    pages = pages_text(_letter(store, jane_treated).pdf)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert "SMITH, Jane · NHS No. 943 476 5919 · Born 02-Jan-1970" in page
        assert f"Page {number} of {len(pages)}" in page
    assert "Test Hospital" in pages[0] and "Born 02-Jan-1970" in pages[0]


def test_a_name_in_greek_or_cyrillic_renders(store):
    p = store.add_patient(jane(family_name="Παπαδοπούλου", given_names="Ζωή Ольга Łucja"))
    from tests.factories import assessment

    store.save("assessments", p.uid, assessment(date(2026, 11, 1)))
    text = " ".join(pages_text(_letter(store, p.uid).pdf))
    assert "ΠΑΠΑΔΟΠΟΎΛΟΥ, Ζωή Ольга Łucja" in text


def test_producing_a_letter_is_audited_and_the_next_one_lists_only_newer_courses(
    store, jane_treated
):
    first = _letter(store, jane_treated)
    entry = store.audit_entries(patient_uid=jane_treated, limit=1)[0]
    assert (entry.action, entry.entity, entry.entity_uid, entry.user) == (
        "letter",
        "assessments",
        first.assessment_uid,
        "tester",
    )
    assert "05-Nov-2026" in entry.detail
    from tests.factories import assessment

    store.save(
        "assessments",
        jane_treated,
        assessment(date(2026, 11, 20), mrss=27, itch=65, ptga=40, phga=40, papules=20),
    )
    text = " ".join(pages_text(_letter(store, jane_treated).pdf))
    assert "given since the last letter (05-Nov-2026)" not in text  # no course since
    assert "PRV9" not in text


def test_an_earlier_assessment_can_be_chosen(store, jane_treated):
    produced = _letter(store, jane_treated, on=date(2026, 8, 3))
    text = " ".join(pages_text(produced.pdf))
    assert produced.assessment_date == date(2026, 8, 3)
    assert "Baseline assessment; first infusion 05-Aug-2026." in text
    assert "Before treatment: the stopping criteria apply once immunoglobulin has started" in text


def test_the_letter_compares_each_measure_with_its_last_recording(store, jane_treated):
    # issue 15.1: itch 65 on 05-Nov, not recorded on 20-Nov, 90 on 21-Nov: 90 - 65 = +25 mm
    # against 05-Nov, shown with that date; issue 15.6: the mRSS by another examiner says so
    from tests.factories import assessment

    store.save(
        "assessments",
        jane_treated,
        assessment(date(2026, 11, 20), mrss=27, itch=None, ptga=40, phga=40, papules=20),
    )
    store.save(
        "assessments",
        jane_treated,
        assessment(
            date(2026, 11, 21),
            mrss=33,
            itch=90,
            ptga=40,
            phga=40,
            papules=20,
            examiner="Dr A Rheum",
        ),
    )
    text = " ".join(pages_text(_letter(store, jane_treated).pdf))
    assert (
        "Itch VAS 9.0 cm (90 mm, very severe) 6.5 cm (65 mm, moderate) on 05-Nov-2026 "
        "4.0 cm (40 mm, moderate) +25 mm +50 mm" in text
    )
    assert "Itch VAS 65 → 90 mm (+25 mm) vs previous 05-Nov-2026" in text
    # mRSS 27 (Dr B Derm, 20-Nov) -> 33 (Dr A Rheum) = +6
    assert (
        "Change in mRSS: vs previous +6 (examiners differ: Dr B Derm on 20-Nov-2026, "
        "Dr A Rheum on 21-Nov-2026)" in text
    )
    assert (
        "mRSS 27 → 33 (+6) vs previous 20-Nov-2026; worsening is a change of +5; examiners "
        "differ: Dr B Derm on 20-Nov-2026, Dr A Rheum on 21-Nov-2026" in text
    )


def test_an_empty_assessment_at_six_months_is_not_yet_assessable_in_the_letter(store):
    # issue 15.3: first infusion 03-Feb-2026, an empty form on 04-Aug-2026 (6 months on)
    from mdtapp.domain.model import Infusion, OrganStatus
    from tests.factories import assessment

    p = store.add_patient(jane())
    store.save("assessments", p.uid, assessment(date(2026, 2, 3)))
    store.save("infusions", p.uid, Infusion(date(2026, 2, 3), 25.0, "Privigen", "B1", "iv"))
    nothing = {o: OrganStatus(None, None) for o in store.forms.systemic.organ_keys}
    store.save(
        "assessments",
        p.uid,
        assessment(
            date(2026, 8, 4),
            mrss=None,
            itch=None,
            ptga=None,
            phga=None,
            papules=None,
            systemic=nothing,
            dermatoneuro=None,
            hrqol_worse=None,
            weight=None,
        ),
    )
    text = " ".join(pages_text(_letter(store, p.uid).pdf))
    assert "No response after at least 6 months not yet assessable" in text
    assert "MET" not in text
    assert "Response not yet assessable: no response measure recorded." in text
