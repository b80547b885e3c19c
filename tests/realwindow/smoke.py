"""Sign in through the dialog, find a patient, open the guide, zoom: the window's basics."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from tests.realwindow.harness import Driver

USER, PASSWORD = "nina", "nina-passphrase"


def cut_columns(table) -> list[str]:
    """The columns whose text does not fit (the last one stretches)."""
    model, header, metrics = table.model(), table.horizontalHeader(), table.fontMetrics()
    cut = []
    for row in range(model.rowCount()):
        for column in range(model.columnCount() - 1):
            text = model.index(row, column).data()
            if metrics.horizontalAdvance(text) + 8 > header.sectionSize(column):
                cut.append(f"{model.headerData(column, 1)}: {text}")
    return cut


def scenario(d: Driver) -> None:
    d.wait_window("loginDialog")
    d.step("sign in by keyboard")
    d.type(USER)
    d.key("Tab")
    d.type(PASSWORD)
    d.key("Return")
    window = d.wait_window("mainWindow")
    d.shot("patient-list")
    d.step("find a patient: Ctrl+F, type")
    d.key("ctrl+f")
    d.type("birch")
    rows = d.wait_until(
        lambda: window.patients.table.model().rowCount() == 1 and 1, "one patient found"
    )
    d.record("found", rows)
    d.step("F1: the user guide")
    d.key("F1")
    guide = d.wait_window("userGuide")
    d.record(
        "guide_fits",
        d.gui(lambda: guide.frameGeometry().bottom() <= guide.screen().geometry().bottom()),
    )
    d.shot("user-guide")
    d.key("Escape")
    d.wait_until(lambda: not guide.isVisible(), "the guide closed")
    d.wait_until(lambda: QApplication.activeWindow() is window, "the main window active")
    d.step("zoom in twice, then back")
    before = d.gui(lambda: QApplication.font().pointSizeF())
    d.key("ctrl+equal", "ctrl+equal")
    d.record("zoomed", d.gui(lambda: QApplication.font().pointSizeF()) / before)
    d.record("cut_columns", d.gui(lambda: cut_columns(window.patients.table)))
    d.shot("zoom-125")
    d.key("ctrl+0")
    d.record("reset", d.gui(lambda: QApplication.font().pointSizeF()) == before)
