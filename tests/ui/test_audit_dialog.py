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
    assert dialog.summary.text() == (
        "2026: 1 patient(s), 1 course(s), 25 g of immunoglobulin, 0 related hospital admission(s)"
    )
    out = tmp_path / "a.csv"
    dialog.save_to(out)
    assert out.read_text().startswith("nhs_number,hospital_number,year,route,")
    assert store.audit_entries(limit=1)[0].action == "audit-return"
