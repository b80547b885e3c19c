"""The yearly audit return: choose the year, see the rows, save the CSV."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mdtapp.domain.audit import COLUMN_TABLE, AuditRow, summarise
from mdtapp.domain.dates import format_date
from mdtapp.store.audit_return import audit_rows, csv_bytes
from mdtapp.store.interchange import write_atomically
from mdtapp.ui.models.records import RecordTableModel
from mdtapp.ui.session import Session
from mdtapp.ui.widgets.tables import record_table

DATES = ("regimen_from", "applied_from", "applied_to")


def _cell(key: str) -> Callable[[AuditRow], str]:
    if key in DATES:
        return lambda row: format_date(date.fromisoformat(v)) if (v := getattr(row, key)) else ""
    return lambda row: str(getattr(row, key))


class AuditDialog(QDialog):
    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.rows: list[AuditRow] = []
        self.setObjectName("auditDialog")
        self.setWindowTitle("Yearly audit return (policy 2271)")
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.year = QSpinBox()
        self.year.setObjectName("auditYear")
        self.year.setAccessibleName("Audit year")
        self.year.setRange(2000, 2100)
        self.year.setValue(session.today().year - 1)  # in January, last year's return is due
        self.show_button = QPushButton("Show")
        self.show_button.setObjectName("auditShow")
        self.save_button = QPushButton("Save CSV…")
        self.save_button.setObjectName("auditSave")
        self.save_button.setEnabled(False)
        top.addWidget(QLabel("Calendar year"))
        top.addWidget(self.year)
        top.addWidget(self.show_button)
        top.addStretch(1)
        top.addWidget(self.save_button)
        layout.addLayout(top)
        self.summary = QLabel("Choose the year and press Show.")
        self.summary.setObjectName("auditSummary")
        layout.addWidget(self.summary)
        # human headings and UK dates here; the saved CSV keeps its machine keys (docs/outputs.md)
        self.model = RecordTableModel([(c.heading, _cell(c.key)) for c in COLUMN_TABLE])
        layout.addWidget(record_table(self.model, "auditTable", "Audit return rows"), 1)
        self.show_button.clicked.connect(self.compute)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.resize(1200, 600)

    def compute(self) -> None:
        progress = QProgressDialog("Reading the year's records…", "", 0, 6, self)
        progress.setObjectName("auditProgress")
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(400)  # shown only when the database is large

        def step(i: int, n: int, what: str) -> None:
            progress.setMaximum(n)
            progress.setValue(i)
            progress.setLabelText(f"Reading {what}…")
            QApplication.processEvents()

        year = self.year.value()
        self.rows = audit_rows(self.session.store, year, step)
        progress.setValue(progress.maximum())
        self.model.set_rows(self.rows)
        self.summary.setText(summarise(self.rows, year).text)
        self.save_button.setEnabled(True)

    def save_to(self, path: Path) -> None:
        write_atomically(path, csv_bytes(self.rows))
        year = self.year.value()
        self.session.store.record_event(
            "audit-return",
            detail=f"year {year}: {len(self.rows)} row(s) to {path}; "
            f"{summarise(self.rows, year).text}",
        )
        self.summary.setText(f"Saved to {path}. {summarise(self.rows, year).text}")

    def _on_save_clicked(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Save the audit return", f"mdtapp-audit-{self.year.value()}.csv", "CSV (*.csv)"
        )
        if name:
            try:
                self.save_to(Path(name))
            except OSError as e:
                self.summary.setText(f"Not saved: {e.strerror or e}")
