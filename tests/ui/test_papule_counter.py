"""The papule counter, driven as a user would: a generated photo with a drawn 2 cm scale and
17 papules inside the square (3 outside); the scale by two ruler clicks, the square dragged into
place, each papule clicked."""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

from mdtapp.domain.forms import forms
from mdtapp.domain.papule_count import Point, Scale, Square, count_limit
from mdtapp.domain.photo_rules import photo_rules
from mdtapp.ui.widgets.papule_counter import PapuleCounter

RULES = photo_rules()
MAX_COUNT = count_limit(forms())  # the papule field's range
WIDTH, HEIGHT = 640, 480
RULER_0, RULER_20 = Point(60, 440), Point(260, 440)  # 0 and 2 cm: 200 px, so 0.1 mm per px
SQUARE_CENTRE = Point(420, 200)  # where the square goes: x 320-520, y 100-300
INSIDE = [
    Point(335, 115), Point(360, 140), Point(400, 120), Point(450, 130), Point(505, 112),
    Point(330, 180), Point(372, 205), Point(418, 168), Point(466, 190), Point(510, 220),
    Point(340, 260), Point(390, 250), Point(430, 240), Point(470, 270), Point(500, 290),
    Point(420, 200), Point(320, 300),  # the centre, and the bottom-left corner itself
]  # fmt: skip
OUTSIDE = [Point(300, 200), Point(560, 120), Point(420, 330)]


def papule_photo(path: Path, dots: list[Point] | None = None) -> Path:
    """Skin-coloured photo: a ruler with mm ticks and a 2 cm span, and dark dots (20 unless
    given: 17 inside the square's place, 3 outside)."""
    image = QImage(WIDTH, HEIGHT, QImage.Format.Format_RGB32)
    image.fill(QColor("#e3b8a5"))
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.fillRect(40, 420, 250, 45, QColor("#fafafa"))
    p.setPen(QPen(QColor("black"), 1))
    for mm in range(0, 21):
        x = RULER_0.x + 10 * mm
        p.drawLine(x, 440, x, 440 + (12 if mm % 10 == 0 else 6))
    p.drawLine(RULER_0.x, 440, RULER_20.x, 440)
    font = QFont()
    font.setPixelSize(10)
    p.setFont(font)
    for cm in range(3):
        p.drawText(RULER_0.x + 100 * cm - 4, 462, f"{cm} cm")
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#7a3b2e"))
    for dot in INSIDE + OUTSIDE if dots is None else dots:
        p.drawEllipse(QPointF(dot.x + 0.5, dot.y + 0.5), 4, 4)
    p.end()
    target = path / "forearm.png"
    assert image.save(str(target))
    return target


@pytest.fixture
def counter(qtbot, tmp_path):
    from mdtapp.ui.app import application

    application()
    widget = PapuleCounter(RULES, max_count=MAX_COUNT)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()  # shortcuts (Ctrl+Z) act in the active window, also in a real one
    qtbot.waitUntil(widget.isActiveWindow)
    assert widget.open_file(papule_photo(tmp_path), "left forearm")
    widget.canvas.setFocus()
    qtbot.keyClick(widget.canvas, Qt.Key.Key_1)  # 1:1, one screen pixel per image pixel
    assert widget.canvas.zoom == 1.0
    return widget


def at(counter: PapuleCounter, p: Point) -> QPoint:
    """The viewport pixel over image pixel p's centre."""
    v = counter.canvas.viewport_point_of(p)
    return QPoint(math.floor(v.x()), math.floor(v.y()))


def click(qtbot, counter: PapuleCounter, p: Point, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.mouseClick(counter.canvas.viewport(), Qt.MouseButton.LeftButton, modifier, at(counter, p))


def drag(qtbot, counter: PapuleCounter, start: Point, end: Point) -> None:
    viewport = counter.canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=at(counter, start))
    qtbot.mouseMove(viewport, at(counter, Point((start.x + end.x) // 2, (start.y + end.y) // 2)))
    qtbot.mouseMove(viewport, at(counter, end))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=at(counter, end))


def key(qtbot, counter: PapuleCounter, k, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(counter.canvas, k, modifier)


def set_distance(qtbot, counter: PapuleCounter, text: str) -> None:
    edit = counter.distance.lineEdit()
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def place_square_by_two_ruler_clicks(qtbot, counter: PapuleCounter) -> None:
    set_distance(qtbot, counter, "20")
    assert counter.tool == "ruler"
    click(qtbot, counter, RULER_0)
    assert "second ruler point" in counter.hint.text()
    click(qtbot, counter, RULER_20)
    c = counter.count
    assert c.scale == Scale(RULER_0, RULER_20, Decimal(20), "ruler")
    # 20 mm over 200 px: 0.1 mm per pixel, so the 20 mm square is 200 px: half-diagonal 100, 100
    assert c.square is not None and c.square.corner == Point(-100, -100)
    assert counter.tool == "square"  # and can now be dragged into place
    drag(qtbot, counter, c.square.centre, SQUARE_CENTRE)
    assert counter.count.square == Square(SQUARE_CENTRE, Point(-100, -100), Decimal(20))


def test_seventeen_papules_counted_by_clicking_on_the_photo(qtbot, counter):
    place_square_by_two_ruler_clicks(qtbot, counter)
    key(qtbot, counter, Qt.Key.Key_M)
    assert counter.tool == "mark"
    order = INSIDE[:8] + OUTSIDE[:1] + INSIDE[8:] + OUTSIDE[1:]
    for dot in order:
        click(qtbot, counter, dot)
    c = counter.count
    assert c.marks == tuple(order)  # each mark exactly where its papule is
    assert c.count == 17
    assert counter.total.text() == "17"
    assert counter.outside.text() == "3 marks outside the square (not counted)"
    numbers = dict(zip(c.marks, c.numbers, strict=True))
    assert [numbers[p] for p in OUTSIDE] == [None, None, None]  # shown hollow, no number
    assert sorted(n for n in numbers.values() if n) == list(range(1, 18))
    assert "20.00 mm across" in counter.working.text()
    assert counter.problems() == []
    assert counter.message.text() == ""


def test_undo_redo_delete_and_a_second_click_on_a_marker(qtbot, counter):
    place_square_by_two_ruler_clicks(qtbot, counter)
    key(qtbot, counter, Qt.Key.Key_M)
    for dot in INSIDE[:3]:
        click(qtbot, counter, dot)
    assert counter.count.count == 3
    key(qtbot, counter, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert counter.count.marks == tuple(INSIDE[:2])
    key(qtbot, counter, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert counter.count.marks == tuple(INSIDE[:1])
    redo = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    key(qtbot, counter, Qt.Key.Key_Z, redo)
    assert counter.count.marks == tuple(INSIDE[:2])
    # a second click on a marker (a few pixels off its centre) removes it
    click(qtbot, counter, Point(INSIDE[0].x + 3, INSIDE[0].y - 2))
    assert counter.count.marks == (INSIDE[1],)
    assert counter.total.text() == "1"
    # select + Delete
    click(qtbot, counter, INSIDE[4])
    key(qtbot, counter, Qt.Key.Key_PageDown)
    assert counter.canvas.selected == 0
    key(qtbot, counter, Qt.Key.Key_Delete)
    assert counter.count.marks == (INSIDE[4],)
    # Shift+click selects without removing
    click(qtbot, counter, INSIDE[4], Qt.KeyboardModifier.ShiftModifier)
    assert counter.canvas.selected == 0 and counter.count.marks == (INSIDE[4],)
    key(qtbot, counter, Qt.Key.Key_Backspace)
    assert counter.count.marks == ()
    # undo walks back through all of it (6 steps), then the drag of the square
    for _ in range(7):
        key(qtbot, counter, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert counter.count.marks == ()
    assert counter.count.square is not None and counter.count.square.centre != SQUARE_CENTRE
    qtbot.mouseClick(counter.redo_button, Qt.MouseButton.LeftButton)
    assert counter.count.square.centre == SQUARE_CENTRE


def test_a_mark_on_the_edge_counts_and_the_square_turned_with_the_keyboard(qtbot, counter):
    place_square_by_two_ruler_clicks(qtbot, counter)
    key(qtbot, counter, Qt.Key.Key_M)
    corner = Point(320, 100)  # the top-left corner itself
    click(qtbot, counter, corner)
    assert counter.count.count == 1
    for _ in range(5):
        key(qtbot, counter, Qt.Key.Key_BracketRight)  # 1° clockwise each
    assert counter.rotation.value() == 5.0
    # turned 5° about its centre, the corner has moved: the old corner pixel is now outside
    assert counter.count.count == 0
    assert counter.count.square is not None
    assert round(counter.count.square.angle_degrees) == 5
    assert counter.outside.text() == "1 mark outside the square (not counted)"
    key(qtbot, counter, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert counter.rotation.value() == 4.0


def test_the_square_turned_by_its_round_handle(qtbot, counter):
    place_square_by_two_ruler_clicks(qtbot, counter)
    square = counter.count.square
    handle = counter.canvas.rotation_handle(square)  # above the top edge
    viewport = counter.canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=handle.toPoint())
    # to the right of the centre: the top edge now faces right, a quarter turn clockwise
    qtbot.mouseMove(viewport, at(counter, SQUARE_CENTRE + Point(150, 0)))
    qtbot.mouseRelease(
        viewport, Qt.MouseButton.LeftButton, pos=at(counter, SQUARE_CENTRE + Point(150, 0))
    )
    turned = counter.count.square
    assert counter.rotation.value() == 90.0
    assert turned.centre == SQUARE_CENTRE and round(turned.angle_degrees) == 90
    assert turned.side_px_squared == 200**2  # the same size
    key(qtbot, counter, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # one step
    assert counter.count.square == square


def test_the_square_fitted_to_the_template_by_its_corners(qtbot, counter):
    key(qtbot, counter, Qt.Key.Key_T)
    square = counter.count.square
    assert square is not None and counter.count.scale is not None
    assert counter.count.scale.source == "template"
    # drag the top-right corner out to a 150 px half-diagonal, turned 45°
    target = square.centre + Point(150, 0)
    drag(qtbot, counter, square.corners[1], target)
    fitted = counter.count.square
    assert fitted.corners[1] == target
    assert round(fitted.angle_degrees) == 45
    # the template is the scale: its edge is 20 mm, so the square is 20 mm by definition
    assert counter.count.real_side_mm() == Decimal("20.00")
    assert "corners of the 2 × 2 cm template" in counter.working.text()
    assert counter.rotation.value() == 45.0


def test_a_distance_changed_after_the_ruler_clicks_resizes_the_square_once(qtbot, counter):
    place_square_by_two_ruler_clicks(qtbot, counter)
    steps = len(counter._undo)
    set_distance(qtbot, counter, "10")
    assert counter.count.scale.distance_mm == 20  # not at each keystroke ("1" would be 1 mm)
    qtbot.keyClick(counter.distance.lineEdit(), Qt.Key.Key_Return)
    # the same 200 px now span 10 mm: 0.05 mm per pixel, so 20 mm is 400 px
    assert counter.count.scale.distance_mm == 10
    assert counter.count.square is not None and counter.count.square.corner == Point(-200, -200)
    assert counter.count.real_side_mm() == Decimal("20.00")
    assert len(counter._undo) == steps + 1
    counter.rotation.setFocus()
    counter.rotation.lineEdit().selectAll()
    qtbot.keyClicks(counter.rotation.lineEdit(), "30")
    assert counter.count.square.angle_degrees == 0.0
    qtbot.keyClick(counter.rotation.lineEdit(), Qt.Key.Key_Return)
    assert round(counter.count.square.angle_degrees) == 30
    assert len(counter._undo) == steps + 2


def test_keyboard_only_pointer_marks_a_papule(qtbot, counter):
    place_square_by_two_ruler_clicks(qtbot, counter)
    key(qtbot, counter, Qt.Key.Key_M)
    start = counter.canvas.visible_centre()
    key(qtbot, counter, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    key(qtbot, counter, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert counter.canvas.pointer == start + Point(8, 8)  # 8 px a step at 1:1
    key(qtbot, counter, Qt.Key.Key_Return)
    assert counter.count.marks == (start + Point(8, 8),)


# ---------------------------------------------------------------- bad input


def test_marks_made_on_a_photo_of_another_size_are_not_laid_over_this_one(qtbot, counter):
    image = QImage(800, 600, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    made_on_640 = replace(counter.count, marks=(Point(10, 10),))
    counter.open_image(image, "left forearm", made_on_640)
    assert counter.count.marks == () and (counter.count.width, counter.count.height) == (800, 600)
    assert counter.message.text() == (
        "The marks were made on a 640 × 480 photo, not this 800 × 600 one: they are not shown."
    )


def test_two_ruler_clicks_on_one_point_give_no_scale(qtbot, counter):
    click(qtbot, counter, RULER_0)
    click(qtbot, counter, RULER_0)
    assert counter.count.scale is None and counter.count.square is None
    assert counter.message.text() == (
        "Not used: scale: the two points are the same pixel (60, 440): mark two points a known "
        "distance apart"
    )


def test_ruler_points_too_close_and_a_distance_of_zero_are_refused(qtbot, counter):
    click(qtbot, counter, Point(60, 440))
    click(qtbot, counter, Point(70, 440))
    assert counter.count.scale is None
    assert "10.0 px apart; mark points at least 20 px apart" in counter.message.text()
    set_distance(qtbot, counter, "0")
    click(qtbot, counter, RULER_0)
    click(qtbot, counter, RULER_20)
    assert counter.count.scale is None
    assert counter.message.text() == "Ruler distance: must be 1-150 mm; got '0'"


def test_a_click_off_the_photo_marks_nothing(qtbot, counter):
    place_square_by_two_ruler_clicks(qtbot, counter)
    key(qtbot, counter, Qt.Key.Key_M)
    corner = at(counter, Point(0, 0))
    off = QPoint(corner.x() - 20, corner.y() - 20)  # the grey margin at 1:1
    qtbot.mouseClick(counter.canvas.viewport(), Qt.MouseButton.LeftButton, pos=off)
    assert counter.count.marks == ()
    assert counter.message.text() == "Click on the photo: (-20, -20) is off it."


def test_a_square_dragged_off_the_photo_is_named_as_a_problem(qtbot, counter):
    place_square_by_two_ruler_clicks(qtbot, counter)
    drag(qtbot, counter, SQUARE_CENTRE, Point(600, 200))  # right edge at 700 > 639
    assert [e.field for e in counter.problems()] == ["square"]
    assert "square: reaches off the photo at (700, 100)" in counter.message.text()
    key(qtbot, counter, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert counter.problems() == [] and counter.message.text() == ""


def test_a_square_needs_a_scale_first(qtbot, counter):
    key(qtbot, counter, Qt.Key.Key_S)
    assert counter.count.square is None
    assert counter.message.text() == "Set the scale first: Ruler (R) or Template (T)."


def test_zoom_by_keys_and_wheel_and_fit(qtbot, counter):
    key(qtbot, counter, Qt.Key.Key_Plus)
    assert counter.canvas.zoom == pytest.approx(1.25)
    key(qtbot, counter, Qt.Key.Key_Minus)
    assert counter.canvas.zoom == pytest.approx(1.0)
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    pos = QPointF(at(counter, Point(420, 200)))
    wheel = QWheelEvent(
        pos,
        QPointF(counter.canvas.viewport().mapToGlobal(pos.toPoint())),
        QPoint(0, 0),
        QPoint(0, 240),  # two notches away from the user
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(counter.canvas.viewport(), wheel)
    assert counter.canvas.zoom == pytest.approx(1.25**2)
    key(qtbot, counter, Qt.Key.Key_0)
    viewport = counter.canvas.viewport().size()
    fit = min(viewport.width() / WIDTH, viewport.height() / HEIGHT)
    assert counter.canvas.zoom == pytest.approx(fit, rel=0.02)
    assert counter.zoom_label.text() == f"{counter.canvas.zoom * 100:.0f} %"


def test_a_trackpad_pinch_zooms_about_the_fingers(qtbot, counter):
    from PySide6.QtGui import QNativeGestureEvent, QPointingDevice
    from PySide6.QtWidgets import QApplication

    canvas = counter.canvas
    under = at(counter, Point(420, 200))
    pos = QPointF(under)
    pinch = QNativeGestureEvent(
        Qt.NativeGestureType.ZoomNativeGesture,
        QPointingDevice.primaryPointingDevice(),
        2,
        pos,
        pos,
        QPointF(canvas.viewport().mapToGlobal(under)),
        0.5,  # fingers 50 % further apart
        QPointF(0, 0),
    )
    QApplication.sendEvent(canvas.viewport(), pinch)
    assert canvas.zoom == pytest.approx(1.5)
    # the pixel under the fingers stays under them (to a screen pixel)
    moved = at(counter, Point(420, 200)) - under
    assert abs(moved.x()) <= 1 and abs(moved.y()) <= 1


def test_counting_zoomed_out_lands_within_a_screen_pixel(qtbot, counter):
    place_square_by_two_ruler_clicks(qtbot, counter)
    for _ in range(2):
        key(qtbot, counter, Qt.Key.Key_Minus)
    zoom = counter.canvas.zoom
    assert zoom == pytest.approx(0.64)  # a screen pixel covers 1.6 image pixels
    key(qtbot, counter, Qt.Key.Key_M)
    away_from_the_edges = INSIDE[:-1]  # (320, 300) is the corner itself
    for dot in away_from_the_edges:
        click(qtbot, counter, dot)
    assert counter.count.count == 16
    for mark, dot in zip(counter.count.marks, away_from_the_edges, strict=True):
        # a click lands somewhere in the screen pixel over the papule
        assert abs(mark.x - dot.x) <= 1 / zoom + 0.5 and abs(mark.y - dot.y) <= 1 / zoom + 0.5


def test_repainting_the_counter_with_its_marks_keeps_none_alive(qtbot, counter):
    from tests.ui.test_none_refcount import none_references_kept

    place_square_by_two_ruler_clicks(qtbot, counter)
    key(qtbot, counter, Qt.Key.Key_M)
    for dot in INSIDE + OUTSIDE:
        click(qtbot, counter, dot)
    key(qtbot, counter, Qt.Key.Key_S)  # handles too
    with none_references_kept("painting the papule counter") as watch:
        for _ in range(150):
            counter.canvas.viewport().repaint()
            watch.check()


def test_the_running_count_is_shown_large_under_the_apps_style(qtbot, counter):
    from mdtapp.ui import theme

    counter.total.ensurePolished()
    # the style sheet sets every widget's font size, so the size must come from it
    assert counter.total.fontInfo().pointSizeF() >= 3 * theme.BASE_POINT_SIZE
