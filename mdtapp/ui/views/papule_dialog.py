"""The papule counter in a window of its own, over one photo of the patient's record.

"Save marks" stores the scale, the square and every mark with the photo; "Use this count" does
that and makes the marks inside the square the assessment's papule count, over the photo's
view, in the same saved version (mdtapp.ui.controllers.photo_count). Closing with marks not
yet saved asks first: marks are never dropped without a word.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mdtapp.domain.papule_count import PapuleCount
from mdtapp.domain.photo_rules import PhotoRules
from mdtapp.ui.widgets.papule_counter import PapuleCounter

if TYPE_CHECKING:
    from mdtapp.ui.controllers.photo_count import PhotoCountSaver


class PapuleCountDialog(QDialog):
    def __init__(
        self,
        rules: PhotoRules,
        image: QImage,
        *,
        view: str,
        title: str,
        max_count: int,
        count: PapuleCount | None = None,
        saver: PhotoCountSaver | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("papuleCountDialog")
        self.setWindowTitle(f"Count papules — {title}")
        self.saver = saver
        self.counter = PapuleCounter(rules, max_count=max_count)
        self.counter.open_image(image, view, count)
        self._stored = self.counter.count  # what the record holds for this photo
        self.used_version: int | None = None  # set when "Use this count" stored the count
        self._signed = saver is not None and saver.signed()  # asked once, not at every click
        self.note = QLabel(self._note())
        self.note.setObjectName("countNote")
        self.note.setProperty("role", "muted")
        self.note.setWordWrap(True)
        self.status = QLabel()
        self.status.setObjectName("countSaveStatus")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.save_button = QPushButton("&Save marks")
        self.save_button.setObjectName("saveMarks")
        self.save_button.setToolTip(
            "Store the scale, the square and the marks with the photo (Ctrl+S)"
        )
        self.use_button = QPushButton("&Use this count")
        self.use_button.setObjectName("useCount")
        self.use_button.setToolTip(
            "Store the marks, and make the count inside the square the assessment's papule "
            "count over this photo's view"
        )
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        for button in (self.save_button, self.use_button, close):
            button.setAutoDefault(False)
            button.setDefault(False)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.use_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.save_button.clicked.connect(self.save_marks)
        self.use_button.clicked.connect(self.use_count)
        layout = QVBoxLayout(self)
        layout.addWidget(self.counter, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        # Escape cancels a pending ruler point on the photo first (the counter takes it there)
        QShortcut(QKeySequence("Ctrl+W"), self, self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save_marks)
        self.counter.count_changed.connect(self._show_state)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self._show_state()
        self.counter.setFocus()

    @property
    def count(self) -> PapuleCount:
        return self.counter.count

    @property
    def unsaved(self) -> bool:
        """Marks changed since opened or saved, where they could be saved."""
        return self._may_save and self.counter.count != self._stored

    @property
    def _may_save(self) -> bool:
        return self.saver is not None and self.saver.may_save

    def _note(self) -> str:
        if self.saver is None:
            return "These marks are not stored: open the counter from the patient's photos."
        if not self.saver.may_save:
            return f"{self.saver.why_not}: the marks can be looked at, not saved."
        if self._signed and not self.saver.reason:
            return "The assessment is signed: saving the marks amends it, with a reason."
        return ""

    def _show_state(self) -> None:
        may = self._may_save
        self.save_button.setEnabled(may and self.unsaved)
        counted = self.counter.count.count
        self.use_button.setEnabled(may and counted is not None)
        self.use_button.setText(
            "&Use this count" if counted is None else f"&Use this count ({counted})"
        )
        self.note.setText(self._note())
        self.note.setVisible(bool(self.note.text()))

    def _store(self, *, use: bool) -> bool:
        if self.saver is None:
            return False
        outcome = self.saver.save(self.counter.count, use=use)
        if not outcome.saved:
            self.status.setProperty("role", "error")
            self.status.setText(outcome.problem)
        else:
            self._stored = self.counter.count
            self._signed = False  # a new version: amended, or never signed
            self.status.setProperty("role", "muted")
            counted = self.counter.count.count
            self.status.setText(
                f"Used: {counted} papules over the {self.counter.count.view}, saved with the "
                f"marks (version {outcome.version})."
                if use
                else f"Marks saved with the photo (version {outcome.version})."
            )
            if use:
                self.used_version = outcome.version
        self.status.style().unpolish(self.status)  # the role's colour, now
        self.status.style().polish(self.status)
        self._show_state()
        return outcome.saved

    def save_marks(self) -> bool:
        if not self.save_button.isEnabled():
            return not self.unsaved
        return self._store(use=False)

    def use_count(self) -> bool:
        """Store the marks and use their count; the counter closes when that is done."""
        if not self.use_button.isEnabled():
            return False
        if self._store(use=True):
            self.accept()
            return True
        return False

    def ask_unsaved(self) -> str:
        """'save', 'discard' or 'cancel' (tests replace this: a modal question)."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Marks not saved",
            "The marks on this photo are not saved. Save them with the photo?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            self,
        )
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return "save"
        if answer == QMessageBox.StandardButton.Discard:
            return "discard"
        return "cancel"

    def reject(self) -> None:
        if self.unsaved:
            answer = self.ask_unsaved()
            if answer == "cancel" or (answer == "save" and not self._store(use=False)):
                return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if self.unsaved:
            event.ignore()
            self.reject()  # asks; closes only when answered
            return
        super().closeEvent(event)
