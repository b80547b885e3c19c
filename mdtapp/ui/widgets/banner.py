"""The patient banner, always visible while a patient is open: so nobody scores the wrong one."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from mdtapp.domain.dates import age_on, format_date
from mdtapp.domain.model import Patient
from mdtapp.domain.nhs_number import format_nhs_number

SEX_LABELS = {"female": "Female", "male": "Male", "other": "Other", "unknown": "Sex not known"}


class PatientBanner(QFrame):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("patientBanner")
        self.setAccessibleName("Patient banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        self.name = QLabel()
        self.name.setObjectName("bannerName")
        # size and weight: the style sheet (theme.style), so they follow the zoom
        self.details = QLabel()
        self.details.setObjectName("bannerDetails")
        layout.addWidget(self.name)
        layout.addSpacing(16)
        layout.addWidget(self.details, 1)

    def show_patient(self, patient: Patient, today: date) -> None:
        self.name.setText(patient.display_name)
        parts = [
            f"Born <b>{format_date(patient.date_of_birth)}</b> "
            f"({age_on(patient.date_of_birth, today)} y)",
            f"NHS No. <b>{format_nhs_number(patient.nhs_number)}</b>",
            f"Hosp No. <b>{patient.hospital_number or '—'}</b>",
            SEX_LABELS.get(patient.sex, patient.sex),
        ]
        self.details.setText("&nbsp;&nbsp;·&nbsp;&nbsp;".join(parts))
        self.setAccessibleDescription(
            f"{patient.full_name}, NHS number {format_nhs_number(patient.nhs_number)}"
        )
