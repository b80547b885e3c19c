"""Counting papules on a photo: set the scale, place the 2 × 2 cm square, click each papule.

1. The scale: Ruler (R) — click two points a known distance apart on the photographed ruler; the
   square is then sized from it and can be dragged into place. Or Template (T) — drag the
   square's corners onto the photographed 2 × 2 cm template; the template is then the scale.
2. The square: Square (S) — drag it into place; turn it with its round handle or [ and ].
3. The papules: Mark (M) — click each one: a numbered marker. Click a marker again to remove it,
   or select it (Page Up / Page Down, or Shift+click) and press Delete. Marks outside the square
   are drawn hollow and crossed, and are not counted.

Ctrl+Z / Ctrl+Shift+Z undo and redo. Wheel, + − 0 1 and pinch zoom; arrows pan. Ctrl+arrows move
a keyboard pointer and Enter acts there as a click would; Shift+arrows move the square.
Every number comes from mdtapp.domain.papule_count; this widget only gathers the clicks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QKeyEvent, QKeySequence, QMouseEvent, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mdtapp.domain.errors import FieldError
from mdtapp.domain.papule_count import (
    PapuleCount,
    Point,
    Scale,
    Square,
    plain,
    square_for_scale,
    template_scale,
    validate_count,
)
from mdtapp.domain.photo_rules import PhotoRules
from mdtapp.ui.widgets.photo_canvas import HANDLE, PhotoCanvas, pixel_at

TOOLS = {
    "ruler": ("&Ruler", "R", "Set the scale: click two points on the photographed ruler"),
    "template": (
        "&Template",
        "T",
        "Fit the square's corners to the photographed 2 × 2 cm template",
    ),
    "square": ("&Square", "S", "Drag the square into place; turn it with its round handle"),
    "mark": ("&Mark", "M", "Click each papule; click a mark again to remove it"),
}
HIT = 10  # how near a click must be to a marker or handle, in screen pixels
POINTER_STEP = 8  # screen pixels per Ctrl+arrow


class PapuleCounter(QWidget):
    """The counter. `count` is the current PapuleCount; `count_changed` follows every change."""

    count_changed = Signal()

    def __init__(self, rules: PhotoRules, *, max_count: int, parent: QWidget | None = None):
        """`max_count`: the papule field's range (papule_count.count_limit of the forms)."""
        super().__init__(parent)
        self.rules = rules
        self.max_count = max_count
        self.setObjectName("papuleCounter")
        self.count = PapuleCount("", 1, 1)
        self._undo: list[PapuleCount] = []
        self._redo: list[PapuleCount] = []
        self._drag: tuple[str, PapuleCount, Point] | None = None  # what, count before, start
        self._pan_from: QPointF | None = None
        self.tool = "mark"
        self._notice = ""  # what the last action said; shown above any problems

        self.canvas = PhotoCanvas()
        self.canvas.setObjectName("papuleCanvas")
        self.canvas.setAccessibleName("Photo: click to mark papules")
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.viewport().installEventFilter(self)
        self.canvas.installEventFilter(self)
        self.canvas.zoom_changed.connect(self._on_zoom_changed)

        bar = QHBoxLayout()
        self.tool_buttons: dict[str, QToolButton] = {}
        self.tool_group = QButtonGroup(self)
        for key, (text, letter, tip) in TOOLS.items():
            button = QToolButton()
            button.setText(text)
            button.setCheckable(True)
            button.setObjectName(f"{key}Tool")
            button.setAccessibleName(f"{text.replace('&', '')} tool")
            button.setToolTip(f"{tip} ({letter})")
            button.clicked.connect(lambda _=False, k=key: self.set_tool(k))
            self.tool_group.addButton(button)
            self.tool_buttons[key] = button
            bar.addWidget(button)
        self.distance = QComboBox()
        self.distance.setEditable(True)
        self.distance.setObjectName("rulerDistance")
        self.distance.setAccessibleName("Ruler distance between the two points, in mm")
        self.distance.setToolTip("How far apart the two ruler points are, in mm")
        self.distance.addItems([plain(d) for d in rules.distance_choices_mm])
        self.distance.setCurrentText(plain(rules.default_distance_mm))
        self.distance.setMinimumContentsLength(4)
        distance_label = QLabel("&Distance (mm)")
        distance_label.setBuddy(self.distance)
        self.rotation = QDoubleSpinBox()
        self.rotation.setObjectName("squareRotation")
        self.rotation.setAccessibleName("Square rotation, degrees clockwise")
        self.rotation.setRange(-180.0, 180.0)
        self.rotation.setDecimals(1)
        self.rotation.setSuffix("°")
        self.rotation.setWrapping(True)
        self.rotation.setKeyboardTracking(False)  # typed degrees apply on Enter
        self.rotation.setToolTip("Turn the square clockwise ([ and ] on the photo: 1° steps)")
        rotation_label = QLabel("Rotati&on")
        rotation_label.setBuddy(self.rotation)
        for w in (distance_label, self.distance, rotation_label, self.rotation):
            bar.addWidget(w)
        bar.addStretch(1)
        self.zoom_label = QLabel()
        self.zoom_label.setObjectName("zoomLevel")
        self.buttons: dict[str, QPushButton] = {}
        buttons: list[tuple[str, str, str, Callable[[], object]]] = [
            ("−", "zoomOut", "Zoom out (−)", lambda: self.canvas.zoom_by(0.8)),
            ("Fit", "zoomFit", "The whole photo (0)", self.canvas.fit),
            ("+", "zoomIn", "Zoom in (+)", lambda: self.canvas.zoom_by(1.25)),
            ("Undo", "undoMark", "Undo (Ctrl+Z)", self.undo),
            ("Redo", "redoMark", "Redo (Ctrl+Shift+Z)", self.redo),
        ]
        for text, name, tip, slot in buttons:
            push = QPushButton(text)
            push.setObjectName(name)
            push.setAccessibleName(tip.split(" (")[0])
            push.setToolTip(tip)
            push.setAutoDefault(False)
            push.clicked.connect(slot)
            bar.addWidget(push)
            if name == "zoomIn":
                bar.addWidget(self.zoom_label)
            self.buttons[name] = push
        self.undo_button, self.redo_button = self.buttons["undoMark"], self.buttons["redoMark"]

        side = QVBoxLayout()
        self.total = QLabel("—")
        self.total.setObjectName("papuleCountTotal")
        self.total.setAccessibleName("Papules counted inside the square")
        # shown large (theme.py: QLabel#papuleCountTotal, scaled with View -> Zoom)
        self.total.setAlignment(Qt.AlignmentFlag.AlignCenter)
        caption = QLabel(f"papules inside the {plain(rules.side_mm)} mm square")
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        caption.setWordWrap(True)
        self.outside = QLabel()
        self.outside.setObjectName("papulesOutside")
        self.outside.setWordWrap(True)
        self.working = QLabel()
        self.working.setObjectName("countWorking")
        self.working.setProperty("role", "muted")
        self.working.setWordWrap(True)
        self.working.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = QLabel()
        self.message.setObjectName("countMessage")
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        self.hint = QLabel()
        self.hint.setObjectName("countHint")
        self.hint.setWordWrap(True)
        for w in (self.total, caption, self.outside, self.message, self.hint, self.working):
            side.addWidget(w)
        side.addStretch(1)
        inner = QWidget()
        inner.setLayout(side)
        # a scroll area sizes word-wrapped labels to their text (a plain layout may not)
        panel = QScrollArea()
        panel.setObjectName("countPanel")
        panel.setWidgetResizable(True)
        panel.setFrameShape(QFrame.Shape.NoFrame)
        panel.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        panel.setWidget(inner)
        panel.setFixedWidth(270)

        body = QHBoxLayout()
        body.addWidget(self.canvas, 1)
        body.addWidget(panel)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(bar)
        outer.addLayout(body, 1)

        # a typed distance applies when it is finished (Enter, Tab), not at each keystroke
        typed = self.distance.lineEdit()
        assert typed is not None  # an editable combo box has one
        typed.editingFinished.connect(self._on_distance_changed)
        self.distance.activated.connect(self._on_distance_changed)
        self.rotation.valueChanged.connect(self._on_rotation_changed)
        for keys, slot in (
            (("Ctrl+Z",), self.undo),
            (("Ctrl+Shift+Z", "Ctrl+Y"), self.redo),
        ):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(slot)
        self.setFocusProxy(self.canvas)
        self.set_tool("ruler")
        self._refresh()

    # ------------------------------------------------------------ opening

    def open_image(self, image: QImage, view: str, count: PapuleCount | None = None) -> None:
        """Show `image`; start from `count` (marks made before) or from nothing."""
        self.canvas.set_image(image)
        size = (image.width(), image.height())
        self._notice = ""
        if count is not None and (count.width, count.height) != size:
            # marks are in the pixels of the photo they were made on: never moved onto another
            self._notice = (
                f"The marks were made on a {count.width} × {count.height} photo, not this "
                f"{size[0]} × {size[1]} one: they are not shown."
            )
            count = None
        start = count or PapuleCount(view, *size)
        self._undo.clear()
        self._redo.clear()
        self.canvas.pending_ruler_point = None
        self.canvas.selected = None
        self.count = start
        if start.square is not None:
            self._show_angle(start.square)
        if start.scale is not None and start.scale.source == "ruler":
            self.distance.blockSignals(True)
            self.distance.setCurrentText(plain(start.scale.distance_mm))
            self.distance.blockSignals(False)
        self.set_tool("mark" if start.square is not None else "ruler")
        self._refresh()

    def open_file(self, path: Path, view: str) -> bool:
        reader = QImageReader(str(path))
        reader.setAutoTransform(True)  # upright, as EXIF says (stored photos already are)
        image = reader.read()
        if image.isNull():
            self.message.setText(f"{path.name} is not an image mdtapp can read")
            return False
        self.open_image(image, view)
        return True

    # ------------------------------------------------------------ state

    def problems(self) -> list[FieldError]:
        return validate_count(self.count, self.rules, self.max_count)

    def _set(self, count: PapuleCount, *, record: bool = True) -> None:
        if count == self.count:
            return
        if record:
            self._undo.append(self.count)
            self._redo.clear()
        self.count = count
        if self.canvas.selected is not None and self.canvas.selected >= len(count.marks):
            self.canvas.selected = None
        self._refresh()

    def undo(self) -> None:
        if self._undo:
            self._redo.append(self.count)
            self.count = self._undo.pop()
            self.canvas.selected = None
            self._after_history()

    def redo(self) -> None:
        if self._redo:
            self._undo.append(self.count)
            self.count = self._redo.pop()
            self.canvas.selected = None
            self._after_history()

    def _after_history(self) -> None:
        if self.count.square is not None:
            self._show_angle(self.count.square)
        self._refresh()

    def _refresh(self) -> None:
        c = self.count
        self.canvas.set_count(c)
        counted = c.count
        self.total.setText("—" if counted is None else str(counted))
        outside = c.outside if counted is not None else len(c.marks)
        self.outside.setText(
            ""
            if not outside
            else f"{outside} mark{'s' if outside != 1 else ''} outside the square (not counted)"
        )
        self.working.setText(c.working)
        self.hint.setText(self._next_step())
        self.undo_button.setEnabled(bool(self._undo))
        self.redo_button.setEnabled(bool(self._redo))
        self._show_message()
        self.count_changed.emit()

    def _say(self, text: str) -> None:
        self._notice = text
        self._show_message()

    def _show_message(self) -> None:
        problems = self.problems() if self.canvas.item is not None else []
        lines = [self._notice] if self._notice else []
        self.message.setText("\n".join(lines + [f"⚠ {p}" for p in problems]))

    def _next_step(self) -> str:
        c = self.count
        if self.canvas.pending_ruler_point is not None:
            return (
                f"Now click the second ruler point, {self.distance.currentText()} mm from the "
                "first (Esc cancels)."
            )
        if c.scale is None:
            return (
                "1. Set the scale: Ruler (R), then click two points "
                f"{self.distance.currentText()} mm apart on the ruler; or Template (T), then "
                "drag the square's corners onto the photographed 2 × 2 cm template."
            )
        if c.square is None:
            return "2. Place the square: Square (S)."
        return (
            "Drag the square over the site (S; [ and ] turn it). Mark (M): click each papule; "
            "click a mark again to remove it."
        )

    # ------------------------------------------------------------ tools

    def set_tool(self, tool: str) -> None:
        self.tool = tool
        self.tool_buttons[tool].setChecked(True)
        if tool != "ruler":
            self.canvas.pending_ruler_point = None
        self.canvas.show_handles = tool in ("square", "template")
        self.canvas.show_corner_handles = tool == "template"
        cursor = (
            Qt.CursorShape.CrossCursor
            if tool in ("ruler", "mark")
            else Qt.CursorShape.SizeAllCursor
        )
        self.canvas.viewport().setCursor(cursor)
        if tool == "template" and self.count.square is None and self.canvas.item is not None:
            self._place_template_square()
        elif tool == "square" and self.count.square is None:
            self._say("Set the scale first: Ruler (R) or Template (T).")
        self.hint.setText(self._next_step())
        self.canvas.viewport().update()

    def _distance_mm(self) -> Decimal | None:
        text = self.distance.currentText().strip().removesuffix("mm").strip().replace(",", ".")
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        lo, hi = self.rules.distance_min_mm, self.rules.distance_max_mm
        if value is None or not value.is_finite() or not lo <= value <= hi:
            self._say(f"Ruler distance: must be {plain(lo)}-{plain(hi)} mm; got {text!r}")
            return None
        return value

    def _ruler_click(self, pixel: Point) -> None:
        first = self.canvas.pending_ruler_point
        if first is None:
            self.canvas.pending_ruler_point = pixel
            self._say("")
            self.hint.setText(self._next_step())
            self.canvas.viewport().update()
            return
        self.canvas.pending_ruler_point = None
        distance = self._distance_mm()
        if distance is None:
            return
        self._apply_scale(Scale(first, pixel, distance, "ruler"))

    def _apply_scale(self, scale: Scale) -> None:
        """Use a ruler scale: the square (new, or the one placed) is sized from it."""
        trial = replace(self.count, scale=scale, square=None)
        errors = [
            e
            for e in validate_count(trial, self.rules, self.max_count)
            if e.field.startswith("scale")
        ]
        if errors:
            self._say("\n".join(f"Not used: {e}" for e in errors))
            self.canvas.viewport().update()
            return
        square = self.count.square
        centre = square.centre if square else self.canvas.visible_centre()
        new_square = square_for_scale(centre, scale, self.rules.side_mm, self.rotation.value())
        self._say("")
        self._set(replace(self.count, scale=scale, square=self._kept_on_photo(new_square)))
        self.set_tool("square")

    def _place_template_square(self) -> None:
        """A square to fit onto the template: a third of the visible photo, at its centre."""
        size = self.canvas.image_size or (1, 1)
        seen = self.canvas.mapToScene(self.canvas.viewport().rect()).boundingRect()
        half = max(
            self.rules.min_points_apart_px,
            int(min(seen.width(), seen.height(), *size) / 6),
        )
        square = self._kept_on_photo(
            Square(self.canvas.visible_centre(), Point(-half, -half), self.rules.side_mm)
        )
        self.rotation.blockSignals(True)
        self.rotation.setValue(0.0)
        self.rotation.blockSignals(False)
        self._set(replace(self.count, scale=template_scale(square), square=square))

    def _clamped(self, p: Point) -> Point:
        w, h = self.canvas.image_size or (1, 1)
        return Point(min(max(p.x, 0), w - 1), min(max(p.y, 0), h - 1))

    def _kept_on_photo(self, square: Square) -> Square:
        """The square moved just enough to lie on the photo, where it fits."""
        w, h = self.canvas.image_size or (1, 1)
        xs, ys = [c.x for c in square.corners], [c.y for c in square.corners]

        def shift(low: int, high: int, size: int) -> int:
            if high - low > size - 1:
                return 0  # larger than the photo: leave it, the check will say so
            return -low if low < 0 else (size - 1 - high if high > size - 1 else 0)

        return square.moved(Point(shift(min(xs), max(xs), w), shift(min(ys), max(ys), h)))

    def _show_angle(self, square: Square) -> None:
        self.rotation.blockSignals(True)
        self.rotation.setValue(round(square.angle_degrees, 1))
        self.rotation.blockSignals(False)

    def _on_distance_changed(self, *_: object) -> None:
        scale = self.count.scale
        if scale is None or scale.source != "ruler":
            return
        distance = self._distance_mm()
        if distance is not None and distance != scale.distance_mm:
            self._apply_scale(replace(scale, distance_mm=distance))

    def _on_rotation_changed(self, degrees: float) -> None:
        self._turn_to(degrees, record=True)

    def _turn_to(self, degrees: float, *, record: bool) -> None:
        c = self.count
        if c.square is None or c.scale is None or not c.scale.length_px_squared:
            return
        square = square_for_scale(c.square.centre, c.scale, c.square.side_mm, degrees)
        self._set(replace(c, square=square), record=record)

    def _on_zoom_changed(self, zoom: float) -> None:
        self.zoom_label.setText(f"{zoom * 100:.0f} %")

    # ------------------------------------------------------------ marks

    def _mark_near(self, viewport_pos: QPointF) -> int | None:
        best, best_distance = None, float(HIT)
        for i, mark in enumerate(self.count.marks):
            p = self.canvas.viewport_point_of(mark)
            d = math.hypot(p.x() - viewport_pos.x(), p.y() - viewport_pos.y())
            if d <= best_distance:
                best, best_distance = i, d
        return best

    def _toggle_mark(self, pixel: Point, viewport_pos: QPointF) -> None:
        near = self._mark_near(viewport_pos)
        marks = list(self.count.marks)
        if near is not None:
            del marks[near]
            self.canvas.selected = None
            self._say("")
        elif not self._on_image(pixel):
            self._say(f"Click on the photo: {pixel} is off it.")
            return
        else:
            marks.append(pixel)
            self._say("")
        self._set(replace(self.count, marks=tuple(marks)))

    def delete_selected(self) -> None:
        i = self.canvas.selected
        if i is None:
            self._say("Select a mark first (Page Down / Page Up, or Shift+click).")
            return
        marks = list(self.count.marks)
        del marks[i]
        self.canvas.selected = None
        self._set(replace(self.count, marks=tuple(marks)))

    def select_mark(self, step: int) -> None:
        n = len(self.count.marks)
        if not n:
            return
        current = self.canvas.selected
        if current is None:
            self.canvas.selected = 0 if step > 0 else n - 1
        else:
            self.canvas.selected = (current + step) % n
        mark = self.count.marks[self.canvas.selected]
        self.canvas.ensureVisible(mark.x, mark.y, 1, 1, 80, 80)
        self.canvas.viewport().update()

    def _on_image(self, p: Point) -> bool:
        return 0 <= p.x < self.count.width and 0 <= p.y < self.count.height

    # ------------------------------------------------------------ mouse and keys

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if self.canvas.item is None:
            return False
        if watched is self.canvas.viewport():
            kind = event.type()
            if kind == QEvent.Type.MouseButtonPress:
                assert isinstance(event, QMouseEvent)
                return self._on_press(event)
            if kind == QEvent.Type.MouseMove:
                assert isinstance(event, QMouseEvent)
                return self._on_move(event)
            if kind == QEvent.Type.MouseButtonRelease:
                assert isinstance(event, QMouseEvent)
                return self._on_release(event)
            if kind == QEvent.Type.MouseButtonDblClick:
                return True  # a quick second click is a click: marks, not zoom
        elif watched is self.canvas and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            return self._on_key(event)
        return False

    def _on_press(self, event: QMouseEvent) -> bool:
        pos = event.position()
        self.canvas.setFocus()
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = pos
            return True
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        pixel = pixel_at(self.canvas.to_scene(pos))
        self.click(pixel, pos, shift=bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))
        return True

    def click(self, pixel: Point, viewport_pos: QPointF, *, shift: bool = False) -> None:
        """What a left click at `pixel` does with the current tool."""
        if self.tool == "ruler":
            if self._on_image(pixel):
                self._ruler_click(pixel)
            else:
                self._say(f"Click on the ruler in the photo: {pixel} is off it.")
        elif self.tool == "mark":
            if shift:
                self.canvas.selected = self._mark_near(viewport_pos)
                self.canvas.viewport().update()
            else:
                self._toggle_mark(pixel, viewport_pos)
        else:
            self._start_drag(pixel, viewport_pos)

    def _start_drag(self, pixel: Point, viewport_pos: QPointF) -> None:
        square = self.count.square
        if square is None:
            return
        handle = self.canvas.rotation_handle(square)
        if math.hypot(handle.x() - viewport_pos.x(), handle.y() - viewport_pos.y()) <= HIT:
            self._drag = ("rotate", self.count, pixel)
            return
        if self.tool == "template":
            for i, corner in enumerate(self.canvas.square_points(square)):
                if max(abs(corner.x() - viewport_pos.x()), abs(corner.y() - viewport_pos.y())) <= (
                    HANDLE + 4
                ):
                    self._drag = (f"corner{i}", self.count, pixel)
                    return
        if square.contains(pixel):
            self._drag = ("move", self.count, pixel)

    def _on_move(self, event: QMouseEvent) -> bool:
        pos = event.position()
        if self._pan_from is not None:
            delta = pos - self._pan_from
            self._pan_from = pos
            h, v = self.canvas.horizontalScrollBar(), self.canvas.verticalScrollBar()
            h.setValue(h.value() - round(delta.x()))
            v.setValue(v.value() - round(delta.y()))
            return True
        if self._drag is None:
            return False
        self._drag_to(pixel_at(self.canvas.to_scene(pos)))
        return True

    def _drag_to(self, pixel: Point) -> None:
        assert self._drag is not None
        what, before, start = self._drag
        square = before.square
        if square is None:
            return
        if what == "move":
            self._set(replace(before, square=square.moved(pixel - start)), record=False)
        elif what == "rotate" and before.scale is not None and pixel != square.centre:
            out = pixel - square.centre
            # the handle points straight up (-90°) when the square is not turned
            degrees = math.degrees(math.atan2(out.y, out.x)) + 90.0
            degrees = round((degrees + 180.0) % 360.0 - 180.0, 1)
            self.rotation.blockSignals(True)
            self.rotation.setValue(degrees)
            self.rotation.blockSignals(False)
            turned = square_for_scale(square.centre, before.scale, square.side_mm, degrees)
            self._set(replace(before, square=turned), record=False)
        elif what.startswith("corner") and pixel != square.centre:
            fitted = square.with_corner_at(int(what[-1]), pixel)
            self._set(replace(before, square=fitted, scale=template_scale(fitted)), record=False)
            self._show_angle(fitted)

    def _on_release(self, event: QMouseEvent) -> bool:
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = None
            return True
        if self._drag is None:
            return event.button() == Qt.MouseButton.LeftButton
        _, before, _ = self._drag
        self._drag = None
        if self.count != before:
            self._undo.append(before)
            self._redo.clear()
            self._refresh()
        return True

    def _on_key(self, event: QKeyEvent) -> bool:
        key, mods = Qt.Key(event.key()), event.modifiers()
        mod = Qt.KeyboardModifier
        plain_key = not (mods & (mod.ControlModifier | mod.AltModifier | mod.MetaModifier))
        letters = {Qt.Key.Key_R: "ruler", Qt.Key.Key_T: "template", Qt.Key.Key_S: "square"}
        letters[Qt.Key.Key_M] = "mark"
        arrows = {
            Qt.Key.Key_Left: Point(-1, 0),
            Qt.Key.Key_Right: Point(1, 0),
            Qt.Key.Key_Up: Point(0, -1),
            Qt.Key.Key_Down: Point(0, 1),
        }
        if key in letters and plain_key and not mods & mod.ShiftModifier:
            self.set_tool(letters[key])
        elif key in (Qt.Key.Key_BracketLeft, Qt.Key.Key_BracketRight) and plain_key:
            self.rotation.stepBy(-1 if key == Qt.Key.Key_BracketLeft else 1)
        elif key in arrows and mods & mod.ControlModifier:
            step = max(1, round(POINTER_STEP / self.canvas.zoom))
            if mods & mod.ShiftModifier:
                step = max(1, round(1 / self.canvas.zoom))
            d = arrows[key]
            start = self.canvas.pointer or self.canvas.visible_centre()
            pointer = self._clamped(Point(start.x + d.x * step, start.y + d.y * step))
            self.canvas.pointer = pointer
            self.canvas.ensureVisible(pointer.x, pointer.y, 1, 1, 40, 40)
            self.canvas.viewport().update()
        elif key in arrows and mods & mod.ShiftModifier and self.count.square is not None:
            step = max(1, round(POINTER_STEP / self.canvas.zoom))
            d = arrows[key]
            moved = self.count.square.moved(Point(d.x * step, d.y * step))
            self._set(replace(self.count, square=moved))
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and plain_key:
            self._act_at_pointer()
        elif key in (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
            self.select_mark(1 if key == Qt.Key.Key_PageDown else -1)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selected()
        elif key == Qt.Key.Key_Escape:
            c = self.canvas
            if c.pending_ruler_point is None and c.pointer is None and c.selected is None:
                return False  # nothing to cancel: the dialog may close
            c.pending_ruler_point = c.pointer = c.selected = None
            self.hint.setText(self._next_step())
            c.viewport().update()
        else:
            return False
        return True

    def _act_at_pointer(self) -> None:
        pointer = self.canvas.pointer
        if pointer is None:
            self._say("Move the keyboard pointer first: Ctrl+arrows.")
            return
        if self.tool in ("square", "template"):
            if self.count.square is not None:
                move = pointer - self.count.square.centre
                self._set(replace(self.count, square=self.count.square.moved(move)))
            return
        self.click(pointer, self.canvas.viewport_point_of(pointer))
