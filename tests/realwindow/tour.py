"""Every view of the app, in turn, for screenshots: the patient list, the reviews dashboard and
each tab of an open patient (the demo patient with the most history)."""

from __future__ import annotations

from tests.realwindow.harness import Driver

USER, PASSWORD = "nina", "nina-passphrase"


def offscreen_widgets(window) -> list[str]:
    """Buttons, fields and tables of the current page that lie (partly) outside the window."""
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QLineEdit, QScrollArea

    page = window.stack.currentWidget()
    inside = window.rect()
    found = []
    widgets = [
        w
        for kind in (QAbstractButton, QLineEdit, QAbstractItemView)
        for w in page.findChildren(kind)
    ]
    for w in widgets:
        if not w.isVisible() or any(isinstance(p, QScrollArea) for p in _parents(w, page)):
            continue  # inside a scroll area it can be scrolled to
        rect = w.rect().translated(w.mapTo(window, w.rect().topLeft()))
        if not inside.contains(rect):
            found.append(w.objectName() or type(w).__name__)
    return found


def _parents(w, stop):
    p = w.parentWidget()
    while p is not None and p is not stop:
        yield p
        p = p.parentWidget()


def scenario(d: Driver) -> None:
    d.wait_window("loginDialog")
    d.type(USER)
    d.key("Tab")
    d.type(PASSWORD)
    d.key("Return")
    window = d.wait_window("mainWindow")
    d.gui(window.showMaximized)
    d.settle()
    size = d.gui(lambda: (window.width(), window.height(), window.minimumSizeHint().width()))
    d.record("window", size)
    off = {}
    d.shot("patients")
    off["patients"] = d.gui(lambda: offscreen_widgets(window))
    d.key("ctrl+2")
    d.shot("reviews")
    off["reviews"] = d.gui(lambda: offscreen_widgets(window))
    d.gui(lambda: window.open_nhs("9990001030"))
    for tab, key in (
        ("overview", "alt+o"),
        ("eligibility", "alt+e"),
        ("assessment", "alt+a"),
        ("treatment", "alt+t"),
        ("decisions", "alt+d"),
        ("photos", "alt+p"),
        ("history", "alt+y"),
    ):
        d.key(key)
        d.shot(tab)
        off[tab] = d.gui(lambda: offscreen_widgets(window))
    d.record("offscreen", off)
