"""Table models under load: thousands of cells painted without harm to the interpreter."""

from __future__ import annotations

import gc
import sys
from datetime import date

from PySide6.QtWidgets import QApplication

from mdtapp.store.repository import PatientSummary
from mdtapp.ui.models.patients import PatientTableModel, list_columns
from mdtapp.ui.views.patient_list import PatientTable


def test_painting_thousands_of_overdue_rows_does_not_leak_references_to_none(qtbot):
    model = PatientTableModel(
        [], {"worsening_disease_activity": "Worsening"}, lambda: date(2026, 11, 21)
    )
    model.columns = list_columns(model.flags_text)
    model.set_rows(
        [
            PatientSummary(
                f"{i:032x}",
                "9434765919",
                f"H{i}",
                f"Name{i}",
                "Ann",
                date(1970, 1, 1),
                "female",
                None,
                None,
                date(2026, 1, 1),
                "3-month review",
                False,
                None,
                ("worsening_disease_activity",),
            )
            for i in range(2000)
        ]
    )
    table = PatientTable(model, "t")
    qtbot.addWidget(table)
    table.resize(1366, 700)
    # the collector would free unrelated objects that hold None and blur the count
    gc.collect()
    gc.disable()
    try:
        before = sys.getrefcount(None)
        table.show()
        QApplication.processEvents()  # the first layout asks every row for its data
        for _ in range(20):
            table.viewport().repaint()
        lost = before - sys.getrefcount(None)
    finally:
        gc.enable()
    # each bold overdue cell once took a reference from None (about a thousand here, and the
    # interpreter aborted after some thousands more); done right, the count does not fall
    assert lost < 200, f"None lost {lost} references"


def test_every_column_but_the_last_shows_its_whole_text(qtbot):
    """Fixed widths must never cut an NHS number, a date or an overdue count short."""
    from PySide6.QtGui import QFont, QFontMetrics

    from mdtapp.ui.app import application

    application()  # the style sheet's font, as in the app
    model = PatientTableModel(
        [],
        {
            "worsening_disease_activity": "Worsening disease activity",
            "no_response": "No response after at least 6 months",
        },
        lambda: date(2026, 11, 21),
    )
    model.columns = list_columns(model.flags_text)
    model.set_rows(
        [
            PatientSummary(
                "f" * 32,
                "9434765919",
                "RXW12345678",
                "MONTGOMERY-SMITH",
                "Mary",
                date(1958, 9, 30),
                "female",
                None,
                None,
                date(2024, 9, 30),
                "6-month review",
                False,
                None,
                ("worsening_disease_activity", "no_response"),
            )
        ]
    )
    table = PatientTable(model, "t")
    qtbot.addWidget(table)
    table.resize(1366, 700)
    table.show()
    bold = QFont(table.font())
    bold.setBold(True)
    metrics = QFontMetrics(bold)
    for column in range(model.columnCount() - 1):
        text = model.index(0, column).data()
        assert metrics.horizontalAdvance(text) < table.columnWidth(column), text
    assert model.index(0, 4).data() == "30-Sep-2024 (OVERDUE 782 days)"
    # a cut-off list of flags still says how many criteria are met
    assert model.index(0, 5).data().startswith("2 met: Worsening disease activity; ")


def test_the_reviews_list_shows_every_met_criterion_in_short_before_the_reason(qtbot):
    """Three criteria met fit their column at 1024 pixels; the reason comes after them."""
    from PySide6.QtGui import QFont, QFontMetrics

    from mdtapp.domain.forms import forms
    from mdtapp.ui.app import application
    from mdtapp.ui.models.patients import review_columns

    application()
    flags = forms().response.flags
    model = PatientTableModel(
        [],
        {f.key: f.label for f in flags},
        lambda: date(2026, 11, 21),
        {f.key: f.short_label for f in flags},
    )
    model.columns = review_columns(model.flags_text, model.every_flag_text())
    three = tuple(f.key for f in flags[:3])
    model.set_rows(
        [
            PatientSummary(
                "f" * 32,
                "9434765919",
                "RXW12345678",
                "MONTGOMERY-SMITH",
                "Mary",
                date(1958, 9, 30),
                "female",
                None,
                None,
                date(2024, 9, 30),
                "6-month review (from first infusion 30-Mar-2024)",
                False,
                None,
                three,
            )
        ]
    )
    table = PatientTable(model, "t")
    qtbot.addWidget(table)
    table.resize(1024, 600)
    table.show()
    titles = [c.title for c in model.columns]
    flags_column = titles.index("Stop flags")
    assert flags_column < titles.index("For")
    text = model.index(0, flags_column).data()
    assert text == "3 met: activity; extracutaneous; QoL"
    bold = QFont(table.font())
    bold.setBold(True)
    assert QFontMetrics(bold).horizontalAdvance(text) < table.columnWidth(flags_column)
    right = sum(table.columnWidth(c) for c in range(flags_column + 1))
    assert right <= 1024 - 20  # the whole criteria column is on a 1024-pixel screen
    assert "Worsening quality of life" in model.index(0, 0).data(3)  # the tooltip: full names
