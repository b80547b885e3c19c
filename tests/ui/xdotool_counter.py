"""Driven by tests/ui/test_papule_real_window.py in a process of its own, on a real X display:
the counter in a window, clicked and typed at by xdotool as a person would (through the X
server, not Qt's test events). Prints what it found as one JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from mdtapp.domain.forms import forms
from mdtapp.domain.papule_count import Point, count_limit
from mdtapp.domain.photo_rules import photo_rules
from mdtapp.ui.app import application
from mdtapp.ui.views.papule_dialog import PapuleCountDialog
from tests.ui.test_papule_counter import (
    INSIDE,
    OUTSIDE,
    RULER_0,
    RULER_20,
    SQUARE_CENTRE,
    papule_photo,
)

TIMEOUT = 10.0


def wait_until(condition: Callable[[], object], what: str) -> None:
    """Process events until `condition` holds (the X server answers in its own time)."""
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        QApplication.processEvents()


def main(folder: Path) -> None:
    app = application()
    image = QImage(str(papule_photo(folder)))
    dialog = PapuleCountDialog(
        photo_rules(),
        image,
        view="left forearm",
        title="left forearm, 21-Nov-2026",
        max_count=count_limit(forms()),
    )
    dialog.resize(1300, 740)
    dialog.move(20, 10)
    dialog.show()
    wait_until(lambda: dialog.windowHandle().isExposed(), "the window")
    dialog.activateWindow()
    wait_until(dialog.isActiveWindow, "the window to be active")
    counter = dialog.counter
    counter.canvas.setFocus()
    wait_until(counter.canvas.hasFocus, "the photo to have the focus")

    def xdotool(*args: str) -> None:
        subprocess.run(["xdotool", *args], check=True)

    def screen(p: Point) -> QPoint:
        v = counter.canvas.viewport_point_of(p)
        return counter.canvas.viewport().mapToGlobal(QPoint(int(v.x()), int(v.y())))

    def click(p: Point, then: Callable[[], object], what: str) -> None:
        g = screen(p)
        xdotool("mousemove", str(g.x()), str(g.y()), "click", "1")
        wait_until(then, what)

    def key(name: str, then: Callable[[], object], what: str) -> None:
        xdotool("key", name)
        wait_until(then, what)

    key("1", lambda: counter.canvas.zoom == 1.0, "1:1")
    key("alt+d", counter.distance.lineEdit().hasFocus, "the distance box")
    xdotool("key", "ctrl+a")
    xdotool("type", "20")
    wait_until(lambda: counter.distance.currentText() == "20", "20 mm typed")
    click(RULER_0, lambda: counter.canvas.pending_ruler_point == RULER_0, "the first ruler point")
    click(RULER_20, lambda: counter.count.square is not None, "the square")
    assert counter.count.square is not None
    start, end = screen(counter.count.square.centre), screen(SQUARE_CENTRE)
    xdotool("mousemove", str(start.x()), str(start.y()), "mousedown", "1")
    xdotool("mousemove", str((start.x() + end.x()) // 2), str((start.y() + end.y()) // 2))
    xdotool("mousemove", str(end.x()), str(end.y()), "mouseup", "1")
    wait_until(
        lambda: counter.count.square is not None and counter.count.square.centre == SQUARE_CENTRE,
        "the square dragged into place",
    )
    key("m", lambda: counter.tool == "mark", "the mark tool")
    for n, dot in enumerate(INSIDE + OUTSIDE, start=1):
        click(dot, lambda n=n: len(counter.count.marks) == n, f"mark {n}")
    found = {
        "count": counter.count.count,
        "shown": counter.total.text(),
        "marks_in_place": counter.count.marks == tuple(INSIDE + OUTSIDE),
    }
    key("ctrl+z", lambda: len(counter.count.marks) == 19, "undo")
    key("ctrl+shift+z", lambda: len(counter.count.marks) == 20, "redo")
    key("Next", lambda: counter.canvas.selected == 0, "a mark selected")
    key("Delete", lambda: len(counter.count.marks) == 19, "the selected mark deleted")
    found["after_delete"] = counter.count.count
    key("Escape", lambda: not dialog.isVisible(), "Escape to close the window")
    print(json.dumps(found))
    app.quit()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
