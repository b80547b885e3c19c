"""A table model over stored records, with one text function per column."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


class RecordTableModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[tuple[str, Callable[[Any], str]]]):
        super().__init__()
        self.columns = list(columns)
        self.rows: list[Any] = []
        self.cells: list[list[str]] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        # every cell's text is worked out here, in ordinary Python, not in data(): an error
        # raised inside a Qt override cannot be reported safely (the binding can crash while
        # printing it), and a repaint must never reach back into the store
        cells = [[text(row) for _, text in self.columns] for row in rows]
        self.beginResetModel()
        self.rows = list(rows)
        self.cells = cells
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
            return self.columns[section][0]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.cells[index.row()][index.column()]
        return None
