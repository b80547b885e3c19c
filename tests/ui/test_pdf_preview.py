"""Letter and form from the app: preview, save as PDF, print; each audited."""

from __future__ import annotations

from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter

from tests.reports.conftest import pages_text


def test_letter_preview_save_and_print(qtbot, window, store, treated, tmp_path, monkeypatch):
    from tests.reports.conftest import SETTINGS, store_settings

    store_settings(store, SETTINGS)  # the letterhead and author: nothing to ask for first
    window.open_patient(treated, "overview")
    dialog = window.preview("letter")
    qtbot.addWidget(dialog)
    assert dialog.page_count() >= 2
    assert "SMITH, Jane · NHS No. 943 476 5919" in pages_text(dialog.pdf)[0]
    out = tmp_path / "letter.pdf"
    dialog.save_to(out)
    assert len(PdfReader(out).pages) == dialog.page_count()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    dialog.print_to(printer)
    assert len(PdfReader(printed).pages) == dialog.page_count()
    actions = [(e.action, e.detail) for e in store.audit_entries(patient_uid=treated, limit=3)]
    assert actions[0][0] == "printed" and actions[1] == ("saved", f"letter saved: {out}")
    assert actions[2][0] == "letter"


def test_the_form_for_the_assessment_on_screen(
    qtbot, window, store, treated, monkeypatch, tmp_path
):
    monkeypatch.setenv("MDTAPP_HOME", str(tmp_path / "home"))
    window.open_patient(treated, "assessment")
    editor = window.workspace.assessment
    saved = store.load(treated).assessments[0]
    editor.load(store.load(treated), assessment_uid=saved.uid)
    assert editor.saved_date() == saved.value.date
    dialog = window.preview("form")
    qtbot.addWidget(dialog)
    text = pages_text(dialog.pdf)
    assert "03-Aug-2026" in text[0] and "20 / 60" in text[0]


def test_the_preview_fits_a_768_pixel_screen(qtbot):
    import io

    from reportlab.pdfgen import canvas

    from mdtapp.ui.views.pdf_preview import PdfPreview

    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawString(100, 700, "page")
    c.save()
    preview = PdfPreview(out.getvalue(), "Letter — preview", "x.pdf")
    qtbot.addWidget(preview)
    room = preview.screen().availableGeometry()
    assert preview.height() <= room.height() - 60 and preview.width() <= room.width() - 40
