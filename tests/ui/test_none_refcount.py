"""The Qt binding must keep Python's None alive while the app paints.

PySide6 6.12.0 on Python 3.11 drops a reference to None on void calls such as QPainter.setPen
and QPainter.setFont; after some thousands of paints the interpreter aborts ("Fatal Python error:
none_dealloc") in the middle of an assessment. pyproject.toml keeps that binding off Python 3.11;
this test proves the installed one is sound: it paints every view and every custom widget
thousands of times and types a whole assessment, and None must not lose references.

Run on the bad combination (PySide6 6.12.0 + Python 3.11) it fails with thousands lost.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

import mdtapp.ui.widgets as widgets_package

# A sound binding loses none; a small allowance absorbs the odd cached object Python itself
# lets go of while the test runs. The bad binding loses one per void call: many thousands.
ALLOWANCE = 100


class NoneWatch:
    """Counts the references None has lost since it started; fails as soon as they exceed the
    allowance, so a bad binding fails the test before it can abort the interpreter."""

    def __init__(self, what: str):
        self.what = what
        self.before = 0

    def check(self) -> None:
        lost = self.before - sys.getrefcount(None)
        assert lost < ALLOWANCE, (
            f"None lost {lost} references while {self.what}: this Qt binding "
            "(PySide6 6.12.0 on Python 3.11?) will abort the app mid-meeting"
        )


@contextmanager
def none_references_kept(what: str) -> Iterator[NoneWatch]:
    watch = NoneWatch(what)
    # the collector would free unrelated objects that hold None and blur the count
    gc.collect()
    gc.disable()
    try:
        watch.before = sys.getrefcount(None)
        yield watch
        watch.check()
    finally:
        gc.enable()


def _custom_widgets(root: QWidget) -> list[QWidget]:
    """Every widget under root whose class is one of mdtapp's own (they paint themselves)."""
    prefix = widgets_package.__name__.rsplit(".", 1)[0]  # mdtapp.ui
    found = [w for w in root.findChildren(QWidget) if type(w).__module__.startswith(prefix)]
    return [w for w in found if w.isVisible()]


def test_painting_every_view_and_typing_an_assessment_keeps_none_alive(qtbot, window, treated):
    from mdtapp.ui.views.workspace import TABS

    window.open_patient(treated, "overview")
    workspace = window.workspace
    with none_references_kept("painting every view and custom widget") as watch:
        for page in (window.patients, window.reviews):
            window.stack.setCurrentWidget(page)
            for _ in range(100):
                window.grab()
            watch.check()
        window.stack.setCurrentWidget(workspace)
        for name in TABS:
            workspace.show_tab(name)
            QApplication.processEvents()
            for _ in range(60):
                window.grab()
                watch.check()
            for widget in _custom_widgets(workspace.tabs.currentWidget()):
                for _ in range(40):
                    widget.repaint()
                watch.check()

    workspace.show_tab("assessment")
    editor = workspace.assessment
    with none_references_kept("typing a whole assessment") as watch:
        for _ in range(10):
            editor.grid.setFocus()
            qtbot.keyClicks(editor.grid, "01230123012301230123")
            for key in editor.vas:
                spin = editor.vas[key].mm
                spin.setFocus()
                qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
                qtbot.keyClicks(spin, "45")
                line = editor.vas[key].line
                line.setFocus()
                for _ in range(10):
                    qtbot.keyClick(line, Qt.Key.Key_Right)
            for _ in range(10):
                window.grab()
            watch.check()
