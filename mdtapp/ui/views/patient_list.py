"""The patient list: search as you type by name, NHS number or hospital number."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mdtapp.ui.models.patients import PatientTableModel, list_columns, review_columns
from mdtapp.ui.session import Session


class PatientTable(QTableView):
    """A read-only table of patient summaries; Enter or double-click opens one."""

    opened = Signal(str)

    def __init__(self, model: PatientTableModel, object_name: str):
        super().__init__()
        self.setObjectName(object_name)
        self.setModel(model)
        model.setParent(self)  # one lifetime: the view never outlives its model
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        # fixed widths from each column's expected text: measuring cells to size the columns
        # asked thousands of patients for every value at start-up (seconds; benchmarks/)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.ensurePolished()  # the style sheet's font, not the default one
        self._size_columns()
        header.setStretchLastSection(True)
        self.setWordWrap(False)
        self.doubleClicked.connect(self._on_double_clicked)

    def _size_columns(self) -> None:
        bold = QFont(self.font())
        bold.setBold(True)  # alarm cells are bold
        metrics = QFontMetrics(bold)
        header = self.horizontalHeader()
        for i, column in enumerate(self.model().columns):  # type: ignore[attr-defined]
            header.resizeSection(i, metrics.horizontalAdvance(column.widest) + 14)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._size_columns()  # the zoom changed the text size: every column still fits

    def _on_double_clicked(self, index: QModelIndex) -> None:
        self.opened.emit(self.model().uid_at(index.row()))  # type: ignore[attr-defined]

    def keyPressEvent(self, event):  # type: ignore[no-untyped-def]  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.opened.emit(self.model().uid_at(self.currentIndex().row()))  # type: ignore
            return
        super().keyPressEvent(event)


class PatientListView(QWidget):
    patient_opened = Signal(str)
    new_patient_requested = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None, *, fill: bool = True):
        """`fill=False`: the list is filled by the first `refresh` (the app calls it once the
        window has painted, so the window appears before the patients are read)."""
        super().__init__(parent)
        self.session = session
        self.filled = False
        flags = session.forms.response.flags
        self.model = PatientTableModel(
            [],
            {f.key: f.label for f in flags},
            session.today,
            {f.key: f.short_label for f in flags},
        )
        self.model.columns = list_columns(self.model.flags_text)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        title = QLabel("Patients")
        title.setProperty("role", "heading")
        self.search = QLineEdit()
        self.search.setObjectName("patientSearch")
        self.search.setAccessibleName("Search patients")
        self.search.setPlaceholderText("Search by name, NHS number or hospital number  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.new_button = QPushButton("New patient…")
        self.new_button.setObjectName("newPatient")
        self.new_button.setProperty("role", "primary")
        top.addWidget(title)
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        layout.addLayout(top)
        self.table = PatientTable(self.model, "patientList")
        self.table.setAccessibleName("Patient list")
        layout.addWidget(self.table, 1)
        self.count = QLabel()
        self.count.setProperty("role", "muted")
        layout.addWidget(self.count)
        self.search.textChanged.connect(self.refresh)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self.table.opened.connect(self.patient_opened)
        self.new_button.clicked.connect(self.new_patient_requested)
        session.patients_changed.connect(self.refresh)
        if fill:
            self.refresh()

    def refresh(self) -> None:
        self.filled = True
        rows = self.session.store.summaries(self.search.text())
        self.model.set_rows(rows)
        total = self.session.store.count_patients()
        shown = f"{len(rows)} of {total} patients" if self.search.text() else f"{total} patients"
        self.count.setText(shown)

    def _on_search_return_pressed(self) -> None:
        if self.model.rowCount() == 1:
            self.patient_opened.emit(self.model.uid_at(0))
        elif self.model.rowCount():
            self.table.setFocus()
            self.table.selectRow(0)


class ReviewsView(QWidget):
    """Every patient's next review, overdue first."""

    patient_opened = Signal(str)

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        flags = session.forms.response.flags
        self.model = PatientTableModel(
            [],
            {f.key: f.label for f in flags},
            session.today,
            {f.key: f.short_label for f in flags},
        )
        self.model.columns = review_columns(self.model.flags_text, self.model.every_flag_text())
        layout = QVBoxLayout(self)
        title = QLabel("Reviews due")
        title.setProperty("role", "heading")
        layout.addWidget(title)
        self.summary = QLabel()
        self.summary.setObjectName("reviewsSummary")
        layout.addWidget(self.summary)
        self.table = PatientTable(self.model, "reviewsList")
        self.table.setAccessibleName("Reviews due, overdue first")
        layout.addWidget(self.table, 1)
        self.table.opened.connect(self.patient_opened)
        session.patients_changed.connect(self._on_patients_changed)
        self._stale = True  # filled when first shown: not needed for the first paint

    def showEvent(self, event):  # type: ignore[no-untyped-def]  # noqa: N802 - Qt API
        if self._stale:
            self.refresh()
        super().showEvent(event)

    def _on_patients_changed(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def refresh(self) -> None:
        self._stale = False
        rows = self.session.store.reviews()
        self.model.set_rows(rows)
        today = self.session.today()
        overdue = sum(r.overdue(today) for r in rows)
        due = sum(r.next_review == today for r in rows)
        unscheduled = sum(r.unscheduled for r in rows)
        flagged = sum(bool(r.flags) for r in rows)
        stopped = sum(r.stopped_on is not None for r in rows)
        self.summary.setText(
            f"<b style='color:#d5281b'>{overdue} overdue</b> · <b>{due} due today</b> · "
            f"{unscheduled} without a review date · {flagged} with stopping criteria met · "
            f"{stopped} with treatment stopped"
        )
