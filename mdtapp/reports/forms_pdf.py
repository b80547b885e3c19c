"""The Appendix 1 assessment form on paper: blank to fill by hand, or filled exactly as entered.

Page 1: patient label, the header (date, examiner), the mRSS grid with its tick boxes (Figure 1
layout), total and key, and the page-1 sections (notes). Then each section of
forms/assessment.toml in order, each measure drawn by its type: VAS lines at true length, counts
and their site, the organ table, yes/no boxes, numbers, and MUST beside its inputs; a page is
added when one is full; the examiner's name and signature close the form. Positions come from
`form_layout`, which the tests read too: what is measured is what is drawn.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from reportlab.lib import colors
from reportlab.lib.units import mm

from mdtapp.buildinfo import version_text
from mdtapp.domain.dates import format_date
from mdtapp.domain.forms import Forms
from mdtapp.domain.forms import forms as default_forms
from mdtapp.domain.instruments import mrss_total, must_for, vas_cm
from mdtapp.domain.measures import (
    CountAtSiteMeasure,
    DateMeasure,
    Measure,
    MrssGridMeasure,
    NumberMeasure,
    OrganTableMeasure,
    TextMeasure,
    VasMeasure,
    YesNoMeasure,
)
from mdtapp.domain.model import Assessment, Patient
from mdtapp.domain.nhs_number import format_nhs_number
from mdtapp.domain.numbers import plain
from mdtapp.domain.record import PatientRecord
from mdtapp.reports.pdf import (
    BOLD,
    FONT,
    GREY,
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    Footer,
    numbered_canvas,
    produced_text,
    register_fonts,
)

if TYPE_CHECKING:
    from mdtapp.reports.photos_pdf import SitePhoto

BOX: float = 5 * mm
BOX_GAP: float = 4.5 * mm  # room for each score's digit to sit clearly beside its own box
ROW: float = 7.2 * mm
FOOT: float = 24 * mm  # nothing is drawn below this: the footer's place
NEXT_PAGE_TOP: float = PAGE_HEIGHT - MARGIN - 16 * mm
HEADING: float = 6 * mm  # from a section heading's baseline to its first row's top
SECTION_GAP: float = 5 * mm
# the height each type of measure takes on the form (its top to the next one's top)
VAS_HEIGHT: float = 22 * mm
FIELD_HEIGHT: float = 8 * mm
YES_NO_HEIGHT: float = 7 * mm
ORGAN_HEAD: float = 10 * mm
ORGAN_ROW: float = 6.5 * mm
YES_X: float = 108 * mm  # where the yes/no boxes sit
RIGHT_COLUMN: float = 66 * mm  # a second field in the same row


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px <= self.x + self.w and self.y <= py <= self.y + self.h


@dataclass(frozen=True)
class Placed:
    """One piece of the form after page 1: a section heading, a row of measures, the MUST line
    or the examiner's signature block, with its page (2, 3, ...) and its top."""

    page: int
    top: float
    kind: str  # heading | measures | must | signature
    section: str = ""
    measures: tuple[Measure, ...] = ()
    height: float = 0.0


@dataclass(frozen=True)
class FormLayout:
    mrss_top: float
    mrss_boxes: dict[tuple[str, int], Rect]  # (area, score) -> box, page 1
    mrss_rows: list[tuple[str, float]]  # (row label, baseline y), page 1
    vas_lines: dict[str, tuple[float, float, float]]  # key -> (x0, y, x1), on `pages`
    vas_top: float  # the top of the first section after page 1
    pieces: list[Placed] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max([2, *(p.page for p in self.pieces)])


def _rows(forms: Forms, section: str) -> list[tuple[Measure, ...]]:
    """The section's measures shown on the form, one row each; two numbers side by side."""
    rows: list[tuple[Measure, ...]] = []
    for m in forms.assessment.in_section(section):
        if not m.shown_in("form"):
            continue
        last = rows[-1] if rows else ()
        if isinstance(m, NumberMeasure) and len(last) == 1 and isinstance(last[0], NumberMeasure):
            rows[-1] = (last[0], m)
        else:
            rows.append((m,))
    return rows


def _row_height(row: tuple[Measure, ...], forms: Forms) -> float:
    m = row[0]
    if isinstance(m, VasMeasure):
        return VAS_HEIGHT
    if isinstance(m, OrganTableMeasure):
        return ORGAN_HEAD + ORGAN_ROW * len(forms.systemic.organs)
    if isinstance(m, YesNoMeasure):
        return YES_NO_HEIGHT
    return FIELD_HEIGHT


def _holds_must(forms: Forms, section: str) -> bool:
    return forms.assessment.measure(forms.must.weight_measure).section == section


def form_layout(forms: Forms) -> FormLayout:
    label_w = 38 * mm
    group_w = 4 * BOX + 3 * BOX_GAP
    right_x = MARGIN + label_w
    left_x = right_x + group_w + 14 * mm
    single_x = (right_x + left_x + group_w) / 2 - group_w / 2
    top = PAGE_HEIGHT - MARGIN - 62 * mm
    boxes: dict[tuple[str, int], Rect] = {}
    rows: list[tuple[str, float]] = []
    for i, row in enumerate(forms.mrss.rows):
        y = top - (i + 1) * ROW
        rows.append((row.label, y))
        groups = (
            [(row.single, single_x)] if row.single else [(row.right, right_x), (row.left, left_x)]
        )
        for key, x in groups:
            for score in forms.mrss.scores:
                boxes[(key or "", score)] = Rect(
                    x + score * (BOX + BOX_GAP), y - 1.2 * mm, BOX, BOX
                )

    # after page 1: each section in order, flowing onto a new page when one is full
    pieces: list[Placed] = []
    page, y = 2, NEXT_PAGE_TOP

    def place(kind: str, height: float, section: str = "", row: tuple[Measure, ...] = ()) -> None:
        nonlocal page, y
        if y - height < FOOT:
            page, y = page + 1, NEXT_PAGE_TOP
        pieces.append(Placed(page, y, kind, section, row, height))
        y -= height

    for section in forms.assessment.sections:
        if section.form_page != 2 or section.key == "header":
            continue
        section_rows = _rows(forms, section.key)
        if not section_rows:
            continue
        # a heading never stands alone at the foot of a page
        if y - HEADING - _row_height(section_rows[0], forms) < FOOT:
            page, y = page + 1, NEXT_PAGE_TOP
        place("heading", HEADING, section.key)
        for measures in section_rows:
            place("measures", _row_height(measures, forms), section.key, measures)
        if _holds_must(forms, section.key):
            place("must", FIELD_HEIGHT, section.key)
        y -= SECTION_GAP
    place("signature", HEADING + 2 * FIELD_HEIGHT)

    length = forms.vas.line_length_mm * mm  # the policy's 10 cm line, printed at true length
    x0 = (PAGE_WIDTH - length) / 2
    lines = {
        p.measures[0].key: (x0, p.top - 13 * mm, x0 + length)
        for p in pieces
        if p.measures and isinstance(p.measures[0], VasMeasure)
    }
    return FormLayout(top, boxes, rows, lines, NEXT_PAGE_TOP, pieces)


def _tick(c: Any, rect: Rect) -> None:
    """An X in a box, as a pen would make it (drawn as text so it can be read back)."""
    c.saveState()  # the mark's font must not leak into the text drawn after it
    c.setFont(BOLD, 11)
    c.drawCentredString(rect.x + rect.w / 2, rect.y + 1.0 * mm, "X")
    c.restoreState()


def _yes_no(c: Any, x: float, y: float, value: bool | None, filled: bool) -> None:
    c.setFont(FONT, 8.5)
    for i, (label, answer) in enumerate((("Y", True), ("N", False))):
        bx = x + i * 14 * mm
        c.rect(bx, y - 1.2 * mm, BOX, BOX)
        c.drawString(bx + BOX + 1.2 * mm, y, label)
        if filled and value is answer:
            _tick(c, Rect(bx, y - 1.2 * mm, BOX, BOX))


def _field(c: Any, x: float, y: float, width: float, label: str, value: str = "") -> None:
    c.setFont(FONT, 8.5)
    c.drawString(x, y, label)
    start = x + c.stringWidth(label, FONT, 8.5) + 2 * mm
    c.setStrokeColor(GREY)
    c.line(start, y - 1 * mm, x + width, y - 1 * mm)
    c.setStrokeColor(colors.black)
    if value:
        c.setFont(BOLD, 9.5)
        c.drawString(start + 1 * mm, y + 0.3 * mm, value)


def _label(m: Measure) -> str:
    """The form's wording, with the unit: "Weight (kg)"."""
    unit = m.unit if isinstance(m, NumberMeasure) else ""
    return f"{m.question} ({unit})" if unit else m.question


# ---------------------------------------------------------------- one drawing rule per type


def _draw_vas(c: Any, m: VasMeasure, a: Assessment | None, forms: Forms, line: Any) -> None:
    x0, y, x1 = line
    c.setFont(BOLD, 9)
    c.drawString(MARGIN, y + 9 * mm, m.label)
    c.setFont(FONT, 8.5)
    c.drawString(MARGIN + c.stringWidth(m.label, BOLD, 9) + 2 * mm, y + 9 * mm, m.question)
    c.setLineWidth(1)
    c.line(x0, y, x1, y)  # one segment, exactly the line's length
    c.line(x0, y - 2 * mm, x0, y + 2 * mm)
    c.line(x1, y - 2 * mm, x1, y + 2 * mm)
    c.setFont(FONT, 7.5)
    c.drawString(x0, y - 5.5 * mm, m.anchor_low)
    c.drawRightString(x1, y - 5.5 * mm, m.anchor_high)
    value = m.mm(a) if a else None
    if value is not None:
        mark = x0 + (x1 - x0) * value / forms.vas.max_mm
        c.setLineWidth(1.6)
        c.line(mark, y - 3.5 * mm, mark, y + 3.5 * mm)
        c.setLineWidth(1)
        band = m.band(value)
        c.setFont(BOLD, 8.5)
        c.drawString(x1 + 3 * mm, y - 1 * mm, f"{value} mm")
        c.setFont(FONT, 7.5)
        c.drawString(x1 + 3 * mm, y - 4.5 * mm, vas_cm(value) + (f", {band}" if band else ""))
    else:
        c.setFont(FONT, 7.5)
        c.drawString(x1 + 3 * mm, y - 1 * mm, "not recorded" if a is not None else "____ mm")


def _draw_row(
    c: Any, piece: Placed, a: Assessment | None, forms: Forms, layout: FormLayout
) -> None:
    filled = a is not None
    y = piece.top - 4 * mm  # the row's baseline
    width = PAGE_WIDTH - 2 * MARGIN
    m = piece.measures[0]
    if isinstance(m, VasMeasure):
        _draw_vas(c, m, a, forms, layout.vas_lines[m.key])
    elif isinstance(m, CountAtSiteMeasure):
        count = m.count(a) if a else None
        shown = "" if a is None else (str(count.count) if count else "not counted")
        _field(c, MARGIN, y, 60 * mm, m.question, shown)
        site = count.site if count else ""
        _field(c, MARGIN + RIGHT_COLUMN, y, width - RIGHT_COLUMN, m.site_label, site)
    elif isinstance(m, OrganTableMeasure):
        c.setFont(BOLD, 8.5)
        c.drawString(MARGIN + 44 * mm, y, "Evidence of involvement")
        c.drawString(MARGIN + 104 * mm, y, "Evidence of progression")
        for i, organ in enumerate(forms.systemic.organs):
            row_y = piece.top - ORGAN_HEAD - i * ORGAN_ROW
            c.setFont(FONT, 9)
            c.drawString(MARGIN, row_y, organ.label)
            status = m.statuses(a).get(organ.key) if a else None
            _yes_no(c, MARGIN + 48 * mm, row_y, status.involved if status else None, filled)
            _yes_no(c, MARGIN + YES_X, row_y, status.progressed if status else None, filled)
    elif isinstance(m, YesNoMeasure):
        c.setFont(FONT, 9)
        c.drawString(MARGIN, y, m.question)
        _yes_no(c, MARGIN + YES_X, y, m.answer(a) if a else None, filled)
    else:
        x, widths = MARGIN, [60 * mm, width - RIGHT_COLUMN] if len(piece.measures) > 1 else [width]
        for measure, w in zip(piece.measures, widths, strict=True):
            _field(c, x, y, w, _label(measure), _value_text(measure, a))
            x = MARGIN + RIGHT_COLUMN


def _value_text(m: Measure, a: Assessment | None) -> str:
    if a is None:
        return ""
    if isinstance(m, NumberMeasure):
        value = m.number(a)
        return plain(value) if value else ""
    if isinstance(m, TextMeasure):
        return m.text(a)
    if isinstance(m, DateMeasure):
        day = m.day(a)
        return format_date(day) if day else ""
    return ""


def _draw_piece(
    c: Any,
    piece: Placed,
    a: Assessment | None,
    p: Patient | None,
    forms: Forms,
    layout: FormLayout,
) -> None:
    if piece.kind == "heading":
        section = forms.assessment.section(piece.section)
        c.setFont(BOLD, 10.5)
        c.drawString(MARGIN, piece.top, section.form_title)
        if any(isinstance(m, OrganTableMeasure) for m in forms.assessment.in_section(section.key)):
            c.setFont(FONT, 7.5)
            c.drawString(
                MARGIN + c.stringWidth(section.form_title, BOLD, 10.5) + 3 * mm,
                piece.top,
                f"({forms.systemic.note})",
            )
    elif piece.kind == "measures":
        _draw_row(c, piece, a, forms, layout)
    elif piece.kind == "must":
        must = must_for(a, p.height_cm, forms.must).text if a is not None and p else ""
        acute = forms.must.acute_disease_score
        _field(
            c,
            MARGIN,
            piece.top - 4 * mm,
            PAGE_WIDTH - 2 * MARGIN,
            f"MUST score (BMI 0-2 + weight loss 0-2 + acute 0 or {acute})",
            must,
        )
    elif piece.kind == "signature":
        header = forms.assessment
        c.setFont(BOLD, 10.5)
        c.drawString(MARGIN, piece.top, header.examiner.label)
        y = piece.top - HEADING - 3 * mm
        _field(c, MARGIN, y, 88 * mm, "Printed name", header.examiner.text(a) if a else "")
        _field(c, MARGIN + 94 * mm, y, 80 * mm, "Signature")
        day = header.date.day(a) if a else None
        _field(c, MARGIN, y - FIELD_HEIGHT, 88 * mm, "Date", format_date(day) if day else "")


def build_form(
    record: PatientRecord | None,
    assessment: Assessment | None,
    *,
    forms: Forms | None,
    produced_at: datetime,
    site_photos: Sequence[SitePhoto] = (),
) -> bytes:
    """Blank (no record), labelled (a record, no assessment) or filled (both); a filled form
    may end with the photos of the papule site (`site_photos`, when asked for)."""
    register_fonts()
    forms = forms or default_forms()
    layout = form_layout(forms)
    a = assessment
    p = record.patient if record else None
    out = io.BytesIO()
    if p is not None:
        who = (
            f"{p.display_name} · NHS No. {format_nhs_number(p.nhs_number)} · Born "
            f"{format_date(p.date_of_birth)}"
        )
    else:
        who = "Patient: ______________________   NHS No. ____________   Born ____________"
    kind = f"filled from the record of {format_date(a.date)}" if a else "blank form"
    footer = Footer(
        who,
        f"{version_text()} · forms {forms.version} · {kind} · printed {produced_text(produced_at)}",
    )
    c = numbered_canvas(footer)(out, pagesize=(PAGE_WIDTH, PAGE_HEIGHT))
    c.setTitle("Scleromyxedema assessment form (policy 2271, Appendix 1)")
    _page_one(c, layout, forms, a, p)
    c.showPage()
    page = 2
    for piece in layout.pieces:
        if piece.page != page:
            c.showPage()
            page = piece.page
        _draw_piece(c, piece, a, p, forms, layout)
    if a is not None and site_photos:
        from mdtapp.reports.photos_pdf import draw_site_photos_page

        c.showPage()
        draw_site_photos_page(
            c,
            list(site_photos),
            x=MARGIN,
            top=PAGE_HEIGHT - MARGIN,
            width=PAGE_WIDTH - 2 * MARGIN,
            side_mm=forms.photos.side_mm,
            tolerance_mm=forms.photos.size_tolerance_mm,
        )
    c.showPage()
    c.save()
    return out.getvalue()


def _page_one(
    c: Any, layout: FormLayout, forms: Forms, a: Assessment | None, p: Patient | None
) -> None:
    """Title, label, the header measures, the mRSS grid, and the page-1 sections (notes)."""
    top = PAGE_HEIGHT - MARGIN
    c.setFont(BOLD, 13)
    c.drawString(MARGIN, top - 5 * mm, "Scleromyxedema assessment")
    c.setFont(FONT, 8.5)
    c.drawString(
        MARGIN,
        top - 10 * mm,
        "NHS England policy 2271, Appendix 1 — MDT assessment "
        "of response to human normal immunoglobulin",
    )
    box_w, box_h = 78 * mm, 30 * mm
    bx, by = PAGE_WIDTH - MARGIN - box_w, top - 14 * mm - box_h
    c.rect(bx, by, box_w, box_h)
    if p is None:
        c.setFont(FONT, 8)
        c.setFillColor(GREY)
        c.drawCentredString(bx + box_w / 2, by + box_h / 2, "Affix patient label")
        c.setFillColor(colors.black)
    else:
        lines = [
            (BOLD, 10, p.display_name),
            (FONT, 8.5, f"Born {format_date(p.date_of_birth)}"),
            (FONT, 8.5, f"NHS No. {format_nhs_number(p.nhs_number)}"),
            (FONT, 8.5, f"Hospital No. {p.hospital_number or '—'}"),
        ]
        for i, (font, size, text) in enumerate(lines):
            c.setFont(font, size)
            c.drawString(bx + 3 * mm, by + box_h - 6 * mm - i * 5.5 * mm, text)
    header = [m for m in forms.assessment.in_section("header") if m.shown_in("form")]
    for i, m in enumerate(header):
        _field(c, MARGIN, top - 24 * mm - i * 9 * mm, 88 * mm, m.question, _value_text(m, a))

    mrss = forms.mrss
    grid = next((m for m in forms.assessment.of_type(MrssGridMeasure) if m.shown_in("form")), None)
    scores = grid.scores(a) if grid and a else {}
    c.setFont(BOLD, 10.5)
    c.drawString(MARGIN, layout.mrss_top + 9 * mm, mrss.title)
    right = layout.mrss_boxes[(mrss.rows[0].right or mrss.rows[0].keys[0], mrss.min_score)]
    left = layout.mrss_boxes[(mrss.rows[0].left or mrss.rows[0].keys[0], mrss.min_score)]
    c.setFont(BOLD, 8.5)
    span = len(mrss.scores) * BOX + (len(mrss.scores) - 1) * BOX_GAP
    c.drawCentredString(right.x + span / 2, layout.mrss_top + 3 * mm, "Right")
    c.drawCentredString(left.x + span / 2, layout.mrss_top + 3 * mm, "Left")
    for (label, y), row in zip(layout.mrss_rows, mrss.rows, strict=True):
        c.setFont(FONT, 9)
        c.drawString(MARGIN, y, label + (" *" if row.added else ""))
        for key in row.keys:
            for score in mrss.scores:
                rect = layout.mrss_boxes[(key, score)]
                c.setFont(FONT, 7)
                c.drawRightString(rect.x - 0.8 * mm, rect.y + 1.4 * mm, str(score))
                c.rect(rect.x, rect.y, rect.w, rect.h)
                if a is not None and scores.get(key) == score:
                    _tick(c, rect)
            if a is not None and scores.get(key) is None:
                last = layout.mrss_boxes[(key, mrss.max_score)]
                c.setFont(FONT, 7.5)
                c.drawString(last.x + last.w + 1.5 * mm, last.y + 1.3 * mm, "not assessed")
        c.setStrokeColor(colors.lightgrey)
        c.line(MARGIN, y - 2.4 * mm, PAGE_WIDTH - MARGIN, y - 2.4 * mm)
        c.setStrokeColor(colors.black)
    bottom = layout.mrss_rows[-1][1] - 12 * mm
    total = mrss_total(scores, mrss).text if a else ""
    _field(c, MARGIN, bottom, 110 * mm, f"Total (0-{mrss.max_total})", total)
    c.setFont(FONT, 7.5)
    c.drawString(MARGIN, bottom - 6 * mm, f"Key: {mrss.key_text}.")
    c.drawString(
        MARGIN,
        bottom - 10 * mm,
        f"* {mrss.added_text}. Leave an area's boxes empty if it was not assessed.",
    )

    # the page-1 sections' text measures (notes): boxes sharing the rest of the page
    boxes = [
        m
        for s in forms.assessment.sections
        if s.form_page == 1 and s.key not in ("header", "mrss")
        for m in forms.assessment.in_section(s.key)
        if m.shown_in("form") and isinstance(m, TextMeasure)
    ]
    space_top, space_bottom = bottom - 16 * mm, 30 * mm
    share = (space_top - space_bottom) / max(1, len(boxes))
    for i, m in enumerate(boxes):
        head = space_top - i * share
        c.setFont(BOLD, 9)
        c.drawString(MARGIN, head, m.label)
        c.rect(MARGIN, head - share + 3 * mm, PAGE_WIDTH - 2 * MARGIN, share - 6 * mm)
        text_value = m.text(a) if a else ""
        if text_value:
            text = c.beginText(MARGIN + 2 * mm, head - 8 * mm)
            text.setFont(FONT, 8.5)
            lines_fit = max(1, int((share - 12 * mm) / (4.2 * mm)))
            for line in text_value.splitlines()[:lines_fit]:
                text.textLine(line[:110])
            c.drawText(text)
