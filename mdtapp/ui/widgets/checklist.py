"""The eligibility checklist: each criterion's state in words and symbol, the verdict and why."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from mdtapp.domain.eligibility import EligibilityResult
from mdtapp.ui import theme


def checklist_html(result: EligibilityResult | None) -> str:
    if result is None:
        return "<i>Eligibility not recorded yet.</i>"
    colour = {"eligible": theme.GREEN, "incomplete": theme.GREY_1, "not_eligible": theme.RED}[
        result.status
    ]
    rows = []
    for item in result.items:
        symbol = theme.STATE_SYMBOLS[item.state]
        rows.append(
            f"<tr><td style='color:{theme.STATE_COLOURS[item.state]};"
            f"font-weight:bold'>{symbol}</td><td>{escape(item.label)}</td>"
            f"<td style='color:{theme.GREY_1}'>{escape(item.detail)}</td></tr>"
        )
    start = []
    for item in result.starting:
        symbol = theme.STATE_SYMBOLS[item.state]
        start.append(
            f"<tr><td style='color:{theme.STATE_COLOURS[item.state]};"
            f"font-weight:bold'>{symbol}</td><td>{escape(item.label)}</td>"
            f"<td style='color:{theme.GREY_1}'>{escape(item.detail)}</td></tr>"
        )
    reasons = "".join(f"<li>{escape(r)}</li>" for r in result.reasons)
    return (
        f"<p style='font-size:large'><b style='color:{colour}'>{escape(result.verdict)}"
        f"</b></p><ul style='margin-top:0'>{reasons}</ul>"
        f"<table cellspacing='2' cellpadding='2'>{''.join(rows)}</table>"
        f"<p><b>Starting requirements</b> "
        f"({'all met' if result.ready_to_start else 'not all met yet'})</p>"
        f"<table cellspacing='2' cellpadding='2'>{''.join(start)}</table>"
    )


class Checklist(QWidget):
    def __init__(self, object_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName("Eligibility checklist")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setObjectName(f"{object_name}Text")
        layout.addWidget(self.label)

    def show_result(self, result: EligibilityResult | None) -> None:
        self.label.setText(checklist_html(result))
        self.setAccessibleDescription(result.verdict if result else "not recorded")
