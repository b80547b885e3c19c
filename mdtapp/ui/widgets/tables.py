from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from mdtapp.ui.models.records import RecordTableModel


def record_table(model: RecordTableModel, object_name: str, accessible: str) -> QTableView:
    table = QTableView()
    table.setObjectName(object_name)
    table.setAccessibleName(accessible)
    table.setModel(model)
    # the table owns its model: their lifetimes are one, so a view never asks a freed model
    # for its headers (a re-polish, e.g. on zoom, once did: a segmentation fault)
    model.setParent(table)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table
