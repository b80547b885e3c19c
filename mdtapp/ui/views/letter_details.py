"""Before a letter is printed: ask for what it lacks (the centre's letterhead, the author's name
or role) instead of printing a placeholder or a login name (domain.md section 7)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from mdtapp.reports.service import Missing


class LetterDetailsDialog(QDialog):
    def __init__(self, missing: list[Missing], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("letterDetailsDialog")
        self.setWindowTitle("Before the letter is printed")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "A letter never prints a blank, a login name or a placeholder where a name, a role "
            "or the letterhead belongs. Please give:"
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.fields: dict[str, QLineEdit] = {}
        for m in missing:
            field = QLineEdit()
            field.setObjectName(f"letter_{m.key.replace('.', '_')}")
            field.setAccessibleName(m.label)
            field.textChanged.connect(self._on_text_changed)
            form.addRow(m.label, field)
            self.fields[m.key] = field
        layout.addLayout(form)
        if "letterhead.centre" in self.fields:
            note = QLabel(
                "The centre's name is used for this letter; an administrator can set the "
                "letterhead for every letter in Settings."
            )
            note.setProperty("role", "muted")
            note.setWordWrap(True)
            layout.addWidget(note)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Produce the letter")
        self.ok.setObjectName("letterDetailsOk")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self._on_text_changed()
        if self.fields:
            next(iter(self.fields.values())).setFocus()

    def _on_text_changed(self) -> None:
        # every answer is needed: a blank would print as a blank
        self.ok.setEnabled(all(f.text().strip() for f in self.fields.values()))

    def answers(self) -> dict[str, str]:
        return {key: field.text().strip() for key, field in self.fields.items()}
