"""A whole number typed into a box: a VAS in millimetres, a papule count.

Nothing typed ever silently becomes another number. A spin box drops the keystroke that would
take it out of range (150 became 15) and ignores letters without a word; this box keeps exactly
what was typed, and when that is not a whole number in range it says so, in red, naming the
field and the range, and gives no value (so nothing is saved). Empty is "not recorded", never 0.
Focus selects what is there, so typing replaces it; arrow keys step by 1, Page Up/Down by 10.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QLineEdit, QSizePolicy, QWidget

from mdtapp.ui.widgets.fields import mark

STEPS = {
    Qt.Key.Key_Up: 1,
    Qt.Key.Key_Down: -1,
    Qt.Key.Key_PageUp: 10,
    Qt.Key.Key_PageDown: -10,
}


class WholeNumberField(QLineEdit):
    value_changed = Signal()

    def __init__(
        self,
        label: str,
        low: int,
        high: int,
        *,
        unit: str = "",
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.label, self.low, self.high, self.unit = label, low, high, unit
        self.setAccessibleName(label)
        self.setPlaceholderText("—")
        self.setMaxLength(12)  # room to show what was typed wrongly, not to store it
        self.setToolTip(self.range_text)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.textChanged.connect(self._on_text_changed)

    def sizeHint(self) -> QSize:
        # room for a few digits (and a wrong entry to be seen), at any zoom
        hint = super().sizeHint()
        return QSize(self.fontMetrics().horizontalAdvance("000000") + 16, hint.height())

    @property
    def range_text(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"a whole number {self.low}–{self.high}{unit}"

    def value(self) -> int | None:
        """The number typed, or None when the box is empty or holds something else."""
        text = self.text().strip()
        if not text.isdecimal() or not text.isascii():
            return None
        number = int(text)
        return number if self.low <= number <= self.high else None

    def problem(self) -> str:
        """Why what is typed is not a value ("" when it is one, or the box is empty)."""
        text = self.text().strip()
        if not text or self.value() is not None:
            return ""
        return f"must be {self.range_text}; got “{text}”"

    def set_value(self, value: int | None) -> None:
        self.setText("" if value is None else str(value))

    def _on_text_changed(self, _: str) -> None:
        problem = self.problem()
        mark(self, bool(problem), f"{self.label} {problem}" if problem else self.range_text)
        self.value_changed.emit()

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt API
        super().focusInEvent(event)
        # after the press that gave focus (a click would otherwise undo the selection)
        QTimer.singleShot(0, self.selectAll)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        step = STEPS.get(Qt.Key(event.key()))
        if step is None or self.isReadOnly():
            super().keyPressEvent(event)
            return
        current = self.value()
        if current is None:
            if step > 0:  # from nothing, Up starts at the bottom of the range
                self.set_value(self.low)
        else:
            self.set_value(min(self.high, max(self.low, current + step)))
        self.selectAll()
        event.accept()
