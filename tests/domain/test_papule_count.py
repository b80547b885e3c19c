"""The papule count on the photo: scale, square, marks, checks and comparison, by hand arithmetic.

No Qt: these run without a QApplication.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdtapp.domain.errors import ValidationError
from mdtapp.domain.model import Assessment, Papules, PhotoRef, validate_assessment
from mdtapp.domain.papule_count import (
    PapuleCount,
    Point,
    Scale,
    Square,
    compare_counts,
    count_limit,
    differs_by_more_than,
    site_photos,
    square_for_scale,
    template_scale,
    validate_count,
    with_photo_count,
)
from mdtapp.domain.photo_rules import PhotoRules, photo_rules
from tests.factories import assessment

MM20 = Decimal(20)


@pytest.fixture(scope="module")
def rules() -> PhotoRules:
    return photo_rules()


def ruler_200px() -> Scale:
    # two ruler points 200 px apart for 20 mm: 20 / 200 = 0.1 mm per pixel
    return Scale(Point(100, 900), Point(300, 900), MM20)


def test_ruler_points_200_px_apart_for_20_mm_give_0_1_mm_per_pixel_and_a_200_px_square():
    scale = ruler_200px()
    assert scale.length_px_squared == 200 * 200
    assert scale.mm_per_px_squared == Fraction(1, 100)  # (20/200)² exactly
    assert scale.mm_per_px == Decimal("0.1000")
    square = square_for_scale(Point(500, 400), scale, MM20)
    # side 20 mm / 0.1 mm per px = 200 px; half-diagonal to the top-left corner is (-100, -100)
    assert square.corner == Point(-100, -100)
    assert square.corners == (Point(400, 300), Point(600, 300), Point(600, 500), Point(400, 500))
    assert square.side_px_squared == 2 * (100**2 + 100**2) == 200**2
    assert square.real_side_mm(scale) == Decimal("20.00")
    assert square.angle_degrees == 0.0
    assert "20 mm between ruler points (100, 900) and (300, 900), 200.0 px apart" in scale.working
    assert "0.1000 mm per pixel" in scale.working


def test_a_scale_along_a_slanted_ruler_uses_the_true_distance():
    # a 3-4-5 triangle: (0,0) to (120,160) is 200 px, so 10 mm there is 0.05 mm per pixel
    scale = Scale(Point(0, 0), Point(120, 160), Decimal(10))
    assert scale.length_px_squared == 120**2 + 160**2 == 200**2
    assert scale.mm_per_px == Decimal("0.0500")
    # 20 mm is then 400 px: half-diagonal (-200, -200)
    assert square_for_scale(Point(1000, 1000), scale, MM20).corner == Point(-200, -200)


def test_marks_at_the_corners_and_on_the_edges_count_and_one_pixel_beyond_does_not():
    square = Square(Point(500, 400), Point(-100, -100), MM20)  # x 400-600, y 300-500
    for corner in square.corners:
        assert square.contains(corner)
    assert square.contains(Point(500, 300))  # on the top edge
    assert square.contains(Point(600, 450))  # on the right edge
    assert square.contains(Point(500, 400))  # centre
    assert not square.contains(Point(399, 300))  # one pixel left of the top-left corner
    assert not square.contains(Point(601, 450))
    assert not square.contains(Point(500, 501))


def test_a_square_turned_30_degrees():
    scale = ruler_200px()
    square = square_for_scale(Point(500, 400), scale, MM20, degrees=30)
    # half-diagonal 100√2 = 141.42 px at 225° + 30° = 255°:
    # x = 141.42 × cos 255° = 141.42 × -0.2588 = -36.60 -> -37
    # y = 141.42 × sin 255° = 141.42 × -0.9659 = -136.60 -> -137
    assert square.corner == Point(-37, -137)
    # whole pixels turn it a little less: the top edge is (137, -37) - (-37, -137) = (174, 100),
    # atan(100 / 174) = 29.9°
    assert round(square.angle_degrees, 1) == 29.9
    # side² = 2 × (37² + 137²) = 2 × (1369 + 18769) = 40276; side = 200.69 px -> 20.07 mm
    assert square.side_px_squared == 40276
    assert square.side_px == Decimal("200.7")
    assert square.real_side_mm(scale) == Decimal("20.07")
    # a point 95 px from the centre along the turned top edge's direction is inside;
    # 105 px is outside (the half-side is 100 px). Direction (cos 30°, sin 30°) = (0.866, 0.5):
    # 95 px -> (82.3, 47.5) -> (582, 448); 105 px -> (90.9, 52.5) -> (591, 453)
    assert square.contains(Point(582, 448))
    assert not square.contains(Point(591, 453))
    # unturned, (591, 453) would be inside (x 400-600, y 300-500): the turn matters
    assert Square(Point(500, 400), Point(-100, -100), MM20).contains(Point(591, 453))
    # the turned corners are the dragged corner's quarter turns about the centre
    assert square.corners[0] == Point(463, 263)
    assert square.corners[1] == Point(500 + 137, 400 - 37)


def test_a_corner_dragged_onto_the_template_turns_and_sizes_the_square_about_its_centre():
    square = Square(Point(500, 400), Point(-100, -100), MM20)
    # drag the second corner (top right) to (650, 400): it lands exactly there
    fitted = square.with_corner_at(1, Point(650, 400))
    assert fitted.corners[1] == Point(650, 400)
    assert fitted.centre == Point(500, 400)
    # the top-left corner is a quarter turn back: (350, 400) -> 150 px half-diagonal, 45° turn
    assert fitted.corners[0] == Point(500, 250)
    assert round(fitted.angle_degrees, 6) == 45.0
    # the template's edge is 20 mm: from corner 0 (500,250) to corner 1 (650,400), 212.1 px
    scale = template_scale(fitted)
    assert scale.source == "template"
    assert scale.length_px_squared == 150**2 + 150**2
    assert fitted.real_side_mm(scale) == Decimal("20.00")


def test_the_count_is_the_marks_inside_numbered_in_order():
    count = PapuleCount(
        "left forearm",
        1000,
        1000,
        ruler_200px(),
        Square(Point(500, 400), Point(-100, -100), MM20),
        (Point(450, 350), Point(700, 700), Point(600, 500), Point(10, 10), Point(500, 400)),
    )
    assert count.inside == (True, False, True, False, True)
    assert count.count == 3
    assert count.outside == 2
    assert count.numbers == (1, None, 2, None, 3)
    assert "Square: 200.0 px × 0.1000 mm per pixel = 20.00 mm across (meant 20 mm)" in (
        count.working
    )


def test_without_a_square_nothing_is_counted():
    count = PapuleCount("face", 100, 100, marks=(Point(1, 1),))
    assert count.count is None
    assert count.numbers == (None,)


# ---------------------------------------------------------------- checks


def good_count(**changes: object) -> PapuleCount:
    base = PapuleCount(
        "left forearm",
        1000,
        1000,
        ruler_200px(),
        Square(Point(500, 400), Point(-100, -100), MM20),
        (Point(450, 350),),
    )
    return PapuleCount(**{**base.__dict__, **changes})  # type: ignore[arg-type]


LIMIT = 100_000  # forms/assessment.toml: papules max_count


def messages(count: PapuleCount, rules: PhotoRules, limit: int = LIMIT) -> list[str]:
    return [str(e) for e in validate_count(count, rules, limit)]


def test_a_good_count_has_no_problems(rules):
    assert messages(good_count(), rules) == []


def test_a_square_with_no_scale_is_refused(rules):
    assert messages(good_count(scale=None), rules) == [
        "scale: is required before the square: mark two points a known distance apart on "
        "the ruler, or fit the square's corners to the 2 × 2 cm template"
    ]


def test_a_scale_of_zero_and_two_identical_points_are_refused(rules):
    zero = Scale(Point(100, 900), Point(300, 900), Decimal(0))
    assert "scale.distance_mm: must be 1-150 mm; got 0" in messages(good_count(scale=zero), rules)
    same = Scale(Point(100, 900), Point(100, 900), MM20)
    assert messages(good_count(scale=same, square=None), rules) == [
        "scale: the two points are the same pixel (100, 900): mark two points a known "
        "distance apart"
    ]


def test_a_distance_outside_the_sane_range_and_points_too_close_are_refused(rules):
    far = Scale(Point(100, 900), Point(300, 900), Decimal(151))
    assert messages(good_count(scale=far, square=None), rules) == [
        "scale.distance_mm: must be 1-150 mm; got 151"
    ]
    # 19 px apart, under the 20 px minimum in forms/photos.toml
    close = Scale(Point(100, 900), Point(119, 900), Decimal(1))
    assert messages(good_count(scale=close, square=None), rules) == [
        "scale: the two points are 19.0 px apart; mark points at least 20 px apart "
        "(zoom out, or use a longer distance)"
    ]


def test_marks_and_ruler_points_off_the_photo_are_refused(rules):
    off = good_count(marks=(Point(450, 350), Point(1000, 5), Point(-1, 0)))
    assert messages(off, rules) == [
        "marks[1]: must be on the photo (x 0-999, y 0-999); got (1000, 5)",
        "marks[2]: must be on the photo (x 0-999, y 0-999); got (-1, 0)",
    ]
    scale = Scale(Point(100, 1000), Point(300, 900), MM20)
    assert messages(good_count(scale=scale, square=None), rules) == [
        "scale.a: must be on the photo (x 0-999, y 0-999); got (100, 1000)"
    ]


def test_a_square_reaching_off_the_photo_or_the_wrong_real_size_is_refused(rules):
    edge = good_count(square=Square(Point(950, 400), Point(-100, -100), MM20))
    assert messages(edge, rules) == [
        "square: reaches off the photo at (1050, 300): the whole square must be on the photo "
        "(0-999, 0-999)"
    ]
    # 250 px at 0.1 mm per pixel is 25 mm, not 20 mm ± 1 mm
    big = good_count(square=Square(Point(500, 400), Point(-125, -125), MM20))
    assert messages(big, rules) == [
        "square: is 25.00 mm across by the scale; it must be 20 mm (± 1 mm)"
    ]


def test_two_marks_on_one_pixel_are_refused(rules):
    twice = good_count(marks=(Point(450, 350), Point(460, 350), Point(450, 350)))
    assert messages(twice, rules) == ["marks[2]: is at (450, 350), as marks[0] is"]


def test_a_count_over_the_papule_fields_range_is_refused(rules):
    three = good_count(marks=(Point(450, 350), Point(460, 350), Point(470, 350)))
    assert messages(three, rules, limit=2) == [
        "marks: at most 2 marks; got 3",
        "marks: 3 inside the square; a papule count must be 0-2",
    ]


def test_the_count_limit_is_the_papule_fields_own_range(f):
    # one place: the count_at_site measure's max_count in forms/assessment.toml
    assert count_limit(f) == f.assessment.measure("papules").max_count == LIMIT
    today = date(2026, 11, 21)
    at_limit = assessment(date(2026, 11, 1), papules=LIMIT, site="face")
    assert validate_assessment(at_limit, f, today) == []
    over = assessment(date(2026, 11, 1), papules=LIMIT + 1, site="face")
    assert [e.field for e in validate_assessment(over, f, today)] == ["papules.count"]
    assert Papules(LIMIT, "face").count == 100_000


# ---------------------------------------------------------------- side by side


def test_two_counts_over_the_same_view_and_size_compare_cleanly(rules):
    result = compare_counts(good_count(), good_count(view="Left  Forearm"), rules.size_tolerance_mm)
    assert result.same_view and not result.size_differs
    assert result.warnings == ()
    assert result.sides_mm == (Decimal("20.00"), Decimal("20.00"))


def test_a_different_view_is_warned_with_both_names(rules):
    result = compare_counts(
        good_count(), good_count(view="right forearm"), Decimal(1), ("05-Aug-2026", "21-Nov-2026")
    )
    assert result.warnings == (
        "Different views: left forearm (05-Aug-2026) and right forearm (21-Nov-2026); the "
        "counts are not over the same site.",
    )


def test_squares_whose_real_sides_differ_by_more_than_the_tolerance_are_warned():
    # later: the same 200 px square, but the ruler's 20 mm spans 180 px: 200 × 20 / 180 = 22.22 mm
    later = good_count(scale=Scale(Point(100, 900), Point(280, 900), MM20))
    result = compare_counts(good_count(), later, Decimal(1), ("baseline", "now"))
    assert result.size_differs
    assert result.sides_mm == (Decimal("20.00"), Decimal("22.22"))
    assert result.warnings == (
        "The squares differ in real size: 20.00 mm (baseline) and 22.22 mm (now), 2.22 mm "
        "apart, more than the 1 mm allowed: the counts are over different areas.",
    )


def test_a_difference_of_exactly_the_tolerance_is_not_warned_and_a_little_more_is():
    # the same 200 px square measured with 21 mm over the same 200 px: exactly 21 mm
    exactly = good_count(scale=Scale(Point(100, 900), Point(300, 900), Decimal(21)))
    assert exactly.real_side_mm() == Decimal("21.00")
    assert not compare_counts(good_count(), exactly, Decimal(1)).size_differs
    more = good_count(scale=Scale(Point(100, 900), Point(300, 900), Decimal("21.001")))
    assert compare_counts(good_count(), more, Decimal(1)).size_differs
    # and the exact test itself: √441 − √400 = 21 − 20 = 1, not more than 1
    assert not differs_by_more_than(Fraction(441), Fraction(400), Decimal(1))
    assert differs_by_more_than(Fraction(441), Fraction(400), Decimal("0.999"))


def test_a_count_with_no_square_or_no_scale_says_it_cannot_be_checked():
    result = compare_counts(good_count(square=None), good_count(scale=None), Decimal(1))
    assert result.warnings == (
        "No square on the earlier photo: its count cannot be checked.",
        "No scale on the later photo: its count cannot be checked.",
    )


# ---------------------------------------------------------------- JSON


def test_json_is_plain_types_and_round_trips_byte_for_byte():
    count = good_count(
        scale=Scale(Point(100, 900), Point(300, 900), Decimal("10.50"), "ruler"),
        square=Square(Point(500, 400), Point(-37, -137), MM20),
        marks=(Point(450, 350), Point(0, 999)),
    )
    data = count.to_json()
    assert data == {
        "view": "left forearm",
        "image": {"width": 1000, "height": 1000},
        "scale": {"source": "ruler", "a": [100, 900], "b": [300, 900], "distance_mm": "10.50"},
        "square": {"centre": [500, 400], "corner": [-37, -137], "side_mm": "20"},
        "marks": [[450, 350], [0, 999]],
    }
    text = json.dumps(data, ensure_ascii=False, indent=2)
    again = PapuleCount.from_json(json.loads(text))
    assert again == count
    assert json.dumps(again.to_json(), ensure_ascii=False, indent=2) == text
    empty = PapuleCount("face", 10, 20)
    assert PapuleCount.from_json(empty.to_json()) == empty


def test_bad_json_names_every_field():
    with pytest.raises(ValidationError) as raised:
        PapuleCount.from_json(
            {
                "view": "face",
                "image": {"width": 10.5, "height": True},
                "scale": {"source": "tape", "a": [1, 2], "b": [1.0, 2], "distance_mm": 10},
                "square": {"centre": [1, 2], "corner": [1, 2], "side_mm": "1e1"},
                "marks": [[1, 2], [3]],
                "colour": "red",
            }
        )
    assert [str(e) for e in raised.value.errors] == [
        "colour: is not a known field",
        "image.width: must be a whole number; got 10.5",
        "image.height: must be a whole number; got True",
        "scale.source: must be ruler or template; got 'tape'",
        "scale.b: must be [x, y] in whole pixels; got [1.0, 2]",
        'scale.distance_mm: must be a decimal written as text, like "10" or "2.5"; got 10',
        'square.side_mm: must be a decimal written as text, like "10" or "2.5"; got \'1e1\'',
        "marks[1]: must be [x, y] in whole pixels; got [3]",
    ]


coordinates = st.integers(min_value=0, max_value=5999)


@given(
    marks=st.lists(st.tuples(coordinates, coordinates), max_size=30, unique=True),
    centre=st.tuples(st.integers(200, 5800), st.integers(200, 3800)),
    corner=st.tuples(st.integers(-150, 150), st.integers(-150, 150)),
    distance=st.sampled_from(["5", "10", "20", "10.5", "0.25"]),
)
def test_any_count_round_trips_exactly_and_agrees_with_floating_point_away_from_the_edge(
    marks, centre, corner, distance
):
    count = PapuleCount(
        "left forearm",
        6000,
        4000,
        Scale(Point(10, 10), Point(210, 10), Decimal(distance)),
        Square(Point(*centre), Point(*corner), MM20),
        tuple(Point(x, y % 4000) for x, y in marks),
    )
    text = json.dumps(count.to_json())
    assert PapuleCount.from_json(json.loads(text)) == count
    assert json.dumps(PapuleCount.from_json(json.loads(text)).to_json()) == text
    # a floating-point reference in the square's own frame agrees wherever it is not ambiguous
    assert count.square is not None
    hx, hy = corner
    r2 = hx * hx + hy * hy
    for mark, inside in zip(count.marks, count.inside, strict=True):
        vx, vy = mark.x - centre[0], mark.y - centre[1]
        l1 = abs(vx * hx + vy * hy) + abs(hx * vy - hy * vx)
        if r2 == 0:
            assert not inside  # a square with no size holds nothing
        elif abs(l1 - r2) > 1:
            assert inside == (l1 / r2 <= 1.0)


# ---------------------------------------------------------------- stored with the photo

SHA = "a" * 64


def with_photo(count: PapuleCount | None, view: str = "left forearm") -> Assessment:
    a = assessment(date(2026, 11, 1), papules=12, site="forearm")
    return replace(a, photos=(PhotoRef(view, SHA, "image/jpeg", count),))


def test_a_count_stored_with_its_photo_is_checked_with_the_assessment(f):
    today = date(2026, 11, 21)
    assert validate_assessment(with_photo(good_count()), f, today) == []
    # the marks say which site was counted: they belong to a photo of that view
    other_view = with_photo(good_count(view="right forearm"))
    assert [str(e) for e in validate_assessment(other_view, f, today)] == [
        "photos[0].count.view: must be the photo's view (left forearm); got 'right forearm'"
    ]
    no_scale = with_photo(good_count(scale=None))
    assert [e.field for e in validate_assessment(no_scale, f, today)] == ["photos[0].count.scale"]


def test_use_this_count_sets_the_papule_count_and_site_from_the_marks(f):
    # square: centre (500, 400), corner (-100, -100): x 400-600, y 300-500 (edges count)
    marks = (Point(450, 350), Point(599, 499), Point(400, 300), Point(601, 400))
    count = good_count(marks=marks)
    assert count.inside == (True, True, True, False)
    stored = with_photo_count(with_photo(None), 0, count, forms=f)
    assert stored.photos[0].count == count
    assert stored.papules == Papules(12, "forearm")  # the typed count stays: marks only
    used = with_photo_count(with_photo(None), 0, count, forms=f, use=True)
    assert used.photos[0].count == count
    assert used.papules == Papules(3, "left forearm")  # 3 inside; the site is the photo's view


def test_a_count_that_cannot_be_used_is_refused_naming_the_field(f):
    no_square = good_count(square=None)
    assert with_photo_count(with_photo(None), 0, no_square, forms=f).photos[0].count == no_square
    with pytest.raises(ValidationError) as refused:
        with_photo_count(with_photo(None), 0, no_square, forms=f, use=True)
    assert [str(e) for e in refused.value.errors] == [
        "photos[0].count.square: is required to use the count: set the scale and place the "
        "2 × 2 cm square"
    ]
    # a papule field that allows at most 2: three marks inside cannot be stored, nor used
    small = replace(
        f,
        assessment=replace(
            f.assessment,
            measures=tuple(
                replace(m, max_count=2) if m.key == "papules" else m for m in f.assessment.measures
            ),
        ),
    )
    three = good_count(marks=(Point(450, 350), Point(460, 350), Point(470, 350)))
    with pytest.raises(ValidationError) as refused:
        with_photo_count(with_photo(None), 0, three, forms=small, use=True)
    assert [str(e) for e in refused.value.errors] == [
        "photos[0].count.marks: at most 2 marks; got 3",
        "photos[0].count.marks: 3 inside the square; a papule count must be 0-2",
    ]
    with pytest.raises(ValidationError, match="has no photo 2"):
        with_photo_count(with_photo(None), 1, three, forms=f)


def test_the_photos_a_letter_shows_are_the_sites_at_baseline_previous_and_now():
    def visit(day: date, *photos: PhotoRef, site: str = "left forearm") -> Assessment:
        return replace(assessment(day, papules=10, site=site), photos=photos)

    counted = PhotoRef("left forearm", SHA, "image/jpeg", good_count())
    plain_photo = PhotoRef("left forearm", "b" * 64)
    baseline = visit(date(2026, 8, 3), counted)
    other_site = visit(date(2026, 9, 1), PhotoRef("right forearm", "c" * 64))
    previous = visit(date(2026, 10, 1), counted, plain_photo)  # two: the counted one is shown
    now = visit(date(2026, 11, 1), PhotoRef("face", "d" * 64), counted, site="Left  Forearm")
    history = [baseline, other_site, previous, now]
    chosen = site_photos(history, now, first_infusion=date(2026, 8, 5))
    assert [(s.role, s.assessment.date, s.index) for s in chosen] == [
        ("baseline", date(2026, 8, 3), 0),
        ("previous", date(2026, 10, 1), 0),
        ("this assessment", date(2026, 11, 1), 1),
    ]
    # the previous photo of the site is the baseline's: shown once, as the baseline
    assert [s.role for s in site_photos([baseline, now], now, date(2026, 8, 5))] == [
        "baseline",
        "this assessment",
    ]
    # no photo of the site now: none
    assert site_photos(history, other_site, date(2026, 8, 5)) == ()
