"""Table models for patient summaries: the patient list and the reviews dashboard."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from mdtapp.domain.dates import format_date
from mdtapp.domain.nhs_number import format_nhs_number
from mdtapp.store.repository import PatientSummary
from mdtapp.ui import theme

UID_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


@lru_cache(maxsize=1)
def _bold() -> QFont:
    # One shared font: PySide6 6.12 on Python 3.11 frees a QFont made inside data() with one
    # reference too many on None, and after some thousands of cells the interpreter aborts
    # (tests/ui/test_models.py)
    font = QFont()
    font.setBold(True)
    return font


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[PatientSummary, date], str]
    alarm: Callable[[PatientSummary, date], bool] = lambda s, today: False
    # the widest text the column is expected to show, measured once (in bold) to size it,
    # so no cell has to be asked for its value to lay the table out
    widest: str = "W" * 12


def review_state(s: PatientSummary, today: date) -> str:
    if s.stopped_on is not None:  # domain.md section 3: nothing is due after a stop
        return "Treatment stopped"
    if s.overdue(today):
        days = s.days_overdue(today)
        return f"OVERDUE {days} day{'s' if days != 1 else ''}"
    if s.next_review == today:
        return "Due today"
    if s.next_review is None:
        return "UNSCHEDULED" if s.unscheduled else "—"
    return f"in {(s.next_review - today).days} days"


class PatientTableModel(QAbstractTableModel):
    def __init__(
        self,
        columns: list[Column],
        flag_labels: dict[str, str],
        today: Callable[[], date],
        flag_short: dict[str, str] | None = None,
    ):
        super().__init__()
        self.columns = columns
        self.flag_labels = flag_labels  # the full names: the tooltip
        self.flag_short = flag_short or flag_labels  # a few words each: the column
        self.today = today
        self.rows: list[PatientSummary] = []
        self._today = today()

    def set_rows(self, rows: list[PatientSummary]) -> None:
        self.beginResetModel()
        self.rows = rows
        self._today = self.today()  # once per refresh, not once per cell
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,  # noqa: N802 - Qt API
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = self.columns[index.column()]
        today = self._today
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row, today)
        if role == UID_ROLE:
            return row.patient_uid
        if role == Qt.ItemDataRole.ForegroundRole and column.alarm(row, today):
            return QColor(theme.RED)
        if role == Qt.ItemDataRole.FontRole and column.alarm(row, today):
            return _bold()
        if role == Qt.ItemDataRole.ToolTipRole:
            flags = "; ".join(self.flag_labels.get(f, f) for f in row.flags)
            return f"{row.review_reason}" + (f"\nStopping criteria met: {flags}" if flags else "")
        return None

    def uid_at(self, row: int) -> str:
        return self.rows[row].patient_uid

    def every_flag_text(self) -> str:
        """The criteria column when every criterion is met: its width."""
        keys = tuple(self.flag_short)
        return self.flags_text(
            PatientSummary(
                "", "", "", "", "", date.min, "", None, None, None, "", False, None, keys
            ),
            date.min,
        )

    def flags_text(self, s: PatientSummary, today: date) -> str:
        if len(s.flags) == 1:
            return self.flag_labels.get(s.flags[0], s.flags[0])
        names = "; ".join(self.flag_short.get(f, f) for f in s.flags)
        # the count first: a narrow column elides the end, never how many criteria are met
        return f"{len(s.flags)} met: {names}" if s.flags else ""


def flags_alarm(s: PatientSummary, today: date) -> bool:
    """Met stopping criteria are red until the MDT has stopped treatment: then they are what
    it acted on, still listed, no longer an alarm."""
    return bool(s.flags) and s.stopped_on is None


def list_columns(flags: Callable[[PatientSummary, date], str]) -> list[Column]:
    return [
        Column("Name", lambda s, t: s.display_name, widest="MONTGOMERY-SMITH, Mary Elizabeth"),
        Column("NHS No.", lambda s, t: format_nhs_number(s.nhs_number), widest="000 000 0000"),
        Column("Born", lambda s, t: format_date(s.date_of_birth), widest="30-Sep-2000"),
        Column("Hosp No.", lambda s, t: s.hospital_number, widest="RXW00000000"),
        Column(
            "Next review",
            lambda s, t: (
                f"{format_date(s.next_review)} ({review_state(s, t)})"
                if s.next_review
                else f"Treatment stopped on {format_date(s.stopped_on)}"
                if s.stopped_on
                else review_state(s, t)
            ),
            lambda s, t: s.overdue(t) or s.unscheduled,
            widest="Treatment stopped on 30-Sep-2026",
        ),
        Column("Stop flags", lambda s, t: flags(s, t) or "—", flags_alarm),
    ]


def review_columns(
    flags: Callable[[PatientSummary, date], str], every_flag: str = "W" * 30
) -> list[Column]:
    """`every_flag`: the criteria column's text when every criterion is met (sizes it)."""
    return [
        Column(
            "Due",
            lambda s, t: format_date(s.next_review) if s.next_review else "—",
            lambda s, t: s.overdue(t) or s.unscheduled,
            widest="30-Sep-2026",
        ),
        Column(
            "Status",
            review_state,
            lambda s, t: s.overdue(t) or s.unscheduled,
            widest="OVERDUE 999 days",
        ),
        Column("Name", lambda s, t: s.display_name, widest="MONTGOMERY-SMITH, Mary"),
        Column("NHS No.", lambda s, t: format_nhs_number(s.nhs_number), widest="000 000 0000"),
        # the stopping criteria before the reason: on a narrow screen the reason is what is cut
        # (it is the row's tooltip too), never the criteria
        Column(
            "Stop flags",
            lambda s, t: flags(s, t) or "—",
            flags_alarm,
            widest=every_flag,
        ),
        Column("For", lambda s, t: s.review_reason),
    ]
