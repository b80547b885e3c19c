"""The audit trail for this patient: who changed what, when and why (read-only)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from mdtapp.domain.dates import format_timestamp
from mdtapp.store.repository import PatientFile
from mdtapp.ui.models.records import RecordTableModel
from mdtapp.ui.session import Session
from mdtapp.ui.widgets.tables import record_table


def _change(entry: object) -> str:
    before, after = entry.before or {}, entry.after or {}  # type: ignore[attr-defined]
    changed = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
    if not before:
        return "created"
    if not after:
        return "deleted"
    return ", ".join(changed[:6]) + ("…" if len(changed) > 6 else "") or "no change"


class HistoryView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("history")
        layout = QVBoxLayout(self)
        note = QLabel(
            "Every change to this patient's record, newest first. Earlier versions "
            "are kept; nothing here can be edited."
        )
        note.setProperty("role", "muted")
        layout.addWidget(note)
        self.model = RecordTableModel(
            [
                ("When", lambda e: format_timestamp(e.at)),
                ("Who", lambda e: e.user),
                ("Action", lambda e: e.action),
                ("What", lambda e: e.entity),
                ("Version", lambda e: "" if e.version is None else str(e.version)),
                ("Changed", _change),
                ("Reason / detail", lambda e: e.detail),
            ]
        )
        self.table = record_table(self.model, "auditTrail", "Audit trail")
        layout.addWidget(self.table)

    def show_file(self, file: PatientFile) -> None:
        self.model.set_rows(self.session.store.audit_entries(patient_uid=file.uid))
