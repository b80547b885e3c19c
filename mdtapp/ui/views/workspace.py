"""An open patient: the banner, always visible, over the tabs."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QScrollArea, QTabWidget, QVBoxLayout, QWidget

from mdtapp.store.repository import PatientFile
from mdtapp.ui.controllers.assessment import AssessmentEditor
from mdtapp.ui.session import Session
from mdtapp.ui.views.decisions import DecisionsView
from mdtapp.ui.views.eligibility import EligibilityView
from mdtapp.ui.views.history import HistoryView
from mdtapp.ui.views.overview import OverviewView
from mdtapp.ui.views.photos import PhotosView
from mdtapp.ui.views.treatment import TreatmentView
from mdtapp.ui.widgets.banner import PatientBanner


def scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(widget)
    return area


TABS = ("overview", "eligibility", "assessment", "treatment", "decisions", "photos", "history")


class PatientWorkspace(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.file: PatientFile | None = None
        self.setObjectName("patientWorkspace")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.banner = PatientBanner()
        layout.addWidget(self.banner)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("patientTabs")
        self.overview = OverviewView(session)
        self.eligibility = EligibilityView(session)
        self.assessment = AssessmentEditor(session)
        self.treatment = TreatmentView(session)
        self.decisions = DecisionsView(session)
        self.photos = PhotosView(session)
        self.history = HistoryView(session)
        for i, (widget, title) in enumerate(
            (
                (self.overview, "&Overview"),
                (self.eligibility, "&Eligibility"),
                (self.assessment, "&Assessment"),
                (self.treatment, "&Treatment"),
                (self.decisions, "&Decisions"),
                (self.photos, "&Photos"),  # not P&hotos: Alt+H is Help
                (self.history, "Histor&y"),
            )
        ):
            # each tab scrolls on its own, so no tab forces the window past a laptop screen
            self.tabs.addTab(
                widget
                if widget in (self.overview, self.assessment, self.history)
                else scrolled(widget),
                title,
            )
            QShortcut(
                QKeySequence(f"Alt+{i + 1}"), self, lambda index=i: self.tabs.setCurrentIndex(index)
            )
        layout.addWidget(self.tabs, 1)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        session.patient_saved.connect(self._on_patient_saved)

    def open(self, patient_uid: str) -> None:
        self.assessment.flush_draft()
        self.file = self.session.store.load(patient_uid)
        self.banner.show_patient(self.file.patient.value, self.session.today())
        self.assessment.load(self.file)
        self._show_all()
        self.apply_roles()

    def apply_roles(self) -> None:
        """Each screen offers only what the signed-in account may save."""
        store = self.session.store

        def permit(button: QWidget, allowed: bool, what: str, role: str) -> None:
            button.setEnabled(allowed)
            button.setToolTip(
                ""
                if allowed
                else f"Signed in as {store.principal.roles_text}: {what} needs the {role} role"
            )

        self.assessment.apply_roles()
        permit(
            self.eligibility.save_button,
            store.can_write("eligibility"),
            "saving eligibility",
            "clinician",
        )
        permit(
            self.decisions.save_button,
            store.can_write("decisions"),
            "recording decisions",
            "clinician",
        )
        permit(self.decisions.sign_button, store.can("clinician"), "signing", "clinician")
        permit(
            self.treatment.save_regimen_button,
            store.can_write("regimens"),
            "saving a regimen",
            "pharmacist",
        )
        permit(
            self.treatment.save_infusion_button,
            store.can_write("infusions"),
            "recording an infusion",
            "pharmacist",
        )
        permit(self.photos.add_button, store.can("clinician"), "adding photos", "clinician")

    def show_tab(self, name: str) -> None:
        self.tabs.setCurrentIndex(TABS.index(name))

    def _show_all(self) -> None:
        if self.file is None:
            return
        for view in (
            self.overview,
            self.eligibility,
            self.treatment,
            self.decisions,
            self.photos,
            self.history,
        ):
            view.show_file(self.file)

    def _on_tab_changed(self, index: int) -> None:
        if self.file is not None and TABS[index] == "history":
            self.history.show_file(self.file)

    def _on_patient_saved(self, patient_uid: str) -> None:
        if self.file is None or patient_uid != self.file.uid:
            return
        self.file = self.session.store.load(patient_uid)
        self.banner.show_patient(self.file.patient.value, self.session.today())
        self.assessment.follow(self.file)  # keeps what is being typed; new infusions count
        self._show_all()
