"""A stop decision, recorded as a user would, ends the review schedule on every screen that
shows it: the patient list, the reviews dashboard and the overview (domain.md section 3)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from mdtapp.ui import theme
from mdtapp.ui.models.patients import PatientTableModel


def _cell(model: PatientTableModel, title: str, role=Qt.ItemDataRole.DisplayRole):
    column = [c.title for c in model.columns].index(title)
    return model.data(model.index(0, column), role)


def test_a_stop_decision_replaces_the_overdue_review_everywhere(qtbot, window, store, treated):
    # first infusion 05-Aug-2026: 3-month review due 05-Nov-2026; on 21-Nov-2026, 16 days late
    window.patients.refresh()  # the patient was added after the window opened
    list_model = window.patients.model
    assert _cell(list_model, "Next review") == "05-Nov-2026 (OVERDUE 16 days)"
    assert _cell(list_model, "Next review", Qt.ItemDataRole.ForegroundRole) == QColor(theme.RED)

    window.open_patient(treated, "decisions")
    view = window.workspace.decisions
    view.kind.setCurrentIndex(view.kind.findData("stop"))
    qtbot.keyClicks(view.reason, "No benefit; patient prefers to stop.")
    qtbot.keyClicks(view.clinicians, "Dr D Derm; Dr R Rheum")
    with qtbot.waitSignal(window.session.patients_changed):
        qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    assert [d.value.decision for d in store.load(treated).decisions] == ["stop"]

    # the decision date is today's: 21-Nov-2026
    assert _cell(list_model, "Next review") == "Treatment stopped on 21-Nov-2026"
    assert _cell(list_model, "Next review", Qt.ItemDataRole.ForegroundRole) is None
    window.show_reviews()
    reviews = window.reviews.model
    assert _cell(reviews, "Due") == "—"
    assert _cell(reviews, "Status") == "Treatment stopped"
    assert _cell(reviews, "Status", Qt.ItemDataRole.ForegroundRole) is None
    assert _cell(reviews, "For") == "Treatment stopped on 21-Nov-2026"
    assert "<b style='color:#d5281b'>0 overdue</b>" in window.reviews.summary.text()
    assert "1 with treatment stopped" in window.reviews.summary.text()
    window.open_patient(treated, "overview")
    text = window.workspace.overview.review.text()
    assert "Treatment stopped on 21-Nov-2026" in text
    assert theme.RED not in text and "OVERDUE" not in text


def test_met_criteria_stay_listed_but_are_no_alarm_once_treatment_is_stopped(qtbot):
    from datetime import date

    from mdtapp.store.models import PatientSummary
    from mdtapp.ui.models.patients import list_columns

    def summary(stopped_on):
        return PatientSummary(
            "f" * 32, "9434765919", "H1", "SMITH", "Jane", date(1970, 1, 2), "female",
            date(2026, 8, 5), date(2026, 11, 5), None, "Treatment stopped on 05-Nov-2026",
            False, False, ("worsening_disease_activity",), stopped_on,
        )  # fmt: skip

    model = PatientTableModel(
        [], {"worsening_disease_activity": "Worsening disease activity"}, lambda: date(2026, 11, 21)
    )
    model.columns = list_columns(model.flags_text)
    for stopped_on, colour in ((None, QColor(theme.RED)), (date(2026, 11, 5), None)):
        model.set_rows([summary(stopped_on)])
        assert _cell(model, "Stop flags") == "Worsening disease activity"
        assert _cell(model, "Stop flags", Qt.ItemDataRole.ForegroundRole) == colour
