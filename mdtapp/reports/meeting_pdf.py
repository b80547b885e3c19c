"""The MDT meeting's outcomes summary (issue 17): attendance and quorum at the top, one line
per patient discussed (outcome, who does what, next review, joint or not, signed or not).
A4, black and white, page numbers on every page."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from mdtapp.buildinfo import version_text
from mdtapp.reports.pdf import (
    GREY,
    LIGHT,
    MARGIN,
    PAGE_WIDTH,
    Footer,
    numbered_canvas,
    produced_text,
    styles,
)

WIDTH = PAGE_WIDTH - 2 * MARGIN


@dataclass(frozen=True)
class OutcomeLine:
    patient: str  # "SMITH, Jane (NHS No. 943 476 5919)"
    reason: str  # why on the agenda
    status: str  # "Discussed", "Deferred", "To discuss"
    outcome: str  # "Continue current regimen: responding" or "No decision recorded"
    actions: tuple[str, ...]  # "GP: ...", "Local centre: ...", "Patient: ..."
    next_review: str  # "by 21-Feb-2027" or "not set"
    joint: str  # "Joint" / "NOT joint" / ""
    signed: str  # "Signed by Dr D Moss 21-Nov-2026 14:40" / "NOT signed: DRAFT"


@dataclass(frozen=True)
class OutcomesSummary:
    centre: str
    title: str  # "Rheumatology-dermatology MDT, 21-Nov-2026 at 14:00, Seminar room 2"
    chair: str
    attendance: tuple[str, ...]  # "Dr R Ward (Consultant rheumatologist): present"
    quorum: str  # the verdict and its working, from forms/meeting.toml
    lines: tuple[OutcomeLine, ...]
    forms_version: str
    produced_at: datetime


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(text, styles()[style])


def build_outcomes(summary: OutcomesSummary) -> bytes:
    story: list[Any] = [
        _p(f"<b>{escape(summary.centre)}</b>", "right"),
        _p("MDT meeting outcomes", "title"),
        _p(escape(summary.title)),
        _p(f"Chair: {escape(summary.chair or 'not recorded')}"),
        _p("Attendance and quorum", "heading"),
        _p(escape("; ".join(summary.attendance) or "No attendees recorded.")),
        _p(escape(summary.quorum)),
        Spacer(1, 3 * mm),
        _p(f"Patients ({len(summary.lines)})", "heading"),
    ]
    header = ["Patient", "Outcome", "Who does what", "Next review", "Joint / signed"]
    rows: list[list[Any]] = [[_p(f"<b>{h}</b>", "cell") for h in header]]
    for line in summary.lines:
        rows.append(
            [
                _p(f"<b>{escape(line.patient)}</b><br/>{escape(line.reason)}", "cell"),
                _p(f"{escape(line.status)}: {escape(line.outcome)}", "cell"),
                _p("<br/>".join(escape(a) for a in line.actions) or "None recorded", "cell"),
                _p(escape(line.next_review), "cell"),
                _p(f"{escape(line.joint)}<br/>{escape(line.signed)}", "cell"),
            ]
        )
    if not summary.lines:
        rows.append([_p("No patient was discussed.", "cell"), "", "", "", ""])
    table = Table(
        rows,
        colWidths=[WIDTH * 0.21, WIDTH * 0.23, WIDTH * 0.22, WIDTH * 0.16, WIDTH * 0.18],
        repeatRows=1,
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, GREY),
                ("BACKGROUND", (0, 0), (-1, 0), LIGHT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    out = io.BytesIO()
    footer = Footer(
        patient=f"MDT meeting outcomes · {summary.title}"[:110],
        provenance=f"{version_text()} · forms {summary.forms_version} · produced "
        f"{produced_text(summary.produced_at)} · decision support: the MDT decides",
    )
    doc = SimpleDocTemplate(
        out,
        pagesize=(PAGE_WIDTH, 297 * mm),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=24 * mm,
        title=f"MDT meeting outcomes {summary.title}",
        subject="Scleromyxedema MDT meeting outcomes",
    )
    doc.build(story, canvasmaker=numbered_canvas(footer))
    return out.getvalue()
