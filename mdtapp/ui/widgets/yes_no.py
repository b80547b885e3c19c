"""Yes / No with a third state, not recorded (neither pressed). Keys Y and N when focused."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget


class YesNo(QWidget):
    changed = Signal()

    def __init__(self, name: str, object_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName(name)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.yes = QToolButton()
        self.no = QToolButton()
        for button, suffix in ((self.yes, "Yes"), (self.no, "No")):
            button.setText(suffix)
            button.setCheckable(True)
            button.setObjectName(f"{object_name}{suffix}")
            button.setAccessibleName(f"{name}: {suffix.lower()}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setMinimumWidth(40)
            button.setToolTip("Keys: Y yes, N no, Delete not recorded")
            button.clicked.connect(lambda checked, b=button: self._on_button_clicked(b, checked))
            layout.addWidget(button)
        self._style()

    def value(self) -> bool | None:
        if self.yes.isChecked():
            return True
        if self.no.isChecked():
            return False
        return None

    def set_value(self, value: bool | None) -> None:
        self.yes.setChecked(value is True)
        self.no.setChecked(value is False)
        self._style()

    def set_read_only(self, read_only: bool) -> None:
        self.yes.setEnabled(not read_only)
        self.no.setEnabled(not read_only)

    def _on_button_clicked(self, button: QToolButton, checked: bool) -> None:
        other = self.no if button is self.yes else self.yes
        if checked:
            other.setChecked(False)
        self._style()
        self.changed.emit()

    def _style(self) -> None:
        # the pair has the keyboard focus, not its buttons: show that focus on both buttons
        ring = (
            "QToolButton { border: 2px solid #003087; background: #fff9c4; }"
            if self.hasFocus()
            else ""
        )
        self.yes.setStyleSheet(
            ring + "QToolButton:checked { background: #c63d2f; color: white; font-weight: bold; }"
        )
        self.no.setStyleSheet(
            ring + "QToolButton:checked { background: #425563; color: white; font-weight: bold; }"
        )
        value = self.value()
        state = "not recorded" if value is None else ("yes" if value else "no")
        self.setAccessibleDescription(state)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt API
        super().focusInEvent(event)
        self._style()

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt API
        super().focusOutEvent(event)
        self._style()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if not self.yes.isEnabled():
            return super().keyPressEvent(event)
        text = event.text().lower()
        if text == "y":
            self.set_value(True)
        elif text == "n":
            self.set_value(False)
        elif event.key() in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
            self.set_value(None)
        else:
            return super().keyPressEvent(event)
        self.changed.emit()
        event.accept()
