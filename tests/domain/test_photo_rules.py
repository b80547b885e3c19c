"""forms/photos.toml: the views, the square, the ruler and the import bounds, validated."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from mdtapp.domain.forms import FormsError
from mdtapp.domain.photo_rules import load_photo_rules, photo_rules
from mdtapp.paths import forms_dir


def test_the_shipped_rules():
    rules = photo_rules()
    assert rules.views[:4] == ("face", "anterior chest", "back", "left forearm")
    assert rules.side_mm == Decimal(20)  # the 2 × 2 cm square of policy 2271
    assert rules.size_tolerance_mm == Decimal("1.0")
    assert rules.distance_choices_mm == tuple(Decimal(d) for d in ("5", "10", "20", "50"))
    assert rules.default_distance_mm == Decimal(10)
    assert (rules.max_bytes, rules.max_pixels) == (32 * 1024 * 1024, 60_000_000)
    assert rules.stored_max_side_px == 2400


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "forms"
    shutil.copytree(forms_dir(), target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('side_mm = "20"', 'side_mm = "0"', "square.side_mm: expected a number 1-100, got '0'"),
        (
            'default_distance_mm = "10"',
            'default_distance_mm = "15"',
            "ruler.default_distance_mm: must be one of distance_choices_mm",
        ),
        (
            '"5", "10", "20", "50"',
            '"5", "10", "20", "500"',
            "ruler.distance_choices_mm[3]: 500 mm is outside distance_min_mm-distance_max_mm",
        ),
        ('"face",', '"back",', "view 'back' is defined twice"),
        ("max_pixels = 60000000", "max_pixels = -1", "import.max_pixels: expected a whole number"),
        ("[import]", "[import", "not valid TOML"),
    ],
)
def test_a_malformed_photos_file_names_the_file_and_key(copy, old, new, message):
    _edit(copy / "photos.toml", old, new)
    with pytest.raises(FormsError) as raised:
        load_photo_rules(copy)
    assert "forms/photos.toml" in str(raised.value)
    assert message in str(raised.value)


def test_a_missing_photos_file_is_named(copy):
    (copy / "photos.toml").unlink()
    with pytest.raises(FormsError, match=r"forms/photos.toml: file not found"):
        load_photo_rules(copy)


def test_the_tolerance_is_a_data_change(copy):
    _edit(copy / "photos.toml", 'size_tolerance_mm = "1.0"', 'size_tolerance_mm = "0.5"')
    assert load_photo_rules(copy).size_tolerance_mm == Decimal("0.5")


def test_the_photo_rules_are_loaded_with_the_other_forms(tmp_path):
    from mdtapp.domain.forms import forms, load_forms

    assert forms().photos == photo_rules()
    target = tmp_path / "forms"
    shutil.copytree(forms_dir(), target)
    text = (target / "photos.toml").read_text(encoding="utf-8")
    (target / "photos.toml").write_text(text.replace('side_mm = "20"', 'side_mm = "0"'), "utf-8")
    with pytest.raises(FormsError, match="photos.toml"):
        load_forms(target)  # a broken photos.toml stops the forms loading, as any other
