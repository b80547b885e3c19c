"""The papule counter in a window of its own, over one photo of the patient's record."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from mdtapp.domain.papule_count import PapuleCount
from mdtapp.domain.photo_rules import PhotoRules
from mdtapp.ui.widgets.papule_counter import PapuleCounter


class PapuleCountDialog(QDialog):
    def __init__(
        self,
        rules: PhotoRules,
        image: QImage,
        *,
        view: str,
        title: str,
        count: PapuleCount | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("papuleCountDialog")
        self.setWindowTitle(f"Count papules — {title}")
        self.counter = PapuleCounter(rules)
        self.counter.open_image(image, view, count)
        self.note = QLabel(
            "The marks stay with this photo while the patient is open; they are not yet saved "
            "in the record."
        )
        self.note.setObjectName("countNotSavedNote")
        self.note.setProperty("role", "muted")
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAutoDefault(False)
        close.setDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.counter, 1)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        # Escape cancels a pending ruler point on the photo first (the counter takes it there)
        QShortcut(QKeySequence("Ctrl+W"), self, self.reject)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.counter.setFocus()

    @property
    def count(self) -> PapuleCount:
        return self.counter.count
