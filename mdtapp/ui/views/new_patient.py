"""A new patient: every field checked as the store will check it, the NHS number as it is typed."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from mdtapp.domain.errors import FieldError, ValidationError
from mdtapp.domain.model import GP, LocalCentre, Patient, validate_patient
from mdtapp.domain.nhs_number import (
    format_nhs_number,
    nhs_number_problem,
    normalise_nhs_number,
)
from mdtapp.store.errors import StoreError
from mdtapp.ui.session import Session
from mdtapp.ui.widgets.fields import DateField, error_text, mark, mark_errors

SEXES = (
    ("", "— choose —"),
    ("female", "Female"),
    ("male", "Male"),
    ("other", "Other"),
    ("unknown", "Not known"),
)


class PatientDialog(QDialog):
    """Add a patient, or correct an existing patient's details (a new version)."""

    def __init__(
        self,
        session: Session,
        parent: QWidget | None = None,
        *,
        existing: tuple[str, int, Patient] | None = None,
    ):
        super().__init__(parent)
        self.session = session
        self.existing = existing
        self.saved_uid: str | None = None
        self.setObjectName("patientDialog")
        self.setWindowTitle("Patient details" if existing else "New patient")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.fields: dict[str, QWidget] = {}

        def line(name: str, label: str, placeholder: str = "") -> QLineEdit:
            widget = QLineEdit()
            widget.setObjectName(name)
            widget.setAccessibleName(label)
            widget.setPlaceholderText(placeholder)
            form.addRow(label, widget)
            return widget

        self.nhs = line("nhsNumber", "NHS number", "10 digits, e.g. 943 476 5919")
        self.nhs_state = QLabel()
        self.nhs_state.setObjectName("nhsNumberState")
        form.addRow("", self.nhs_state)
        self.family = line("familyName", "Family name")
        self.given = line("givenNames", "Given names")
        self.born = DateField("dateOfBirth", "Date of birth")
        form.addRow("Date of birth", self.born)
        self.sex = QComboBox()
        self.sex.setObjectName("sex")
        self.sex.setAccessibleName("Sex")
        for key, text in SEXES:
            self.sex.addItem(text, key)
        form.addRow("Sex", self.sex)
        self.hospital = line("hospitalNumber", "Hospital number")
        self.height_cm = line("heightCm", "Height (cm)", "e.g. 165")
        self.address = line("address", "Address")
        self.gp_name = line("gpName", "GP name")
        self.gp_practice = line("gpPractice", "GP practice")
        self.gp_address = line("gpAddress", "GP address")
        self.centre_name = line("localCentreName", "Local treating centre")
        self.centre_address = line("localCentreAddress", "Local centre address")
        layout.addLayout(form)
        self.errors = QLabel()
        self.errors.setObjectName("patientErrors")
        self.errors.setProperty("role", "error")
        self.errors.setWordWrap(True)
        layout.addWidget(self.errors)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setObjectName("savePatient")
        buttons.accepted.connect(self._on_save_clicked)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.field_widgets: dict[str, QWidget] = {
            "nhs_number": self.nhs,
            "family_name": self.family,
            "given_names": self.given,
            "date_of_birth": self.born,
            "sex": self.sex,
            "hospital_number": self.hospital,
            "height_cm": self.height_cm,
            "address": self.address,
            "gp.name": self.gp_name,
            "gp.practice": self.gp_practice,
            "gp.address": self.gp_address,
            "local_centre.name": self.centre_name,
            "local_centre.address": self.centre_address,
        }
        self.nhs.textChanged.connect(self._on_nhs_text_changed)
        if existing:
            self._fill(existing[2])

    def _fill(self, p: Patient) -> None:
        self.nhs.setText(format_nhs_number(p.nhs_number))
        self.family.setText(p.family_name)
        self.given.setText(p.given_names)
        self.born.set_value(p.date_of_birth)
        self.sex.setCurrentIndex(max(0, self.sex.findData(p.sex)))
        self.hospital.setText(p.hospital_number)
        self.height_cm.setText("" if p.height_cm is None else f"{p.height_cm:g}")
        self.address.setText(p.address)
        self.gp_name.setText(p.gp.name)
        self.gp_practice.setText(p.gp.practice)
        self.gp_address.setText(p.gp.address)
        self.centre_name.setText(p.local_centre.name)
        self.centre_address.setText(p.local_centre.address)

    def _on_nhs_text_changed(self, text: str) -> None:
        digits = normalise_nhs_number(text)
        if len(digits) < 10 and digits.isdigit():
            self.nhs_state.setText(f"{len(digits)} of 10 digits")
            mark(self.nhs, False)
            return
        problem = nhs_number_problem(text)
        self.nhs_state.setText(
            f"✗ {problem}" if problem else f"✓ valid: {format_nhs_number(digits)}"
        )
        mark(self.nhs, bool(problem), problem or "")

    def patient(self) -> tuple[Patient | None, list[FieldError]]:
        errors: list[FieldError] = []
        born = self.born.value()
        if born is None:
            errors.append(
                FieldError("date_of_birth", self.born.message(required=True) or "is not a date")
            )
        height_text = self.height_cm.text().strip()
        height: float | None = None
        if height_text:
            try:
                height = float(height_text)
            except ValueError:
                errors.append(
                    FieldError("height_cm", f"must be a number in cm; got “{height_text}”")
                )
        if not self.sex.currentData():
            errors.append(FieldError("sex", "choose one (female, male, other or not known)"))
        if errors and born is None:
            return None, errors
        patient = Patient(
            nhs_number=normalise_nhs_number(self.nhs.text()),
            family_name=self.family.text().strip(),
            given_names=self.given.text().strip(),
            date_of_birth=born,  # type: ignore[arg-type]
            sex=self.sex.currentData() or "",
            hospital_number=self.hospital.text().strip(),
            height_cm=height,
            address=self.address.text().strip(),
            gp=GP(
                self.gp_name.text().strip(),
                self.gp_practice.text().strip(),
                self.gp_address.text().strip(),
            ),
            local_centre=LocalCentre(
                self.centre_name.text().strip(), self.centre_address.text().strip()
            ),
        )
        seen = {e.field for e in errors}
        errors += [
            e
            for e in validate_patient(patient, self.session.forms, self.session.today())
            if e.field not in seen
        ]
        return patient, errors

    def _show_errors(self, errors: list[FieldError]) -> None:
        mark_errors(self.field_widgets, errors)
        self.errors.setText(error_text(self.field_widgets, errors))

    def _on_save_clicked(self) -> None:
        patient, errors = self.patient()
        if errors or patient is None:
            self._show_errors(errors)
            return
        store = self.session.store
        try:
            if self.existing:
                uid, version, _ = self.existing
                store.save(
                    "patients",
                    uid,
                    patient,
                    uid=uid,
                    base_version=version,
                    reason="details corrected",
                )
                self.saved_uid = uid
            else:
                self.saved_uid = store.add_patient(patient).uid
        except ValidationError as e:
            self._show_errors(list(e.errors))
            return
        except StoreError as e:
            self._show_errors([FieldError("nhs_number" if "NHS" in str(e) else "record", str(e))])
            return
        self.session.notify_saved(self.saved_uid)
        self.accept()
