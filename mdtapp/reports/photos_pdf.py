"""Photos of the papule site on paper: each a thumbnail of the photo around its counting square,
with the square and every mark drawn over it from the stored marks, and the count beneath.

For the clinic letter and the filled form, when asked for (a setting, off by default: letters go
by post). The thumbnails are drawn here from the stored data, never from a screen: the square
from its four corners, counted marks as ringed dots, marks outside it as crosses (as on screen:
not counted), in black and white so that a photocopy keeps them. The count, the square's real
size and the warnings come from mdtapp.domain.papule_count, as the app shows them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from html import escape
from typing import Any

from PIL import Image, ImageOps
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Table, TableStyle

from mdtapp.domain.dates import format_date
from mdtapp.domain.papule_count import PapuleCount, Point, SitePhotoRef, compare_counts, plain
from mdtapp.reports.pdf import FONT, styles

THUMB_PIXELS = 600  # the longest side of a thumbnail's picture: ~280 dpi at 55 mm
MARGIN_AROUND_SQUARE = 0.35  # of the square's extent, on each side, so its place can be seen


@dataclass(frozen=True)
class SitePhoto:
    """One photo as printed: which it is (SitePhotoRef), its stored bytes."""

    ref: SitePhotoRef
    content: bytes

    @property
    def count(self) -> PapuleCount | None:
        return self.ref.photo.count

    @property
    def label(self) -> str:
        return f"{format_date(self.ref.assessment.date)} ({self.ref.role})"

    def caption(self, side_mm: str) -> str:
        view = self.ref.photo.view
        count = self.count
        if count is None or count.count is None:
            return f"{self.label}, {view}: not counted on the photo"
        size = count.real_side_mm()
        where = f"{size} mm across by its scale" if size is not None else "no scale"
        outside = f"; {count.outside} outside it, not counted" if count.outside else ""
        return (
            f"{self.label}, {view}: <b>{count.count} papules</b> inside the {side_mm} mm square "
            f"({where}){outside}"
        )


def _crop(count: PapuleCount | None, width: int, height: int) -> tuple[int, int, int, int]:
    """The part of the photo shown: around the square, square itself, or the whole photo."""
    if count is None or count.square is None:
        return 0, 0, width, height
    xs = [c.x for c in count.square.corners]
    ys = [c.y for c in count.square.corners]
    extent = max(max(xs) - min(xs), max(ys) - min(ys)) + 1
    side = min(int(extent * (1 + 2 * MARGIN_AROUND_SQUARE)), max(width, height))
    cx, cy = (min(xs) + max(xs)) // 2, (min(ys) + max(ys)) // 2
    left = min(max(cx - side // 2, 0), max(width - side, 0))
    top = min(max(cy - side // 2, 0), max(height - side, 0))
    return left, top, min(left + side, width), min(top + side, height)


class CountedPhoto(Flowable):  # type: ignore[misc]  # reportlab has no type hints
    """The thumbnail: the photo around the square, the square and the marks drawn over it."""

    def __init__(self, photo: SitePhoto, size: float):
        super().__init__()
        self.photo = photo
        self.size = size
        with Image.open(io.BytesIO(photo.content)) as opened:
            upright = ImageOps.exif_transpose(opened)  # as shown and counted (stored_size)
            box = _crop(photo.count, upright.width, upright.height)
            part = upright.crop(box).convert("RGB")
        part.thumbnail((THUMB_PIXELS, THUMB_PIXELS), Image.Resampling.LANCZOS)
        encoded = io.BytesIO()
        part.save(encoded, "JPEG", quality=85)
        self.picture = ImageReader(io.BytesIO(encoded.getvalue()))
        self.box = box
        crop_w, crop_h = box[2] - box[0], box[3] - box[1]
        self.scale = size / max(crop_w, crop_h)  # points per photo pixel
        self.drawn = (crop_w * self.scale, crop_h * self.scale)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def _at(self, x: float, y: float) -> tuple[float, float]:
        """A photo position (pixels, y down) on the page (points, y up), inside the box."""
        left, top = self.box[0], self.box[1]
        return (x - left) * self.scale, self.size - (y - top) * self.scale

    def _pixel(self, p: Point) -> tuple[float, float]:
        return self._at(p.x + 0.5, p.y + 0.5)  # the pixel's centre

    def draw(self) -> None:
        c: Any = self.canv
        c.saveState()
        width, height = self.drawn
        c.drawImage(self.picture, 0, self.size - height, width, height)
        c.setStrokeColor(colors.black)
        c.setLineWidth(0.5)
        c.rect(0, self.size - height, width, height)
        count = self.photo.count
        if count is not None:
            clip = c.beginPath()  # marks near the edge stay on the picture
            clip.rect(0, self.size - height, width, height)
            c.clipPath(clip, stroke=0, fill=0)
            if count.square is not None:
                corners = [self._pixel(p) for p in count.square.corners]
                for colour, line in ((colors.white, 2.4), (colors.black, 1.0)):
                    c.setStrokeColor(colour)
                    c.setLineWidth(line)
                    outline = c.beginPath()
                    outline.moveTo(*corners[0])
                    for corner in corners[1:]:
                        outline.lineTo(*corner)
                    outline.close()
                    c.drawPath(outline, stroke=1, fill=0)
            for mark, inside in zip(count.marks, count.inside, strict=True):
                x, y = self._pixel(mark)
                if inside:  # counted: a ringed dot
                    c.setFillColor(colors.white)
                    c.circle(x, y, 2.2, stroke=0, fill=1)
                    c.setFillColor(colors.black)
                    c.setStrokeColor(colors.black)
                    c.setLineWidth(0.6)
                    c.circle(x, y, 1.6, stroke=1, fill=0)
                    c.circle(x, y, 0.6, stroke=0, fill=1)
                else:  # outside the square: a cross, not counted
                    for colour, line in ((colors.white, 1.6), (colors.black, 0.6)):
                        c.setStrokeColor(colour)
                        c.setLineWidth(line)
                        c.line(x - 1.6, y - 1.6, x + 1.6, y + 1.6)
                        c.line(x - 1.6, y + 1.6, x + 1.6, y - 1.6)
        c.restoreState()


def site_photos_block(
    photos: list[SitePhoto], *, width: float, side_mm: Any, tolerance_mm: Any
) -> list[Any]:
    """The block for a flowing document (the letter), kept together on one page."""
    parts = _parts(photos, width=width, side_mm=side_mm, tolerance_mm=tolerance_mm)
    return [KeepTogether(parts)] if parts else []


def _parts(photos: list[SitePhoto], *, width: float, side_mm: Any, tolerance_mm: Any) -> list[Any]:
    """The heading, the thumbnails side by side with their captions, and what makes two counts
    unlike (a different view, squares of different real size): as the Photos tab says it."""
    if not photos:
        return []
    s = styles()
    per_row = 3
    gap = 4 * mm
    size = min(60 * mm, (width - gap * (per_row - 1)) / per_row)
    side = plain(side_mm)
    cells = [
        [CountedPhoto(p, size), Paragraph(p.caption(escape(side)), s["small"])] for p in photos
    ]
    rows = [cells[i : i + per_row] for i in range(0, len(cells), per_row)]
    table = Table(
        [[cell for cell in row] + [""] * (per_row - len(row)) for row in rows],
        colWidths=[size + gap] * per_row,
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), gap),
                ("FONT", (0, 0), (-1, -1), FONT),
            ]
        )
    )
    notes = []
    latest = photos[-1]
    for earlier in photos[:-1]:
        if earlier.count is None or latest.count is None:
            continue
        result = compare_counts(
            earlier.count, latest.count, tolerance_mm, (earlier.label, latest.label)
        )
        notes += [Paragraph(f"⚠ {escape(w)}", s["small"]) for w in result.warnings]
    heading = Paragraph("Photographs of the papule site", s["heading"])
    intro = Paragraph(
        "Each photo around its counting square, with every papule marked as counted: ringed "
        "dots inside the square, crosses outside it (not counted).",
        s["muted"],
    )
    return [heading, intro, table, *notes]


def draw_site_photos_page(
    c: Any,
    photos: list[SitePhoto],
    *,
    x: float,
    top: float,
    width: float,
    side_mm: Any,
    tolerance_mm: Any,
) -> None:
    """The same block drawn straight on a canvas page (the printed form is drawn, not flowed)."""
    y = top
    for flowable in _parts(photos, width=width, side_mm=side_mm, tolerance_mm=tolerance_mm):
        _, height = flowable.wrapOn(c, width, top)
        y -= flowable.getSpaceBefore()
        flowable.drawOn(c, x, y - height)
        y -= height + flowable.getSpaceAfter()
