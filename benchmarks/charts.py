"""Trend charts on screen: QtCharts against the letter's reportlab drawing shown through QtSvg.

    .venv/bin/python -m benchmarks.charts qtcharts
    .venv/bin/python -m benchmarks.charts letter

Import, first paint and repaint of the benchmarks' 5-year patient, wall and CPU time, offscreen.
Run each a few times, alternately: the README's trend-chart decision quotes these.
"""

from __future__ import annotations

import os
import random
import sys
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(mode: str) -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication([])  # noqa: F841 - kept alive while painting

    from benchmarks.generate import patient_records
    from mdtapp.domain.forms import forms
    from mdtapp.domain.record import PatientRecord
    from mdtapp.store import codec

    records = patient_records(random.Random(5), "9434765919", 0)
    assessments = tuple(codec.decode("assessments", a) for a in records["assessments"][:43])
    record = PatientRecord(
        patient=records["patients"][0],  # type: ignore[arg-type]
        eligibility=records["eligibility"][0],  # type: ignore[arg-type]
        decisions=tuple(records["decisions"]),  # type: ignore[arg-type]
        regimens=tuple(records["regimens"]),  # type: ignore[arg-type]
        infusions=tuple(records["infusions"]),  # type: ignore[arg-type]
        assessments=assessments,
    )
    f = forms()

    def clock() -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    def since(t: tuple[float, float]) -> tuple[float, float]:
        return (time.perf_counter() - t[0]) * 1000, (time.process_time() - t[1]) * 1000

    out: dict[str, tuple[float, float]] = {}
    paint: Any
    if mode == "qtcharts":
        t = clock()
        import PySide6.QtCharts  # noqa: F401

        out["import"] = since(t)
        from mdtapp.ui.widgets.trends import TrendCharts

        def paint() -> object:
            w = TrendCharts(f)
            w.resize(900, 260)
            w.show_record(record)
            w.show()
            image = w.grab()
            w.deleteLater()
            return image
    else:
        t = clock()
        from PySide6.QtSvg import QSvgRenderer
        from reportlab.graphics import renderSVG

        from mdtapp.reports.charts import trend_drawings

        out["import"] = since(t)
        from PySide6.QtCore import QByteArray, QRectF, Qt
        from PySide6.QtGui import QImage, QPainter

        def paint() -> object:
            drawn = trend_drawings(record, f, until=assessments[-1].date, width=450, height=260)
            assert drawn is not None
            image = QImage(900, 260, QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(Qt.GlobalColor.white)
            painter = QPainter(image)
            for i, drawing in enumerate(drawn):
                svg = QSvgRenderer(QByteArray(renderSVG.drawToString(drawing).encode()))
                svg.render(painter, QRectF(450 * i, 0, 450, 260))
            painter.end()
            return image

    t = clock()
    paint()
    out["first paint"] = since(t)
    t = clock()
    for _ in range(5):
        paint()
    wall, cpu = since(t)
    out["repaint (mean of 5)"] = (wall / 5, cpu / 5)
    for name, (wall, cpu) in out.items():
        print(f"{mode:9s} {name:20s} wall {wall:7.1f} ms  cpu {cpu:7.1f} ms")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "qtcharts")
