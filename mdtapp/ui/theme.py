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

BASE_POINT_SIZE = 10.0  # the text size at 100 % zoom; headings and painted labels scale from it


def style(zoom_percent: int = 100) -> str:
    """The application style sheet at a zoom (View -> Zoom): every size scales with it, so a
    projector or a high-resolution screen shows the same layout, larger."""

    def pt(size: float) -> str:
        return f"{size * zoom_percent / 100:.1f}pt"

    def px(size: float) -> str:
        return f"{max(1, round(size * zoom_percent / 100))}px"

    return f"""
QWidget {{ font-size: {pt(BASE_POINT_SIZE)}; }}
QMainWindow, QDialog {{ background: {GREY_5}; }}
QLabel[role="heading"] {{ font-size: {pt(12)}; font-weight: bold; color: {DARK_BLUE}; }}
QLabel[role="muted"] {{ color: {GREY_1}; }}
QLabel[role="error"] {{ color: {RED}; font-weight: bold; }}
QLabel[role="warning"] {{ color: #6b4600; background: {PALE_YELLOW}; padding: {px(2)} {px(4)}; }}
QFrame[role="card"] {{ background: {WHITE}; border: 1px solid {GREY_4}; border-radius: 4px; }}
QFrame#patientBanner {{ background: {DARK_BLUE}; }}
QFrame#patientBanner QLabel {{ color: {WHITE}; }}
QLabel#bannerName {{ font-size: {pt(14)}; font-weight: bold; }}
QLabel[role="total"] {{ font-size: {pt(13)}; font-weight: bold; }}
QLabel#papuleCountTotal {{ font-size: {pt(36)}; font-weight: bold; color: {DARK_BLUE}; }}
QFrame#draftBanner, QFrame#saveErrorBanner {{ background: {PALE_YELLOW};
    border: 1px solid {WARM_YELLOW}; }}
QFrame#saveErrorBanner {{ background: #fde7e5; border-color: {RED}; }}
*[invalid="true"] {{ border: 2px solid {RED}; }}
QPushButton[role="primary"] {{ background: {BLUE}; color: {WHITE}; font-weight: bold;
    padding: {px(5)} {px(14)}; border-radius: 3px; }}
QPushButton[role="primary"]:disabled {{ background: {GREY_3}; }}
QPushButton:focus, QToolButton:focus, QCheckBox:focus, QRadioButton:focus {{
    outline: 2px solid {WARM_YELLOW}; }}
QToolButton:focus {{ border: 2px solid {DARK_BLUE}; background: {PALE_YELLOW}; }}
QTabBar::tab {{ padding: {px(6)} {px(14)}; }}
QTabBar::tab:selected {{ font-weight: bold; color: {DARK_BLUE}; }}
QTableView {{ gridline-color: {GREY_4}; selection-background-color: #cfe3f7;
    selection-color: black; }}
QHeaderView::section {{ background: {GREY_4}; padding: {px(4)}; border: none;
    font-weight: bold; }}
"""


STYLE = style(100)
