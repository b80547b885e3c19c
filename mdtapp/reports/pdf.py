"""What every mdtapp PDF shares: embedded DejaVu fonts (names in any European script render),
styles, A4 pages, and a footer with the patient's name, NHS number and "page N of M" on every
page. Black-and-white friendly: meaning is carried by text and line, not by colour."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas

from mdtapp.paths import resources_dir

FONT = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
GREY = colors.Color(0.35, 0.35, 0.35)
LIGHT = colors.Color(0.88, 0.88, 0.88)


@lru_cache(maxsize=1)
def register_fonts() -> None:
    fonts = resources_dir() / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(fonts / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(fonts / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


@contextlib.contextmanager
def rendering() -> Iterator[None]:
    """While a built document is drawn and written: no re-validation of every attribute reportlab
    sets on its own chart nodes (our charts are checked when we build them), and binary streams
    rather than ASCII85 text (same content, a fifth smaller, no encoding pass). Together about a
    quarter of a letter's time (benchmarks/)."""
    saved = rl_config.shapeChecking, rl_config.useA85
    rl_config.shapeChecking, rl_config.useA85 = 0, 0
    try:
        yield
    finally:
        rl_config.shapeChecking, rl_config.useA85 = saved


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=12.5, alignment=TA_LEFT)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10),
        "muted": ParagraphStyle("muted", parent=base, fontSize=8, leading=10, textColor=GREY),
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontName=BOLD,
            fontSize=12.5,
            leading=16,
            spaceBefore=4,
            spaceAfter=4,
        ),
        "heading": ParagraphStyle(
            "heading",
            parent=base,
            fontName=BOLD,
            fontSize=10.5,
            leading=13,
            spaceBefore=8,
            spaceAfter=3,
        ),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5),
        "cell_bold": ParagraphStyle(
            "cell_bold", parent=base, fontName=BOLD, fontSize=8.5, leading=10.5
        ),
    }


@dataclass(frozen=True)
class Footer:
    """Printed at the foot of every page."""

    patient: str  # "SMITH, Jane · NHS No. 943 476 5919 · Born 02-Jan-1970"
    provenance: str  # "mdtapp 0.1.0 (abc) · forms 2271-2026.1 · produced 21-Nov-2026 10:42"
    # "DRAFT: the assessment of 05-Nov-2026 not yet signed": printed at the head of every page,
    # with DRAFT across it in outline (black and white, never hiding the text beneath)
    draft: str = ""


def numbered_canvas(footer: Footer) -> type[rl_canvas.Canvas]:
    """A canvas that knows the page count, so each page can say 'page N of M'."""

    class NumberedCanvas(rl_canvas.Canvas):  # type: ignore[misc]  # reportlab is untyped
        def __init__(self, *args: Any, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab API
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._draw_footer(number, total)
                super().showPage()
            super().save()

        def _draw_footer(self, number: int, total: int) -> None:
            register_fonts()
            self.saveState()
            self.setStrokeColor(GREY)
            self.setLineWidth(0.5)
            y = 12 * mm
            self.line(MARGIN, y + 4 * mm, PAGE_WIDTH - MARGIN, y + 4 * mm)
            self.setFont(BOLD, 8)
            self.setFillColor(colors.black)
            self.drawString(MARGIN, y, footer.patient)
            self.drawRightString(PAGE_WIDTH - MARGIN, y, f"Page {number} of {total}")
            self.setFont(FONT, 6.5)
            self.setFillColor(GREY)
            self.drawString(MARGIN, y - 3.5 * mm, footer.provenance)
            if footer.draft:
                self._draw_draft()
            self.restoreState()

        def _draw_draft(self) -> None:
            self.setFillColor(colors.black)
            self.setFont(BOLD, 9)
            self.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 10 * mm, footer.draft)
            self.saveState()
            self.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
            self.rotate(45)
            text = self.beginText()
            text.setTextRenderMode(1)  # outline only: the letter's text stays readable
            text.setFont(BOLD, 130)
            self.setStrokeColor(colors.Color(0.6, 0.6, 0.6))
            self.setLineWidth(0.6)
            text.setTextOrigin(-self.stringWidth("DRAFT", BOLD, 130) / 2, -45)
            text.textOut("DRAFT")
            self.drawText(text)
            self.restoreState()

    return NumberedCanvas


def produced_text(when: datetime) -> str:
    from mdtapp.domain.dates import format_date

    return f"{format_date(when.date())} {when:%H:%M}"


Canvas = rl_canvas.Canvas
PageHook = Callable[[rl_canvas.Canvas, Any], None]
