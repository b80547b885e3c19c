from __future__ import annotations

from PySide6.QtCore import Qt

from mdtapp.store.audit_return import audit_rows
from mdtapp.ui.session import Session
from mdtapp.ui.views.audit_dialog import AuditDialog


def test_the_audit_return_is_shown_then_saved_and_audited(qtbot, store, treated, tmp_path):
    dialog = AuditDialog(Session(store))
    qtbot.addWidget(dialog)
    assert dialog.year.value() == 2025  # today is 21-Nov-2026: last year's return is the default
    dialog.year.setValue(2026)
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    assert dialog.model.rowCount() == 1
    assert dialog.rows == audit_rows(store, 2026)
    # human headings and UK dates on screen; machine keys in the file
    headings = [
        dialog.model.headerData(c, Qt.Orientation.Horizontal)
        for c in range(dialog.model.columnCount())
    ]
    assert headings[:8] == [
        "NHS number",
        "Hospital number",
        "Year",
        "Regimen from",
        "Applied from",
        "Applied to",
        "Route",
        "g/kg",
    ]
    cell = lambda c: dialog.model.data(dialog.model.index(0, c))  # noqa: E731
    assert [cell(c) for c in (3, 4, 5)] == ["05-Aug-2026", "05-Aug-2026", "31-Dec-2026"]
    assert dialog.summary.text() == (
        "2026: 1 patient(s) on 1 row(s), 1 IV course(s), 0 SC dose(s), 25 g of "
        "immunoglobulin, 0 related hospital admission(s)"
    )
    out = tmp_path / "a.csv"
    dialog.save_to(out)
    assert out.read_text().startswith(
        "nhs_number,hospital_number,year,regimen_from,applied_from,applied_to,route,"
    )
    assert store.audit_entries(limit=1)[0].action == "audit-return"
