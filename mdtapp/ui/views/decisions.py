"""MDT decisions: what was decided, why, by whom, the next review; the flags on screen at the
time are saved with the decision."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from html import escape

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from mdtapp.domain.dates import add_months, format_date
from mdtapp.domain.errors import FieldError, ValidationError
from mdtapp.domain.meeting import Attendee, attendee_text, quorum
from mdtapp.domain.model import Decision, validate_decision
from mdtapp.domain.nhs_number import format_nhs_number
from mdtapp.domain.record import patient_state
from mdtapp.store.errors import StoreError
from mdtapp.store.models import Saved
from mdtapp.store.repository import PatientFile
from mdtapp.ui import theme
from mdtapp.ui.models.records import RecordTableModel
from mdtapp.ui.session import Session
from mdtapp.ui.views.assessment import card
from mdtapp.ui.widgets.fields import DateField, error_text, mark_errors
from mdtapp.ui.widgets.sign_dialog import SignDialog, SignInPlaceDialog
from mdtapp.ui.widgets.tables import record_table

# In a meeting: the meeting's uid and the attendees present now (the meeting view provides it)
MeetingNow = Callable[[], tuple[str, tuple[Attendee, ...]] | None]


def _text_box(name: str, accessible: str, height: int = 52) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setObjectName(name)
    box.setAccessibleName(accessible)
    box.setTabChangesFocus(True)
    box.setFixedHeight(height)
    return box


class DecisionsView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.forms = session.forms
        self.file: PatientFile | None = None
        self.current_flags: tuple[str, ...] = ()
        self.meeting_now: MeetingNow | None = None  # set by the meeting view
        self.setObjectName("decisions")
        outer = QHBoxLayout(self)
        form_card, layout = card("Record the MDT decision")
        form = QFormLayout()
        self.date = DateField("decisionDate", "Decision date")
        self.kind = QComboBox()
        self.kind.setObjectName("decisionKind")
        self.kind.setAccessibleName("Decision")
        self.kind.addItem("— choose —", None)
        for choice in self.forms.decisions:
            self.kind.addItem(choice.label, choice.key)
        self.reason = _text_box("decisionReason", "Reason for the decision", 70)
        self.clinicians = QLineEdit()
        self.clinicians.setObjectName("decisionClinicians")
        self.clinicians.setAccessibleName("Clinicians present")
        self.clinicians.setPlaceholderText("names separated by ;")
        review_row = QHBoxLayout()
        self.next_review = DateField("decisionNextReview", "Next review date")
        review_row.addWidget(self.next_review)
        for months in (3, 6, 12):
            button = QPushButton(f"+{months} months")
            button.setObjectName(f"review_plus_{months}")
            button.clicked.connect(lambda _=False, m=months: self._set_review(m))
            review_row.addWidget(button)
        review_row.addStretch(1)
        self.actions_gp = _text_box("actionsGp", "Requested actions for the GP")
        self.actions_centre = _text_box(
            "actionsLocalCentre", "Requested actions for the local treating centre"
        )
        self.actions_patient = _text_box("actionsPatient", "Information for the patient")
        form.addRow("Date", self.date)
        form.addRow("Decision", self.kind)
        form.addRow("Reason", self.reason)
        form.addRow("Clinicians", self.clinicians)
        self.clinicians_label = form.labelForField(self.clinicians)
        # in a meeting: who is present and whether that makes the decision joint, live
        self.present = QLabel()
        self.present.setObjectName("decisionPresent")
        self.present.setWordWrap(True)
        self.present.setVisible(False)
        form.addRow(self.present)
        form.addRow("Next review", review_row)
        form.addRow("GP, please", self.actions_gp)
        form.addRow("Local centre, please", self.actions_centre)
        form.addRow("For the patient", self.actions_patient)
        layout.addLayout(form)
        self.flags_now = QLabel()
        self.flags_now.setObjectName("decisionFlags")
        self.flags_now.setWordWrap(True)
        layout.addWidget(self.flags_now)
        self.errors = QLabel()
        self.errors.setProperty("role", "error")
        self.errors.setWordWrap(True)
        self.errors.setObjectName("decisionErrors")
        layout.addWidget(self.errors)
        self.save_button = QPushButton("Save decision")
        self.save_button.setObjectName("saveDecision")
        self.save_button.setProperty("role", "primary")
        self.save_button.clicked.connect(self.save)
        layout.addWidget(self.save_button)
        layout.addStretch(1)
        outer.addWidget(form_card, 3)
        list_card, list_layout = card("Decisions so far")
        labels = self.kind_labels = {c.key: c.label for c in self.forms.decisions}
        flag_labels = {f.key: f.label for f in self.forms.response.flags}
        # the short columns first, the free text last: Date and Signed never scroll out of view
        self.model = RecordTableModel(
            [
                ("Date", lambda s: format_date(s.value.date)),
                ("Decision", lambda s: labels.get(s.value.decision, s.value.decision)),
                ("Signed", self._signed_text),
                ("Next review", lambda s: format_date(s.value.next_review)),
                (
                    "Flags at the time",
                    lambda s: (
                        "; ".join(flag_labels.get(f, f) for f in s.value.flags_at_decision)
                        or "none"
                    ),
                ),
                ("Clinicians", lambda s: "; ".join(s.value.clinicians)),
                ("Reason", lambda s: s.value.reason),
            ]
        )
        self.table = record_table(self.model, "decisionHistory", "Decisions so far")
        header = self.table.horizontalHeader()
        for column in range(self.model.columnCount() - 1):
            # long texts are cut short (the whole text is the cell's tooltip)
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        widths = {
            "Date": "30-Sep-2026",
            "Decision": "Lengthen interval",
            "Signed": "not signed",
            "Next review": "30-Sep-2026",
            "Flags at the time": "none",
            "Clinicians": "Dr A Rheum",
        }
        metrics = self.table.fontMetrics()
        for column, (title, _) in enumerate(self.model.columns[:-1]):
            header.resizeSection(column, metrics.horizontalAdvance(widths[title]) + 28)
        list_layout.addWidget(self.table)
        self.sign_button = QPushButton("Sign the selected decision…")
        self.sign_button.setObjectName("signDecision")
        self.sign_message = QLabel()
        self.sign_message.setObjectName("signDecisionMessage")
        self.sign_message.setWordWrap(True)
        self.sign_in_place_button = QPushButton("Sign in place (another clinician)…")
        self.sign_in_place_button.setObjectName("signDecisionInPlace")
        self.sign_in_place_button.setToolTip(
            "A clinician signs with their own user name and password; no one signs out"
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_button)
        buttons.addWidget(self.sign_in_place_button)
        list_layout.addLayout(buttons)
        list_layout.addWidget(self.sign_message)
        self.sign_button.clicked.connect(self._on_sign_clicked)
        self.sign_in_place_button.clicked.connect(self._on_sign_in_place_clicked)
        outer.addWidget(list_card, 4)

    def _signed_text(self, saved: Saved[Decision]) -> str:
        signed = self.session.store.signatures("decisions", saved.uid, saved.version)
        return "; ".join(f"{x.name}, {x.signed_at_text}" for x in signed) or "not signed"

    def sign_selected(self, password: str) -> bool:
        rows = self.table.selectionModel().selectedRows()
        if self.file is None or not rows:
            self.sign_message.setText("Select a decision to sign")
            return False
        saved = self.model.rows[rows[0].row()]
        try:
            self.session.store.sign("decisions", saved.uid, saved.version, password)
        except StoreError as e:
            self.sign_message.setText(f"Not signed: {e}")
            return False
        self.sign_message.setText(f"Signed the decision of {format_date(saved.value.date)}")
        self.session.notify_saved(self.file.uid)
        return True

    def _selected_to_sign(self) -> Saved[Decision] | None:
        """The decision selected in the table, or None (and the message asking for one)."""
        rows = self.table.selectionModel().selectedRows()
        if self.file is None or not rows:
            self.sign_message.setText("Select a decision to sign")
            return None
        saved: Saved[Decision] = self.model.rows[rows[0].row()]
        return saved

    def _signing_what(self, saved: Saved[Decision]) -> str:
        """What is being signed, as both sign dialogs say it."""
        assert self.file is not None
        kind = self.kind_labels.get(saved.value.decision, saved.value.decision)
        patient = self.file.patient.value
        return (
            f"{kind} — decision of {format_date(saved.value.date)} for "
            f"{patient.display_name}, NHS No. {format_nhs_number(patient.nhs_number)}."
        )

    def _on_sign_clicked(self) -> None:
        saved = self._selected_to_sign()
        if saved is None:
            return
        dialog = SignDialog(
            "Sign the MDT decision",
            self._signing_what(saved),
            "Signing confirms this decision as recorded. Once signed it changes only by "
            "amendment, with a reason.",
            self.session.store.principal.display_name,
            self,
        )
        if dialog.exec():
            self.sign_selected(dialog.take_password())

    def sign_selected_in_place(self, username: str, password: str) -> bool:
        """Another clinician signs the selected decision at this session (the MDT's laptop)."""
        rows = self.table.selectionModel().selectedRows()
        if self.file is None or not rows:
            self.sign_message.setText("Select a decision to sign")
            return False
        saved = self.model.rows[rows[0].row()]
        try:
            signed = self.session.store.sign_in_place(
                "decisions", saved.uid, saved.version, username=username, password=password
            )
        except ValidationError as e:
            self.sign_message.setText("Not signed: " + "; ".join(str(x) for x in e.errors))
            return False
        except StoreError as e:
            self.sign_message.setText(f"Not signed: {e}")
            return False
        self.sign_message.setText(
            f"Signed by {signed.name} in place: the decision of {format_date(saved.value.date)}"
        )
        self.session.notify_saved(self.file.uid)
        return True

    def _on_sign_in_place_clicked(self) -> None:
        saved = self._selected_to_sign()
        if saved is None:
            return
        dialog = SignInPlaceDialog(
            "Sign the MDT decision in place",
            self._signing_what(saved),
            "A clinician signs with their own user name and password; whoever is signed in "
            "stays signed in. Once signed it changes only by amendment, with a reason.",
            self,
        )
        if dialog.exec():
            self.sign_selected_in_place(dialog.take_username(), dialog.take_password())

    def refresh_meeting(self) -> None:
        """In a meeting: the people present now and whether a decision now is joint."""
        now = self.meeting_now() if self.meeting_now else None
        self.present.setVisible(now is not None)
        self.clinicians.setVisible(now is None)
        self.clinicians_label.setVisible(now is None)
        if now is None:
            return
        _, present = now
        rules = self.forms.meeting
        q = quorum(present, rules)
        people = (
            "; ".join(escape(attendee_text(a, rules)) for a in present) or "nobody marked present"
        )
        colour = theme.GREEN if q.quorate else theme.RED
        verdict = (
            "Joint: rheumatology and dermatology present"
            if q.quorate
            else "NOT joint: " + ", ".join(f"no {m.lower()}" for m in q.missing) + " present"
        )
        self.present.setText(
            f"<b>Present:</b> {people}<br><b style='color:{colour}'>{escape(verdict)}</b>"
        )

    def _set_review(self, months: int) -> None:
        start = self.date.value() or self.session.today()
        self.next_review.set_value(add_months(start, months))

    def show_file(self, file: PatientFile) -> None:
        if self.file is None or self.file.uid != file.uid:
            self.sign_message.clear()  # a message about another patient's decision goes
        self.file = file
        self.model.set_rows(list(reversed(file.decisions)))
        state = patient_state(file.record, today=self.session.today(), forms=self.forms)
        raised = state.evaluation.raised if state.evaluation else ()
        self.current_flags = tuple(f.key for f in raised)
        if raised:
            lines = "".join(
                f"<li><b>{escape(f.label)}</b>: "
                + "; ".join(escape(x.text) for x in f.evidence)
                + "</li>"
                for f in raised
            )
            self.flags_now.setText(
                "<b style='color:#d5281b'>⚠ Stopping criteria met at the "
                f"latest assessment</b> (saved with this decision):<ul>"
                f"{lines}</ul>"
            )
        else:
            self.flags_now.setText("No stopping criteria met at the latest assessment.")
        self.date.set_value(self.session.today())
        self.kind.setCurrentIndex(0)
        for box in (self.reason, self.actions_gp, self.actions_centre, self.actions_patient):
            box.clear()
        self.clinicians.clear()
        self.next_review.set_value(None)
        self.errors.clear()
        self.refresh_meeting()

    def decision(self) -> tuple[Decision, list[FieldError]]:
        errors: list[FieldError] = []
        on = self.date.value()
        if on is None:
            errors.append(FieldError("date", self.date.problem(required=True, label="Date")))
        problem = self.next_review.problem(required=False, label="Next review")
        if problem:
            errors.append(FieldError("next_review", problem))
        if self.kind.currentData() is None:
            errors.append(FieldError("decision", "choose the decision"))
        now = self.meeting_now() if self.meeting_now else None
        value = Decision(
            date=on or self.session.today(),
            decision=self.kind.currentData() or "",
            reason=self.reason.toPlainText().strip(),
            clinicians=tuple(c.strip() for c in self.clinicians.text().split(";") if c.strip()),
            next_review=self.next_review.value(),
            flags_at_decision=self.current_flags,
            actions_gp=self.actions_gp.toPlainText().strip(),
            actions_local_centre=self.actions_centre.toPlainText().strip(),
            actions_patient=self.actions_patient.toPlainText().strip(),
        )
        if now is not None:
            # taken in the meeting: who is present at this moment decides joint or not joint
            meeting_uid, present = now
            people = tuple(Attendee(a.name, a.role) for a in present)
            value = replace(
                value,
                clinicians=tuple(attendee_text(a, self.forms.meeting) for a in people),
                meeting_uid=meeting_uid,
                present=people,
                joint=quorum(people, self.forms.meeting).quorate,
            )
        seen = {e.field for e in errors}
        errors += [
            e
            for e in validate_decision(value, self.forms, self.session.today())
            if e.field not in seen
        ]
        return value, errors

    def save(self) -> bool:
        if self.file is None:
            return False
        value, errors = self.decision()
        widgets = {
            "date": self.date,
            "decision": self.kind,
            "reason": self.reason,
            "next_review": self.next_review,
        }
        mark_errors(widgets, errors)
        if errors:
            self.errors.setText("Not saved: " + error_text(widgets, errors).replace("\n", "; "))
            return False
        try:
            self.session.store.save("decisions", self.file.uid, value)
        except ValidationError as e:
            self.errors.setText("Not saved: " + error_text(widgets, e.errors).replace("\n", "; "))
            return False
        except StoreError as e:
            self.errors.setText(f"Not saved: {e}")
            return False
        self.session.notify_saved(self.file.uid)
        return True
