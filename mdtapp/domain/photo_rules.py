"""The photo views, the counting square, the ruler and the import bounds, from forms/photos.toml.

Read and validated like the other forms/ files (errors name the file and key), with them: the
forms in use carry these rules as `Forms.photos` (load_forms reads this file too, so a broken
photos.toml stops start-up like any other). The reading is in a module of its own so the
instruments' loader stays as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from mdtapp.domain.forms import FormsError, _read, _Table, _unique

FILE = "photos.toml"


@dataclass(frozen=True)
class PhotoRules:
    views: tuple[str, ...]
    side_mm: Decimal  # the counting square's side: 20 mm
    size_tolerance_mm: Decimal  # two squares' real sides may differ by this much
    distance_choices_mm: tuple[Decimal, ...]  # ruler distances offered
    default_distance_mm: Decimal
    distance_min_mm: Decimal
    distance_max_mm: Decimal
    min_points_apart_px: int
    max_bytes: int
    max_pixels: int
    stored_max_side_px: int
    jpeg_quality: int


def load_photo_rules(directory: Path) -> PhotoRules:
    """Read and validate forms/photos.toml in `directory`; raise FormsError naming the problem."""
    t = _read(directory, FILE)
    views = [str(v).strip() for v in t.str_list("views")]
    _unique(FILE, "view", [v.casefold() for v in views])
    square, ruler, bounds = t.table("square"), t.table("ruler"), t.table("import")
    rules = PhotoRules(
        views=tuple(views),
        side_mm=square.dec("side_mm", "1", "100"),
        size_tolerance_mm=square.dec("size_tolerance_mm", "0", "10"),
        distance_choices_mm=ruler.dec_list("distance_choices_mm", "0.1", "1000"),
        default_distance_mm=ruler.dec("default_distance_mm", "0.1", "1000"),
        distance_min_mm=ruler.dec("distance_min_mm", "0.1", "1000"),
        distance_max_mm=ruler.dec("distance_max_mm", "0.1", "1000"),
        min_points_apart_px=ruler.int("min_points_apart_px", 2, 1000),
        max_bytes=bounds.int("max_bytes", 1024, 1 << 30),
        max_pixels=bounds.int("max_pixels", 10_000, 500_000_000),
        stored_max_side_px=bounds.int("stored_max_side_px", 256, 20_000),
        jpeg_quality=bounds.int("jpeg_quality", 50, 95),
    )
    _check(rules, ruler)
    return rules


def _check(rules: PhotoRules, ruler: _Table) -> None:
    if rules.distance_min_mm >= rules.distance_max_mm:
        raise FormsError(f"forms/{FILE}: ruler: distance_min_mm must be below distance_max_mm")
    for i, choice in enumerate(rules.distance_choices_mm):
        if not rules.distance_min_mm <= choice <= rules.distance_max_mm:
            ruler._fail(
                f"distance_choices_mm[{i}]",
                f"{choice} mm is outside distance_min_mm-distance_max_mm "
                f"({rules.distance_min_mm}-{rules.distance_max_mm} mm)",
            )
    if rules.default_distance_mm not in rules.distance_choices_mm:
        ruler._fail("default_distance_mm", "must be one of distance_choices_mm")


@lru_cache(maxsize=4)
def _cached(directory: Path) -> PhotoRules:
    return load_photo_rules(directory)


def photo_rules(directory: Path | None = None) -> PhotoRules:
    """The photo rules beside the forms in use (shipped, or MDTAPP_FORMS_DIR), loaded once."""
    if directory is None:
        from mdtapp.paths import forms_dir

        directory = forms_dir()
    return _cached(directory.resolve())
