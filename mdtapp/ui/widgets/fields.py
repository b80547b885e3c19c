"""Input fields that say what they accept and mark themselves when they do not get it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLineEdit, QWidget

from mdtapp.domain.dates import format_date
from mdtapp.domain.errors import FieldError

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


def parse_uk_date(text: str) -> date | None:
    """dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy, dd-Mmm-yyyy or yyyy-mm-dd; None if not a date."""
    text = text.strip()
    try:
        m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
        m = re.fullmatch(r"(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})", text)
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
        m = re.fullmatch(r"(\d{1,2})[/.\- ]([A-Za-z]{3})[A-Za-z]*[/.\- ](\d{4})", text)
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


class DateField(QLineEdit):
    """A date typed the way people type them; shown back as dd-Mmm-yyyy."""

    date_changed = Signal()

    def __init__(self, object_name: str, accessible: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName(accessible)
        self.setPlaceholderText("dd/mm/yyyy")
        self.setMaximumWidth(130)
        self.editingFinished.connect(self._normalise)
        self.textChanged.connect(lambda _: self.date_changed.emit())

    def value(self) -> date | None:
        return parse_uk_date(self.text())

    def set_value(self, value: date | None) -> None:
        self.setText(format_date(value) if value else "")

    def problem(self, *, required: bool, label: str) -> str:
        if not self.text().strip():
            return f"{label} is required (dd/mm/yyyy)" if required else ""
        if self.value() is None:
            return f"{label}: {self.text()!r} is not a date (dd/mm/yyyy)"
        return ""

    def _normalise(self) -> None:
        value = self.value()
        if value is not None:
            self.blockSignals(True)
            self.setText(format_date(value))
            self.blockSignals(False)
