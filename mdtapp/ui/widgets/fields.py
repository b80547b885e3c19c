"""Input fields that say what they accept and mark themselves when they do not get it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QLineEdit, QSizePolicy, QWidget

from mdtapp.domain.dates import format_date
from mdtapp.domain.errors import FieldError

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


DATE_EXAMPLES = "e.g. 07/03/1971, 07031971 or 7 Mar 1971"


def parse_uk_date(text: str) -> date | None:
    """A date typed the common UK ways: 7/3/1971, 07/03/1971, 07-03-1971, 07.03.1971,
    07031971, 7 Mar 1971, 7 March 1971, 07-Mar-1971, or 1971-03-07; None if not a date.
    Two-digit years are refused: 7/3/71 could be 1871, 1971 or 2071 (a date of birth)."""
    text = " ".join(text.split())
    sep = r"\s*[/.\-]\s*|\s"
    try:
        m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
        m = re.fullmatch(rf"(\d{{1,2}})(?:{sep})(\d{{1,2}})(?:{sep})(\d{{4}})", text)
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
        m = re.fullmatch(r"(\d{2})(\d{2})(\d{4})", text)  # ddmmyyyy, typed without separators
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
        m = re.fullmatch(
            rf"(\d{{1,2}})(?:{sep})([A-Za-z]{{3}})[A-Za-z]*\.?(?:{sep})(\d{{4}})", text
        )
        if m and m[2].lower() in _MONTHS:
            return date(int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
    except ValueError:
        return None
    return None


def mark(widget: QWidget, invalid: bool, message: str = "") -> None:
    """Show a field as invalid (red border, the message as its tooltip) or clear it."""
    widget.setProperty("invalid", invalid)
    widget.setToolTip(message)
    if invalid:
        widget.setAccessibleDescription(message)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def mark_errors(widgets: Mapping[str, QWidget], errors: Iterable[FieldError]) -> None:
    """Mark each field a validation error names (by its field, else by the part before the
    first dot: "papules.count" -> "papules"), and clear the others."""
    bad: dict[QWidget, str] = {}
    for e in errors:
        widget = widgets.get(e.field) or widgets.get(e.field.split(".")[0])
        if widget is not None:
            bad[widget] = e.message
    for widget in widgets.values():
        mark(widget, widget in bad, bad.get(widget, ""))


def error_text(widgets: Mapping[str, QWidget], errors: Iterable[FieldError]) -> str:
    """One line per problem, each naming the field as the form labels it (its accessible
    name), never the internal key: "Height (cm): must be 120-230 cm; got 16.5"."""
    lines = []
    for e in errors:
        widget = widgets.get(e.field) or widgets.get(e.field.split(".")[0])
        label = widget.accessibleName() if widget is not None else ""
        if not label:
            label = e.field.replace("_", " ").replace(".", " ")
            label = label[:1].upper() + label[1:]
        lines.append(f"{label}: {e.message}")
    return "\n".join(lines)


class DateField(QLineEdit):
    """A date typed the way people type them; shown back as dd-Mmm-yyyy."""

    date_changed = Signal()

    def __init__(self, object_name: str, accessible: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName(accessible)
        self.setPlaceholderText("dd/mm/yyyy")
        self.setToolTip(f"Type a date: {DATE_EXAMPLES}")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.editingFinished.connect(self._normalise)
        self.textChanged.connect(lambda _: self.date_changed.emit())

    def sizeHint(self) -> QSize:
        # a whole date at any zoom ("30-Sep-2026", with room for a wrong entry to be seen)
        return QSize(
            self.fontMetrics().horizontalAdvance("30-Sep-20266") + 16, super().sizeHint().height()
        )

    def value(self) -> date | None:
        return parse_uk_date(self.text())

    def set_value(self, value: date | None) -> None:
        self.setText(format_date(value) if value else "")

    def message(self, *, required: bool) -> str:
        """What is wrong with the date typed, without the field's name; "" when it is fine."""
        if not self.text().strip():
            return f"is required ({DATE_EXAMPLES})" if required else ""
        if self.value() is None:
            return f"“{self.text().strip()}” is not a date ({DATE_EXAMPLES})"
        return ""

    def problem(self, *, required: bool, label: str) -> str:
        message = self.message(required=required)
        return (
            f"{label} {message}"
            if message.startswith("is ")
            else (f"{label}: {message}" if message else "")
        )

    def _normalise(self) -> None:
        value = self.value()
        if value is not None:
            self.blockSignals(True)
            self.setText(format_date(value))
            self.blockSignals(False)
