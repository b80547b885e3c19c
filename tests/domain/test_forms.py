from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mdtapp.domain.forms import FormsError, load_forms
from mdtapp.paths import forms_dir

# Fixed by the foundation issue: used in storage, files and PDFs.
AREA_KEYS = [
    "right_fingers",
    "left_fingers",
    "right_hands",
    "left_hands",
    "right_forearms",
    "left_forearms",
    "right_upper_arms",
    "left_upper_arms",
    "face",
    "anterior_chest",
    "abdomen",
    "right_thighs",
    "left_thighs",
    "right_legs",
    "left_legs",
    "right_feet",
    "left_feet",
    "back",
    "ears",
    "neck",
]


def test_mrss_has_the_twenty_areas_in_figure_1_order(f):
    assert list(f.mrss.area_keys) == AREA_KEYS
    assert f.mrss.max_total == 60
    assert [a.key for a in f.mrss.areas if a.added] == ["back", "ears", "neck"]
    assert f.mrss.area("right_upper_arms").label == "Right upper arms"
    assert f.mrss.area("face").side is None


def test_vas_scales_questions_and_itch_bands(f):
    assert [s.key for s in f.vas.scales] == [
        "itch_vas_mm",
        "patient_global_vas_mm",
        "physician_global_vas_mm",
    ]
    assert f.vas.scale("patient_global_vas_mm").question == (
        "How do you assess your current disease severity?"
    )
    assert f.vas.scale("physician_global_vas_mm").question == (
        "How do you assess your patient's current disease activity?"
    )
    assert [(b.label, b.low, b.high) for b in f.vas.itch_bands] == [
        ("none", 0, 0),
        ("mild", 1, 39),
        ("moderate", 40, 69),
        ("severe", 70, 89),
        ("very severe", 90, 100),
    ]


def test_thresholds_are_the_domain_defaults(f):
    assert (f.response.mrss_points, f.response.vas_mm, f.response.papules_percent) == (5, 20, 25)
    assert f.schedule.milestones_months == (3, 6, 12)
    assert f.schedule.met_window_days == 28
    assert f.eligibility.criteria_required == 3
    assert f.systemic.organ_keys == ("neurological", "cardiovascular", "renal", "gastrointestinal")


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
            "mrss.toml",
            "max_score = 3",
            'max_score = "three"',
            "forms/mrss.toml: max_score: expected a whole number",
        ),
        (
            "mrss.toml",
            'right = "right_hands"',
            'right = "Right Hands"',
            "forms/mrss.toml: row[1].right: expected a lower_snake_case key",
        ),
        ("mrss.toml", 'single = "neck"', 'single = "ears"', "area 'ears' is defined twice"),
        ("vas.toml", "from_mm = 40", "from_mm = 41", "itch_band 'moderate' starts at 41"),
        (
            "response.toml",
            "mrss_points = 5",
            "mrss_points = 0",
            "forms/response.toml: mrss_points: expected a whole number 1-60, got 0",
        ),
        (
            "dosing.toml",
            'ibw_kg_per_inch = "2.3"',
            'ibw_kg_per_inch = "two"',
            "forms/dosing.toml: weight.ibw_kg_per_inch: expected a number",
        ),
        (
            "dosing.toml",
            '"2.5", "5", "10"]',
            '"2.5", "5", "10", "20"]',
            "20 g does not divide the 10 g rounding unit",
        ),
        ("schedule.toml", "[3, 6, 12]", "[6, 3, 12]", "milestones_months must be increasing"),
        (
            "eligibility.toml",
            'key = "not_required"',
            "key = 7",
            "panel_status[0].key: expected a non-empty string, got 7",
        ),
        ("must.toml", "[[risk]]", "[[risk]", "forms/must.toml: not valid TOML"),
    ],
)
def test_a_malformed_forms_file_names_the_file_and_key(copy, file, old, new, message):
    _edit(copy / file, old, new)
    with pytest.raises(FormsError) as raised:
        load_forms(copy)
    assert f"forms/{file}" in str(raised.value)
    assert message in str(raised.value)


def test_a_missing_forms_file_is_named(copy):
    (copy / "vas.toml").unlink()
    with pytest.raises(FormsError, match=r"forms/vas.toml: file not found"):
        load_forms(copy)


def test_a_threshold_change_is_a_data_change(copy):
    _edit(copy / "response.toml", "mrss_points = 5", "mrss_points = 4")
    assert load_forms(copy).response.mrss_points == 4
