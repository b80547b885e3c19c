from __future__ import annotations

import dataclasses
import shutil
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mdtapp.domain.dosing import DoseRequest, plan_dose, split_course
from mdtapp.domain.errors import FieldError, ValidationError
from mdtapp.domain.forms import FormsError, load_forms
from mdtapp.domain.model import Regimen, validate_regimen
from mdtapp.domain.numbers import rounded
from mdtapp.paths import forms_dir


def plan(f, **kw):
    args = dict(sex="female", height_cm=165, weight_kg=70, g_per_kg=2, days=5)
    args.update(kw)
    return plan_dose(DoseRequest(**args), f.dosing)


def kg(value: Fraction) -> Decimal:
    return rounded(value, 1)


def test_domain_worked_example(f):
    # female, 165 cm, 70 kg, 2 g/kg over 5 days (domain.md section 2):
    # 165 cm = 64.96 in; IBW = 45.5 + 2.3 x 4.96 = 56.9 kg; 70 > 1.2 x 56.9 = 68.3 -> adjusted
    # = 56.9 + 0.4 x 13.1 = 62.1 kg; 2 x 62.1 = 124.3 g -> 120 g; days 25, 25, 25, 25, 20.
    p = plan(f)
    assert kg(p.ideal_weight_kg) == Decimal("56.9")
    assert kg(p.adjusted_weight_kg) == Decimal("62.1")
    assert kg(p.actual_weight_kg) == Decimal("70.0")
    assert kg(p.bmi) == Decimal("25.7")
    assert p.weight_basis == "adjusted"
    assert kg(p.dosing_weight_kg) == Decimal("62.1")
    assert rounded(p.exact_dose_g, 1) == Decimal("124.3")
    assert p.course_total_g == 120
    assert list(p.doses_g) == [25, 25, 25, 25, 20]
    assert p.interval_weeks == 4
    assert "more than 20 % above ideal (1.2 × 56.9 = 68.3 kg)" in p.rule
    assert "Course dose = 2 g/kg × 62.1 kg = 124.3 g → rounded down to whole 10 g: 120 g" in p.steps
    assert any("starting interval, every 4 weeks" in s for s in p.steps)  # default said, not silent


def test_json_has_the_agreed_keys(f):
    j = plan(f).to_json()
    assert j["ideal_weight_kg"] == 56.9
    assert j["adjusted_weight_kg"] == 62.1
    assert j["actual_weight_kg"] == 70
    assert j["bmi"] == 25.7
    assert j["weight_basis"] == "adjusted"
    assert j["dosing_weight_kg"] == 62.1
    assert j["course_total_g"] == 120
    assert j["daily_doses_g"] == [25, 25, 25, 25, 20]


def test_exactly_20_percent_above_ideal_uses_ideal(f):
    # 152.4 cm = 60 in exactly: IBW (female) = 45.5 kg; 1.2 x 45.5 = 54.6 kg. Not MORE than 20 %.
    # BMI 54.6 / 1.524^2 = 23.5. Dose 2 x 45.5 = 91 g -> 90 g; 18 vials of 5 g over 5 days.
    p = plan(f, height_cm=152.4, weight_kg=54.6)
    assert p.ideal_weight_kg == Fraction(91, 2)
    assert p.weight_basis == "ideal"
    assert p.course_total_g == 90
    assert list(p.doses_g) == [20, 20, 20, 15, 15]
    # 54.7 kg is more than 20 % above: adjusted = 45.5 + 0.4 x 9.2 = 49.18 -> 98.36 g -> 90 g
    q = plan(f, height_cm=152.4, weight_kg=54.7)
    assert q.weight_basis == "adjusted"
    assert q.adjusted_weight_kg == Fraction("49.18")
    assert q.course_total_g == 90


def test_bmi_exactly_30_is_not_over_30(f):
    # With Devine weights a BMI of 30 is always > 20 % above IBW, so isolate the BMI rule by
    # raising the IBW factor (a forms/ data change): 200 cm, 120 kg -> BMI 120 / 4 = 30 exactly.
    rules = dataclasses.replace(f.dosing, adjusted_if_actual_over_ibw_factor=Decimal("2"))
    at = plan_dose(DoseRequest("male", 200, 120, 2, 5), rules)
    assert at.bmi == 30
    assert at.weight_basis == "ideal"
    assert "BMI 30.0 is not over 30" in at.rule
    over = plan_dose(DoseRequest("male", 200, 120.4, 2, 5), rules)  # BMI 30.1
    assert over.weight_basis == "adjusted"
    assert over.rule.startswith("BMI 30.1 is over 30")


def test_actual_below_ideal_uses_actual(f):
    # male 180 cm = 70.87 in: IBW = 50 + 2.3 x 10.87 = 74.99 kg; 70 kg is below -> actual.
    # 2 x 70 = 140 g over 4 days: 35 g a day.
    p = plan(f, sex="male", height_cm=180, weight_kg=70, days=4)
    assert kg(p.ideal_weight_kg) == Decimal("75.0")
    assert p.weight_basis == "actual"
    assert p.dosing_weight_kg == 70
    assert p.course_total_g == 140
    assert list(p.doses_g) == [35, 35, 35, 35]


def test_ideal_basis_and_a_dose_just_under_a_10_g_boundary_is_shown_with_more_decimals(f):
    # male 180 cm, 80 kg: IBW 74.992 kg; 80 <= 1.2 x 74.99 = 89.99; BMI 24.7 -> ideal.
    # 2 x 74.992 = 149.98 g -> 140 g. Shown as "75.0 kg" and "150.0 g" a pharmacist would
    # expect 150 g, so the plan shows 74.99 kg and 149.98 g instead.
    p = plan(f, sex="male", height_cm=180, weight_kg=80)
    assert p.weight_basis == "ideal"
    assert p.course_total_g == 140
    assert (
        "Course dose = 2 g/kg × 74.99 kg = 149.98 g → rounded down to whole 10 g: 140 g" in p.steps
    )


def test_a_float_error_never_drops_a_vial(f):
    # 1.15 x 200 is 229.99999999999997 in binary floating point: naive code gives 220 g.
    p = plan(f, override_weight_kg=200, override_reason="Weight-bearing oedema; MDT", g_per_kg=1.15)
    assert p.exact_dose_g == 230
    assert p.course_total_g == 230


def test_override_is_used_and_stated(f):
    p = plan(f, override_weight_kg=65, override_reason="Recent weight loss; MDT 3-Feb")
    assert p.weight_basis == "adjusted"  # what the rule chose is still reported
    assert p.dosing_weight_kg == 65
    assert p.course_total_g == 130
    assert list(p.doses_g) == [30, 25, 25, 25, 25]  # domain.md: 130 g over 5 days
    assert p.overridden
    assert any("overridden" in n and "Recent weight loss" in n for n in p.notes)
    with pytest.raises(ValidationError) as raised:
        plan(f, override_weight_kg=65)
    assert [e.field for e in raised.value.errors] == ["override_reason"]


def test_sex_other_needs_a_chosen_basis_never_a_guess(f):
    with pytest.raises(ValidationError) as raised:
        plan(f, sex="other")
    assert raised.value.errors[0].field == "ibw_basis"
    assert "never guessed" in raised.value.errors[0].message
    p = plan(f, sex="unknown", ibw_basis="male")
    assert p.ibw_formula == "male"
    assert any("chosen by the user" in n for n in p.notes)


def test_every_bad_input_is_named_at_once(f):
    with pytest.raises(ValidationError) as raised:
        plan_dose(DoseRequest("x", 0, 900, 3, 7), f.dosing)
    messages = {e.field: e.message for e in raised.value.errors}
    assert set(messages) == {"sex", "height_cm", "weight_kg", "g_per_kg", "days"}
    assert messages["height_cm"] == "must be 120-230 cm; got 0"
    assert messages["g_per_kg"] == "must be 0.1-2 g/kg; got 3"
    assert messages["days"] == "must be 2-5 days; got 7"


def test_a_course_that_rounds_to_nothing_is_refused(f):
    # female 170 cm: IBW 61.4 kg; 40 kg is below -> actual; 0.1 x 40 = 4 g -> 0 g
    with pytest.raises(ValidationError, match="rounds down to 0 g"):
        plan(f, height_cm=170, weight_kg=40, g_per_kg=0.1)
    # 0.3 x 40 = 12 g -> 10 g: two 5 g vials cannot cover five days
    with pytest.raises(ValidationError, match="use at most 2 days"):
        plan(f, height_cm=170, weight_kg=40, g_per_kg=0.3)


def test_notes_for_a_reduced_dose_and_a_long_interval(f):
    p = plan(f, g_per_kg=0.8, interval_weeks=8)
    assert any("below the policy's starting range" in n for n in p.notes)
    assert any("8 weeks is longer than the 6 weeks" in n for n in p.notes)
    assert not plan(f, interval_weeks=6).notes


def test_subcutaneous_total_per_4_weeks_split_weekly(f):
    p = plan(f, route="sc", days=None, sc_doses_per_period=4)
    assert p.course_total_g == 120
    assert list(p.doses_g) == [30, 30, 30, 30]
    assert p.interval_weeks == 1
    j = p.to_json()
    assert j["sc_doses_g"] == [30, 30, 30, 30] and "daily_doses_g" not in j


@pytest.mark.parametrize(
    ("total", "parts", "step", "expected"),
    [
        (130, 5, 5, [30, 25, 25, 25, 25]),
        (120, 5, 5, [25, 25, 25, 25, 20]),
        (120, 2, 5, [60, 60]),
        (90, 4, 10, [30, 20, 20, 20]),
        (100, 3, "2.5", ["35", "32.5", "32.5"]),
    ],
)
def test_split_course_larger_days_first(total, parts, step, expected):
    result = split_course(Fraction(total), parts, Fraction(Decimal(str(step))))
    assert result == tuple(Fraction(Decimal(str(x))) for x in expected)


@settings(max_examples=400, deadline=None)
@given(
    sex=st.sampled_from(["female", "male"]),
    height_mm=st.integers(1200, 2300),
    weight_100g=st.integers(250, 3500),
    g_per_kg_100=st.integers(10, 200),
    days=st.integers(2, 5),
    step=st.sampled_from(["1", "2", "2.5", "5", "10"]),
)
def test_dose_properties(f, sex, height_mm, weight_100g, g_per_kg_100, days, step):
    height, weight, g_per_kg = height_mm / 10, weight_100g / 10, g_per_kg_100 / 100
    try:
        p = plan_dose(
            DoseRequest(sex, height, weight, g_per_kg, days, vial_step_g=float(step)), f.dosing
        )
    except ValidationError as e:
        # only the two honest refusals: nothing to give, or too little to spread over the days
        assert "rounds down to 0 g" in str(e) or "cannot be split" in str(e)
        assume(False)
    step_g = Fraction(Decimal(step))
    assert p.course_total_g % 10 == 0
    assert p.course_total_g <= p.g_per_kg * p.dosing_weight_kg < p.course_total_g + 10
    assert sum(p.doses_g) == p.course_total_g
    assert max(p.doses_g) - min(p.doses_g) <= step_g
    assert all((d / step_g).denominator == 1 and d > 0 for d in p.doses_g)
    assert list(p.doses_g) == sorted(p.doses_g, reverse=True)
    assert len(p.doses_g) == days


@settings(max_examples=300, deadline=None)
@given(
    sex=st.sampled_from(["female", "male", "other"]),
    height_mm=st.integers(1200, 2300),
    weight_100g=st.integers(250, 3500),
    g_per_kg_100=st.integers(10, 200),
    route=st.sampled_from(["iv", "sc"]),
    interval=st.one_of(st.none(), st.integers(1, 12)),
    override_100g=st.one_of(st.none(), st.integers(300, 2000)),
)
def test_the_unexplained_plan_has_exactly_the_explained_numbers(
    f, sex, height_mm, weight_100g, g_per_kg_100, route, interval, override_100g
):
    # the audit return asks for the numbers only: they must be the very same numbers
    request = DoseRequest(
        sex,
        height_mm / 10,
        weight_100g / 10,
        g_per_kg_100 / 100,
        days=5 if route == "iv" else None,
        route=route,
        interval_weeks=interval,
        ibw_basis="female" if sex == "other" else None,
        override_weight_kg=None if override_100g is None else override_100g / 10,
        override_reason="" if override_100g is None else "MDT decision",
        sc_doses_per_period=4 if route == "sc" else None,
    )
    try:
        explained = plan_dose(request, f.dosing)
    except ValidationError as e:
        with pytest.raises(ValidationError) as again:
            plan_dose(request, f.dosing, explain=False)
        assert str(again.value) == str(e)
        return
    numbers = plan_dose(request, f.dosing, explain=False)
    assert explained.steps and explained.rule
    assert numbers == dataclasses.replace(explained, rule="", steps=(), notes=())


# ---------------------------------------------------------------- one set of rules


def test_the_stored_regimen_and_the_calculator_give_the_same_messages(f):
    # the same bad values, as a stored regimen and as a dose request: one set of rules names
    # each field as the file does and says what it accepts (before, the stored regimen said
    # "must be one of 1, 2, 2.5, 5, 10 g" without the value, and the calculator called the
    # override "override_weight_kg")
    regimen = Regimen(
        date(2026, 1, 5),
        g_per_kg=3,
        days=7,
        interval_weeks=30,
        route="iv",
        weight_kg=900,
        dosing_weight_override_kg=10,
        override_reason="MDT",
        vial_step_g=3.0,
        ibw_basis="x",
    )
    request = DoseRequest(
        "female",
        165,
        900,
        3,
        7,
        interval_weeks=30,
        vial_step_g=3.0,
        ibw_basis="x",
        override_weight_kg=10,
        override_reason="MDT",
    )
    stored = validate_regimen(regimen, f)
    with pytest.raises(ValidationError) as raised:
        plan_dose(request, f.dosing)
    assert list(raised.value.errors) == stored
    assert {e.field: e.message for e in stored} == {
        "weight_kg": "must be 25-350 kg; got 900",
        "g_per_kg": "must be 0.1-2 g/kg; got 3",
        "days": "must be 2-5 days; got 7",
        "interval_weeks": "must be 1-26 weeks; got 30",
        "vial_step_g": "must be one of 1, 2, 2.5, 5, 10 g; got 3",
        "ibw_basis": "must be female or male; got 'x'",
        "dosing_weight_override_kg": "must be 25-350 kg; got 10",
    }


def test_an_sc_regimen_needs_its_doses_per_period_stored_or_calculated(f):
    # before, a stored SC regimen without it was accepted and then could not be planned
    regimen = Regimen(date(2026, 1, 5), 2, None, 4, "sc", 70)
    expected = FieldError(
        "sc_doses_per_period", "is required for SC (one of 1, 2, 4 doses per 4 weeks)"
    )
    assert validate_regimen(regimen, f) == [expected]
    with pytest.raises(ValidationError) as raised:
        plan(f, route="sc", days=None)
    assert list(raised.value.errors) == [expected]
    # an IV course needs its days, said the same way (before: "must be 2-5 days; got None")
    with pytest.raises(ValidationError) as raised:
        plan(f, days=None)
    assert [str(e) for e in raised.value.errors] == ["days: is required for IV (2-5 days)"]


def test_only_a_stored_regimen_must_state_its_interval(f):
    regimen = Regimen(date(2026, 1, 5), 2, 5, None, "iv", 70)  # type: ignore[arg-type]
    assert [str(e) for e in validate_regimen(regimen, f)] == [
        "interval_weeks: is required (1-26 weeks)"
    ]
    assert plan(f).interval_weeks == 4  # the calculator says it used the starting interval


def test_a_limit_changed_in_the_forms_changes_both(f):
    rules = dataclasses.replace(f.dosing, g_per_kg_max=Decimal("2.5"))
    forms = dataclasses.replace(f, dosing=rules)
    regimen = Regimen(date(2026, 1, 5), 2.5, 5, 4, "iv", 70)
    assert validate_regimen(regimen, forms) == []
    assert plan_dose(DoseRequest("female", 165, 70, 2.5, 5), rules).course_total_g == 150
    assert [str(e) for e in validate_regimen(regimen, f)] == [
        "g_per_kg: must be 0.1-2 g/kg; got 2.5"
    ]


# ---------------------------------------------------------------- under 5 ft (domain.md section 2)

UNDER_5_FT_NOT_OBESE = (
    "Under 5 ft (152.4 cm) and not obese: dosed on actual weight, not the Devine ideal weight; "
    "the MDT may override the dosing weight with a reason."
)


def test_under_5_ft_and_not_obese_is_dosed_on_actual_weight(f):
    # female 145 cm, 40 kg, 2 g/kg over 5 days (domain.md section 2):
    # 145 / 2.54 = 57.087 in: under 60 in (5 ft = 60 x 2.54 = 152.4 cm).
    # BMI = 40 / 1.45² = 40 / 2.1025 = 19.02: not over 30, not obese -> actual weight 40 kg.
    # Course 2 x 40 = 80 g (already whole 10 g); 16 vial steps of 5 g over 5 days:
    # 4 + 3 + 3 + 3 + 3 -> 20, 15, 15, 15, 15 g.
    # Before this rule the Devine line continued gave IBW 45.5 + 2.3 x (57.087 - 60)
    # = 45.5 - 6.70 = 38.80 kg; 40 is not below it nor more than 1.2 x 38.80 = 46.56 -> ideal,
    # 2 x 38.80 = 77.6 g -> 70 g.
    p = plan(f, height_cm=145, weight_kg=40)
    assert kg(p.ideal_weight_kg) == Decimal("38.8")  # still shown: all three weights
    assert kg(p.bmi) == Decimal("19.0")
    assert p.weight_basis == "actual"
    assert p.dosing_weight_kg == 40
    assert p.course_total_g == 80
    assert list(p.doses_g) == [20, 15, 15, 15, 15]
    assert p.rule == (
        "Height 145 cm is under 5 ft (152.4 cm): the Devine formula is not meant for this "
        "height, and BMI 19.0 is not over 30 (not obese): use actual weight"
    )
    assert p.steps[2] == p.rule
    assert p.notes == (UNDER_5_FT_NOT_OBESE,)


def test_under_5_ft_and_obese_keeps_the_adjusted_weight_from_the_continued_line(f):
    # male 120 cm, 45 kg, 2 g/kg over 5 days:
    # 120 / 2.54 = 47.244 in: under 60 in. BMI = 45 / 1.2² = 45 / 1.44 = 31.25: over 30, obese,
    # so the usual rule, on the Devine line continued below 5 ft:
    # IBW = 50 + 2.3 x (47.244 - 60) = 50 - 2.3 x 12.756 = 50 - 29.339 = 20.661 kg;
    # BMI 31.25 > 30 (and 45 > 1.2 x 20.661 = 24.79 kg) -> adjusted
    # = 20.661 + 0.4 x (45 - 20.661) = 20.661 + 9.736 = 30.397 kg;
    # 2 x 30.397 = 60.79 g -> 60 g, as before this rule; 12 steps of 5 g: 15, 15, 10, 10, 10.
    p = plan(f, sex="male", height_cm=120, weight_kg=45)
    assert rounded(p.ideal_weight_kg, 3) == Decimal("20.661")
    assert p.bmi == Fraction("31.25")
    assert p.weight_basis == "adjusted"
    assert rounded(p.dosing_weight_kg, 3) == Decimal("30.397")
    assert rounded(p.exact_dose_g, 2) == Decimal("60.79")
    assert p.course_total_g == 60
    assert list(p.doses_g) == [15, 15, 10, 10, 10]
    assert p.rule.startswith(
        "Height 120 cm is under 5 ft (152.4 cm): the Devine formula is not meant for this "
        "height, but BMI 31.3 is over 30 (obese), so the usual rule applies, on the Devine "
        "line continued below 5 ft: BMI 31.3 is over 30 and actual weight 45 kg is more than "
    )
    assert p.rule.endswith(": use adjusted weight")
    assert p.notes == (
        "Under 5 ft (152.4 cm) and obese: ideal weight from the Devine line continued below "
        "5 ft (2.3 kg less per inch); the MDT may override the dosing weight with a reason.",
    )


def test_exactly_5_ft_is_not_under_5_ft(f):
    # female 152.4 cm = 60 in exactly: the usual rule. IBW = 45.5 kg; 50 kg is not below it
    # nor more than 1.2 x 45.5 = 54.6 kg; BMI = 50 / 1.524² = 50 / 2.322576 = 21.53 -> ideal
    # 45.5 kg; 2 x 45.5 = 91 g -> 90 g.
    at = plan(f, height_cm=152.4, weight_kg=50)
    assert at.height_in == 60
    assert (at.weight_basis, at.dosing_weight_kg, at.course_total_g) == ("ideal", 45.5, 90)
    assert at.notes == ()
    # 1 mm shorter, 152.3 cm = 59.96 in, is under 5 ft: BMI = 50 / 1.523² = 50 / 2.319529
    # = 21.56, not obese -> actual 50 kg; 2 x 50 = 100 g.
    under = plan(f, height_cm=152.3, weight_kg=50)
    assert (under.weight_basis, under.dosing_weight_kg, under.course_total_g) == (
        "actual",
        50,
        100,
    )
    assert under.notes == (UNDER_5_FT_NOT_OBESE,)


def test_under_5_ft_a_bmi_of_exactly_30_is_not_obese(f):
    # female 140 cm, 58.8 kg: BMI = 58.8 / 1.4² = 58.8 / 1.96 = 30 exactly: not OVER 30, so
    # not obese -> actual 58.8 kg; 2 x 58.8 = 117.6 g -> 110 g.
    at = plan(f, height_cm=140, weight_kg=58.8)
    assert at.bmi == 30
    assert (at.weight_basis, at.course_total_g) == ("actual", 110)
    assert "BMI 30.0 is not over 30 (not obese)" in at.rule
    # 58.9 kg: BMI = 58.9 / 1.96 = 30.05, obese -> the usual rule on the continued line:
    # 140 / 2.54 = 55.118 in; IBW = 45.5 + 2.3 x (55.118 - 60) = 45.5 - 11.228 = 34.272 kg;
    # adjusted = 34.272 + 0.4 x (58.9 - 34.272) = 34.272 + 9.851 = 44.123 kg;
    # 2 x 44.123 = 88.25 g -> 80 g.
    over = plan(f, height_cm=140, weight_kg=58.9)
    assert rounded(over.bmi, 2) == Decimal("30.05")
    assert over.weight_basis == "adjusted"
    assert rounded(over.dosing_weight_kg, 3) == Decimal("44.123")
    assert over.course_total_g == 80
    assert "BMI 30.1 is over 30 (obese)" in over.rule


def test_under_5_ft_the_mdt_may_still_override_the_weight(f):
    # 145 cm, 40 kg: the rule gives actual 40 kg; the MDT overrides to 38.8 kg, with a reason:
    # 2 x 38.8 = 77.6 g -> 70 g. The rule and its note stay on the plan beside the override.
    p = plan(
        f,
        height_cm=145,
        weight_kg=40,
        override_weight_kg=38.8,
        override_reason="MDT: Devine line continued, as before",
    )
    assert (p.weight_basis, p.dosing_weight_kg, p.course_total_g) == (
        "actual",
        Fraction("38.8"),
        70,
    )
    assert p.notes[0] == UNDER_5_FT_NOT_OBESE
    assert "Dosing weight overridden: 38.8 kg (rule gave 40.0 kg actual)" in p.notes[1]


def test_the_short_stature_rule_is_data(f, tmp_path):
    # forms/dosing.toml names the weight for a patient under 5 ft who is not obese; with
    # "ideal" the 145 cm, 40 kg patient is dosed as before the rule: 38.8 kg -> 70 g
    rules = dataclasses.replace(f.dosing, short_stature_basis_if_not_obese="ideal")
    p = plan_dose(DoseRequest("female", 145, 40, 2, 5), rules)
    assert (p.weight_basis, p.course_total_g) == ("ideal", 70)
    assert p.rule.endswith("(not obese): use ideal body weight")
    # a value that is not a weight basis is refused when the forms are read, naming the key
    copy = tmp_path / "forms"
    shutil.copytree(forms_dir(), copy)
    toml = copy / "dosing.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('basis_if_not_obese = "actual"', 'basis_if_not_obese = "tall"'))
    with pytest.raises(FormsError, match="weight.short_stature_basis_if_not_obese"):
        load_forms(copy)
