"""Application start-up (placeholder window until the MDT workspace lands)."""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("mdtapp")
    window.setCentralWidget(QLabel("mdtapp — the MDT workspace is being built."))
    window.resize(1024, 700)
    window.show()
    if args.quit_when_ready:
        QTimer.singleShot(0, app.quit)
    return int(app.exec())
