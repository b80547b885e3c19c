"""Eligibility: the four Rongioletti criteria, both specialties' agreement, biopsy,
contraindications and the starting requirements, with the checklist updating as they are set."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from mdtapp.domain.eligibility import assess_eligibility
from mdtapp.domain.errors import FieldError, ValidationError
from mdtapp.domain.model import Eligibility, SpecialtyAgreement, validate_eligibility
from mdtapp.store.errors import StoreError
from mdtapp.store.repository import PatientFile
from mdtapp.ui.session import Session
from mdtapp.ui.views.assessment import card
from mdtapp.ui.widgets.checklist import Checklist
from mdtapp.ui.widgets.fields import DateField, error_text, mark_errors

STATES = (("unknown", "Unknown"), ("yes", "Yes"), ("no", "No"))


class EligibilityView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.forms = session.forms
        self.file: PatientFile | None = None
        self.setObjectName("eligibilityEditor")
        outer = QHBoxLayout(self)
        left_card, left = card("Diagnosis and eligibility")
        form = QFormLayout()
        self.criteria: dict[str, QComboBox] = {}
        for criterion in self.forms.eligibility.criteria:
            combo = QComboBox()
            combo.setObjectName(f"criterion_{criterion.key}")
            combo.setAccessibleName(criterion.label)
            for key, text in STATES:
                combo.addItem(text, key)
            combo.currentIndexChanged.connect(self._refresh)
            # a form layout clips wrapped labels: break long ones before their bracket
            label = QLabel(
                criterion.label.replace(" (", "\n(")
                if len(criterion.label) > 40
                else criterion.label
            )
            label.setBuddy(combo)
            form.addRow(label, combo)
            self.criteria[criterion.key] = combo
        self.agreements: dict[str, tuple[QLineEdit, DateField]] = {}
        for key, specialty in (
            ("rheumatology_agreed", "Rheumatology"),
            ("dermatology_agreed", "Dermatology"),
        ):
            who = QLineEdit()
            who.setObjectName(f"{key}_clinician")
            who.setAccessibleName(f"{specialty} clinician agreeing the diagnosis")
            who.setPlaceholderText("clinician")
            when = DateField(f"{key}_date", f"{specialty} agreement date")
            row = QHBoxLayout()
            row.addWidget(who, 1)
            row.addWidget(when)
            form.addRow(f"{specialty} agrees", row)
            who.textChanged.connect(self._refresh)
            when.date_changed.connect(self._refresh)
            self.agreements[key] = (who, when)
        self.biopsy = DateField("biopsyDate", "Biopsy date")
        self.biopsy.setPlaceholderText("dd/mm/yyyy, or blank if none")
        self.biopsy.date_changed.connect(self._refresh)
        form.addRow("Biopsy date", self.biopsy)
        self.reviewed = QCheckBox("Contraindications reviewed")
        self.reviewed.setObjectName("contraindicationsReviewed")
        self.reviewed.toggled.connect(self._refresh)
        form.addRow("", self.reviewed)
        self.choices: list[QCheckBox] = []
        for i, text in enumerate(self.forms.eligibility.contraindication_choices):
            box = QCheckBox(text)
            box.setObjectName(f"contraindication_{i}")
            box.toggled.connect(self._refresh)
            form.addRow("", box)
            self.choices.append(box)
        self.other = QLineEdit()
        self.other.setObjectName("contraindicationOther")
        self.other.setPlaceholderText("Other contraindication (free text)")
        self.other.textChanged.connect(self._refresh)
        form.addRow("Other", self.other)
        self.referral = QCheckBox("Ig referral form completed")
        self.referral.setObjectName("referralForm")
        self.referral.toggled.connect(self._refresh)
        form.addRow("", self.referral)
        self.reference = QLineEdit()
        self.reference.setObjectName("igDatabaseReference")
        self.reference.setPlaceholderText("national Ig database (MDSAS) reference")
        self.reference.textChanged.connect(self._refresh)
        form.addRow("Ig database ref.", self.reference)
        self.panel = QComboBox()
        self.panel.setObjectName("panelApproval")
        self.panel.addItem("Not recorded", None)
        for status in self.forms.eligibility.panel_statuses:
            self.panel.addItem(status.label, status.key)
        self.panel.currentIndexChanged.connect(self._refresh)
        form.addRow("Panel approval", self.panel)
        left.addLayout(form)
        self.errors = QLabel()
        self.errors.setProperty("role", "error")
        self.errors.setWordWrap(True)
        self.errors.setObjectName("eligibilityErrors")
        left.addWidget(self.errors)
        self.save_button = QPushButton("Save eligibility")
        self.save_button.setObjectName("saveEligibility")
        self.save_button.setProperty("role", "primary")
        self.save_button.clicked.connect(self.save)
        left.addWidget(self.save_button)
        self.saved = QLabel()  # the saved state, so the nurse knows it went in
        self.saved.setObjectName("eligibilitySaved")
        self.saved.setProperty("role", "muted")
        left.addWidget(self.saved)
        left.addStretch(1)
        outer.addWidget(left_card, 3)
        right_card, right = card("Checklist")
        self.checklist = Checklist("eligibilityPreview")
        right.addWidget(self.checklist)
        right.addStretch(1)
        outer.addWidget(right_card, 2)

    def show_file(self, file: PatientFile) -> None:
        if self.file is None or self.file.uid != file.uid:
            self.saved.clear()  # "Saved" belongs to the patient it was said of
            self.errors.clear()
        self.file = file
        e = file.eligibility.value if file.eligibility else None
        for key, combo in self.criteria.items():
            combo.setCurrentIndex(
                combo.findData(e.criteria.get(key, "unknown") if e else "unknown")
            )
        for key, (who, when) in self.agreements.items():
            agreement = getattr(e, key) if e else None
            who.setText(agreement.clinician if agreement else "")
            when.set_value(agreement.date if agreement else None)
        self.biopsy.set_value(e.biopsy_date if e else None)
        self.reviewed.setChecked(bool(e and e.contraindications_reviewed))
        listed = list(e.contraindications) if e else []
        for box in self.choices:
            box.setChecked(box.text() in listed)
        self.other.setText(
            "; ".join(c for c in listed if c not in [b.text() for b in self.choices])
        )
        self.referral.setChecked(bool(e and e.referral_form_completed))
        self.reference.setText(e.ig_database_reference if e else "")
        self.panel.setCurrentIndex(max(0, self.panel.findData(e.panel_approval if e else None)))
        self.errors.clear()
        self._refresh()

    def eligibility(self) -> tuple[Eligibility, list[FieldError]]:
        errors: list[FieldError] = []
        agreements: dict[str, SpecialtyAgreement | None] = {}
        for key, (who, when) in self.agreements.items():
            name, on = who.text().strip(), when.value()
            if name and on:
                agreements[key] = SpecialtyAgreement(name, on)
            else:
                agreements[key] = None
                if name or when.text().strip():
                    errors.append(FieldError(key, "needs both the clinician and a valid date"))
        problem = self.biopsy.problem(required=False, label="Biopsy date")
        if problem:
            errors.append(FieldError("biopsy_date", problem))
        listed = [b.text() for b in self.choices if b.isChecked()]
        listed += [c.strip() for c in self.other.text().split(";") if c.strip()]
        value = Eligibility(
            criteria={k: c.currentData() for k, c in self.criteria.items()},
            rheumatology_agreed=agreements["rheumatology_agreed"],
            dermatology_agreed=agreements["dermatology_agreed"],
            biopsy_date=self.biopsy.value(),
            contraindications_reviewed=self.reviewed.isChecked() or bool(listed),
            contraindications=tuple(listed),
            referral_form_completed=self.referral.isChecked(),
            ig_database_reference=self.reference.text().strip(),
            panel_approval=self.panel.currentData(),
        )
        errors += validate_eligibility(value, self.forms, self.session.today())
        return value, errors

    def _refresh(self, *_: object) -> None:
        if self.file is None:
            return
        value, _errors = self.eligibility()
        record = self.file.record
        start = record.start_decision
        result = assess_eligibility(
            value,
            date_of_birth=record.patient.date_of_birth,
            on=start.date if start else self.session.today(),
            rules=self.forms.eligibility,
            start_decision=start.date if start else None,
        )
        self.checklist.show_result(result)

    def save(self) -> bool:
        if self.file is None:
            return False
        value, errors = self.eligibility()
        widgets = {
            "rheumatology_agreed": self.agreements["rheumatology_agreed"][0],
            "dermatology_agreed": self.agreements["dermatology_agreed"][0],
            "biopsy_date": self.biopsy,
        }
        mark_errors(widgets, errors)
        self.saved.clear()
        if errors:
            self.errors.setText("Not saved: " + error_text(widgets, errors).replace("\n", "; "))
            return False
        current = self.file.eligibility
        try:
            self.session.store.save(
                "eligibility",
                self.file.uid,
                value,
                uid=current.uid if current else None,
                base_version=current.version if current else None,
            )
        except ValidationError as e:
            self.errors.setText("Not saved: " + error_text(widgets, e.errors).replace("\n", "; "))
            return False
        except StoreError as e:
            self.errors.setText(f"Not saved: {e}")
            return False
        self.errors.setText("")
        self.session.notify_saved(self.file.uid)
        self.saved.setText(f"Saved {datetime.now().strftime('%H:%M')}")
        return True
