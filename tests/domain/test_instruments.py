from __future__ import annotations

from fractions import Fraction

import pytest

from mdtapp.domain.instruments import (
    bmi,
    itch_band,
    mrss_comparable,
    mrss_total,
    must_score,
    vas_cm,
)
from mdtapp.domain.model import empty_mrss


def _scores(f, **overrides):
    scores = empty_mrss(f)
    scores.update(overrides)
    return scores


def test_complete_mrss_reads_total_over_60(f):
    # 20 areas: ten 2s, eight 1s, two 3s = 20 + 8 + 6 = 34
    keys = f.mrss.area_keys
    scores = {k: 2 for k in keys[:10]} | {k: 1 for k in keys[10:18]} | {k: 3 for k in keys[18:]}
    total = mrss_total(scores, f.mrss)
    assert (total.total, total.areas_assessed, total.max_possible) == (34, 20, 60)
    assert total.complete
    assert total.text == "34 / 60"


def test_partial_mrss_says_so(f):
    scores = {k: 2 for k in f.mrss.area_keys} | {"ears": None}
    total = mrss_total(scores, f.mrss)
    assert (total.total, total.max_possible, total.complete) == (38, 57, False)
    assert total.text == "38 / 57 — 1 area not assessed"
    scores["neck"] = None
    assert mrss_total(scores, f.mrss).text == "36 / 54 — 2 areas not assessed"
    assert mrss_total(empty_mrss(f), f.mrss).text == "not assessed"


def test_zero_is_a_score_not_a_gap(f):
    total = mrss_total({k: 0 for k in f.mrss.area_keys}, f.mrss)
    assert total.text == "0 / 60" and total.complete


def test_partial_is_never_comparable_with_complete(f):
    full = mrss_total({k: 1 for k in f.mrss.area_keys}, f.mrss)
    partial = mrss_total({k: 1 for k in f.mrss.area_keys} | {"back": None}, f.mrss)
    other_partial = mrss_total({k: 1 for k in f.mrss.area_keys} | {"neck": None}, f.mrss)
    assert mrss_comparable(full, full)
    assert not mrss_comparable(full, partial)
    assert not mrss_comparable(partial, full)
    assert mrss_comparable(partial, partial)
    assert not mrss_comparable(partial, other_partial)  # same count, different areas


def test_vas_shows_cm_with_one_decimal():
    assert [vas_cm(x) for x in (0, 7, 45, 100)] == ["0.0 cm", "0.7 cm", "4.5 cm", "10.0 cm"]
    assert vas_cm(None) == "not recorded"


@pytest.mark.parametrize(
    ("mm", "band"),
    [
        (0, "none"),
        (1, "mild"),
        (39, "mild"),
        (40, "moderate"),
        (69, "moderate"),
        (70, "severe"),
        (89, "severe"),
        (90, "very severe"),
        (100, "very severe"),
        (None, None),
    ],
)
def test_itch_bands_reich_2012(f, mm, band):
    assert itch_band(mm, f.vas) == band


def test_bmi_is_exact():
    assert bmi(165, 70) == Fraction(70) / (Fraction(165, 100) ** 2)
    assert bmi(200, 120) == 30


def _must(f, **kw):
    args = dict(
        height_cm=170,
        weight_kg=70,
        weight_3_6_months_ago_kg=70,
        acutely_ill_no_intake_5_days=False,
        rules=f.must,
    )
    args.update(kw)
    return must_score(**args)


@pytest.mark.parametrize(
    ("weight", "score"),
    [
        (58.0, 0),  # 58.0 / 1.7² = 20.07: over 20
        (57.8, 1),  # 57.8 / 2.89 = 20.0 exactly: 18.5-20
        (53.465, 1),  # 53.465 / 2.89 = 18.5 exactly: 18.5-20
        (53.4, 2),  # 18.48: under 18.5
    ],
)
def test_must_bmi_bands_at_their_edges(f, weight, score):
    result = _must(f, weight_kg=weight, weight_3_6_months_ago_kg=weight)
    assert result.bmi_score == score


@pytest.mark.parametrize(
    ("before", "now", "score"),
    [
        (100, 95.1, 0),  # 4.9 %
        (100, 95, 1),  # 5 % exactly
        (100, 90, 1),  # 10 % exactly
        (100, 89.9, 2),  # 10.1 %
        (80, 84, 0),  # weight gain
    ],
)
def test_must_weight_loss_bands(f, before, now, score):
    result = _must(f, height_cm=150, weight_kg=now, weight_3_6_months_ago_kg=before)
    assert result.weight_loss_score == score


def test_must_total_and_risk(f):
    # BMI 53.4/1.7^2 = 18.48 -> 2; loss 60 -> 53.4 = 11 % -> 2; acutely ill -> 2: total 6, high
    result = _must(
        f, weight_kg=53.4, weight_3_6_months_ago_kg=60, acutely_ill_no_intake_5_days=True
    )
    assert (result.bmi_score, result.weight_loss_score, result.acute_score) == (2, 2, 2)
    assert (result.total, result.risk) == (6, "high")
    assert result.text == "MUST 6 (high risk)"
    low = _must(f)
    assert (low.total, low.risk) == (0, "low")
    medium = _must(f, weight_kg=66.5, weight_3_6_months_ago_kg=70)  # 5 % loss
    assert (medium.total, medium.risk) == (1, "medium")


def test_must_never_assumes_a_missing_item_is_zero(f):
    result = _must(f, weight_3_6_months_ago_kg=None, acutely_ill_no_intake_5_days=None)
    assert result.total is None and result.risk is None
    assert result.bmi_score == 0
    assert result.text == (
        "MUST incomplete: weight 3-6 months ago, acute illness with no intake "
        "for over 5 days not recorded"
    )
