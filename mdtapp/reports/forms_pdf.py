"""The Appendix 1 assessment form on paper: blank to fill by hand, or filled exactly as entered.

Page 1: patient label, the 20-area mRSS grid with 0-3 tick boxes (Figure 1 layout), total, notes.
Page 2: the three VAS lines at true length (100 mm), papule count and site, the systemic table,
severity, quality of life, nutrition, and the examiner's name and signature.
Positions come from `form_layout`, which the tests read too: what is measured is what is drawn.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.units import mm

from mdtapp.buildinfo import version_text
from mdtapp.domain.dates import format_date
from mdtapp.domain.forms import Forms
from mdtapp.domain.forms import forms as default_forms
from mdtapp.domain.instruments import itch_band, mrss_total, must_score, vas_cm
from mdtapp.domain.model import Assessment
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

BOX = 5 * mm
BOX_GAP = 4.5 * mm  # room for each score's digit to sit clearly beside its own box
ROW = 7.2 * mm
VAS_LENGTH = 100 * mm  # the policy's 10 cm line, printed at true length


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px <= self.x + self.w and self.y <= py <= self.y + self.h


@dataclass(frozen=True)
class FormLayout:
    mrss_top: float
    mrss_boxes: dict[tuple[str, int], Rect]  # (area, score) -> box, page 1
    mrss_rows: list[tuple[str, float]]  # (row label, baseline y), page 1
    vas_lines: dict[str, tuple[float, float, float]]  # key -> (x0, y, x1), page 2
    vas_top: float


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
            for score in range(forms.mrss.min_score, forms.mrss.max_score + 1):
                boxes[(key or "", score)] = Rect(
                    x + score * (BOX + BOX_GAP), y - 1.2 * mm, BOX, BOX
                )
    vas_top = PAGE_HEIGHT - MARGIN - 16 * mm
    lines = {}
    for i, scale in enumerate(forms.vas.scales):
        y = vas_top - 14 * mm - i * 24 * mm
        x0 = (PAGE_WIDTH - VAS_LENGTH) / 2
        lines[scale.key] = (x0, y, x0 + VAS_LENGTH)
    return FormLayout(top, boxes, rows, lines, vas_top)


def _tick(c, rect: Rect) -> None:  # type: ignore[no-untyped-def]
    """An X in a box, as a pen would make it (drawn as text so it can be read back)."""
    c.saveState()  # the mark's font must not leak into the text drawn after it
    c.setFont(BOLD, 11)
    c.drawCentredString(rect.x + rect.w / 2, rect.y + 1.0 * mm, "X")
    c.restoreState()


def _yes_no(c, x: float, y: float, value: bool | None, filled: bool) -> None:  # type: ignore[no-untyped-def]
    c.setFont(FONT, 8.5)
    for i, (label, answer) in enumerate((("Y", True), ("N", False))):
        bx = x + i * 14 * mm
        c.rect(bx, y - 1.2 * mm, BOX, BOX)
        c.drawString(bx + BOX + 1.2 * mm, y, label)
        if filled and value is answer:
            _tick(c, Rect(bx, y - 1.2 * mm, BOX, BOX))


def _field(c, x: float, y: float, width: float, label: str, value: str = "") -> None:  # type: ignore[no-untyped-def]
    c.setFont(FONT, 8.5)
    c.drawString(x, y, label)
    start = x + c.stringWidth(label, FONT, 8.5) + 2 * mm
    c.setStrokeColor(GREY)
    c.line(start, y - 1 * mm, x + width, y - 1 * mm)
    c.setStrokeColor(colors.black)
    if value:
        c.setFont(BOLD, 9.5)
        c.drawString(start + 1 * mm, y + 0.3 * mm, value)


def build_form(
    record: PatientRecord | None,
    assessment: Assessment | None,
    *,
    forms: Forms | None,
    produced_at: datetime,
) -> bytes:
    """Blank (no record), labelled (a record, no assessment) or filled (both)."""
    register_fonts()
    forms = forms or default_forms()
    layout = form_layout(forms)
    a = assessment
    filled = a is not None
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

    # ---------------- page 1: title, label, mRSS grid
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
    _field(
        c, MARGIN, top - 24 * mm, 88 * mm, "Date of examination", format_date(a.date) if a else ""
    )
    _field(c, MARGIN, top - 33 * mm, 88 * mm, "Examiner", a.examiner if a else "")

    c.setFont(BOLD, 10.5)
    c.drawString(MARGIN, layout.mrss_top + 9 * mm, forms.mrss.title)
    right = layout.mrss_boxes[(forms.mrss.rows[0].right or "", 0)]
    left = layout.mrss_boxes[(forms.mrss.rows[0].left or "", 0)]
    c.setFont(BOLD, 8.5)
    span = 4 * BOX + 3 * BOX_GAP
    c.drawCentredString(right.x + span / 2, layout.mrss_top + 3 * mm, "Right")
    c.drawCentredString(left.x + span / 2, layout.mrss_top + 3 * mm, "Left")
    for (label, y), row in zip(layout.mrss_rows, forms.mrss.rows, strict=True):
        c.setFont(FONT, 9)
        c.drawString(MARGIN, y, label + (" *" if row.added else ""))
        for key in row.keys:
            for score in range(forms.mrss.min_score, forms.mrss.max_score + 1):
                rect = layout.mrss_boxes[(key, score)]
                c.setFont(FONT, 7)
                c.drawRightString(rect.x - 0.8 * mm, rect.y + 1.4 * mm, str(score))
                c.rect(rect.x, rect.y, rect.w, rect.h)
                if a is not None and a.mrss.get(key) == score:
                    _tick(c, rect)
            if a is not None and a.mrss.get(key) is None:
                last = layout.mrss_boxes[(key, forms.mrss.max_score)]
                c.setFont(FONT, 7.5)
                c.drawString(last.x + last.w + 1.5 * mm, last.y + 1.3 * mm, "not assessed")
        c.setStrokeColor(colors.lightgrey)
        c.line(MARGIN, y - 2.4 * mm, PAGE_WIDTH - MARGIN, y - 2.4 * mm)
        c.setStrokeColor(colors.black)
    bottom = layout.mrss_rows[-1][1] - 12 * mm
    total = mrss_total(a.mrss, forms.mrss).text if a else ""
    _field(c, MARGIN, bottom, 110 * mm, f"Total (0-{forms.mrss.max_total})", total)
    c.setFont(FONT, 7.5)
    key_text = "Key: " + "; ".join(f"{s} {label.lower()}" for s, label in forms.mrss.key_labels)
    c.drawString(MARGIN, bottom - 6 * mm, key_text + ".")
    c.drawString(
        MARGIN,
        bottom - 10 * mm,
        "* added for scleromyxedema (back, ears, neck). "
        "Leave an area's boxes empty if it was not assessed.",
    )
    c.setFont(BOLD, 9)
    c.drawString(MARGIN, bottom - 16 * mm, "Notes")
    c.rect(MARGIN, 30 * mm, PAGE_WIDTH - 2 * MARGIN, bottom - 19 * mm - 30 * mm)
    if a is not None and a.notes:
        text = c.beginText(MARGIN + 2 * mm, bottom - 24 * mm)
        text.setFont(FONT, 8.5)
        for line in a.notes.splitlines()[:12]:
            text.textLine(line[:110])
        c.drawText(text)
    c.showPage()

    # ---------------- page 2: VAS, papules, systemic, severity, nutrition, signature
    c.setFont(BOLD, 10.5)
    c.drawString(MARGIN, layout.vas_top, "Visual analogue scales — mark the line (10 cm)")
    for scale in forms.vas.scales:
        x0, y, x1 = layout.vas_lines[scale.key]
        c.setFont(BOLD, 9)
        c.drawString(MARGIN, y + 9 * mm, scale.label)
        c.setFont(FONT, 8.5)
        c.drawString(
            MARGIN + c.stringWidth(scale.label, BOLD, 9) + 2 * mm, y + 9 * mm, scale.question
        )
        c.setLineWidth(1)
        c.line(x0, y, x1, y)  # one segment, exactly 100 mm long
        c.line(x0, y - 2 * mm, x0, y + 2 * mm)
        c.line(x1, y - 2 * mm, x1, y + 2 * mm)
        c.setFont(FONT, 7.5)
        c.drawString(x0, y - 5.5 * mm, scale.anchor_low)
        c.drawRightString(x1, y - 5.5 * mm, scale.anchor_high)
        value = getattr(a, scale.key) if a else None
        if value is not None:
            mark = x0 + VAS_LENGTH * value / forms.vas.max_mm
            c.setLineWidth(1.6)
            c.line(mark, y - 3.5 * mm, mark, y + 3.5 * mm)
            c.setLineWidth(1)
            band = itch_band(value, forms.vas) if scale.banded else None
            c.setFont(BOLD, 8.5)
            c.drawString(x1 + 3 * mm, y - 1 * mm, f"{value} mm")
            c.setFont(FONT, 7.5)
            c.drawString(x1 + 3 * mm, y - 4.5 * mm, vas_cm(value) + (f", {band}" if band else ""))
        elif a is not None:
            c.setFont(FONT, 7.5)
            c.drawString(x1 + 3 * mm, y - 1 * mm, "not recorded")
        else:
            c.setFont(FONT, 7.5)
            c.drawString(x1 + 3 * mm, y - 1 * mm, "____ mm")
    y = layout.vas_lines[forms.vas.scales[-1].key][1] - 16 * mm
    c.setFont(BOLD, 10.5)
    c.drawString(MARGIN, y, "Papular involvement (count over the same 2 × 2 cm area)")
    count = "" if a is None else (str(a.papules.count) if a.papules else "not counted")
    site = a.papules.site if a and a.papules else ""
    _field(c, MARGIN, y - 8 * mm, 60 * mm, "Papule count", count)
    _field(c, MARGIN + 66 * mm, y - 8 * mm, PAGE_WIDTH - 2 * MARGIN - 66 * mm, "Site", site)

    y -= 17 * mm
    c.setFont(BOLD, 10.5)
    c.drawString(MARGIN, y, "Systemic involvement")
    c.setFont(FONT, 7.5)
    c.drawString(
        MARGIN + c.stringWidth("Systemic involvement", BOLD, 10.5) + 3 * mm,
        y,
        f"({forms.systemic.note})",
    )
    c.setFont(BOLD, 8.5)
    c.drawString(MARGIN + 44 * mm, y - 7 * mm, "Evidence of involvement")
    c.drawString(MARGIN + 104 * mm, y - 7 * mm, "Evidence of progression")
    for i, organ in enumerate(forms.systemic.organs):
        row_y = y - 13 * mm - i * 6.5 * mm
        c.setFont(FONT, 9)
        c.drawString(MARGIN, row_y, organ.label)
        status = a.systemic.get(organ.key) if a else None
        _yes_no(c, MARGIN + 48 * mm, row_y, status.involved if status else None, filled)
        _yes_no(c, MARGIN + 108 * mm, row_y, status.progressed if status else None, filled)
    y = y - 13 * mm - len(forms.systemic.organs) * 6.5 * mm - 1 * mm
    _field(c, MARGIN, y, PAGE_WIDTH - 2 * MARGIN, "Other organs", a.systemic_other if a else "")

    y -= 11 * mm
    c.setFont(BOLD, 10.5)
    c.drawString(MARGIN, y, "Disease severity and quality of life")
    c.setFont(FONT, 9)
    c.drawString(MARGIN, y - 8 * mm, "Dermatoneuro syndrome present")
    _yes_no(c, MARGIN + 108 * mm, y - 8 * mm, a.dermatoneuro_syndrome if a else None, filled)
    c.drawString(MARGIN, y - 15 * mm, "Health-related quality of life worse")
    _yes_no(c, MARGIN + 108 * mm, y - 15 * mm, a.hrqol_worse if a else None, filled)

    y -= 24 * mm
    c.setFont(BOLD, 10.5)
    c.drawString(MARGIN, y, "Nutritional status (MUST)")
    n = a.nutrition if a else None
    _field(
        c,
        MARGIN,
        y - 8 * mm,
        60 * mm,
        "Weight (kg)",
        plain(n.weight_kg) if n and n.weight_kg else "",
    )
    _field(
        c,
        MARGIN + 66 * mm,
        y - 8 * mm,
        108 * mm,
        "Weight 3-6 months ago (kg)",
        plain(n.weight_3_6_months_ago_kg) if n and n.weight_3_6_months_ago_kg else "",
    )
    c.setFont(FONT, 9)
    c.drawString(MARGIN, y - 16 * mm, "Acutely ill with no nutritional intake for over 5 days")
    _yes_no(
        c, MARGIN + 108 * mm, y - 16 * mm, n.acutely_ill_no_intake_5_days if n else None, filled
    )
    c.drawString(MARGIN, y - 23 * mm, "Dysphagia")
    _yes_no(c, MARGIN + 108 * mm, y - 23 * mm, n.dysphagia if n else None, filled)
    must = ""
    if a is not None and p is not None:
        result = must_score(
            height_cm=p.height_cm,
            weight_kg=a.nutrition.weight_kg,
            weight_3_6_months_ago_kg=a.nutrition.weight_3_6_months_ago_kg,
            acutely_ill_no_intake_5_days=a.nutrition.acutely_ill_no_intake_5_days,
            rules=forms.must,
        )
        must = result.text
    _field(
        c,
        MARGIN,
        y - 31 * mm,
        PAGE_WIDTH - 2 * MARGIN,
        "MUST score (BMI 0-2 + weight loss 0-2 + acute 0 or 2)",
        must,
    )

    y -= 41 * mm
    c.setFont(BOLD, 10.5)
    c.drawString(MARGIN, y, "Examiner")
    _field(c, MARGIN, y - 9 * mm, 88 * mm, "Printed name", a.examiner if a else "")
    _field(c, MARGIN + 94 * mm, y - 9 * mm, 80 * mm, "Signature")
    _field(c, MARGIN, y - 17 * mm, 88 * mm, "Date", format_date(a.date) if a else "")
    if y - 17 * mm < 24 * mm:  # a forms/ change that adds rows must not run into the footer
        raise RuntimeError("the assessment form's second page overflows into the footer")
    c.showPage()
    c.save()
    return out.getvalue()
