"""Colours and the application style sheet. Meaning never rests on colour alone: every coloured
state also has a word, a digit or a symbol."""

from __future__ import annotations

# NHS identity palette
BLUE = "#005eb8"
DARK_BLUE = "#003087"
RED = "#d5281b"
GREEN = "#007f3b"
WARM_YELLOW = "#ffb81c"
PALE_YELLOW = "#fff9c4"
GREY_1 = "#425563"
GREY_3 = "#aeb7bd"
GREY_4 = "#d8dde0"
GREY_5 = "#f0f4f5"
WHITE = "#ffffff"

# mRSS severity: none, mild, moderate, severe
SEVERITY = ("#e8f1ee", "#f9d88c", "#ef9a4a", "#c63d2f")
SEVERITY_TEXT = ("#1f2d33", "#1f2d33", "#1f2d33", "#ffffff")
NOT_ASSESSED = "#c9ced2"
BLANK = "#ffffff"

STATE_COLOURS = {"met": GREEN, "not_met": RED, "unknown": GREY_1, "warning": "#8a5a00"}
STATE_SYMBOLS = {"met": "✓", "not_met": "✗", "unknown": "?", "warning": "!"}

STYLE = f"""
QWidget {{ font-size: 10pt; }}
QMainWindow, QDialog {{ background: {GREY_5}; }}
QLabel[role="heading"] {{ font-size: 12pt; font-weight: bold; color: {DARK_BLUE}; }}
QLabel[role="muted"] {{ color: {GREY_1}; }}
QLabel[role="error"] {{ color: {RED}; font-weight: bold; }}
QLabel[role="warning"] {{ color: #6b4600; background: {PALE_YELLOW}; padding: 2px 4px; }}
QFrame[role="card"] {{ background: {WHITE}; border: 1px solid {GREY_4}; border-radius: 4px; }}
QFrame#patientBanner {{ background: {DARK_BLUE}; }}
QFrame#patientBanner QLabel {{ color: {WHITE}; }}
QFrame#draftBanner, QFrame#saveErrorBanner {{ background: {PALE_YELLOW};
    border: 1px solid {WARM_YELLOW}; }}
QFrame#saveErrorBanner {{ background: #fde7e5; border-color: {RED}; }}
*[invalid="true"] {{ border: 2px solid {RED}; }}
QPushButton[role="primary"] {{ background: {BLUE}; color: {WHITE}; font-weight: bold;
    padding: 5px 14px; border-radius: 3px; }}
QPushButton[role="primary"]:disabled {{ background: {GREY_3}; }}
QTabBar::tab {{ padding: 6px 14px; }}
QTabBar::tab:selected {{ font-weight: bold; color: {DARK_BLUE}; }}
QTableView {{ gridline-color: {GREY_4}; selection-background-color: #cfe3f7;
    selection-color: black; }}
QHeaderView::section {{ background: {GREY_4}; padding: 4px; border: none;
    font-weight: bold; }}
"""
