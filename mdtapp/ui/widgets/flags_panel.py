"""Response and the four stopping criteria, each with the numbers that raised it."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from mdtapp.domain.dates import format_date
from mdtapp.domain.forms import ResponseRules
from mdtapp.domain.response import BASELINE_RULE, Evaluation
from mdtapp.ui import theme


class FlagsPanel(QFrame):
    def __init__(self, rules: ResponseRules, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("flagsPanel")
        self.setProperty("role", "card")
        self.setAccessibleName("Response and stopping criteria")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        title = QLabel("Response and stopping criteria")
        title.setProperty("role", "heading")
        title.setWordWrap(True)
        layout.addWidget(title)
        self.response = QLabel()
        self.response.setObjectName("responseStatus")
        self.response.setWordWrap(True)
        layout.addWidget(self.response)
        self.rows: dict[str, QLabel] = {}
        for flag in rules.flags:
            label = QLabel()
            label.setObjectName(f"flag_{flag.key}")
            label.setWordWrap(True)
            label.setProperty("raised", False)
            layout.addWidget(label)
            self.rows[flag.key] = label
        self.notes = QLabel()
        self.notes.setProperty("role", "muted")
        self.notes.setWordWrap(True)
        layout.addWidget(self.notes)
        layout.addStretch(1)
        self.rules = rules
        self.show_evaluation(None)

    def raised(self) -> list[str]:
        return [key for key, label in self.rows.items() if label.property("raised")]

    def show_evaluation(self, ev: Evaluation | None) -> None:
        if ev is None:
            self.response.setText("No assessment yet.")
        elif not ev.on_treatment:
            # the one definition of the baseline, worded once (domain.md section 5)
            role = (
                "This is the baseline"
                if ev.baseline_date is not None and ev.baseline_date == ev.date
                else "Before treatment"
            )
            self.response.setText(
                f"{role}: the baseline is {BASELINE_RULE}; stopping criteria apply once "
                "immunoglobulin has started."
            )
        else:
            colour = (
                theme.GREEN if ev.response else theme.RED if ev.response is False else theme.GREY_1
            )
            lines = "".join(f"<br>&nbsp;&nbsp;• {escape(x.text)}" for x in ev.response_evidence)
            self.response.setText(
                f"<b style='color:{colour}'>{escape(ev.response_text)}</b> vs baseline "
                f"{format_date(ev.baseline_date)}{lines}"
            )
        flags = {f.key: f for f in ev.flags} if ev else {}
        for key, label in self.rows.items():
            definition = self.rules.flag(key)
            flag = flags.get(key)
            raised = bool(flag and flag.raised)
            label.setProperty("raised", raised)
            if raised and flag:
                evidence = "".join(f"<br>&nbsp;&nbsp;• {escape(x.text)}" for x in flag.evidence)
                notes = "".join(f"<br>&nbsp;&nbsp;<i>{escape(n)}</i>" for n in flag.notes)
                label.setText(
                    f"<span style='color:{theme.RED}'><b>⚠ MET: "
                    f"{escape(definition.label)}</b></span>{evidence}{notes}"
                )
                label.setAccessibleName(f"Stopping criterion met: {definition.label}")
            elif flag and ev and ev.on_treatment and not flag.assessable:
                # judged only on what was recorded: an empty form is neither met nor not met
                label.setText(
                    f"<span style='color:{theme.GREY_1}'>◌ Not yet assessable: "
                    f"{escape(definition.label)}</span>"
                )
                label.setAccessibleName(
                    f"Stopping criterion not yet assessable: {definition.label}"
                )
            else:
                label.setText(
                    f"<span style='color:{theme.GREY_1}'>○ Not met: "
                    f"{escape(definition.label)}</span>"
                )
                label.setAccessibleName(f"Stopping criterion not met: {definition.label}")
        self.notes.setText("<br>".join(escape(n) for n in ev.notes) if ev and ev.notes else "")
        self.notes.setVisible(bool(ev and ev.notes))
