"""Overview: eligibility, the dose plan, the next review, response and flags, and trends."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from mdtapp.domain.dates import format_date
from mdtapp.domain.dosing import DosePlan
from mdtapp.domain.record import patient_state
from mdtapp.store.repository import PatientFile
from mdtapp.ui import theme
from mdtapp.ui.session import Session
from mdtapp.ui.views.assessment import card
from mdtapp.ui.widgets.checklist import Checklist
from mdtapp.ui.widgets.flags_panel import FlagsPanel
from mdtapp.ui.widgets.trends import TrendCharts


def dose_plan_html(plan: DosePlan | None, problem: str = "") -> str:
    """The plan's lines as a table, each detail in grey beside its value, then the notes."""
    if plan is None:
        return escape(problem) if problem else "<i>No regimen yet.</i>"
    rows = []
    for line in plan.lines:
        value = escape(line.value)
        if line.key == "course_total":  # the number the pharmacist acts on
            value = f"<b>{value}</b>"
        if line.detail:
            value += f" <span style='color:{theme.GREY_1}'>— {escape(line.detail)}</span>"
        rows.append(
            f"<tr><td style='color:{theme.GREY_1}'>{escape(line.label)}</td><td>{value}</td></tr>"
        )
    notes = "".join(f"<p style='color:#8a5a00'>⚠ {escape(n)}</p>" for n in plan.notes)
    return f"<table cellpadding='1'>{''.join(rows)}</table>{notes}"


def verification_html(session: Session, file: PatientFile) -> str:
    """The current dose plan's pharmacist verification (domain.md section 6a), or ''."""
    regimen = file.record.regimen_on()
    saved = next((s for s in file.regimens if s.value is regimen), None)
    if saved is None:
        return ""
    v = session.store.verification(saved.uid, saved.version)
    if v is None:
        return f"<b style='color:{theme.RED}'>Awaiting pharmacist verification</b>"
    return f"✓ Verified by {escape(v.name)} (Ig pharmacist) on {escape(v.signed_at_text)}"


class OverviewView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("overview")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        content = QWidget()
        scroll.setWidget(content)
        outer.addWidget(scroll)
        grid = QGridLayout(content)
        grid.setSpacing(8)
        elig_card, elig = card("Eligibility (policy 2271)", "eligibilityCard")
        self.checklist = Checklist("eligibilityChecklist")
        elig.addWidget(self.checklist)
        elig.addStretch(1)
        self.grid = grid
        self.elig_card = elig_card
        grid.addWidget(elig_card, 0, 0, 2, 1)
        review_card, review = card("Next review", "reviewCard")
        self.review = QLabel()
        self.review.setObjectName("nextReview")
        self.review.setWordWrap(True)
        review.addWidget(self.review)
        review.addStretch(1)
        self.review_card = review_card
        grid.addWidget(review_card, 0, 1)
        dose_card, dose = card("Current Ig dose plan", "doseCard")
        self.dose = QLabel()
        self.dose.setObjectName("dosePlan")
        self.dose.setWordWrap(True)
        dose.addWidget(self.dose)
        self.verification = QLabel()
        self.verification.setObjectName("doseVerification")
        self.verification.setWordWrap(True)
        dose.addWidget(self.verification)
        dose.addStretch(1)
        self.dose_card = dose_card
        grid.addWidget(dose_card, 1, 1)
        self.flags = FlagsPanel(session.forms.response)
        grid.addWidget(self.flags, 0, 2, 2, 1)
        trend_card, trend = card("Trends since baseline", "trendCard")
        self.trends = TrendCharts(session.forms)
        trend.addWidget(self.trends)
        self.trend_card = trend_card
        grid.addWidget(trend_card, 2, 0, 1, 3)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 2)

    def two_columns(self) -> QWidget:
        """Eligibility on the left; the review, the flags and the dose on the right: for a
        narrower place (the meeting window, beside its agenda). The trends card is taken out
        and returned, for the caller to show beside (the charts need the width)."""
        grid = self.grid
        for widget in (self.elig_card, self.review_card, self.dose_card, self.flags):
            grid.removeWidget(widget)
        grid.removeWidget(self.trend_card)
        grid.addWidget(self.elig_card, 0, 0, 3, 1)
        grid.addWidget(self.review_card, 0, 1)
        grid.addWidget(self.flags, 1, 1)
        grid.addWidget(self.dose_card, 2, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 0)
        self.trend_card.setParent(None)
        return self.trend_card

    def show_file(self, file: PatientFile) -> None:
        record = file.record
        today = self.session.today()
        state = patient_state(record, today=today, forms=self.session.forms)
        self.checklist.show_result(state.eligibility)
        r = state.review
        colour = theme.RED if r.overdue or r.unscheduled else theme.DARK_BLUE
        milestones = "".join(
            f"<br>{'✓' if m.met_by else '○'} {m.label}: due {format_date(m.due)}"
            + (f", met {format_date(m.met_by)}" if m.met_by else "")
            for m in r.milestones
        )
        self.review.setText(
            f"<b style='color:{colour};font-size:large'>{escape(r.text)}</b>{milestones}"
        )
        self.dose.setText(dose_plan_html(state.dose_plan, state.dose_problem))
        self.verification.setText(verification_html(self.session, file))
        self.flags.show_evaluation(state.evaluation)
        self.trends.show_record(record)
