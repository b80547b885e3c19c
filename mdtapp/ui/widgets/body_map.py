"""The mRSS scores on a body outline, coloured by severity, with the digit in each area. An area
the drawing has no shape for is a labelled box under the figure (mdtapp.bodymap).

Clicking an area makes it the grid's current area, so it can be scored from the keyboard.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from mdtapp.bodymap import BodyMap, Shape
from mdtapp.ui import theme
from mdtapp.ui.widgets.mrss_grid import NOT_ASSESSED, severity


class BodyMapView(QWidget):
    area_clicked = Signal(str)

    def __init__(self, body: BodyMap, labels: dict[str, str], parent: QWidget | None = None):
        super().__init__(parent)
        self.body = body
        self.labels = labels
        self.values: dict[str, Any] = {}
        self.current: str | None = None
        self.setObjectName("bodyMap")
        self.setAccessibleName("Body map of mRSS scores")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setMinimumSize(220, 205)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def sizeHint(self) -> QSize:
        k = max(1.0, self.font().pointSizeF() / theme.BASE_POINT_SIZE)  # grows with the zoom
        return QSize(round(330 * k), round(308 * k))

    def set_values(self, values: dict[str, Any]) -> None:
        self.values = dict(values)
        self.update()

    def set_current(self, key: str | None) -> None:
        self.current = key
        self.update()

    def _scale(self) -> tuple[float, float, float]:
        s = min(self.width() / self.body.width, self.height() / self.body.height)
        ox = (self.width() - self.body.width * s) / 2
        oy = (self.height() - self.body.height * s) / 2
        return s, ox, oy

    @staticmethod
    def _draw(p: QPainter, shape: Shape, rect: QRectF) -> None:
        if shape.kind == "ellipse":
            p.drawEllipse(rect)
        else:
            p.drawRoundedRect(rect, 4, 4)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        s, ox, oy = self._scale()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)

        def rect(shape: Shape) -> QRectF:
            return QRectF(ox + shape.x * s, oy + shape.y * s, shape.w * s, shape.h * s)

        p.setPen(QPen(QColor(theme.GREY_3), 1))
        p.setBrush(QColor(theme.GREY_5))
        for shape in self.body.outline:
            self._draw(p, shape, rect(shape))
        font = QFont(self.font())
        font.setBold(True)
        font.setPointSizeF(max(6.0, 9 * s / 0.75))
        p.setFont(font)
        for key, shapes in self.body.areas.items():
            value = self.values.get(key)
            if isinstance(value, int):
                fill, text_colour = severity(value)
                brush = QBrush(QColor(fill))
                ink = QColor(text_colour)
            elif value == NOT_ASSESSED:
                brush = QBrush(QColor(theme.NOT_ASSESSED), Qt.BrushStyle.BDiagPattern)
                ink = QColor(theme.GREY_1)
            else:
                brush = QBrush(QColor(theme.WHITE))
                ink = QColor(theme.GREY_3)
            current = key == self.current
            p.setPen(QPen(QColor(theme.BLUE if current else theme.GREY_1), 3 if current else 1))
            for shape in shapes:
                r = rect(shape)
                if value == NOT_ASSESSED:
                    p.setBrush(QColor(theme.GREY_5))
                    self._draw(p, shape, r)
                p.setBrush(brush)
                self._draw(p, shape, r)
            text = str(value) if isinstance(value, int) else ("–" if value == NOT_ASSESSED else "")
            if text:
                p.setPen(ink)
                for shape in shapes:
                    p.drawText(rect(shape), Qt.AlignmentFlag.AlignCenter, text)
            if key in self.body.listed:  # no drawing for this area: its name beside its box
                p.setPen(QColor(theme.GREY_1))
                r = rect(shapes[0])
                p.drawText(
                    QRectF(r.right() + 4 * s, r.top(), 80 * s, r.height()),
                    Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                    self.labels.get(key, key),
                )
        small = QFont(self.font())
        small.setPointSizeF(max(6.0, 8 * s / 0.75))
        p.setFont(small)
        p.setPen(QColor(theme.GREY_1))
        names = {"front": "Front", "back": "Back", "patient_right": "R", "patient_left": "L"}
        for key, (x, y) in self.body.labels.items():
            p.drawText(QPointF(ox + x * s - 10 * s, oy + y * s), names.get(key, key))
        p.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        s, ox, oy = self._scale()
        pos = event.position()
        key = self.body.area_at((pos.x() - ox) / s, (pos.y() - oy) / s)
        if key:
            self.area_clicked.emit(key)
