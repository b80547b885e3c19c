"""A photo with its counting square, ruler points and papule marks drawn over it; zoom and pan.

The photo sits in a QGraphicsScene at one scene unit per image pixel; the overlay is painted in
screen pixels over it (drawForeground), so markers and numbers stay the same size at any zoom.
A large photo is drawn from a pyramid of halved copies: zoomed out, Qt's one-step smooth scaling
samples a 6000 × 4000 photo rather than averaging it (aliasing that could hide or invent small
papules); each halving averages. Markers and numbers are drawn once and copied (sprites), so
hundreds of marks repaint in milliseconds (benchmarks/papule_paint.py).
"""

from __future__ import annotations

import math

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEvent,
    QIODevice,
    QLineF,
    QPointF,
    QRect,
    QRectF,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QImageReader,
    QKeyEvent,
    QNativeGestureEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGestureEvent,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QPinchGesture,
    QStyleOptionGraphicsItem,
    QWidget,
)

from mdtapp.domain.papule_count import PapuleCount, Point, Square
from mdtapp.ui import theme

ZOOM_MIN, ZOOM_MAX = 0.02, 32.0
ZOOM_STEP = 1.25
MARK_RADIUS = 7  # screen pixels
HANDLE = 6  # half-size of a corner handle, screen pixels
ROTATE_HANDLE_GAP = 28  # the rotation handle sits this far beyond the top edge, screen pixels

COUNTED = QColor("#00e5ff")
OUTSIDE = QColor("#b0b0b0")
SQUARE = QColor(theme.WARM_YELLOW)
RULER = QColor("#ff4fd8")
SELECTED = QColor("#ffffff")
SHADOW = QColor(0, 0, 0, 220)


def upright_image(content: bytes) -> QImage:
    """A stored photo as it is shown and counted: turned upright as its EXIF orientation says
    (photos stored by mdtapp have none; a photo from elsewhere may), as store.images.stored_size
    measures it. A null image when the bytes are not an image."""
    data = QByteArray(content)
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)
    return reader.read()


def pixel_centre(p: Point) -> QPointF:
    """Where pixel p's centre is in the scene (one scene unit per image pixel)."""
    return QPointF(p.x + 0.5, p.y + 0.5)


def pixel_at(scene: QPointF) -> Point:
    """The image pixel under a scene position."""
    return Point(math.floor(scene.x()), math.floor(scene.y()))


class PyramidPixmapItem(QGraphicsItem):
    """The photo, drawn from the smallest halved copy that is still sharp at the current zoom."""

    def __init__(self, image: QImage):
        super().__init__()
        self.width, self.height = image.width(), image.height()
        self.levels: list[QPixmap] = [QPixmap.fromImage(image)]
        level = image
        while max(level.width(), level.height()) > 1024:
            level = level.scaled(
                max(1, level.width() // 2),
                max(1, level.height() // 2),
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            self.levels.append(QPixmap.fromImage(level))
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        return QRectF(0, 0, self.width, self.height)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        scale = option.levelOfDetailFromTransform(painter.worldTransform())
        pixmap = self.levels[0]
        for candidate in self.levels[1:]:
            if candidate.width() / self.width >= scale:
                pixmap = candidate
        # only the exposed part, mapped onto the chosen copy
        exposed = option.exposedRect.intersected(self.boundingRect())
        if exposed.isEmpty():
            return
        fx, fy = pixmap.width() / self.width, pixmap.height() / self.height
        source = QRectF(
            exposed.x() * fx, exposed.y() * fy, exposed.width() * fx, exposed.height() * fy
        )
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < 2)
        painter.drawPixmap(exposed, pixmap, source)


class PhotoCanvas(QGraphicsView):
    """Shows one photo and a PapuleCount over it. Wheel, +/−/0 and pinch zoom; arrows and the
    scroll bars pan. Read-only: PapuleCounter adds the editing."""

    zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("photoCanvas")
        self.setAccessibleName("Photo")
        self.setScene(QGraphicsScene(self))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(QBrush(QColor("#30363a")))
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)  # set_zoom anchors
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().grabGesture(Qt.GestureType.PinchGesture)
        self.item: PyramidPixmapItem | None = None
        self.count: PapuleCount | None = None
        self.pending_ruler_point: Point | None = None  # the first of two ruler clicks
        self.pointer: Point | None = None  # the keyboard pointer, when in use
        self.selected: int | None = None  # a selected mark, by index
        self.show_handles = False  # the rotation handle
        self.show_corner_handles = False  # corners that can be dragged onto the template
        self.placeholder = "No photo"
        self._fit_on_resize = True
        self._font = QFont()
        self._font.setBold(True)
        self._font.setPixelSize(13)
        self._sprites: dict[str, QPixmap] = {}

    # ------------------------------------------------------------ content

    def set_image(self, image: QImage | None) -> None:
        self.scene().clear()
        self.item = None
        if image is not None and not image.isNull():
            self.item = PyramidPixmapItem(image)
            self.scene().addItem(self.item)
            self.scene().setSceneRect(self.item.boundingRect())
        self._fit_on_resize = True
        self.fit()

    @property
    def image_size(self) -> tuple[int, int] | None:
        return (self.item.width, self.item.height) if self.item else None

    def set_count(self, count: PapuleCount | None) -> None:
        self.count = count
        self.viewport().update()

    # ------------------------------------------------------------ zoom and pan

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom to `zoom` screen pixels per image pixel, keeping `anchor` (scene) in place."""
        zoom = min(ZOOM_MAX, max(ZOOM_MIN, zoom))
        self._fit_on_resize = False
        if anchor is None:
            self.setTransform(QTransform.fromScale(zoom, zoom))
        else:
            before = self.mapFromScene(anchor)
            self.setTransform(QTransform.fromScale(zoom, zoom))
            after = self.mapFromScene(anchor)
            delta = after - before
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() + delta.y())
        self.zoom_changed.emit(self.zoom)

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        self.set_zoom(self.zoom * factor, anchor)

    def fit(self) -> None:
        """The whole photo in view."""
        if self.item is None:
            self.resetTransform()
            return
        self.fitInView(self.item.boundingRect(), Qt.AspectRatioMode.KeepAspectRatio)
        self._fit_on_resize = True
        self.zoom_changed.emit(self.zoom)

    def fit_square(self, square: Square, margin: float = 1.6) -> None:
        """The square, with some skin around it, in view."""
        xs = [c.x for c in square.corners]
        ys = [c.y for c in square.corners]
        w, h = max(xs) - min(xs), max(ys) - min(ys)
        cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
        side = max(w, h, 1) * margin
        self.fitInView(
            QRectF(cx - side / 2, cy - side / 2, side, side), Qt.AspectRatioMode.KeepAspectRatio
        )
        self._fit_on_resize = False
        self.zoom_changed.emit(self.zoom)

    def visible_centre(self) -> Point:
        centre = self.mapToScene(self.viewport().rect().center())
        return pixel_at(centre)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._fit_on_resize:
            self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt API
        steps = event.angleDelta().y() / 120
        if steps:
            anchor = self.to_scene(event.position())
            self.zoom_by(ZOOM_STEP**steps, anchor)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(ZOOM_STEP)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_by(1 / ZOOM_STEP)
        elif key == Qt.Key.Key_0 and not event.modifiers():
            self.fit()
        elif key == Qt.Key.Key_1 and not event.modifiers():
            self.set_zoom(1.0, self.mapToScene(self.viewport().rect().center()))
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 - Qt API
        # pinch: a trackpad's native zoom gesture (macOS, Wayland) or a touch screen's pinch
        if event.type() == QEvent.Type.NativeGesture:
            gesture = event
            assert isinstance(gesture, QNativeGestureEvent)
            if gesture.gestureType() == Qt.NativeGestureType.ZoomNativeGesture:
                self.zoom_by(1 + gesture.value(), self.to_scene(gesture.position()))
                return True
        if event.type() == QEvent.Type.Gesture:
            assert isinstance(event, QGestureEvent)
            pinch = event.gesture(Qt.GestureType.PinchGesture)
            if isinstance(pinch, QPinchGesture):
                centre = self.viewport().mapFromGlobal(pinch.centerPoint().toPoint())
                self.zoom_by(pinch.scaleFactor(), self.to_scene(QPointF(centre)))
                return True
        return super().viewportEvent(event)

    # ------------------------------------------------------------ mapping

    def to_scene(self, viewport_pos: QPointF) -> QPointF:
        inverse, _ = self.viewportTransform().inverted()
        return inverse.map(viewport_pos)

    def to_viewport(self, scene_pos: QPointF) -> QPointF:
        return self.viewportTransform().map(scene_pos)

    def viewport_point_of(self, p: Point) -> QPointF:
        return self.to_viewport(pixel_centre(p))

    # ------------------------------------------------------------ overlay

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:  # noqa: N802 - Qt API
        painter.save()
        painter.resetTransform()  # from here on, viewport pixels
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(self._font)
        if self.item is None:
            painter.setPen(QColor("#d8dde0"))
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
        else:
            self._paint_overlay(painter)
        painter.restore()

    def _paint_overlay(self, painter: QPainter) -> None:
        count = self.count
        if count is not None:
            if count.scale is not None:
                self._paint_ruler(painter, count.scale.a, count.scale.b, count.scale.source)
            if count.square is not None:
                self._paint_square(painter, count.square)
            numbers = count.numbers
            # only the marks on screen (a zoomed-in view of hundreds of marks shows a few)
            seen = QRectF(self.viewport().rect()).adjusted(-40, -40, 40, 40)
            for i, mark in enumerate(count.marks):
                p = self.viewport_point_of(mark)
                if seen.contains(p):
                    self._paint_mark(painter, p, numbers[i], i == self.selected)
        if self.pending_ruler_point is not None:
            self._paint_cross(painter, self.viewport_point_of(self.pending_ruler_point), RULER)
        if self.pointer is not None:
            self._paint_cross(painter, self.viewport_point_of(self.pointer), SELECTED, size=12)

    def _paint_ruler(self, painter: QPainter, a: Point, b: Point, source: str) -> None:
        if source != "ruler":
            return
        pa, pb = self.viewport_point_of(a), self.viewport_point_of(b)
        for colour, width in ((SHADOW, 4.0), (RULER, 2.0)):
            painter.setPen(QPen(colour, width))
            painter.drawLine(QLineF(pa, pb))
        for p in (pa, pb):
            self._paint_cross(painter, p, RULER)

    def _paint_cross(self, painter: QPainter, p: QPointF, colour: QColor, size: int = 8) -> None:
        for pen_colour, width in ((SHADOW, 4.0), (colour, 2.0)):
            painter.setPen(QPen(pen_colour, width))
            painter.drawLine(QLineF(p.x() - size, p.y(), p.x() + size, p.y()))
            painter.drawLine(QLineF(p.x(), p.y() - size, p.x(), p.y() + size))

    def square_points(self, square: Square) -> list[QPointF]:
        """The square's corners on screen, in order."""
        return [self.viewport_point_of(c) for c in square.corners]

    def rotation_handle(self, square: Square) -> QPointF:
        """Beyond the middle of the top edge, on the line from the centre."""
        first, second, _, _ = (self.viewport_point_of(c) for c in square.corners)
        centre = self.viewport_point_of(square.centre)
        middle = (first + second) / 2
        out = middle - centre
        length = math.hypot(out.x(), out.y()) or 1.0
        return middle + out * (ROTATE_HANDLE_GAP / length)

    def _paint_square(self, painter: QPainter, square: Square) -> None:
        points = self.square_points(square)
        polygon = QPolygonF(points)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for colour, width in ((SHADOW, 5.0), (SQUARE, 2.5)):
            painter.setPen(QPen(colour, width))
            painter.drawPolygon(polygon)
        if not self.show_handles:
            return
        handle = self.rotation_handle(square)
        middle = (points[0] + points[1]) / 2
        painter.setPen(QPen(SQUARE, 1.5))
        painter.drawLine(QLineF(middle, handle))
        painter.setPen(QPen(SHADOW, 1.5))
        painter.setBrush(QBrush(SQUARE))
        for corner in points if self.show_corner_handles else []:
            painter.drawRect(
                QRectF(corner.x() - HANDLE, corner.y() - HANDLE, 2 * HANDLE, 2 * HANDLE)
            )
        painter.drawEllipse(handle, HANDLE + 1, HANDLE + 1)
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _paint_mark(
        self, painter: QPainter, p: QPointF, number: int | None, selected: bool
    ) -> None:
        sprite = self._sprite("outside" if number is None else "counted")
        half = sprite.width() / sprite.devicePixelRatio() / 2
        painter.drawPixmap(QPointF(p.x() - half, p.y() - half), sprite)
        if number is not None:
            label = self._sprite(str(number))
            painter.drawPixmap(QPointF(p.x() + MARK_RADIUS, p.y() - MARK_RADIUS - 14), label)
        if selected:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(SELECTED, 2.0, Qt.PenStyle.DotLine))
            painter.drawEllipse(p, MARK_RADIUS + 5, MARK_RADIUS + 5)

    def _sprite(self, what: str) -> QPixmap:
        """A marker ("counted", "outside") or a number label, drawn once and then copied:
        hundreds of antialiased outlines on every repaint would make panning sluggish."""
        ratio = self.devicePixelRatioF()
        key = f"{what}@{ratio}"
        sprite = self._sprites.get(key)
        if sprite is not None:
            return sprite
        if what in ("counted", "outside"):
            w = h = 2 * MARK_RADIUS + 6
        else:
            w, h = QFontMetrics(self._font).horizontalAdvance(what) + 6, 18
        sprite = QPixmap(round(w * ratio), round(h * ratio))
        sprite.setDevicePixelRatio(ratio)
        sprite.fill(Qt.GlobalColor.transparent)
        painter = QPainter(sprite)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        centre = QPointF(w / 2, h / 2)
        r = MARK_RADIUS
        if what == "outside":
            # outside the square: hollow, grey, dashed, crossed, and no number (not counted)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(SHADOW, 3.5))
            painter.drawEllipse(centre, r, r)
            painter.setPen(QPen(OUTSIDE, 1.5, Qt.PenStyle.DashLine))
            painter.drawEllipse(centre, r, r)
            painter.setPen(QPen(OUTSIDE, 1.5))
            d = r * 0.6
            painter.drawLine(QLineF(centre.x() - d, centre.y() - d, centre.x() + d, centre.y() + d))
            painter.drawLine(QLineF(centre.x() - d, centre.y() + d, centre.x() + d, centre.y() - d))
        elif what == "counted":
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for colour, pen_width in ((SHADOW, 4.5), (COUNTED, 2.5)):
                painter.setPen(QPen(colour, pen_width))
                painter.drawEllipse(centre, r, r)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(COUNTED))
            painter.drawEllipse(centre, 1.5, 1.5)
        else:
            # white digits outlined in black: legible on any skin
            path = QPainterPath()
            path.addText(QPointF(3, 14), self._font, what)
            painter.setPen(QPen(SHADOW, 3.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(QColor("#ffffff")))
            painter.drawPath(path)
        painter.end()
        self._sprites[key] = sprite
        return sprite
