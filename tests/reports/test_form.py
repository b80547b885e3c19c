from __future__ import annotations

import io
import math

from pypdf import PdfReader
from reportlab.lib.units import mm

from mdtapp.domain.forms import forms
from mdtapp.reports.forms_pdf import form_layout
from mdtapp.reports.service import produce_form
from tests.reports.conftest import pages_text


def _segments(pdf: bytes, page: int) -> list[tuple[float, float, float, float]]:
    """Straight lines drawn on a page: (x0, y0, x1, y1) from 'm' followed by 'l'."""
    content = PdfReader(io.BytesIO(pdf)).pages[page].get_contents()
    out, start = [], None
    for operands, operator in content.operations:
        if operator == b"m":
            start = tuple(float(v) for v in operands)
        elif operator == b"l" and start is not None:
            end = tuple(float(v) for v in operands)
            out.append((*start, *end))
            start = end
    return out


def test_each_vas_line_is_printed_100_mm_long():
    pdf = produce_form(None, None).pdf
    horizontal = [s for s in _segments(pdf, 1) if abs(s[1] - s[3]) < 0.01]
    lengths = [abs(s[2] - s[0]) for s in horizontal]
    vas = [length for length in lengths if math.isclose(length, 100 * mm, abs_tol=0.01)]
    assert len(vas) == 3  # itch, patient global, physician global
    assert math.isclose(vas[0] / mm, 100.0, abs_tol=0.005)
    layout = form_layout(forms())
    drawn = {(round(s[0], 2), round(s[1], 2)) for s in horizontal}
    for x0, y, _ in layout.vas_lines.values():
        assert (round(x0, 2), round(y, 2)) in drawn  # where the layout says it is


def test_the_blank_form_matches_appendix_1():
    pages = pages_text(produce_form(None, None).pdf)
    assert "Affix patient label" in pages[0]
    for row in forms().mrss.rows:
        assert row.label in pages[0]
    assert "Key: 0 no thickening; 1 mild thickening; 2 moderate thickening; 3 severe" in pages[0]
    for text in (
        "Itch VAS",
        "How do you assess your current disease severity?",
        "How do you assess your patient's current disease activity?",
        "Papule count",
        "Neurological",
        "Cardiovascular",
        "Renal",
        "Gastrointestinal",
        "Dermatoneuro syndrome present",
        "MUST score",
        "Printed name",
        "Signature",
    ):
        assert text in pages[1], text
    assert "X" not in pages[0].replace("Exampl", "")


def _marks(pdf: bytes, page: int) -> list[tuple[float, float]]:
    found: list[tuple[float, float]] = []

    def visit(text, cm, tm, font, size):  # type: ignore[no-untyped-def]
        if text.strip() == "X":
            found.append((tm[4], tm[5]))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return found


def test_the_filled_form_ticks_exactly_the_stored_scores(store, jane_treated):
    file = store.load(jane_treated)
    saved = file.assessments[-1].value
    pdf = produce_form(store, jane_treated, filled=True).pdf
    layout = form_layout(store.forms)
    marks = _marks(pdf, 0)
    assert len(marks) == 20  # one mark per area
    for key, score in saved.mrss.items():
        box = layout.mrss_boxes[(key, score)]
        assert sum(box.contains(x, y + 0.5) for x, y in marks) == 1, key
    pages = pages_text(pdf)
    assert "27 / 60" in pages[0] and "05-Nov-2026" in pages[0]
    assert "65 mm" in pages[1] and "6.5 cm, moderate" in pages[1]
    assert "Papule count 20" in pages[1] and "left forearm" in pages[1]
    assert "SMITH, Jane · NHS No. 943 476 5919" in pages[1] and "Page 2 of 2" in pages[1]
    audit = store.audit_entries(patient_uid=jane_treated, limit=1)[0]
    assert audit.action == "form" and "filled form" in audit.detail


def test_the_filled_vas_mark_sits_at_the_value(store, jane_treated):
    pdf = produce_form(store, jane_treated, filled=True).pdf
    x0, y, _ = form_layout(store.forms).vas_lines["itch_vas_mm"]
    ticks = [s for s in _segments(pdf, 1) if abs(s[0] - s[2]) < 0.01 and s[1] < y < s[3]]
    assert any(math.isclose(s[0], x0 + 65 * mm, abs_tol=0.01) for s in ticks)  # 65 mm along
