"""Every measure of an assessment described once (forms/assessment.toml), and checked."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from mdtapp.domain.forms import FormsError, load_forms
from mdtapp.domain.measures import MrssGridMeasure, NumberMeasure, VasMeasure, YesNoMeasure
from mdtapp.domain.model import Assessment, validate_assessment
from mdtapp.paths import forms_dir
from tests.factories import assessment

TODAY = date(2026, 11, 21)


def test_the_measures_in_the_order_they_are_stored(f):
    assert [m.key for m in f.assessment.measures] == [
        "date",
        "examiner",
        "mrss",
        "itch_vas_mm",
        "patient_global_vas_mm",
        "physician_global_vas_mm",
        "papules",
        "systemic",
        "systemic_other",
        "dermatoneuro_syndrome",
        "hrqol_worse",
        "nutrition.weight_kg",
        "nutrition.weight_3_6_months_ago_kg",
        "nutrition.acutely_ill_no_intake_5_days",
        "nutrition.dysphagia",
        "notes",
        "photos",
    ]
    itch = f.assessment.measure("itch_vas_mm")
    assert isinstance(itch, VasMeasure) and itch.banded and itch.band(45) == "moderate"
    assert f.vas.scales == f.assessment.of_type(VasMeasure)  # the VAS are those measures
    weight = f.assessment.measure("nutrition.weight_kg")
    assert isinstance(weight, NumberMeasure)
    assert (weight.group, weight.name, weight.unit, weight.low, weight.high) == (
        "nutrition",
        "weight_kg",
        "kg",
        25,
        350,
    )
    assert isinstance(f.assessment.mrss, MrssGridMeasure) and f.assessment.mrss.examiner_dependent
    hrqol = f.assessment.measure("hrqol_worse")
    assert isinstance(hrqol, YesNoMeasure) and hrqol.subject == "Health-related quality of life"


def test_which_measure_feeds_which_criterion_is_data(f):
    feeds = [(x.measure, x.criterion, x.versus, x.change) for x in f.response.feeds]
    assert ("itch_vas_mm", "worsening_disease_activity", "previous", "up") in feeds
    assert ("patient_global_vas_mm", "worsening_quality_of_life", "previous", "up") in feeds
    assert ("patient_global_vas_mm", "worsening_disease_activity", "previous", "up") not in feeds
    assert ("hrqol_worse", "worsening_quality_of_life", None, "yes") in feeds
    assert {x.measure for x in f.response.feeding("response")} == {
        "mrss",
        "itch_vas_mm",
        "patient_global_vas_mm",
        "physician_global_vas_mm",
        "papules",
    }


def test_a_measure_without_an_attribute_is_carried_by_its_key(f):
    a = assessment(TODAY).with_values({"undescribed_vas_mm": 40, "nutrition.height_cm": 160.0})
    assert a.value("undescribed_vas_mm") == 40 and a.value("nutrition.height_cm") == 160.0
    assert a.itch_vas_mm == 60 and a.value("itch_vas_mm") == 60
    assert a.value("nutrition.weight_kg") == 70.0 and a.value("no_such_measure") is None
    # a value the forms do not describe is refused by name
    errors = validate_assessment(a, f, TODAY)
    assert [e.field for e in errors] == ["undescribed_vas_mm", "nutrition.height_cm"]
    assert errors[0].message == "is not a measure in forms/assessment.toml"
    rebuilt = Assessment.from_values({"date": TODAY, "examiner": "Dr X", "itch_vas_mm": 5})
    assert (rebuilt.itch_vas_mm, rebuilt.mrss, rebuilt.other_measures) == (5, {}, {})


def test_each_measure_is_checked_by_its_type_naming_the_field_and_range(f):
    bad = assessment(TODAY).with_values(
        {"itch_vas_mm": 140, "nutrition.weight_kg": 20.0, "examiner": "", "notes": "x" * 4001}
    )
    assert [str(e) for e in validate_assessment(bad, f, TODAY)] == [
        "examiner: is required",
        "itch_vas_mm: must be 0-100 mm; got 140",
        "nutrition.weight_kg: must be 25-350 kg; got 20",
        "notes: must be at most 4000 characters; got 4001",
    ]


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "forms"
    shutil.copytree(forms_dir(), target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "assessment.toml",
            'type = "vas_mm"',
            'type = "slider"',
            "forms/assessment.toml: measure[3].type: expected one of date, text, mrss_grid",
        ),
        (
            "assessment.toml",
            'anchor_low = "No itch"',
            'anchor_lo = "No itch"',
            "forms/assessment.toml: measure[3].anchor_lo: not a field of a vas_mm measure",
        ),
        (
            "assessment.toml",
            'section = "vas"',
            'section = "scales"',
            "forms/assessment.toml: measure[3].section: 'scales' is not a [[section]]",
        ),
        (
            "assessment.toml",
            'key = "examiner"\ntype = "text"',
            'key = "examined_by"\ntype = "text"',
            "forms/assessment.toml: measure: expected exactly one text measure keyed 'examiner'",
        ),
        (
            "assessment.toml",
            'bands = "itch_band"',
            'bands = "pain_band"',
            "forms/assessment.toml: measure[3].bands: 'pain_band' is not a *_band list",
        ),
        (
            "response.toml",
            'measure = "itch_vas_mm"',
            'measure = "itch"',
            "forms/response.toml: feeds[1].measure: 'itch' is not a measure in assessment.toml",
        ),
        (
            "response.toml",
            'change = "down"\nby = "vas_mm"',
            'change = "newly_yes"\nby = "vas_mm"',
            "forms/response.toml: feeds[1].change: a vas_mm measure feeds by down or up",
        ),
        (
            "response.toml",
            'criterion = "response"\nversus = "baseline"',
            'criterion = "response"\nversus = "previous"',
            "forms/response.toml: feeds[0].versus: expected baseline here, got 'previous'",
        ),
        (
            "response.toml",
            'by = "mrss_points"',
            'by = "mrss"',
            "forms/response.toml: feeds[0].by: expected one of mrss_points, vas_mm",
        ),
        (
            "must.toml",
            'weight_kg = "nutrition.weight_kg"',
            'weight_kg = "weight"',
            "forms/must.toml: inputs: 'weight' is not a measure in assessment.toml",
        ),
    ],
)
def test_a_malformed_description_names_the_file_and_key(copy, file, old, new, message):
    _edit(copy / file, old, new)
    with pytest.raises(FormsError) as raised:
        load_forms(copy)
    assert message in str(raised.value)


def test_a_missing_assessment_file_is_named(copy):
    (copy / "assessment.toml").unlink()
    with pytest.raises(FormsError, match=r"forms/assessment.toml: file not found"):
        load_forms(copy)
