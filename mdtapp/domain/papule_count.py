"""Counting papules on the photo: the ruler's scale, the 2 × 2 cm square, the marks inside it.

Policy 2271 counts papules "over the same 2x2cm² area, using a photographic record". The count is
made on the photo: a scale from two points a known distance apart on the photographed ruler (or
from the photographed 2 × 2 cm template itself), a square of that real size placed over the site,
and one mark per papule; the count is the number of marks inside the square.

Everything a count depends on is stored as whole image pixels and exact decimals (millimetres), and
every decision (is this mark inside the square? do two squares differ by more than the
tolerance?) is made in integer or rational arithmetic, so a count is the same on every machine and
agrees with what is drawn. Square roots appear only in numbers that are shown.

Pixels: a Point is the pixel at column x, row y of the image as stored (upright), 0-based; y grows
downwards, so a positive angle turns the square clockwise on screen.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from mdtapp.domain.errors import FieldError, ValidationError
from mdtapp.domain.model import Papules
from mdtapp.domain.photo_rules import PhotoRules
from mdtapp.domain.response import baseline_for, same_site

if TYPE_CHECKING:
    from mdtapp.domain.forms import Forms
    from mdtapp.domain.measures import CountAtSiteMeasure
    from mdtapp.domain.model import Assessment, PhotoRef

IMAGE_SIDE_MAX = 100_000  # pixels; far beyond any stored photo
SOURCES = ("ruler", "template")
VIEW_MAX = 200  # characters, as papules.site
SIDE_MIN_MM, SIDE_MAX_MM = 1, 100  # a square's meant side, as forms/photos.toml allows
# millimetres are stored as decimal text ("10", "2.5"): exactly what was meant
DECIMAL_TEXT = r"^(0|[1-9][0-9]{0,3})(\.[0-9]{1,3})?$"
_DECIMAL = re.compile(DECIMAL_TEXT)


# ---------------------------------------------------------------- points


@dataclass(frozen=True)
class Point:
    """A pixel of the image (x: column, y: row), or a vector between two pixels."""

    x: int
    y: int

    def __add__(self, other: Point) -> Point:
        return Point(self.x + other.x, self.y + other.y)

    def __sub__(self, other: Point) -> Point:
        return Point(self.x - other.x, self.y - other.y)

    def __neg__(self) -> Point:
        return Point(-self.x, -self.y)

    def dot(self, other: Point) -> int:
        return self.x * other.x + self.y * other.y

    def cross(self, other: Point) -> int:
        return self.x * other.y - self.y * other.x

    def turned(self) -> Point:
        """A quarter turn clockwise on screen (y down): (1, 0) -> (0, 1)."""
        return Point(-self.y, self.x)

    def turned_back(self) -> Point:
        return Point(self.y, -self.x)

    @property
    def length_squared(self) -> int:
        return self.dot(self)

    def to_json(self) -> list[int]:
        return [self.x, self.y]

    def __str__(self) -> str:
        return f"({self.x}, {self.y})"


# ---------------------------------------------------------------- scale


@dataclass(frozen=True)
class Scale:
    """Two pixels a known real distance apart: on a ruler, or two corners of the 2 cm template."""

    a: Point
    b: Point
    distance_mm: Decimal
    source: str = "ruler"  # "ruler" | "template"

    @property
    def length_px_squared(self) -> int:
        return (self.b - self.a).length_squared

    @property
    def mm_per_px_squared(self) -> Fraction:
        """(mm per pixel)², exactly; the scale itself is the square root."""
        return Fraction(self.distance_mm) ** 2 / self.length_px_squared

    @property
    def length_px(self) -> Decimal:
        return root(Fraction(self.length_px_squared), 1)

    @property
    def mm_per_px(self) -> Decimal:
        return root(self.mm_per_px_squared, 4)

    @property
    def working(self) -> str:
        """How the scale was reached, in words a reader can check by hand."""
        where = "ruler points" if self.source == "ruler" else "corners of the 2 × 2 cm template"
        return (
            f"{plain(self.distance_mm)} mm between {where} {self.a} and {self.b}, "
            f"{self.length_px} px apart: {self.mm_per_px} mm per pixel"
        )


# ---------------------------------------------------------------- square


@dataclass(frozen=True)
class Square:
    """The counting square: its centre and the vector from the centre to its first corner.

    The first corner is the top left before any rotation; the others follow clockwise, each a
    quarter turn of that vector, so all four corners are whole pixels and the square is exactly
    square. `side_mm` is the real side it stands for (forms/photos.toml: 20 mm).
    """

    centre: Point
    corner: Point
    side_mm: Decimal

    @property
    def corners(self) -> tuple[Point, Point, Point, Point]:
        c, h = self.centre, self.corner
        return (c + h, c + h.turned(), c - h, c - h.turned())

    @property
    def side_px_squared(self) -> int:
        # the side is the half-diagonal times √2
        return 2 * self.corner.length_squared

    @property
    def side_px(self) -> Decimal:
        return root(Fraction(self.side_px_squared), 1)

    def contains(self, point: Point) -> bool:
        """Inside or on the edge. In the frame of the diagonals the square is |u| + |v| ≤ r,
        so with integers: |v·h| + |h×v| ≤ |h|²."""
        v, h = point - self.centre, self.corner
        if h == Point(0, 0):
            return False  # a square with no size holds nothing
        return abs(v.dot(h)) + abs(h.cross(v)) <= h.length_squared

    @property
    def angle_degrees(self) -> float:
        """The turn of the top edge from horizontal, clockwise on screen (for display only)."""
        edge = self.corner.turned() - self.corner
        degrees = math.degrees(math.atan2(edge.y, edge.x))
        return 0.0 if degrees == 0 else degrees

    def moved(self, by: Point) -> Square:
        return Square(self.centre + by, self.corner, self.side_mm)

    def with_corner_at(self, index: int, position: Point) -> Square:
        """The square, about the same centre, turned and sized so corner `index` is `position`."""
        h = position - self.centre
        for _ in range(index % 4):
            h = h.turned_back()
        return Square(self.centre, h, self.side_mm)

    def real_side_mm_squared(self, scale: Scale) -> Fraction:
        return self.side_px_squared * scale.mm_per_px_squared

    def real_side_mm(self, scale: Scale) -> Decimal:
        return root(self.real_side_mm_squared(scale), 2)


def square_for_scale(centre: Point, scale: Scale, side_mm: Decimal, degrees: float = 0.0) -> Square:
    """A square of `side_mm` by `scale`, about `centre`, turned `degrees` clockwise.

    Its corners are rounded to whole pixels (half a pixel at most), so its real side can differ
    from `side_mm` by a little; that side is computed from the square as placed and shown.
    """
    if scale.length_px_squared == 0:
        raise ValueError("the scale's two points are the same pixel")
    side_px = float(side_mm) * math.sqrt(scale.length_px_squared) / float(scale.distance_mm)
    half_diagonal = side_px / math.sqrt(2)
    direction = math.radians(225.0 + degrees)  # the top-left corner before turning
    corner = Point(
        _half_up(half_diagonal * math.cos(direction)),
        _half_up(half_diagonal * math.sin(direction)),
    )
    return Square(centre, corner, side_mm)


def template_scale(square: Square) -> Scale:
    """The scale given by a square fitted to the photographed template: its top edge is side_mm."""
    first, second, _, _ = square.corners
    return Scale(first, second, square.side_mm, "template")


def _half_up(value: float) -> int:
    return math.floor(value + 0.5)


# ---------------------------------------------------------------- the count


@dataclass(frozen=True)
class PapuleCount:
    """The marks made on one photo, the square and the scale: everything the count rests on."""

    view: str
    width: int  # the photo's size in pixels, as stored
    height: int
    scale: Scale | None = None
    square: Square | None = None
    marks: tuple[Point, ...] = ()  # in the order they were made

    @property
    def inside(self) -> tuple[bool, ...]:
        square = self.square
        if square is None:
            return tuple(False for _ in self.marks)
        return tuple(square.contains(m) for m in self.marks)

    @property
    def count(self) -> int | None:
        """Marks inside the square; None while there is no square (nothing has been counted)."""
        if self.square is None:
            return None
        return sum(self.inside)

    @property
    def outside(self) -> int:
        return len(self.marks) - (self.count or 0)

    @property
    def numbers(self) -> tuple[int | None, ...]:
        """The number each mark shows: 1, 2, ... for counted marks in order; None outside."""
        out: list[int | None] = []
        n = 0
        for counted in self.inside:
            if counted:
                n += 1
                out.append(n)
            else:
                out.append(None)
        return tuple(out)

    def real_side_mm(self) -> Decimal | None:
        if self.square is None or self.scale is None or not self.scale.length_px_squared:
            return None
        return self.square.real_side_mm(self.scale)

    @property
    def working(self) -> str:
        """The scale and the square's real size, as they were reached."""
        if self.scale is None:
            return "No scale yet: mark two points on the ruler, or fit the square to the template."
        lines = [f"Scale: {self.scale.working}."]
        if self.square is not None and self.scale.length_px_squared:
            lines.append(
                f"Square: {self.square.side_px} px × {self.scale.mm_per_px} mm per pixel = "
                f"{self.square.real_side_mm(self.scale)} mm across "
                f"(meant {plain(self.square.side_mm)} mm), "
                f"turned {self.square.angle_degrees:.1f}°."
            )
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types only (whole pixels, decimal strings): the same bytes everywhere."""
        return {
            "view": self.view,
            "image": {"width": self.width, "height": self.height},
            "scale": None
            if self.scale is None
            else {
                "source": self.scale.source,
                "a": self.scale.a.to_json(),
                "b": self.scale.b.to_json(),
                "distance_mm": str(self.scale.distance_mm),
            },
            "square": None
            if self.square is None
            else {
                "centre": self.square.centre.to_json(),
                "corner": self.square.corner.to_json(),
                "side_mm": str(self.square.side_mm),
            },
            "marks": [m.to_json() for m in self.marks],
        }

    @classmethod
    def from_json(cls, data: Any) -> PapuleCount:
        """Read what to_json wrote; ValidationError names every bad field (JSON paths)."""
        errors: list[FieldError] = []
        r = _Reader(data, errors, "", ("view", "image", "scale", "square", "marks"))
        view = r.text("view")
        image = r.table("image", ("width", "height"))
        width = image.whole("width") if image else 0
        height = image.whole("height") if image else 0
        scale = None
        s = r.table("scale", ("source", "a", "b", "distance_mm"), optional=True)
        if s is not None:
            source = s.text("source")
            if source and source not in SOURCES:
                errors.append(
                    FieldError("scale.source", f"must be ruler or template; got {source!r}")
                )
            scale = Scale(s.point("a"), s.point("b"), s.decimal("distance_mm"), source)
        square = None
        q = r.table("square", ("centre", "corner", "side_mm"), optional=True)
        if q is not None:
            square = Square(q.point("centre"), q.point("corner"), q.decimal("side_mm"))
        marks = r.points("marks")
        if errors:
            raise ValidationError(errors)
        return cls(view, width, height, scale, square, marks)


# ---------------------------------------------------------------- checks


def count_measure(forms: Forms) -> CountAtSiteMeasure | None:
    """The measure a count on the photo fills ("Use this count"): the assessment's count over
    a named site (forms/assessment.toml's count_at_site measure, the papule count)."""
    from mdtapp.domain.measures import CountAtSiteMeasure

    found = forms.assessment.of_type(CountAtSiteMeasure)
    return found[0] if found else None


def count_limit(forms: Forms) -> int:
    """The most marks a count may hold, and count: the papule field's own range (its max_count
    in forms/assessment.toml, the one place it is set). Forms with no count measure have
    nothing to count into."""
    measure = count_measure(forms)
    return measure.max_count if measure else 0


def validate_count(count: PapuleCount, rules: PhotoRules, max_count: int) -> list[FieldError]:
    """Every problem with a count, each naming the field and what is allowed; `max_count` is
    the papule field's range (count_limit)."""
    errors: list[FieldError] = []
    if not count.view.strip():
        errors.append(FieldError("view", "is required: name the view the photo shows"))
    elif len(count.view) > VIEW_MAX:
        errors.append(FieldError("view", f"must be at most {VIEW_MAX} characters"))
    for name, side in (("image.width", count.width), ("image.height", count.height)):
        if not 1 <= side <= IMAGE_SIDE_MAX:
            errors.append(FieldError(name, f"must be 1-{IMAGE_SIDE_MAX} pixels; got {side}"))
    if errors:
        return errors  # the rest is measured against the image
    scale, square = count.scale, count.square
    if scale is not None:
        errors += _scale_errors(count, scale, rules)
    if square is not None:
        if scale is None:
            errors.append(
                FieldError(
                    "scale",
                    "is required before the square: mark two points a known distance apart "
                    "on the ruler, or fit the square's corners to the 2 × 2 cm template",
                )
            )
        errors += _square_errors(count, square, scale, rules, scale_ok=not errors)
    seen: dict[Point, int] = {}
    for i, mark in enumerate(count.marks):
        if not _on_image(count, mark):
            errors.append(FieldError(f"marks[{i}]", f"{_off_image(count, mark)}"))
        if mark in seen:
            errors.append(FieldError(f"marks[{i}]", f"is at {mark}, as marks[{seen[mark]}] is"))
        seen.setdefault(mark, i)
    if len(count.marks) > max_count:
        errors.append(FieldError("marks", f"at most {max_count} marks; got {len(count.marks)}"))
    counted = count.count
    if counted is not None and counted > max_count:
        errors.append(
            FieldError(
                "marks",
                f"{counted} inside the square; a papule count must be 0-{max_count}",
            )
        )
    return errors


def photo_count_errors(
    view: str, count: PapuleCount, rules: PhotoRules, max_count: int, prefix: str
) -> list[FieldError]:
    """A count stored with a photo: its own checks, and made on that photo's view (the marks
    say which site was counted). Fields are named under `prefix` ("photos[0].count.")."""
    errors = [
        FieldError(f"{prefix}{e.field}", e.message) for e in validate_count(count, rules, max_count)
    ]
    if count.view != view:
        errors.append(
            FieldError(f"{prefix}view", f"must be the photo's view ({view}); got {count.view!r}")
        )
    return errors


def with_photo_count(
    assessment: Assessment,
    index: int,
    count: PapuleCount | None,
    *,
    forms: Forms,
    use: bool = False,
) -> Assessment:
    """The assessment with `count` stored on its photo `index`; with `use` ("Use this count"),
    its papule count and site become the marks inside the square and the photo's view.

    Raises ValidationError naming each field when the count cannot be stored, or used: nothing
    half-done is ever handed back."""
    photos = list(assessment.photos)
    if not 0 <= index < len(photos):
        raise ValidationError(
            [FieldError("photos", f"has no photo {index + 1} (it has {len(photos)})")]
        )
    photo = photos[index]
    prefix = f"photos[{index}].count."
    if count is not None:
        problems = photo_count_errors(photo.view, count, forms.photos, count_limit(forms), prefix)
        if problems:
            raise ValidationError(problems)
    photos[index] = replace(photo, count=count)
    changed = replace(assessment, photos=tuple(photos))
    if not use:
        return changed
    measure = count_measure(forms)
    if measure is None:
        raise ValidationError(
            [FieldError("papules", "forms/assessment.toml has no count over a site to fill")]
        )
    counted = count.count if count is not None else None
    if count is None or counted is None:
        raise ValidationError(
            [
                FieldError(
                    f"{prefix}square",
                    "is required to use the count: set the scale and place the 2 × 2 cm square",
                )
            ]
        )
    return changed.with_values({measure.key: Papules(counted, photo.view)})


def _scale_errors(count: PapuleCount, scale: Scale, rules: PhotoRules) -> list[FieldError]:
    errors: list[FieldError] = []
    for name, p in (("scale.a", scale.a), ("scale.b", scale.b)):
        if not _on_image(count, p):
            errors.append(FieldError(name, _off_image(count, p)))
    lo, hi = rules.distance_min_mm, rules.distance_max_mm
    if not lo <= scale.distance_mm <= hi:
        errors.append(
            FieldError(
                "scale.distance_mm",
                f"must be {plain(lo)}-{plain(hi)} mm; got {plain(scale.distance_mm)}",
            )
        )
    apart = scale.length_px_squared
    if apart == 0:
        errors.append(
            FieldError(
                "scale",
                f"the two points are the same pixel {scale.a}: mark two points a known "
                "distance apart",
            )
        )
    elif apart < rules.min_points_apart_px**2:
        errors.append(
            FieldError(
                "scale",
                f"the two points are {scale.length_px} px apart; mark points at least "
                f"{rules.min_points_apart_px} px apart (zoom out, or use a longer distance)",
            )
        )
    return errors


def _square_errors(
    count: PapuleCount,
    square: Square,
    scale: Scale | None,
    rules: PhotoRules,
    *,
    scale_ok: bool,
) -> list[FieldError]:
    errors: list[FieldError] = []
    if square.corner == Point(0, 0):
        return [FieldError("square.corner", "the square has no size")]
    if not SIDE_MIN_MM <= square.side_mm <= SIDE_MAX_MM:
        errors.append(
            FieldError(
                "square.side_mm",
                f"must be {SIDE_MIN_MM}-{SIDE_MAX_MM} mm; got {plain(square.side_mm)}",
            )
        )
    for corner in square.corners:
        if not _on_image(count, corner):
            errors.append(
                FieldError(
                    "square",
                    f"reaches off the photo at {corner}: the whole square must be on the photo "
                    f"(0-{count.width - 1}, 0-{count.height - 1})",
                )
            )
            break
    if scale is not None and scale_ok and not errors:
        real = square.real_side_mm_squared(scale)
        if differs_by_more_than(real, Fraction(square.side_mm) ** 2, rules.size_tolerance_mm):
            errors.append(
                FieldError(
                    "square",
                    f"is {square.real_side_mm(scale)} mm across by the scale; it must be "
                    f"{plain(square.side_mm)} mm (± {plain(rules.size_tolerance_mm)} mm)",
                )
            )
    return errors


def _on_image(count: PapuleCount, p: Point) -> bool:
    return 0 <= p.x < count.width and 0 <= p.y < count.height


def _off_image(count: PapuleCount, p: Point) -> str:
    return f"must be on the photo (x 0-{count.width - 1}, y 0-{count.height - 1}); got {p}"


# ---------------------------------------------------------------- two counts side by side


@dataclass(frozen=True)
class CountComparison:
    same_view: bool
    sides_mm: tuple[Decimal | None, Decimal | None]
    size_differs: bool
    warnings: tuple[str, ...]


def compare_counts(
    first: PapuleCount,
    second: PapuleCount,
    tolerance_mm: Decimal,
    labels: tuple[str, str] = ("earlier", "later"),
) -> CountComparison:
    """Whether two counts were made over the same area: the same view, and squares whose real
    sides differ by no more than the tolerance. Each warning carries its numbers."""
    warnings: list[str] = []
    same_view = same_site(first.view, second.view)
    if not same_view:
        warnings.append(
            f"Different views: {first.view} ({labels[0]}) and {second.view} ({labels[1]}); "
            "the counts are not over the same site."
        )
    sides = (first.real_side_mm(), second.real_side_mm())
    for count, side, label in zip((first, second), sides, labels, strict=True):
        if side is None:
            missing = "square" if count.square is None else "scale"
            warnings.append(f"No {missing} on the {label} photo: its count cannot be checked.")
    size_differs = False
    if first.square and first.scale and second.square and second.scale and None not in sides:
        a = first.square.real_side_mm_squared(first.scale)
        b = second.square.real_side_mm_squared(second.scale)
        size_differs = differs_by_more_than(a, b, tolerance_mm)
        if size_differs:
            gap = root(a, 2) - root(b, 2)
            warnings.append(
                f"The squares differ in real size: {sides[0]} mm ({labels[0]}) and {sides[1]} mm "
                f"({labels[1]}), {abs(gap)} mm apart, more than the {plain(tolerance_mm)} mm "
                "allowed: the counts are over different areas."
            )
    return CountComparison(same_view, sides, size_differs, tuple(warnings))


def differs_by_more_than(a_squared: Fraction, b_squared: Fraction, tolerance: Decimal) -> bool:
    """|√a − √b| > t, exactly: with a ≥ b, √a > √b + t  ⇔  a − b − t² > 2t√b
    ⇔  a − b − t² > 0 and (a − b − t²)² > 4t²b."""
    a, b = max(a_squared, b_squared), min(a_squared, b_squared)
    t = Fraction(tolerance)
    k = a - b - t * t
    return k > 0 and k * k > 4 * t * t * b


# ---------------------------------------------------------------- photos of the site on paper


@dataclass(frozen=True)
class SitePhotoRef:
    """A photo of the papule site a letter or form shows: which assessment, which photo."""

    role: str  # "baseline", "previous" or "this assessment"
    assessment: Assessment
    index: int  # the photo's place in the assessment

    @property
    def photo(self) -> PhotoRef:
        return self.assessment.photos[self.index]


def site_photos(
    assessments: Sequence[Assessment], now: Assessment, first_infusion: date | None
) -> tuple[SitePhotoRef, ...]:
    """The photos of the papule site beside this assessment's count, oldest first: the
    baseline's and the previous assessment's of the same view, and this one's. The site is the
    papule count's (else the view of this assessment's counted photo); of several photos of a
    view, the last counted on is shown. Nothing when the site has no photo now."""
    counted_views = [p.view for p in now.photos if p.count is not None]
    site = now.papules.site if now.papules else (counted_views[-1] if counted_views else "")
    if not site:
        return ()

    def of_site(a: Assessment) -> int | None:
        found = [i for i, p in enumerate(a.photos) if same_site(p.view, site)]
        chosen = [i for i in found if a.photos[i].count is not None] or found
        return chosen[-1] if chosen else None

    here = of_site(now)
    if here is None:
        return ()
    earlier = [(a, i) for a in assessments if a.date < now.date and (i := of_site(a)) is not None]
    out: list[SitePhotoRef] = []
    base = baseline_for(assessments, first_infusion, now.date)
    previous = earlier[-1] if earlier else None
    if base is not None and (previous is None or previous[0] is not base):
        i = of_site(base)
        if i is not None:
            out.append(SitePhotoRef("baseline", base, i))
    if previous is not None:
        role = "baseline" if previous[0] is base else "previous"
        out.append(SitePhotoRef(role, *previous))
    out.append(SitePhotoRef("this assessment", now, here))
    return tuple(out)


# ---------------------------------------------------------------- display


def root(value: Fraction, places: int) -> Decimal:
    """√value to `places` decimals, half up (for display; decisions use the squares)."""
    with localcontext() as ctx:
        ctx.prec = 50
        exact_root = (Decimal(value.numerator) / Decimal(value.denominator)).sqrt()
        return exact_root.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> str:
    """20 not 20.0; 10.5 stays 10.5."""
    text = format(value.normalize(), "f")
    return text


# ---------------------------------------------------------------- reading JSON


class _Reader:
    """Typed access to one JSON object; every problem is recorded with its path."""

    def __init__(
        self, data: Any, errors: list[FieldError], prefix: str, keys: tuple[str, ...]
    ) -> None:
        self.errors = errors
        self.prefix = prefix
        self.data: Mapping[str, Any] = data if isinstance(data, dict) else {}
        if not isinstance(data, dict):
            errors.append(FieldError(prefix.rstrip(".") or "(count)", "must be an object"))
            return
        for key in data:
            if key not in keys:
                errors.append(FieldError(f"{prefix}{key}", "is not a known field"))
        for key in keys:
            if key not in data:
                errors.append(FieldError(f"{prefix}{key}", "is missing"))

    def _fail(self, key: str, message: str) -> None:
        self.errors.append(FieldError(f"{self.prefix}{key}", message))

    def text(self, key: str) -> str:
        value = self.data.get(key, "")
        if not isinstance(value, str):
            self._fail(key, f"must be text; got {value!r}")
            return ""
        return value

    def whole(self, key: str) -> int:
        value = self.data.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int):
            self._fail(key, f"must be a whole number; got {value!r}")
            return 0
        return int(value)

    def decimal(self, key: str) -> Decimal:
        value = self.data.get(key, "0")
        if not isinstance(value, str) or not _DECIMAL.match(value):
            self._fail(key, f'must be a decimal written as text, like "10" or "2.5"; got {value!r}')
            return Decimal(0)
        return Decimal(value)

    def point(self, key: str) -> Point:
        return self._point(self.data.get(key), key)

    def _point(self, value: Any, where: str) -> Point:
        if (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        ):
            return Point(value[0], value[1])
        self._fail(where, f"must be [x, y] in whole pixels; got {value!r}")
        return Point(0, 0)

    def points(self, key: str) -> tuple[Point, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            self._fail(key, f"must be a list of [x, y]; got {value!r}")
            return ()
        return tuple(self._point(v, f"{key}[{i}]") for i, v in enumerate(value))

    def table(self, key: str, keys: tuple[str, ...], *, optional: bool = False) -> _Reader | None:
        value = self.data.get(key)
        if value is None:
            if not optional and key in self.data:
                self._fail(key, "must be an object")
            return None
        return _Reader(value, self.errors, f"{self.prefix}{key}.", keys)
