"""Synthetic photos for the demonstration patients: drawn here, never photographed, never a file.

Each is a patch of skin with a millimetre ruler along its foot and papules scattered over it,
and the count made on it as the counter would store it: the scale from two ruler ticks, the
2 × 2 cm square (turned a little, as a hand-held photo would need), a mark on each papule inside
it and on a couple outside it (drawn crossed, not counted). The papules inside the square are
exactly the count the demo assessment records, so the photo, the marks and the number agree.
"""

from __future__ import annotations

import io
import math
import random
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFilter

from mdtapp.domain.papule_count import PapuleCount, Point, Scale, Square, square_for_scale

WIDTH, HEIGHT = 960, 720
RULER_Y = 640  # the ruler's top edge, in pixels
SIDE_MM = Decimal(20)


def demo_photo(
    *, seed: int, view: str, inside: int, px_per_mm: int, degrees: float
) -> tuple[bytes, PapuleCount]:
    """A JPEG of the site and the count on it: `inside` papules inside the square."""
    rng = random.Random(seed)
    image = _skin(rng)
    draw = ImageDraw.Draw(image)
    left = 70
    ticks = _ruler(draw, left, px_per_mm)
    # two ticks 20 mm apart give the scale; the square is sized and turned from it
    scale = Scale(Point(ticks[0], RULER_Y), Point(ticks[20], RULER_Y), SIDE_MM, "ruler")
    square = square_for_scale(Point(WIDTH // 2 + 40, 290), scale, SIDE_MM, degrees)
    spots_in = _scatter(rng, square, inside, inside=True)
    spots_out = _scatter(rng, square, 9, inside=False)
    for spot in spots_in + spots_out:
        _papule(draw, rng, spot)
    image = image.filter(ImageFilter.GaussianBlur(0.6))  # a photo, not a drawing
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    marks = (*spots_in, *spots_out[:2])  # two outside marked too: shown crossed, not counted
    count = PapuleCount(view, WIDTH, HEIGHT, scale, square, marks)
    assert count.count == inside  # the picture and the number agree
    return out.getvalue(), count


def _skin(rng: random.Random) -> Image.Image:
    base = (rng.randint(214, 226), rng.randint(168, 180), rng.randint(146, 158))
    image = Image.new("RGB", (WIDTH, HEIGHT), base)
    noise = Image.effect_noise((WIDTH // 8, HEIGHT // 8), 18).resize(
        (WIDTH, HEIGHT), Image.Resampling.BICUBIC
    )
    shade = Image.merge("RGB", (noise, noise, noise))
    return Image.blend(image, shade, 0.08)


def _ruler(draw: ImageDraw.ImageDraw, left: int, px_per_mm: int) -> list[int]:
    """A white ruler with millimetre ticks and centimetre numbers; the ticks' x positions."""
    length = 30 * px_per_mm
    draw.rectangle((left - 20, RULER_Y - 6, left + length + 20, HEIGHT - 20), fill=(246, 246, 240))
    ticks = []
    for mm in range(31):
        x = left + mm * px_per_mm
        ticks.append(x)
        tall = 26 if mm % 10 == 0 else 16 if mm % 5 == 0 else 10
        draw.line((x, RULER_Y, x, RULER_Y + tall), fill=(20, 20, 20), width=1)
        if mm % 10 == 0:
            draw.text((x - 3, RULER_Y + 30), str(mm // 10), fill=(20, 20, 20))
    draw.text((left + length + 4, RULER_Y + 30), "cm", fill=(20, 20, 20))
    return ticks


def _scatter(rng: random.Random, square: Square, n: int, *, inside: bool) -> list[Point]:
    """n papule centres inside the square (or around it, outside), apart from one another."""
    corners = square.corners
    xs, ys = [c.x for c in corners], [c.y for c in corners]
    reach = 0 if inside else 90
    box = (min(xs) - reach, min(ys) - reach, max(xs) + reach, max(ys) + reach)
    spots: list[Point] = []
    while len(spots) < n:
        p = Point(rng.randint(box[0] + 6, box[2] - 6), rng.randint(box[1] + 6, box[3] - 6))
        clear = inside == square.contains(p) and not _near_edge(square, p)
        if clear and all(math.dist((p.x, p.y), (q.x, q.y)) > 24 for q in spots):
            spots.append(p)
    return spots


def _near_edge(square: Square, p: Point) -> bool:
    """Within 6 px of the square's edge: left out, so that no demo papule sits on the line."""
    v, h = p - square.centre, square.corner
    r = h.length_squared
    inner = abs(v.dot(h)) + abs(h.cross(v))
    return abs(inner - r) <= 6 * math.sqrt(2 * r)


def _papule(draw: ImageDraw.ImageDraw, rng: random.Random, at: Point) -> None:
    """A small firm dome: a pinker ring, a paler top and a highlight."""
    r = rng.randint(5, 8)
    x, y = at.x + 0.5, at.y + 0.5
    draw.ellipse((x - r - 2, y - r - 2, x + r + 2, y + r + 2), fill=(196, 128, 118))
    draw.ellipse((x - r, y - r, x + r, y + r), fill=(226, 170, 150))
    draw.ellipse((x - r / 3 - 1, y - r / 2 - 1, x - r / 3 + 2, y - r / 2 + 2), fill=(248, 222, 206))
