"""A visual analogue scale: a 10 cm-style line with a marker, typed or dragged, 0-100 mm.

The number box takes the millimetres typed; the line takes arrow keys (1 mm, PageUp/PageDown
10 mm, Home/End), clicks and drags. The value reads in cm with one decimal, with the itch band
where the scale has bands. Not recorded is its own state, never 0.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from mdtapp.domain.forms import VasDefinition
from mdtapp.domain.instruments import vas_cm
from mdtapp.domain.measures import VasMeasure
from mdtapp.ui import theme
from mdtapp.ui.widgets.number_field import WholeNumberField


class VasLine(QWidget):
    value_picked = Signal(int)

    def __init__(self, scale: VasMeasure, low: int, high: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.scale = scale
        self.low, self.high = low, high
        self.value: int | None = None
        self.previous: int | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(f"{scale.label} line")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(240)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def _k(self) -> float:
        """Sizes drawn for the normal text size, grown with the zoom."""
        return max(1.0, self.font().pointSizeF() / theme.BASE_POINT_SIZE)

    def sizeHint(self) -> QSize:
        return QSize(round(360 * self._k()), round(46 * self._k()))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.updateGeometry()  # a larger text: a taller line

    def _track(self) -> tuple[float, float]:
        return 12.0, float(self.width() - 12)

    def _x(self, mm: int) -> float:
        left, right = self._track()
        return left + (right - left) * (mm - self.low) / (self.high - self.low)

    def _mm(self, x: float) -> int:
        left, right = self._track()
        fraction = min(1.0, max(0.0, (x - left) / (right - left)))
        return round(self.low + fraction * (self.high - self.low))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        left, right = self._track()
        k = self._k()
        y = 16.0 * k
        if self.hasFocus():
            p.setPen(QPen(QColor(theme.BLUE), 1, Qt.PenStyle.DashLine))
            p.drawRect(QRectF(1, 1, self.width() - 2, self.height() - 2))
        p.setPen(QPen(QColor(theme.GREY_1), 2))
        p.drawLine(QPointF(left, y), QPointF(right, y))
        for end in (left, right):
            p.drawLine(QPointF(end, y - 7 * k), QPointF(end, y + 7 * k))
        p.setPen(QPen(QColor(theme.GREY_3), 1))
        for mm in range(self.low + 10, self.high, 10):
            p.drawLine(QPointF(self._x(mm), y - 3 * k), QPointF(self._x(mm), y + 3 * k))
        small = self.font()
        small.setPointSizeF(self.font().pointSizeF() * 0.8)
        p.setFont(small)
        p.setPen(QColor(theme.GREY_1))
        p.drawText(
            QRectF(0, y + 9 * k, self.width() / 2, 16 * k),
            Qt.AlignmentFlag.AlignLeft,
            self.scale.anchor_low,
        )
        p.drawText(
            QRectF(self.width() / 2, y + 9 * k, self.width() / 2, 16 * k),
            Qt.AlignmentFlag.AlignRight,
            self.scale.anchor_high,
        )
        if self.previous is not None:
            x = self._x(self.previous)
            p.setPen(QPen(QColor(theme.GREY_3), 2, Qt.PenStyle.DotLine))
            p.drawLine(QPointF(x, y - 10 * k), QPointF(x, y + 10 * k))
        if self.value is not None:
            x = self._x(self.value)
            p.setPen(QPen(QColor(theme.RED), 3))
            p.drawLine(QPointF(x, y - 11 * k), QPointF(x, y + 11 * k))
            p.setBrush(QColor(theme.RED))
            p.setPen(Qt.PenStyle.NoPen)
            p.drawPolygon(
                QPolygonF([QPointF(x - 6 * k, 1), QPointF(x + 6 * k, 1), QPointF(x, 7 * k)])
            )
        p.end()

    def set_value(self, value: int | None) -> None:
        self.value = value
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.value_picked.emit(self._mm(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.value_picked.emit(self._mm(event.position().x()))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        current = self.value if self.value is not None else self.low
        steps = {
            Qt.Key.Key_Right: 1,
            Qt.Key.Key_Up: 1,
            Qt.Key.Key_Left: -1,
            Qt.Key.Key_Down: -1,
            Qt.Key.Key_PageUp: 10,
            Qt.Key.Key_PageDown: -10,
        }
        key = Qt.Key(event.key())
        if key in steps:
            self.value_picked.emit(min(self.high, max(self.low, current + steps[key])))
        elif key == Qt.Key.Key_Home:
            self.value_picked.emit(self.low)
        elif key == Qt.Key.Key_End:
            self.value_picked.emit(self.high)
        else:
            super().keyPressEvent(event)
            return
        event.accept()


class VasInput(QWidget):
    """Question, line, number box (mm) and the reading in cm."""

    changed = Signal()

    def __init__(
        self,
        scale: VasMeasure,
        definition: VasDefinition,
        object_name: str,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.scale = scale
        self.definition = definition
        self.setObjectName(object_name)
        self.setAccessibleName(scale.label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        title = QLabel(f"<b>{scale.label}</b> — <i>{scale.question}</i>")
        title.setWordWrap(True)
        layout.addWidget(title)
        self.line = VasLine(scale, definition.min_mm, definition.max_mm)
        layout.addWidget(self.line)
        row = QHBoxLayout()
        # the millimetres typed: what is typed is what is kept (a spin box once turned 150
        # into 15 without a word); out of range is said, in red, and saves nothing
        self.mm = WholeNumberField(scale.label, definition.min_mm, definition.max_mm, unit="mm")
        self.mm.setObjectName(f"{object_name}Mm")
        self.mm.setAccessibleName(f"{scale.label} in millimetres")
        unit = QLabel("mm")
        self.reading = QLabel()
        self.reading.setObjectName(f"{object_name}Reading")
        self.reading.setMinimumWidth(150)
        row.addWidget(self.mm)
        row.addWidget(unit)
        row.addWidget(self.reading, 1)
        layout.addLayout(row)
        self.history = QLabel()
        self.history.setProperty("role", "muted")
        self.history.setObjectName(f"{object_name}History")
        self.history.setWordWrap(True)
        layout.addWidget(self.history)
        self.line.value_picked.connect(self.set_value)
        self.mm.value_changed.connect(self._on_mm_changed)
        self.setFocusProxy(self.mm)
        self._show()

    def value(self) -> int | None:
        return self.mm.value()

    def problem(self) -> str:
        """What is wrong with the millimetres typed ("" when nothing is)."""
        return self.mm.problem()

    def set_value(self, value: int | None) -> None:
        self.mm.set_value(value)

    def set_previous(self, value: int | None) -> None:
        self.line.previous = value
        self.line.update()

    def set_read_only(self, read_only: bool) -> None:
        self.mm.setReadOnly(read_only)
        self.line.setEnabled(not read_only)

    def _on_mm_changed(self) -> None:
        self._show()
        self.changed.emit()

    def _show(self) -> None:
        value = self.value()
        self.line.set_value(value)
        problem = self.problem()
        if problem:
            self.reading.setText(
                f"<span style='color:{theme.RED}'><b>✗ Not saved:</b> {escape(problem)}</span>"
            )
        elif value is None:
            self.reading.setText("not recorded")
        else:
            band = self.scale.band(value)
            self.reading.setText(f"<b>{vas_cm(value)}</b>" + (f" · {band}" if band else ""))
        self.setAccessibleDescription(self.reading.text())
