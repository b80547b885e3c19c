"""The clinic letter after an MDT assessment, to the GP and the local treating centre, copied to
the patient. Headings follow the PRSB outpatient letter standard where they apply. Every number
in it comes from the domain functions the app uses, so the letter and the screen agree."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import TYPE_CHECKING, Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from mdtapp.buildinfo import version_text
from mdtapp.domain.courses import group_courses
from mdtapp.domain.dates import add_months, age_on, format_date
from mdtapp.domain.forms import Forms
from mdtapp.domain.instruments import mrss_total, must_for, vas_cm
from mdtapp.domain.measures import (
    CountAtSiteMeasure,
    Measure,
    MrssGridMeasure,
    NumberMeasure,
    OrganTableMeasure,
    TextMeasure,
    VasMeasure,
    YesNoMeasure,
)
from mdtapp.domain.model import Assessment, Decision
from mdtapp.domain.nhs_number import format_nhs_number
from mdtapp.domain.numbers import plain
from mdtapp.domain.record import PatientRecord, patient_state, review_of
from mdtapp.domain.response import (
    BASELINE_RULE,
    Comparison,
    baseline_for,
    compare,
    compare_with_previous,
    evaluate,
)
from mdtapp.reports.charts import trend_drawings
from mdtapp.reports.pdf import (
    BOLD,
    FONT,
    GREY,
    LIGHT,
    MARGIN,
    PAGE_WIDTH,
    Footer,
    numbered_canvas,
    produced_text,
    register_fonts,
    rendering,
    styles,
)
from mdtapp.settings import Author, Letterhead

if TYPE_CHECKING:
    from mdtapp.reports.photos_pdf import SitePhoto

WIDTH = PAGE_WIDTH - 2 * MARGIN


@dataclass(frozen=True)
class Signature:
    name: str  # the account's name when it signed; empty when that was only the login name
    username: str
    role: str
    signed_at: str  # as shown: "21-Nov-2026 10:42"

    def sentence(self, what: str) -> str:
        """'Assessment electronically signed by …', as printed: the person's name, never a
        login name (domain.md 7); an account with no name on record is said to be one."""
        if self.name:
            return (
                f"{what} electronically signed by <b>{escape(self.name)}</b> "
                f"({escape(self.role)}) on {escape(self.signed_at)}."
            )
        return (
            f"{what} electronically signed ({escape(self.role)}) on {escape(self.signed_at)} "
            "by an account with no name on record (an administrator can name it in Users)."
        )


@dataclass(frozen=True)
class LetterRequest:
    record: PatientRecord
    assessment_date: date
    forms: Forms
    letter_date: date
    produced_at: datetime
    letterhead: Letterhead
    author: Author
    site_photos: tuple[SitePhoto, ...] = ()  # papule site photos, when asked for (off: post)
    infusions_since: date | None = None  # the last letter's assessment date, if any
    signatures: tuple[Signature, ...] = ()  # of the assessment's version
    decision_signatures: tuple[Signature, ...] = ()  # of the MDT decision's version
    # what is not yet signed ("the assessment of 05-Nov-2026"): the letter is then a DRAFT
    unsigned: tuple[str, ...] = ()
    meeting: MeetingNote | None = None  # the MDT meeting the decision was taken in
    # the dose plan's pharmacist verification, as printed ("Awaiting pharmacist verification")
    dose_verification: str = ""


@dataclass(frozen=True)
class MeetingNote:
    """Where and when a patient was discussed, who was present, and whether it was joint
    (domain.md section 6a): worded once (reports.service.meeting_note) for letters and PDFs."""

    when: str  # "21-Nov-2026 at 14:00"
    place: str  # "Seminar room 2", "virtual meeting"
    present: tuple[str, ...]  # "Dr Rhea Ward (Consultant rheumatologist)"
    joint: str  # "Joint: ..." or "NOT joint: ..."


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(text, styles()[style])


def _table(
    rows: list[list[Any]],
    widths: list[float],
    *,
    header: bool = True,
    extra: list[tuple[Any, ...]] | None = None,
    bold_first_column: bool = False,
    center: bool = False,
) -> Table:
    # text cells become paragraphs so that they wrap inside their column, never overlap
    def cell(value: Any, r: int, c: int) -> Any:
        if not isinstance(value, str):
            return value
        bold = (header and r == 0) or (bold_first_column and c == 0)
        style = ParagraphStyle(
            "c",
            parent=styles()["cell_bold" if bold else "cell"],
            alignment=TA_CENTER if center and c > 0 else TA_LEFT,
        )
        return Paragraph(escape(value), style)

    rows = [[cell(v, r, c) for c, v in enumerate(row)] for r, row in enumerate(rows)]
    table = Table(rows, colWidths=widths, hAlign="LEFT", repeatRows=1 if header else 0)
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, 8.5),
        ("GRID", (0, 0), (-1, -1), 0.4, GREY),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        commands += [("FONT", (0, 0), (-1, 0), BOLD, 8.5), ("BACKGROUND", (0, 0), (-1, 0), LIGHT)]
    table.setStyle(TableStyle(commands + (extra or [])))
    return table


def decision_for(record: PatientRecord, on: date) -> Decision | None:
    """The MDT decision that goes with this assessment: made on or after it, before the next."""
    later = [a.date for a in record.assessments if a.date > on]
    until = min(later) if later else date.max
    candidates = [d for d in record.decisions if on <= d.date < until]
    return candidates[-1] if candidates else None


def _score(value: int | None) -> str:
    return "n/a" if value is None else str(value)


def _mrss_grid(
    forms: Forms,
    m: MrssGridMeasure,
    now: Assessment,
    previous: Assessment | None,
    baseline: Assessment | None,
) -> Table:
    """The areas in the layout of the policy's Figure 1, now beside previous and baseline."""
    columns = [
        (label, a)
        for label, a in (("Now", now), ("Previous", previous), ("Baseline", baseline))
        if a is not None
    ]
    head1: list[Any] = ["Area"]
    head2: list[Any] = [""]
    for label, a in columns:
        head1 += [f"{label} {format_date(a.date)}", ""]
        head2 += ["Right", "Left"]
    rows: list[list[Any]] = [head1, head2]
    spans: list[tuple[Any, ...]] = []
    for c in range(len(columns)):
        spans.append(("SPAN", (1 + 2 * c, 0), (2 + 2 * c, 0)))
    for row in forms.mrss.rows:
        line: list[Any] = [row.label + (" *" if row.added else "")]
        r = len(rows)
        for c, (_, a) in enumerate(columns):
            if row.single:
                line += [_score(m.scores(a).get(row.single)), ""]
                spans.append(("SPAN", (1 + 2 * c, r), (2 + 2 * c, r)))
            else:
                scores = m.scores(a)
                line += [_score(scores.get(row.right or "")), _score(scores.get(row.left or ""))]
        rows.append(line)
    total_row: list[Any] = ["Total"]
    r = len(rows)
    for c, (_, a) in enumerate(columns):
        total_row += [mrss_total(m.scores(a), forms.mrss).text, ""]
        spans.append(("SPAN", (1 + 2 * c, r), (2 + 2 * c, r)))
    rows.append(total_row)
    widths = [34 * mm] + [round((WIDTH - 34 * mm) / (2 * len(columns)), 1)] * (2 * len(columns))
    extra: list[tuple[Any, ...]] = spans + [
        ("BACKGROUND", (0, 0), (-1, 1), LIGHT),
        ("FONT", (1, 2), (2, -1), BOLD, 9.5),  # the scores now stand out
        ("FONT", (0, -1), (-1, -1), BOLD, 8.5),
        ("LINEABOVE", (0, -1), (-1, -1), 1, colors.black),
    ]
    # scores stay plain strings (drawn with the table's fonts); headings become paragraphs
    head = [
        [
            Paragraph(
                escape(str(v)),
                ParagraphStyle(
                    "h", parent=styles()["cell_bold"], alignment=TA_CENTER if c else TA_LEFT
                ),
            )
            for c, v in enumerate(row)
        ]
        for row in rows[:2]
    ]
    table = Table(head + rows[2:], colWidths=widths, hAlign="LEFT", repeatRows=2)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8.5),
                ("GRID", (0, 0), (-1, -1), 0.4, GREY),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (1, 2), (-1, -1), "CENTER"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
            + extra
        )
    )
    return table


def _change(c: Comparison | None) -> str:
    if c is None:
        return "—"
    if not c.comparable:
        return "not compared"
    return c.change_text


def _vas_text(m: VasMeasure, value: int | None, forms: Forms) -> str:
    if value is None:
        return "not recorded"
    band = m.band(value)
    return f"{vas_cm(value)} ({value} mm{', ' + band if band else ''})"


def _when(c: Comparison | None, other: Assessment | None) -> str:
    """Beside a change: the date compared with, when it is not the column's assessment (an
    earlier one recorded the measure), and any note (the examiners differ)."""
    if c is None or c.before_date is None:
        return ""
    dated = (
        f" on {format_date(c.before_date)}" if other is None or c.before_date != other.date else ""
    )
    return dated + (f" ({c.note})" if c.note else "")


def _mrss_block(
    forms: Forms,
    m: MrssGridMeasure,
    now: Assessment,
    previous: Assessment | None,
    baseline: Assessment | None,
    vs_prev: dict[str, Comparison],
    vs_base: dict[str, Comparison],
) -> KeepTogether:
    mrss = forms.mrss
    changes = [
        f"{label} {_change(comp)}{_when(comp, other)}"
        for label, comp, other in (
            ("vs previous", vs_prev.get(m.key), previous),
            ("vs baseline", vs_base.get(m.key), baseline),
        )
        if comp is not None
    ]
    return KeepTogether(
        [
            _p(
                f"<b>{escape(mrss.title)}</b> ({escape(mrss.key_text)}; * the areas "
                f"{escape(mrss.added_note)})",
                "small",
            ),
            Spacer(1, 1.5 * mm),
            _mrss_grid(forms, m, now, previous, baseline),
            _p(
                f"Change in {escape(mrss.short_title)}: "
                + ("; ".join(escape(c) for c in changes) if changes else "first assessment"),
                "small",
            ),
        ]
    )


def _measure_text(m: VasMeasure | CountAtSiteMeasure, a: Assessment | None, forms: Forms) -> str:
    """A VAS or a count as the letter prints it (escaped)."""
    if a is None:
        return "—"
    if isinstance(m, VasMeasure):
        return _vas_text(m, m.mm(a), forms)
    count = m.count(a)
    return f"{count.count} ({escape(count.site)})" if count else "not counted"


def _score_row(
    m: VasMeasure | CountAtSiteMeasure,
    forms: Forms,
    record: PatientRecord,
    now: Assessment,
    previous: Assessment | None,
    baseline: Assessment | None,
    vs_prev: Comparison | None,
    vs_base: Comparison | None,
) -> list[Any]:
    # "previous" is per measure: when an earlier assessment than the last recorded it, that
    # one is shown, with its date
    earlier = previous
    dated = ""
    on = vs_prev.before_date if vs_prev is not None else None
    if on is not None and previous is not None and on != previous.date:
        earlier = record.assessment_on(on) or previous
        dated = f" on {format_date(on)}"
    return [
        _p(escape(m.label), "cell"),
        _p(_measure_text(m, now, forms), "cell"),
        _p(_measure_text(m, earlier, forms) + dated, "cell"),
        _p(_measure_text(m, baseline, forms), "cell"),
        _p(
            escape(_change(vs_prev) + (f" ({vs_prev.note})" if vs_prev and vs_prev.note else "")),
            "cell",
        ),
        _change(vs_base),
    ]


def _other_measures(
    forms: Forms, shown: tuple[Measure, ...], now: Assessment, height_cm: float | None
) -> KeepTogether:
    """The organ table beside the other answers: free text, yes/no, and each group (nutrition)
    on one line with the score derived from it."""
    yn = {True: "Yes", False: "No", None: "not recorded"}
    tables: list[Any] = []
    side: list[Any] = []
    heading = ""
    for m in shown:
        if isinstance(m, OrganTableMeasure):
            organs = [["Organ system", "Evidence of involvement", "Evidence of progression"]]
            for organ in forms.systemic.organs:
                status = m.statuses(now).get(organ.key)
                organs.append(
                    [
                        organ.label,
                        yn[status.involved if status else None],
                        yn[status.progressed if status else None],
                    ]
                )
            tables.append(_table(organs, [31 * mm, 27 * mm, 27 * mm]))
            heading = f"<b>{escape(m.label)}</b> ({escape(forms.systemic.note)})"
        elif isinstance(m, TextMeasure) and m.section != "header" and m.recorded(now):
            side.append(_p(f"<b>{escape(m.label)}:</b> {escape(m.text(now))}", "cell"))
        elif isinstance(m, YesNoMeasure) and m.group is None:
            side.append(_p(f"<b>{escape(m.label)}:</b> {yn[m.answer(now)]}", "cell"))
    groups = dict.fromkeys(m.group for m in shown if m.group is not None)
    for group in groups:
        parts = []
        for m in shown:
            if m.group != group:
                continue
            if isinstance(m, NumberMeasure):
                value = m.number(now)
                parts.append(
                    f"{m.short_label} {plain(value)} {m.unit}"
                    if value
                    else f"{m.short_label} not recorded"
                )
            elif isinstance(m, YesNoMeasure):
                parts.append(f"{m.short_label} {yn[m.answer(now)].lower()}")
        name = group.replace("_", " ").capitalize()  # "nutrition" -> "Nutrition"
        line = f"<b>{escape(name)}:</b> " + escape("; ".join(parts))
        if forms.must.weight_measure.startswith(f"{group}."):
            must = must_for(now, height_cm, forms.must)
            line += f"; <b>{escape(must.text)}</b>" + (
                " — " + escape("; ".join(must.steps)) if must.steps else ""
            )
        side.append(_p(line, "cell"))
    column = Table([[o] for o in side], colWidths=[WIDTH * 0.5 - 4 * mm]) if side else Spacer(1, 1)
    if isinstance(column, Table):
        column.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    left = tables[0] if tables else Spacer(1, 1)
    both = Table([[left, column]], colWidths=[WIDTH * 0.5, WIDTH * 0.5])
    both.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, 0), 0)])
    )
    return KeepTogether([_p(heading, "small"), both] if heading else [both])


def _sentence(text: str) -> str:
    """Text ending in one full stop: never "must be met.." when a part brings its own."""
    text = text.rstrip()
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def _and(items: tuple[str, ...]) -> str:
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def build_letter(req: LetterRequest) -> bytes:
    """The letter as PDF. Never with a placeholder: the service asks for a missing letterhead
    or author first (reports/service.py), and a request without them is refused here too."""
    lacking = [
        what
        for what, value in (
            ("the centre's letterhead", req.letterhead.centre if req.letterhead.configured else ""),
            ("the author's name", req.author.name),
            ("the author's role", req.author.role),
        )
        if not value.strip()
    ]
    if lacking:
        raise ValueError(f"a letter needs {_and(tuple(lacking))}: nothing was printed")
    register_fonts()
    forms, record = req.forms, req.record
    p = record.patient
    now = record.assessment_on(req.assessment_date)
    if now is None:
        raise ValueError(f"no assessment dated {req.assessment_date.isoformat()}")
    history = [a for a in record.assessments if a.date < now.date]
    previous = history[-1] if history else None
    baseline = baseline_for(record.assessments, record.first_infusion, now.date)
    state = patient_state(record, today=req.letter_date, forms=forms, at=now.date)
    ev = state.evaluation or evaluate(
        record.assessments, first_infusion=record.first_infusion, forms=forms, at=now.date
    )
    decision = decision_for(record, now.date)
    # "previous" is read per measure: the most recent earlier assessment that recorded it
    vs_prev = {c.measure: c for c in compare_with_previous(record.assessments, now, forms)}
    vs_base = {c.measure: c for c in compare(baseline, now, forms)} if baseline else {}
    nhs = format_nhs_number(p.nhs_number)
    story: list[Any] = []

    # ---- letterhead, patient and addressees
    lh = req.letterhead
    head_lines = [f"<b>{escape(lh.centre)}</b>", escape(lh.department)]
    head_lines += [escape(x) for x in lh.address.splitlines() if x.strip()]
    if lh.telephone:
        head_lines.append(f"Tel. {escape(lh.telephone)}")
    if lh.email:
        head_lines.append(escape(lh.email))
    patient_lines = [
        f"<b>{escape(p.display_name)}</b>",
        f"Born {format_date(p.date_of_birth)} ({age_on(p.date_of_birth, req.letter_date)} y)",
        f"NHS No. <b>{nhs}</b>",
        f"Hospital No. {escape(p.hospital_number) or '—'}",
    ]
    if p.address:
        patient_lines.append(escape(p.address))
    header = Table(
        [[_p("<br/>".join(patient_lines)), _p("<br/>".join(head_lines), "right")]],
        colWidths=[WIDTH * 0.5, WIDTH * 0.5],
    )
    header.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (0, 0), 0.8, colors.black),
                ("LEFTPADDING", (0, 0), (0, 0), 6),
            ]
        )
    )
    story += [header, Spacer(1, 4 * mm)]
    gp = p.gp
    to_gp = ", ".join(x for x in (gp.name, gp.practice, gp.address) if x) or "GP not recorded"
    centre = p.local_centre
    to_centre = ", ".join(x for x in (centre.name, centre.address) if x) or (
        "local treating centre not recorded"
    )
    story.append(
        _table(
            [
                ["Date", format_date(req.letter_date)],
                ["To", _p(f"{escape(to_gp)} (GP)", "cell")],
                ["and", _p(f"{escape(to_centre)} (local treating centre)", "cell")],
                [
                    "Copy",
                    _p(
                        f"{escape(p.full_name)} (patient)"
                        + (f", {escape(p.address)}" if p.address else ""),
                        "cell",
                    ),
                ],
            ],
            [22 * mm, WIDTH - 22 * mm],
            header=False,
            bold_first_column=True,
            extra=[("GRID", (0, 0), (-1, -1), 0, colors.white)],
        )
    )
    story.append(
        _p(
            "Scleromyxedema: human normal immunoglobulin under NHS England policy 2271 "
            "— joint rheumatology and dermatology MDT review",
            "title",
        )
    )

    # ---- attendance
    story.append(_p("Attendance details", "heading"))
    clinicians = "; ".join(decision.clinicians) if decision and decision.clinicians else ""
    discussed = (
        f"; discussed at the MDT on {format_date(decision.date)} with {clinicians}"
        if decision and clinicians and req.meeting is None
        else ""
    )
    story.append(
        _p(
            f"Assessed on <b>{format_date(now.date)}</b> by "
            + escape(_sentence(f"{now.examiner}{discussed}"))
        )
    )
    if req.meeting is not None:
        note = req.meeting
        present = "; ".join(note.present) or "nobody recorded"
        story.append(
            _p(
                f"Discussed at the MDT meeting on <b>{escape(note.when)}</b>, "
                f"{escape(note.place)}. Present: {escape(present)}."
            )
        )
        story.append(_p(f"<b>{escape(note.joint)}</b>"))

    # ---- diagnoses
    story.append(_p("Diagnoses", "heading"))
    diagnosis = "Scleromyxedema."
    if state.eligibility is not None:
        e = state.eligibility
        items = {i.key: i for i in e.items}
        criteria = [
            f"{escape(i.label)}: {escape(i.detail)}"
            for i in e.items
            if i.key in forms.eligibility.criterion_keys
        ]
        diagnosis = (
            f"Scleromyxedema — Rongioletti &amp; Rebora (2001): "
            f"{e.criteria_met} of {len(forms.eligibility.criteria)} criteria met "
            f"(any {forms.eligibility.criteria_required} required). "
            f"{escape(_sentence(items['biopsy'].detail))} "
            + escape(
                _sentence(
                    f"Rheumatology: {items['rheumatology_agreed'].detail}; dermatology: "
                    f"{items['dermatology_agreed'].detail}"
                )
            )
            + f" <b>{escape(_sentence(e.verdict))}</b>"
        )
        story.append(_p(diagnosis))
        story.append(_p("; ".join(criteria), "muted"))
    else:
        story.append(_p(diagnosis + " Eligibility has not been recorded in mdtapp."))

    # ---- clinical summary
    story.append(_p("Clinical summary", "heading"))
    summary = []
    first = record.first_infusion
    if first and now.date > first:
        months = 0
        while add_months(first, months + 1) <= now.date:
            months += 1
        summary.append(
            f"Immunoglobulin since {format_date(first)} ({months} month"
            f"{'s' if months != 1 else ''} at this assessment)."
        )
    elif first:
        base = record.baseline
        if base is not None and base.date == now.date:
            summary.append(f"Baseline assessment; first infusion {format_date(first)}.")
        else:
            summary.append(
                f"Assessment before treatment; first infusion {format_date(first)}; the "
                f"baseline is {BASELINE_RULE}."
            )
    else:
        summary.append(f"Assessment before immunoglobulin: the baseline will be {BASELINE_RULE}.")
    # a stop decided after this assessment belongs to a later letter, not a reprint of this one
    stopped_on = state.review.stopped_on
    review_status = state.review
    if stopped_on is not None and stopped_on > now.date:
        stopped_on = None  # and the review as it stood at this assessment
        review_status = review_of(record, today=now.date, forms=forms, as_known_on=now.date)
    if stopped_on is not None:
        summary.append(f"Immunoglobulin stopped on {format_date(stopped_on)}.")
    if ev.on_treatment:
        if ev.response is True:
            summary.append(
                "<b>Responding</b> against baseline: "
                + escape(_sentence("; ".join(x.text for x in ev.response_evidence)))
            )
        elif ev.response is False:
            summary.append("<b>No response</b> against baseline by the policy measures.")
        elif not ev.assessable:
            summary.append("Response not yet assessable: no response measure recorded.")
        else:
            summary.append("Response could not be assessed: nothing comparable with baseline.")
    for m in forms.assessment.shown_in("letter_summary"):
        if isinstance(m, TextMeasure) and m.recorded(now):
            summary.append(escape(_sentence(m.text(now))))
    story.append(_p(" ".join(summary)))

    # ---- assessment scales: each measure the forms show in letters, by its type
    story.append(_p("Assessment scales", "heading"))
    shown = forms.assessment.shown_in("letter")
    for m in shown:
        if isinstance(m, MrssGridMeasure):
            story.append(_mrss_block(forms, m, now, previous, baseline, vs_prev, vs_base))
    rows: list[list[Any]] = [
        ["Measure", "Now", "Previous", "Baseline", "Change vs previous", "Change vs baseline"]
    ]
    for m in shown:
        if isinstance(m, (VasMeasure, CountAtSiteMeasure)):
            rows.append(
                _score_row(
                    m,
                    forms,
                    record,
                    now,
                    previous,
                    baseline,
                    vs_prev.get(m.key),
                    vs_base.get(m.key),
                )
            )
    if len(rows) > 1:
        story.append(Spacer(1, 3 * mm))
        story.append(_table(rows, [38 * mm, 30 * mm, 30 * mm, 30 * mm, 23 * mm, WIDTH - 151 * mm]))
    story.append(Spacer(1, 3 * mm))
    story.append(_other_measures(forms, shown, now, p.height_cm))
    if req.site_photos:
        from mdtapp.reports.photos_pdf import site_photos_block

        story += site_photos_block(
            list(req.site_photos),
            width=WIDTH,
            side_mm=forms.photos.side_mm,
            tolerance_mm=forms.photos.size_tolerance_mm,
        )

    # ---- trends
    panels = trend_drawings(record, forms, until=now.date, width=WIDTH / 2 - 2 * mm, height=48 * mm)
    if panels is not None:
        chart = Table([list(panels)], colWidths=[WIDTH / 2, WIDTH / 2])
        story.append(KeepTogether([_p("Trends since baseline", "heading"), chart]))

    # ---- medications
    med: list[Any] = []
    plan = state.dose_plan
    if plan is not None:
        # the plan's own brief lines (dosing.py words them); the notes follow
        rows = [[line.label, line.value] for line in plan.brief_lines]
        rows += [["Note", note] for note in plan.notes]
        if req.dose_verification:
            rows.append(["Pharmacist", req.dose_verification])
        med.append(
            KeepTogether(
                [  # never a heading alone at the foot of a page
                    _p("Medications: immunoglobulin", "heading"),
                    _table(rows, [40 * mm, WIDTH - 40 * mm], header=False, bold_first_column=True),
                ]
            )
        )
    else:
        med.append(
            KeepTogether(
                [
                    _p("Medications: immunoglobulin", "heading"),
                    _p(
                        escape(state.dose_problem)
                        if state.dose_problem
                        else "No immunoglobulin regimen recorded."
                    ),
                ]
            )
        )
    # since the last letter; with none, since the previous assessment (or all, at baseline)
    since = req.infusions_since
    label = f"since the last letter ({format_date(since)})" if since else ""
    if since is None and previous is not None:
        since = previous.date
        label = f"since the previous assessment ({format_date(since)})"
    courses = [
        c
        for c in group_courses(record.infusions)
        if (since is None or c.start > since) and c.start <= req.letter_date
    ]
    if courses:
        label = label or "so far"
        rows = [["Course", "Grams", "Route", "Product", "Batch numbers", "Reactions"]]
        for c in courses:
            span = format_date(c.start) + (f" to {format_date(c.end)}" if c.end != c.start else "")
            rows.append(
                [
                    span,
                    f"{plain(c.grams)} g ({len(c.infusions)} infusion"
                    f"{'s' if len(c.infusions) > 1 else ''})",
                    "/".join(r.upper() for r in c.routes),
                    _p(escape(", ".join(c.products)), "cell"),
                    _p(escape(", ".join(c.batches)), "cell"),
                    _p(escape("; ".join(c.reactions)) or "none", "cell"),
                ]
            )
        med += [
            Spacer(1, 2 * mm),
            _p(f"<b>Immunoglobulin given {label}</b>", "small"),
            _table(rows, [36 * mm, 36 * mm, 16 * mm, 28 * mm, 36 * mm, WIDTH - 152 * mm]),
        ]
    story += med

    # ---- stopping criteria and decision
    heading = _p("Stopping criteria (policy 2271) and MDT decision", "heading")
    if ev.on_treatment:
        rows = [["Criterion", "Status", "The numbers"]]
        for flag in ev.flags:
            numbers = "; ".join(escape(x.text) for x in flag.evidence) or "—"
            rows.append(
                [
                    _p(escape(flag.label), "cell"),
                    _p("<b>MET</b>" if flag.raised else flag.status, "cell"),
                    _p(numbers, "cell"),
                ]
            )
        story.append(KeepTogether([heading, _table(rows, [46 * mm, 24 * mm, WIDTH - 70 * mm])]))
    else:
        story.append(
            KeepTogether(
                [
                    heading,
                    _p(
                        "Before treatment: the stopping criteria apply once immunoglobulin "
                        "has started."
                    ),
                ]
            )
        )
    if decision is not None:
        story.append(Spacer(1, 2 * mm))
        story.append(
            _p(
                f"<b>MDT decision ({format_date(decision.date)}): "
                f"{escape(_sentence(forms.decision_label(decision.decision)))}</b> "
                f"Reason: {escape(_sentence(decision.reason))}"
            )
        )
    else:
        story.append(_p("<b>No MDT decision has been recorded for this assessment.</b>"))

    # ---- plan
    actions = [
        ("GP", decision.actions_gp if decision else ""),
        ("Local treating centre", decision.actions_local_centre if decision else ""),
        ("Patient", decision.actions_patient if decision else ""),
    ]
    if stopped_on is not None:  # domain.md section 3: nothing is due after a stop
        review = _p(
            f"<b>{escape(state.review.reason)}</b>. No review of the policy's schedule is due "
            "while treatment is stopped."
        )
    elif decision and decision.next_review:
        review = _p(f"<b>{format_date(decision.next_review)}</b> (set by the MDT).")
    elif review_status.next_due:
        review = _p(
            f"<b>{format_date(review_status.next_due)}</b>: "
            f"{escape(_sentence(review_status.reason))}"
        )
    else:
        review = _p(escape(_sentence(review_status.reason)))
    story.append(
        KeepTogether(
            [
                _p("Plan and requested actions", "heading"),
                _table(
                    [
                        [who, _p(escape(text) or "No action requested.", "cell")]
                        for who, text in actions
                    ],
                    [40 * mm, WIDTH - 40 * mm],
                    header=False,
                    bold_first_column=True,
                ),
                _p("Next review", "heading"),
                review,
            ]
        )
    )

    # ---- person completing
    block = [_p("Person completing the record", "heading")]
    author = req.author
    block.append(_p(f"{escape(author.name)}, {escape(author.role)}"))
    for what, signed in (("Assessment", req.signatures), ("MDT decision", req.decision_signatures)):
        for sig in signed:
            block.append(_p(sig.sentence(what)))
    if req.unsigned:
        block.append(_p(f"<b>DRAFT</b>: {escape(_and(req.unsigned))} not yet signed."))
    if not req.signatures:
        block.append(Spacer(1, 6 * mm))
        block.append(_p("Signature ________________________________    Date ____________________"))
    story.append(KeepTogether(block))

    out = io.BytesIO()
    footer = Footer(
        patient=f"{p.display_name} · NHS No. {nhs} · Born {format_date(p.date_of_birth)}",
        provenance=f"{version_text()} · forms {forms.version} · produced "
        f"{produced_text(req.produced_at)} · decision support: the MDT decides",
        draft=f"DRAFT: {_and(req.unsigned)} not yet signed" if req.unsigned else "",
    )
    doc = SimpleDocTemplate(
        out,
        pagesize=(PAGE_WIDTH, 297 * mm),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=24 * mm,
        title=("DRAFT " if req.unsigned else "") + f"MDT letter {format_date(now.date)}",
        author=author.name,
        subject="Scleromyxedema MDT letter",
    )
    with rendering():
        doc.build(story, canvasmaker=numbered_canvas(footer))
    return out.getvalue()
