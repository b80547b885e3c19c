"""The mRSS grid of forms/mrss.toml, laid out like the policy's Figure 1 (rows of areas, right
and left).

Keyboard first: typing a score (0-3) scores the highlighted area and moves to the next, so a full
score of 20 areas is 20 keystrokes; N (or - or .) marks "not assessed"; Backspace steps back and
clears; arrows move.
After the last area, focus moves on to the next field. Mouse: click a box. Each area also shows
which box was scored last time (a small marker), so a change is visible as it is typed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget

from mdtapp.domain.forms import MrssDefinition
from mdtapp.ui import theme

NOT_ASSESSED = "na"
AreaValue = Any  # int 0-3 | NOT_ASSESSED | None (not yet scored)

BOX_W, BOX_H, GAP = 26, 24, 3  # at the normal text size; scaled with the zoom


def severity(score: int) -> tuple[str, str]:
    """Fill and ink for a score: the theme's four shades, the darkest for any higher score."""
    i = min(score, len(theme.SEVERITY) - 1)
    return theme.SEVERITY[i], theme.SEVERITY_TEXT[i]


def value_text(value: AreaValue) -> str:
    if value is None:
        return "not scored"
    if value == NOT_ASSESSED:
        return "not assessed"
    return str(value)


class AreaScore(QWidget):
    """One area's boxes: 0 1 2 3 and – (not assessed)."""

    picked = Signal(object)

    def __init__(
        self, key: str, label: str, choices: tuple[Any, ...], parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.key = key
        self.label = label
        self.choices = choices  # the scores, then not assessed
        self.value: AreaValue = None
        self.previous: AreaValue = None
        self.current = False
        self.grid_focused = False
        self.read_only = False
        self.setObjectName(f"mrss_{key}")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setFixedSize(self.sizeHint())
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._describe()

    def _scale(self) -> float:
        """The boxes grow with the text (View -> Zoom): drawn for the normal text size."""
        return max(1.0, self.font().pointSizeF() / theme.BASE_POINT_SIZE)

    def sizeHint(self) -> QSize:
        k = self._scale()
        return QSize(round(len(self.choices) * (BOX_W + GAP) * k + GAP + 2), round((BOX_H + 8) * k))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.setFixedSize(self.sizeHint())

    def _describe(self) -> None:
        prev = f"; last time {value_text(self.previous)}" if self.previous is not None else ""
        self.setAccessibleName(f"{self.label}: {value_text(self.value)}{prev}")
        self.setToolTip(f"{self.label}: {value_text(self.value)}{prev}")

    def set_value(self, value: AreaValue) -> None:
        self.value = value
        self._describe()
        self.update()

    def set_previous(self, value: AreaValue) -> None:
        self.previous = value
        self._describe()
        self.update()

    def _box(self, i: int) -> QRectF:
        k = self._scale()
        return QRectF(GAP + 1 + i * (BOX_W + GAP) * k, 4 * k, BOX_W * k, BOX_H * k)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.current:
            pen = QPen(QColor(theme.BLUE), 3 if self.grid_focused else 1.5)
            if not self.grid_focused:
                pen.setStyle(Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.setBrush(QColor("#e6f0fa"))
            p.drawRoundedRect(QRectF(1, 1, self.width() - 2, self.height() - 2), 4, 4)
        font = QFont(self.font())
        font.setBold(True)
        p.setFont(font)
        for i, choice in enumerate(self.choices):
            box = self._box(i)
            chosen = self.value == choice and self.value is not None
            if chosen and choice == NOT_ASSESSED:
                fill, ink = QColor(theme.NOT_ASSESSED), QColor("#1f2d33")
            elif chosen:
                fill, ink = (QColor(c) for c in severity(choice))
            else:
                fill, ink = QColor(theme.WHITE), QColor(theme.GREY_1)
            p.setPen(QPen(QColor(theme.GREY_1 if chosen else theme.GREY_3), 2 if chosen else 1))
            p.setBrush(fill)
            p.drawRoundedRect(box, 3, 3)
            p.setPen(ink)
            text = "–" if choice == NOT_ASSESSED else str(choice)
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
            if self.previous == choice and self.previous is not None:
                # last time's score: a small dark triangle in the box's corner
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QColor(theme.DARK_BLUE))
                corner = box.topRight()
                p.drawPolygon(
                    QPolygonF(
                        [
                            corner,
                            QPointF(corner.x() - 9 * self._scale(), corner.y()),
                            QPointF(corner.x(), corner.y() + 9 * self._scale()),
                        ]
                    )
                )
        p.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if self.read_only:
            return
        for i, choice in enumerate(self.choices):
            if self._box(i).contains(event.position()):
                self.picked.emit(choice)
                return


class MrssGrid(QWidget):
    """The whole grid: one current area, typed into from the keyboard."""

    changed = Signal()
    current_changed = Signal(str)
    finished = Signal()  # the last area was scored: the editor moves focus on

    def __init__(self, definition: MrssDefinition, parent: QWidget | None = None):
        super().__init__(parent)
        self.definition = definition
        self.setObjectName("mrssGrid")
        self.setAccessibleName("Modified Rodnan skin score grid")
        self.setAccessibleDescription(
            f"Type {definition.min_score} to {definition.max_score} to score the highlighted "
            "area and move on; N for not assessed; "
            "Backspace to go back; arrow keys to move"
        )
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.order = list(definition.area_keys)
        self.choices: tuple[Any, ...] = (*definition.scores, NOT_ASSESSED)
        self.keys = {str(score): score for score in definition.scores}  # typed digits
        self.cells: dict[str, AreaScore] = {}
        self.read_only = False
        layout = QGridLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setHorizontalSpacing(6)
        layout.setVerticalSpacing(0)
        for col, text in ((1, "Right"), (2, "Left")):
            head = QLabel(text)
            head.setAlignment(Qt.AlignmentFlag.AlignCenter)
            head.setProperty("role", "muted")
            layout.addWidget(head, 0, col)
        self.row_labels: dict[str, QLabel] = {}
        for r, row in enumerate(definition.rows, start=1):
            label = QLabel(row.label + (" *" if row.added else ""))
            if row.added:
                label.setToolTip(
                    f"One of the areas {definition.added_note} ({definition.added_source})"
                )
            layout.addWidget(label, r, 0)
            for key in row.keys:
                cell = AreaScore(key, definition.area(key).label, self.choices)
                cell.picked.connect(lambda value, k=key: self._on_cell_picked(k, value))
                self.cells[key] = cell
                self.row_labels[key] = label
            if row.single:
                layout.addWidget(self.cells[row.single], r, 1, 1, 2, Qt.AlignmentFlag.AlignHCenter)
            else:
                layout.addWidget(self.cells[row.right or ""], r, 1)
                layout.addWidget(self.cells[row.left or ""], r, 2)
        self.current = self.order[0]
        self._show_current()

    # ------------------------------------------------------------ values

    def values(self) -> dict[str, AreaValue]:
        return {key: self.cells[key].value for key in self.order}

    def set_values(self, values: dict[str, AreaValue]) -> None:
        for key in self.order:
            self.cells[key].set_value(values.get(key))
        self.changed.emit()

    def set_previous(self, values: dict[str, AreaValue] | None) -> None:
        for key in self.order:
            self.cells[key].set_previous(None if values is None else values.get(key))

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        for cell in self.cells.values():
            cell.read_only = read_only

    def blanks(self) -> list[str]:
        return [key for key in self.order if self.cells[key].value is None]

    def domain_scores(self) -> dict[str, int | None]:
        """Scores for the record: not assessed and not scored are both None here; the editor
        refuses to save a partly-scored grid, so a blank is never saved as 'not assessed'."""
        return {key: v if isinstance(v, int) else None for key, v in self.values().items()}

    # ------------------------------------------------------------ moving

    def set_current(self, key: str) -> None:
        if key in self.cells and key != self.current:
            self.current = key
            self._show_current()
            self.current_changed.emit(key)

    def _show_current(self) -> None:
        for key, cell in self.cells.items():
            cell.current = key == self.current
            cell.grid_focused = self.hasFocus()
            cell.update()
        for key, label in self.row_labels.items():
            font = label.font()
            font.setBold(key == self.current)
            label.setFont(font)
        area = self.definition.area(self.current).label
        self.setAccessibleDescription(
            f"Current area: {area}, {value_text(self.cells[self.current].value)}"
        )

    def _move(self, step: int) -> bool:
        index = self.order.index(self.current) + step
        if 0 <= index < len(self.order):
            self.set_current(self.order[index])
            return True
        return False

    def _move_row(self, step: int) -> None:
        rows = [row.keys for row in self.definition.rows]
        r = next(i for i, keys in enumerate(rows) if self.current in keys)
        side = rows[r].index(self.current)
        target = r + step
        if 0 <= target < len(rows):
            keys = rows[target]
            self.set_current(keys[min(side, len(keys) - 1)])

    # ------------------------------------------------------------ input

    def _set(self, key: str, value: AreaValue) -> None:
        if self.cells[key].value != value:
            self.cells[key].set_value(value)
            self.changed.emit()

    def _on_cell_picked(self, key: str, value: AreaValue) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.set_current(key)
        self._set(key, value)

    def score_current(self, value: AreaValue) -> None:
        self._set(self.current, value)
        if not self._move(1):
            self.finished.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        key, text = event.key(), event.text()
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if modifiers not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            super().keyPressEvent(event)
            return
        if not self.read_only and text in self.keys:
            self.score_current(self.keys[text])
        elif not self.read_only and text in ("n", "N", "-", "."):
            self.score_current(NOT_ASSESSED)
        elif not self.read_only and key == Qt.Key.Key_Backspace:
            if self.cells[self.current].value is None:
                self._move(-1)
            self._set(self.current, None)
        elif not self.read_only and key == Qt.Key.Key_Delete:
            self._set(self.current, None)
        elif key == Qt.Key.Key_Down:
            self._move_row(1)
        elif key == Qt.Key.Key_Up:
            self._move_row(-1)
        elif key == Qt.Key.Key_Right:
            self._move(1)
        elif key == Qt.Key.Key_Left:
            self._move(-1)
        elif key == Qt.Key.Key_Home:
            self.set_current(self.order[0])
        elif key == Qt.Key.Key_End:
            self.set_current(self.order[-1])
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def focusInEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        super().focusInEvent(event)
        self._show_current()

    def focusOutEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        super().focusOutEvent(event)
        self._show_current()
