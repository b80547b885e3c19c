"""How long the papule counter takes to paint a 6000 × 4000 photo, against a bare QGraphicsView
with a plain pixmap item painting the same photo in the same run.

    .venv/bin/python -m benchmarks.papule_paint            (offscreen)
    DISPLAY=:15 QT_QPA_PLATFORM=xcb .venv/bin/python -m benchmarks.papule_paint   (a real window)

Each figure is the median of the repaints of the whole viewport (1366 × 768 window), at: the
whole photo in view, 1:1, and 4×; with 500 marks inside and around the square.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from decimal import Decimal

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QApplication,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QWidget,
)

from mdtapp.domain.forms import forms  # noqa: E402
from mdtapp.domain.papule_count import (  # noqa: E402
    PapuleCount,
    Point,
    Scale,
    count_limit,
    square_for_scale,
)
from mdtapp.domain.photo_rules import photo_rules  # noqa: E402
from mdtapp.ui.widgets.papule_counter import PapuleCounter  # noqa: E402

WIDTH, HEIGHT = 6000, 4000
REPAINTS = 30


def photo() -> QImage:
    """A busy 24-megapixel image (gradients and 20,000 dots), so nothing is trivially cheap."""
    image = QImage(WIDTH, HEIGHT, QImage.Format.Format_RGB32)
    image.fill(QColor("#d9a996"))
    p = QPainter(image)
    rng = random.Random(7)
    for _ in range(20_000):
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(rng.randrange(90, 200), rng.randrange(40, 120), rng.randrange(30, 100)))
        p.drawEllipse(QPointF(rng.uniform(0, WIDTH), rng.uniform(0, HEIGHT)), 6, 6)
    p.end()
    return image


def exposed(widget: QWidget) -> None:
    deadline = time.perf_counter() + 5
    while not widget.windowHandle().isExposed() and time.perf_counter() < deadline:
        QApplication.processEvents()
    QApplication.processEvents()


def median_repaint_ms(view: QGraphicsView) -> float:
    times = []
    for _ in range(REPAINTS):
        start = time.perf_counter()
        view.viewport().repaint()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def zooms(view: QGraphicsView, fit, one_to_one, four) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for set_zoom in (fit, one_to_one, four):
        set_zoom()
        QApplication.processEvents()
        out.append(median_repaint_ms(view))
    return out


def main() -> None:
    app = QApplication.instance() or QApplication([])
    image = photo()

    # baseline: the obvious QGraphicsView + QGraphicsPixmapItem, smooth scaling on
    bare = QGraphicsView()
    scene = QGraphicsScene(bare)
    item = QGraphicsPixmapItem(QPixmap.fromImage(image))
    item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
    scene.addItem(item)
    bare.setScene(scene)
    bare.resize(1366, 768)
    bare.show()
    exposed(bare)
    centre = QPointF(WIDTH / 2, HEIGHT / 2)

    def bare_zoom(z: float) -> None:
        bare.resetTransform()
        bare.scale(z, z)
        bare.centerOn(centre)

    base = zooms(
        bare,
        lambda: bare.fitInView(item, Qt.AspectRatioMode.KeepAspectRatio),
        lambda: bare_zoom(1),
        lambda: bare_zoom(4),
    )
    bare.hide()  # one window at a time: a covered window is not painted

    rules = photo_rules()
    counter = PapuleCounter(rules, max_count=count_limit(forms()))
    counter.resize(1366, 768)
    counter.show()
    exposed(counter)
    start = time.perf_counter()
    rng = random.Random(11)
    scale = Scale(Point(500, 3500), Point(1500, 3500), Decimal(20))
    square = square_for_scale(Point(3000, 2000), scale, Decimal(20), 12.0)
    marks = tuple(Point(rng.randrange(2400, 3600), rng.randrange(1400, 2600)) for _ in range(500))
    counter.open_image(image, "back", PapuleCount("back", WIDTH, HEIGHT, scale, square, marks))
    QApplication.processEvents()
    open_ms = (time.perf_counter() - start) * 1000
    canvas = counter.canvas
    ours = zooms(
        canvas,
        canvas.fit,
        lambda: canvas.set_zoom(1.0, QPointF(3000, 2000)),
        lambda: canvas.set_zoom(4.0, QPointF(3000, 2000)),
    )
    start = time.perf_counter()
    n = 200
    for _ in range(n):
        _ = counter.count.count
    count_ms = (time.perf_counter() - start) * 1000 / n
    counter.open_image(image, "back", PapuleCount("back", WIDTH, HEIGHT, scale, square, ()))
    canvas.fit()
    QApplication.processEvents()
    no_marks = median_repaint_ms(canvas)

    platform = QApplication.platformName()
    print(f"Papule counter, {WIDTH} × {HEIGHT} photo, 500 marks, {platform}, median of {REPAINTS}")
    print(f"  open (pyramid of halved copies, marks): {open_ms:.0f} ms")
    print("  repaint of the whole viewport      counter    bare pixmap view    ratio")
    for label, a, b in zip(("whole photo (fit)", "1:1", "4×"), ours, base, strict=True):
        print(f"  {label:<30} {a:8.1f} ms   {b:8.1f} ms        {a / b:5.2f}×")
    print(f"  whole photo (fit), square but no marks: {no_marks:.1f} ms")
    print(f"  counting the 500 marks (exact): {count_ms:.2f} ms")
    app.quit()


if __name__ == "__main__":
    main()
