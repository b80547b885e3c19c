"""A small trend chart for the letter: mRSS total and the VAS since baseline, the baseline
marked by a dashed line and each Ig course by a triangle. Series differ by line style and marker,
so the chart reads in black and white."""

from __future__ import annotations

from datetime import date, timedelta

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, Polygon, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from mdtapp.domain.courses import group_courses
from mdtapp.domain.dates import format_date
from mdtapp.domain.forms import Forms
from mdtapp.domain.instruments import mrss_total
from mdtapp.domain.measures import MrssGridMeasure, VasMeasure
from mdtapp.domain.record import PatientRecord
from mdtapp.reports.pdf import BOLD, FONT, GREY, register_fonts

STYLES = (  # (dash pattern, marker) per series, distinguishable without colour
    (None, "FilledCircle"),
    ((3, 2), "FilledSquare"),
    ((1, 2), "Triangle"),
    ((4, 1, 1, 1), "Diamond"),
    ((6, 2), "Cross"),
)


def _panel(
    title: str,
    series: list[tuple[str, list[tuple[float, float]]]],
    top: float,
    step: float,
    x0: float,
    x1: float,
    labels: list[tuple[float, str]],
    baseline: float | None,
    courses: list[float],
    width: float,
    height: float,
) -> Drawing:
    d = Drawing(width, height)
    d.add(String(4, height - 10, title, fontName=BOLD, fontSize=8))
    plot_x, plot_y = 28, 34
    plot_w, plot_h = width - plot_x - 8, height - plot_y - 18
    drawn = [(name, points) for name, points in series if points]
    if drawn:
        lp = LinePlot()
        lp.x, lp.y, lp.width, lp.height = plot_x, plot_y, plot_w, plot_h
        lp.data = [points for _, points in drawn]
        for i in range(len(drawn)):
            dash, marker = STYLES[i % len(STYLES)]
            lp.lines[i].strokeColor = colors.black
            lp.lines[i].strokeWidth = 1
            if dash:
                lp.lines[i].strokeDashArray = dash
            lp.lines[i].symbol = makeMarker(marker)
            lp.lines[i].symbol.size = 3.2
        lp.xValueAxis.valueMin, lp.xValueAxis.valueMax = x0, x1
        lp.xValueAxis.valueSteps = [x for x, _ in labels]
        names = dict(labels)
        lp.xValueAxis.labelTextFormat = lambda v: names.get(v, "")
        lp.yValueAxis.valueMin, lp.yValueAxis.valueMax, lp.yValueAxis.valueStep = 0, top, step
        for axis in (lp.xValueAxis, lp.yValueAxis):
            axis.labels.fontName = FONT
            axis.labels.fontSize = 6.5
        lp.xValueAxis.labels.angle = 0
        d.add(lp)
    else:
        d.add(
            String(
                plot_x,
                plot_y + plot_h / 2,
                "no values recorded",
                fontName=FONT,
                fontSize=7,
                fillColor=GREY,
            )
        )

    def px(x: float) -> float:
        return plot_x + (x - x0) / (x1 - x0) * plot_w

    if baseline is not None:
        d.add(
            Line(
                px(baseline),
                plot_y,
                px(baseline),
                plot_y + plot_h,
                strokeColor=GREY,
                strokeDashArray=(2, 2),
                strokeWidth=0.8,
            )
        )
        d.add(
            String(
                px(baseline) + 2,
                plot_y + plot_h - 7,
                "baseline",
                fontName=FONT,
                fontSize=6,
                fillColor=GREY,
            )
        )
    for x in courses:  # along the inside of the x axis, clear of its labels
        cx = px(x)
        d.add(
            Polygon(
                [cx - 2.2, plot_y + 1, cx + 2.2, plot_y + 1, cx, plot_y + 5.5],
                fillColor=colors.black,
                strokeColor=None,
            )
        )
    legend_x = plot_x
    for i, (name, _) in enumerate(drawn):
        dash, _marker = STYLES[i % len(STYLES)]
        d.add(
            Line(
                legend_x,
                6,
                legend_x + 12,
                6,
                strokeColor=colors.black,
                strokeDashArray=dash,
                strokeWidth=1,
            )
        )
        d.add(String(legend_x + 14, 3.5, name, fontName=FONT, fontSize=6.5))
        legend_x += 22 + stringWidth(name, FONT, 6.5)
    if courses:
        d.add(
            Polygon(
                [legend_x + 2, 4, legend_x + 6.4, 4, legend_x + 4.2, 8.5],
                fillColor=colors.black,
                strokeColor=None,
            )
        )
        d.add(String(legend_x + 9, 3.5, "Ig course", fontName=FONT, fontSize=6.5))
    return d


def trend_drawings(
    record: PatientRecord, forms: Forms, *, until: date, width: float, height: float
) -> tuple[Drawing, Drawing] | None:
    """Two panels (mRSS; VAS), from baseline (or the first assessment) to `until`."""
    register_fonts()
    assessments = [a for a in record.assessments if a.date <= until]
    if not assessments:
        return None
    baseline = record.baseline  # domain.md section 5, as everywhere
    start = baseline.date if baseline else assessments[0].date
    shown = [a for a in assessments if a.date >= start]
    courses = [c.start for c in group_courses(record.infusions) if start <= c.start <= until]
    end = max([a.date for a in shown] + courses)
    span = max((end - start).days, 28)
    x0, x1 = -span * 0.04, span * 1.04

    def x(d: date) -> float:
        return float((d - start).days)

    labels = [(0.0, format_date(start)[3:])]
    for fraction in (0.5, 1.0):
        day = start + timedelta(days=round(span * fraction))
        labels.append((float(round(span * fraction)), format_date(day)[3:]))
    # the trend measures of forms/assessment.toml: the mRSS grid on the left, the VAS on the right
    trended = forms.assessment.shown_in("trend")
    mrss = []
    for grid in (m for m in trended if isinstance(m, MrssGridMeasure)):
        for a in shown:
            total = mrss_total(grid.scores(a), forms.mrss)
            if total.complete:
                mrss.append((x(a.date), float(total.total)))
    vas = [
        (
            s.short_label.capitalize(),
            [(x(a.date), float(mm)) for a in shown if (mm := s.mm(a)) is not None],
        )
        for s in trended
        if isinstance(s, VasMeasure)
    ]
    base_x = 0.0 if baseline else None
    course_x = [x(c) for c in courses]
    left = _panel(
        "mRSS total (complete scores only)",
        [("mRSS", mrss)],
        float(forms.mrss.max_total),
        10,
        x0,
        x1,
        labels,
        base_x,
        course_x,
        width,
        height,
    )
    right = _panel(
        "VAS (mm)",
        vas,
        float(forms.vas.max_mm),
        20,
        x0,
        x1,
        labels,
        base_x,
        course_x,
        width,
        height,
    )
    return left, right
