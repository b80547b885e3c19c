"""Application start-up: open the database, show the window, optionally open a patient.

Nothing heavy is imported before the first paint: charts, PDF and reportlab load when used.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from mdtapp.ui.theme import BASE_POINT_SIZE, style


def app_icon() -> QIcon:
    from mdtapp.paths import resources_dir

    icon = QIcon()
    for png in sorted((resources_dir() / "icons").glob("mdtapp-*.png")):
        icon.addFile(str(png))
    return icon


def application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        from mdtapp.paths import qt_font_dir

        fonts = qt_font_dir()
        if fonts is not None:  # read only by platforms without the system's fonts (offscreen)
            os.environ.setdefault("QT_QPA_FONTDIR", str(fonts))
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("mdtapp")
    app.setOrganizationName("mdtapp")
    app.setDesktopFileName("mdtapp")  # matches packaging/linux/mdtapp.desktop
    if app.windowIcon().isNull():
        app.setWindowIcon(app_icon())
    from mdtapp.preferences import load_preferences

    apply_zoom(app, load_preferences().zoom_percent)
    return app


def apply_zoom(app: QApplication, zoom_percent: int) -> None:
    """Every view at `zoom_percent` of its normal size (View -> Zoom; remembered per machine)."""
    sheet = style(zoom_percent)
    if app.styleSheet() != sheet:  # setting it again re-polishes every widget alive
        app.setStyleSheet(sheet)
    font = app.font()
    size = BASE_POINT_SIZE * zoom_percent / 100
    if font.pointSizeF() != size:  # custom-painted widgets scale their text from this font
        font.setPointSizeF(size)
        app.setFont(font)


class _QuitWhenPainted(QObject):
    """Quits the event loop once the watched widget has painted with the patient list filled
    (start-up benchmark, smoke): the first paint, with an empty list, does not count."""

    def __init__(self, app: QApplication, watched: QWidget, ready: Callable[[], bool]):
        super().__init__()
        self.app = app
        self.ready = ready
        watched.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Paint and self.ready():
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self.app.quit)
        return False


class _FillWhenPainted(QObject):
    """Fills the patient list after the window's first paint: the window appears at once, and
    the list (read from the database) follows in the same second."""

    def __init__(self, window: QWidget):
        super().__init__()
        self.window = window
        window.patients.table.viewport().installEventFilter(self)  # type: ignore[attr-defined]

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self._fill)
        return False

    def _fill(self) -> None:
        patients = self.window.patients  # type: ignore[attr-defined]
        if not patients.filled:
            patients.refresh()


def sign_in(args: argparse.Namespace) -> tuple[object | None, str]:
    """The signed-in store, or why not. MDTAPP_USER and MDTAPP_PASSWORD sign in without a
    dialog (automation: smoke tests, benchmarks, screenshots); otherwise a dialog asks."""
    import os

    from mdtapp.store import access
    from mdtapp.store.database import resolve_db_path
    from mdtapp.store.errors import StoreError

    path = resolve_db_path(getattr(args, "db", None))
    plaintext = bool(getattr(args, "plaintext", False))
    user, password = os.environ.get("MDTAPP_USER"), os.environ.get("MDTAPP_PASSWORD")
    try:
        if user and password:
            return access.open_as(path, user, password, plaintext=plaintext), ""
        from mdtapp.ui.login import FirstRunDialog, LoginDialog  # only when a dialog asks

        if access.needs_new_password(path):
            dialog: FirstRunDialog | LoginDialog = FirstRunDialog(path, plaintext=plaintext)
        else:
            dialog = LoginDialog(path, username=user or "")
    except StoreError as e:
        return None, str(e)
    if not dialog.exec() or dialog.store is None:
        return None, "not signed in"
    return dialog.store, ""


def open_window(
    args: argparse.Namespace, *, list_after_paint: bool = False
) -> tuple[QApplication, QWidget | None, str]:
    """The signed-in main window, not yet shown. `list_after_paint`: the patient list is left
    empty for `run` to fill once the window has painted (not when a patient is opened)."""
    from mdtapp.ui.main_window import MainWindow
    from mdtapp.ui.session import Session

    app = application()
    store, problem = sign_in(args)
    if store is None:
        return app, None, problem
    opening = bool(getattr(args, "open", None))
    window = MainWindow(
        Session(store, plaintext=not store.encrypted),  # type: ignore[arg-type, attr-defined]
        fill_list=opening or not list_after_paint,
    )
    window.resize(1366, 768)
    problem = ""
    if opening:
        problem = window.open_nhs(args.open) or ""
    return app, window, problem


def _crash_notice(window: QWidget | None) -> object:
    def notify(text: str) -> None:
        if window is not None:
            window.workspace_flush()  # type: ignore[attr-defined]
        QMessageBox.critical(window, "mdtapp", text)

    return notify


def run(args: argparse.Namespace) -> int:
    from mdtapp import crash

    app, window, problem = open_window(args, list_after_paint=True)
    crash.install(_crash_notice(window))  # type: ignore[arg-type]
    if window is None:
        if args.quit_when_ready:
            print(f"mdtapp: {problem}", file=sys.stderr)
            return 1
        QMessageBox.critical(None, "mdtapp cannot open the database", problem)
        return 1
    filler = _FillWhenPainted(window)
    window.show()
    if problem:
        window.statusBar().showMessage(problem, 15000)  # type: ignore[attr-defined]
    if args.quit_when_ready:
        target = window.patients.table.viewport()  # type: ignore[attr-defined]
        ready = lambda: window.patients.filled  # type: ignore[attr-defined]  # noqa: E731
        if window.stack.currentWidget() is not window.patients:  # type: ignore[attr-defined]
            target = window.stack.currentWidget()  # type: ignore[attr-defined]
            ready = lambda: True  # noqa: E731
        watcher = _QuitWhenPainted(app, target, ready)
        code = app.exec()
        del watcher, filler
        if problem:
            print(f"mdtapp: {problem}", file=sys.stderr)
            return 1
        return int(code)
    code = app.exec()
    del filler
    return int(code)
