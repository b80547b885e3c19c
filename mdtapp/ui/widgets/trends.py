"""Trend charts: mRSS total, the VAS and the papule count since baseline (the measures marked
"trend" in forms/assessment.toml), with the baseline marked and the infusions shown along the
bottom. QtCharts loads when first shown."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QMargins, QPointF, Qt, QTime
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from mdtapp.domain.courses import group_courses
from mdtapp.domain.forms import Forms
from mdtapp.domain.instruments import mrss_total
from mdtapp.domain.measures import CountAtSiteMeasure, MrssGridMeasure, VasMeasure
from mdtapp.domain.record import PatientRecord
from mdtapp.ui import theme


def _ms(d: date) -> float:
    return float(QDateTime(QDate(d.year, d.month, d.day), QTime(12, 0)).toMSecsSinceEpoch())


class TrendCharts(QWidget):
    def __init__(self, forms: Forms, parent: QWidget | None = None):
        super().__init__(parent)
        self.forms = forms
        self.setObjectName("trendCharts")
        self.setAccessibleName("Trend charts")
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.views: list[Any] = []
        self.setMinimumHeight(230)

    def show_record(self, record: PatientRecord) -> None:
        from PySide6.QtCharts import (  # lazily: not needed before the first paint
            QChart,
            QChartView,
            QDateTimeAxis,
            QLineSeries,
            QScatterSeries,
            QValueAxis,
        )

        for view in self.views:
            self.layout_.removeWidget(view)
            view.deleteLater()
        self.views = []
        assessments = record.assessments
        if not assessments:
            empty = QLabel("No assessments yet: trends appear after the first one.")
            empty.setProperty("role", "muted")
            self.layout_.addWidget(empty)
            self.views.append(empty)
            return
        start = min([a.date for a in assessments] + [i.date for i in record.infusions])
        end = max([a.date for a in assessments] + [i.date for i in record.infusions])
        span = max((end - start).days, 28)
        lo, hi = start - timedelta(days=span // 20 + 3), end + timedelta(days=span // 20 + 3)
        # the courses as the letter and the treatment tab group them (domain.courses: the one
        # rule); this chart counted 7 days from a course's first infusion instead
        courses = [c.start for c in group_courses(record.infusions)]
        baseline = record.baseline

        def chart(
            title: str,
            series_data: list[tuple[str, str, list[tuple[date, float]]]],
            top: float,
            object_name: str,
        ) -> Any:
            c = QChart()
            c.setTitle(title)
            c.legend().setVisible(len(series_data) > 1)
            c.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
            c.setMargins(QMargins(2, 2, 2, 2))
            c.setBackgroundRoundness(0)
            x = QDateTimeAxis()
            x.setFormat("MMM yy")
            x.setTickCount(4)
            x.setRange(
                QDateTime(QDate(lo.year, lo.month, lo.day), QTime(0, 0)),
                QDateTime(QDate(hi.year, hi.month, hi.day), QTime(0, 0)),
            )
            y = QValueAxis()
            y.setRange(0, top)
            y.setLabelFormat("%d")
            c.addAxis(x, Qt.AlignmentFlag.AlignBottom)
            c.addAxis(y, Qt.AlignmentFlag.AlignLeft)
            for name, colour, points in series_data:
                line = QLineSeries()
                line.setName(name)
                line.setPen(QPen(QColor(colour), 2))
                dots = QScatterSeries()
                dots.setMarkerSize(7)
                dots.setColor(QColor(colour))
                dots.setBorderColor(QColor(colour))
                for d, v in points:
                    line.append(QPointF(_ms(d), v))
                    dots.append(QPointF(_ms(d), v))
                for s in (line, dots):
                    c.addSeries(s)
                    s.attachAxis(x)
                    s.attachAxis(y)
                c.legend().markers(dots)[0].setVisible(False)
            if baseline is not None:
                mark = QLineSeries()
                mark.setName("Baseline")
                mark.setPen(QPen(QColor(theme.GREY_1), 1, Qt.PenStyle.DashLine))
                mark.append(QPointF(_ms(baseline.date), 0))
                mark.append(QPointF(_ms(baseline.date), top))
                c.addSeries(mark)
                mark.attachAxis(x)
                mark.attachAxis(y)
            if courses:
                given = QScatterSeries()
                given.setName("Ig course")
                given.setMarkerShape(QScatterSeries.MarkerShape.MarkerShapeTriangle)
                given.setMarkerSize(8)
                given.setColor(QColor(theme.BLUE))
                given.setBorderColor(QColor(theme.BLUE))
                for d in courses:
                    given.append(QPointF(_ms(d), top * 0.03))
                c.addSeries(given)
                given.attachAxis(x)
                given.attachAxis(y)
            view = QChartView(c)
            view.setObjectName(object_name)
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            view.setMinimumWidth(220)
            return view

        # the trend measures of forms/assessment.toml, by type
        trended = self.forms.assessment.shown_in("trend")
        mrss = []
        for grid in (m for m in trended if isinstance(m, MrssGridMeasure)):
            for a in assessments:
                total = mrss_total(grid.scores(a), self.forms.mrss)
                if total.complete:
                    mrss.append((a.date, float(total.total)))
        colours = (theme.RED, "#7c2855", theme.GREEN, theme.DARK_BLUE, "#8a5a00")
        vas = [
            (
                s.short_label.capitalize(),
                colours[i % len(colours)],
                [(a.date, float(mm)) for a in assessments if (mm := s.mm(a)) is not None],
            )
            for i, s in enumerate(m for m in trended if isinstance(m, VasMeasure))
        ]
        papules = [
            (a.date, float(c.count))
            for m in trended
            if isinstance(m, CountAtSiteMeasure)
            for a in assessments
            if (c := m.count(a)) is not None
        ]
        top_papules = max([p for _, p in papules] + [10]) * 1.15
        for view in (
            chart(
                "mRSS total (complete scores)",
                [("mRSS", theme.DARK_BLUE, mrss)],
                float(self.forms.mrss.max_total),
                "mrssTrend",
            ),
            chart("VAS (mm)", vas, float(self.forms.vas.max_mm), "vasTrend"),
            chart("Papule count", [("Papules", "#8a5a00", papules)], top_papules, "papuleTrend"),
        ):
            self.layout_.addWidget(view)
            self.views.append(view)
