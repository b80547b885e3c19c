"""The assessment editor: Appendix 1 in one screen, keyboard first.

Typing order: date, examiner, the 20 mRSS areas (one digit each), itch, patient and physician
global VAS, papules, systemic table, nutrition, notes. Beside each value: last time's and the
baseline's, and the change. Response and the stopping criteria update as values are typed.
Every change is kept as a draft in the database, so a crash or a closed window loses at most the
field being typed; reopening offers the draft back. Ctrl+S saves a new version.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime
from html import escape
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QCompleter,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mdtapp.bodymap import body_map
from mdtapp.domain.dates import format_date, format_timestamp
from mdtapp.domain.errors import FieldError, ValidationError
from mdtapp.domain.instruments import mrss_total, must_score, vas_cm
from mdtapp.domain.model import (
    Assessment,
    Nutrition,
    OrganStatus,
    Papules,
    PhotoRef,
    validate_assessment,
)
from mdtapp.domain.response import Comparison, Evaluation, compare, evaluate, same_site, signed
from mdtapp.store.errors import StoreError
from mdtapp.store.repository import PatientFile, Saved
from mdtapp.ui.session import Session
from mdtapp.ui.widgets.body_map import BodyMapView
from mdtapp.ui.widgets.fields import DateField, mark_errors
from mdtapp.ui.widgets.flags_panel import FlagsPanel
from mdtapp.ui.widgets.mrss_grid import NOT_ASSESSED, MrssGrid
from mdtapp.ui.widgets.vas import VasInput
from mdtapp.ui.widgets.yes_no import YesNo

KIND = "assessments"
NOT_COUNTED = -1
DRAFT_DELAY_MS = 300


def card(title: str, object_name: str = "") -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setProperty("role", "card")
    if object_name:
        frame.setObjectName(object_name)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(10, 8, 10, 8)
    layout.setSpacing(4)
    heading = QLabel(title)
    heading.setProperty("role", "heading")
    layout.addWidget(heading)
    return frame, layout


def _parse_kg(text: str) -> float | None:
    text = text.strip().replace(",", ".")
    return float(text) if text else None


class AssessmentEditor(QWidget):
    assessment_saved = Signal(str)  # the assessment's uid

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.forms = session.forms
        self.file: PatientFile | None = None
        self.record_uid: str | None = None
        self.base_version: int | None = None
        self.photos: tuple[PhotoRef, ...] = ()
        self._loading = False
        self._dirty = False
        self.setObjectName("assessmentEditor")
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.flush_draft)
        self._build()
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)

    # ------------------------------------------------------------ layout

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        header = QHBoxLayout()
        self.picker = QComboBox()
        self.picker.setObjectName("assessmentPicker")
        self.picker.setAccessibleName("Assessment to show")
        self.picker.setMinimumWidth(220)
        self.date = DateField("assessmentDate", "Assessment date")
        self.examiner = QLineEdit()
        self.examiner.setObjectName("examiner")
        self.examiner.setAccessibleName("Examiner")
        self.examiner.setPlaceholderText("Examiner's name")
        self.examiner.setMinimumWidth(180)
        self.status = QLabel()
        self.status.setObjectName("assessmentStatus")
        self.status.setProperty("role", "muted")
        self.save_button = QPushButton("Save  (Ctrl+S)")
        self.save_button.setObjectName("saveAssessment")
        self.save_button.setProperty("role", "primary")
        self.save_button.setAccessibleName("Save assessment")
        self.letter_button = QPushButton("Letter…")
        self.letter_button.setObjectName("assessmentLetter")
        self.letter_button.setToolTip("The clinic letter for this assessment (Ctrl+L)")
        self.form_button = QPushButton("Print form…")
        self.form_button.setObjectName("assessmentForm")
        self.form_button.setToolTip("The Appendix 1 form as entered (Ctrl+P)")
        for widget in (
            QLabel("Assessment:"),
            self.picker,
            QLabel("Date"),
            self.date,
            QLabel("Examiner"),
            self.examiner,
        ):
            header.addWidget(widget)
        header.addWidget(self.status, 1)
        header.addWidget(self.letter_button)
        header.addWidget(self.form_button)
        header.addWidget(self.save_button)
        outer.addLayout(header)
        signing = QHBoxLayout()
        self.signature = QLabel()
        self.signature.setObjectName("signatureStatus")
        self.signature.setWordWrap(True)
        self.sign_button = QPushButton("Sign…")
        self.sign_button.setObjectName("signAssessment")
        self.sign_button.setToolTip("Sign this version with your password: it becomes read-only")
        self.amend_button = QPushButton("Amend…")
        self.amend_button.setObjectName("amendAssessment")
        self.amend_button.setToolTip("Change a signed assessment: a new version, with a reason")
        signing.addWidget(self.signature, 1)
        signing.addWidget(self.sign_button)
        signing.addWidget(self.amend_button)
        outer.addLayout(signing)
        self.amend_reason = ""

        self.draft_banner = QFrame()
        self.draft_banner.setObjectName("draftBanner")
        banner = QHBoxLayout(self.draft_banner)
        banner.setContentsMargins(8, 4, 8, 4)
        self.draft_text = QLabel()
        self.restore_button = QPushButton("Restore it")
        self.restore_button.setObjectName("restoreDraft")
        self.discard_button = QPushButton("Discard it")
        self.discard_button.setObjectName("discardDraft")
        banner.addWidget(self.draft_text, 1)
        banner.addWidget(self.restore_button)
        banner.addWidget(self.discard_button)
        self.draft_banner.hide()
        outer.addWidget(self.draft_banner)

        self.error_banner = QFrame()
        self.error_banner.setObjectName("saveErrorBanner")
        errors = QHBoxLayout(self.error_banner)
        errors.setContentsMargins(8, 4, 8, 4)
        self.save_error = QLabel()
        self.save_error.setObjectName("saveError")
        self.save_error.setWordWrap(True)
        errors.addWidget(self.save_error)
        self.error_banner.hide()
        outer.addWidget(self.error_banner)

        body = QHBoxLayout()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        content = QWidget()
        grid = QGridLayout(content)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        scroll.setWidget(content)
        body.addWidget(scroll, 1)
        self.scroll = scroll

        # mRSS: grid, running total, body map
        mrss_card, mrss_layout = card(self.forms.mrss.title, "mrssCard")
        self.grid = MrssGrid(self.forms.mrss)
        self.body = BodyMapView(
            body_map(self.forms.mrss), {a.key: a.label for a in self.forms.mrss.areas}
        )
        self.body.setFixedWidth(205)
        row = QHBoxLayout()
        row.addWidget(self.grid)
        row.addWidget(self.body)
        mrss_layout.addLayout(row)
        self.mrss_total = QLabel()
        self.mrss_total.setObjectName("mrssTotal")
        self.mrss_total.setAccessibleName("mRSS total")
        font = self.mrss_total.font()
        font.setPointSizeF(13)
        font.setBold(True)
        self.mrss_total.setFont(font)
        mrss_layout.addWidget(self.mrss_total)
        self.mrss_history = QLabel()
        self.mrss_history.setObjectName("mrssHistory")
        self.mrss_history.setProperty("role", "muted")
        self.mrss_history.setWordWrap(True)
        mrss_layout.addWidget(self.mrss_history)
        legend = QLabel(
            "Type 0–3 for the highlighted area · N not assessed · ⌫ back · "
            "▸ marks last time's score · * added for scleromyxedema"
        )
        legend.setProperty("role", "muted")
        legend.setWordWrap(True)
        mrss_layout.addWidget(legend)
        grid.addWidget(mrss_card, 0, 0)

        # the three VAS
        vas_card, vas_layout = card("Visual analogue scales (10 cm)", "vasCard")
        names = {
            "itch_vas_mm": "itchVas",
            "patient_global_vas_mm": "patientGlobalVas",
            "physician_global_vas_mm": "physicianGlobalVas",
        }
        self.vas: dict[str, VasInput] = {}
        for scale in self.forms.vas.scales:
            widget = VasInput(scale, self.forms.vas, names.get(scale.key, scale.key))
            self.vas[scale.key] = widget
            vas_layout.addWidget(widget)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(vas_card)

        # papules, severity, quality of life
        pap_card, pap_layout = card("Papules, severity, quality of life", "papulesCard")
        form = QGridLayout()
        self.papules = QSpinBox()
        self.papules.setObjectName("papuleCount")
        self.papules.setAccessibleName("Papule count over the 2 × 2 cm area")
        self.papules.setRange(NOT_COUNTED, 100000)
        self.papules.setSpecialValueText("not counted")
        self.papules.setValue(NOT_COUNTED)
        self.papule_site = QComboBox()
        self.papule_site.setEditable(True)
        self.papule_site.setObjectName("papuleSite")
        self.papule_site.setAccessibleName("Papule count site")
        self.papule_site.lineEdit().setPlaceholderText("site of the 2 × 2 cm square")
        self.papule_warning = QLabel()
        self.papule_warning.setObjectName("papuleSiteWarning")
        self.papule_warning.setProperty("role", "warning")
        self.papule_warning.setWordWrap(True)
        self.papule_warning.hide()
        self.papule_history = QLabel()
        self.papule_history.setObjectName("papuleHistory")
        self.papule_history.setProperty("role", "muted")
        self.papule_history.setWordWrap(True)
        self.dermatoneuro = YesNo("Dermatoneuro syndrome", "dermatoneuro")
        self.hrqol = YesNo("Health-related quality of life worse", "hrqolWorse")
        form.addWidget(QLabel("Papules (2 × 2 cm)"), 0, 0)
        form.addWidget(self.papules, 0, 1)
        form.addWidget(QLabel("Site"), 1, 0)
        form.addWidget(self.papule_site, 1, 1)
        form.addWidget(self.papule_warning, 2, 0, 1, 2)
        form.addWidget(self.papule_history, 3, 0, 1, 2)
        form.addWidget(QLabel("Dermatoneuro syndrome"), 4, 0)
        form.addWidget(self.dermatoneuro, 4, 1)
        form.addWidget(QLabel("Quality of life worse"), 5, 0)
        form.addWidget(self.hrqol, 5, 1)
        pap_layout.addLayout(form)
        column.addWidget(pap_card)
        column.addStretch(1)
        holder = QWidget()
        holder.setLayout(column)
        grid.addWidget(holder, 0, 1)

        # systemic involvement and nutrition
        sys_card, sys_layout = card("Systemic involvement", "systemicCard")
        table = QGridLayout()
        table.setObjectName("systemicTable")
        self.systemic_table = QWidget()
        self.systemic_table.setObjectName("systemicTable")
        self.systemic_table.setAccessibleName("Systemic involvement table")
        self.systemic_table.setLayout(table)
        table.addWidget(QLabel("<b>Organ</b>"), 0, 0)
        table.addWidget(QLabel("<b>Involved</b>"), 0, 1)
        table.addWidget(QLabel("<b>Progressed</b>"), 0, 2)
        self.systemic: dict[str, tuple[YesNo, YesNo]] = {}
        for r, organ in enumerate(self.forms.systemic.organs, start=1):
            involved = YesNo(f"{organ.label}: evidence of involvement", f"{organ.key}Involved")
            progressed = YesNo(f"{organ.label}: evidence of progression", f"{organ.key}Progressed")
            table.addWidget(QLabel(organ.label), r, 0)
            table.addWidget(involved, r, 1)
            table.addWidget(progressed, r, 2)
            self.systemic[organ.key] = (involved, progressed)
        sys_layout.addWidget(self.systemic_table)
        self.systemic_other = QLineEdit()
        self.systemic_other.setObjectName("systemicOther")
        self.systemic_other.setAccessibleName("Other organs involved")
        self.systemic_other.setPlaceholderText("Other organs (free text)")
        sys_layout.addWidget(self.systemic_other)
        note = QLabel(self.forms.systemic.note)
        note.setProperty("role", "muted")
        sys_layout.addWidget(note)
        sys_layout.addStretch(1)
        grid.addWidget(sys_card, 1, 0)

        nut_card, nut_layout = card("Nutrition (MUST)", "nutritionCard")
        nut = QGridLayout()
        self.weight = QLineEdit()
        self.weight.setObjectName("weightKg")
        self.weight.setAccessibleName("Weight in kg")
        self.weight_before = QLineEdit()
        self.weight_before.setObjectName("weightBeforeKg")
        self.weight_before.setAccessibleName("Weight 3 to 6 months ago in kg")
        self.acute = YesNo("Acutely ill with no intake for over 5 days", "acutelyIll")
        self.dysphagia = YesNo("Dysphagia", "dysphagia")
        nut.addWidget(QLabel("Weight (kg)"), 0, 0)
        nut.addWidget(self.weight, 0, 1)
        nut.addWidget(QLabel("3–6 months ago (kg)"), 1, 0)
        nut.addWidget(self.weight_before, 1, 1)
        nut.addWidget(QLabel("Acutely ill, no intake > 5 days"), 2, 0)
        nut.addWidget(self.acute, 2, 1)
        nut.addWidget(QLabel("Dysphagia"), 3, 0)
        nut.addWidget(self.dysphagia, 3, 1)
        nut_layout.addLayout(nut)
        self.must = QLabel()
        self.must.setObjectName("mustScore")
        self.must.setWordWrap(True)
        nut_layout.addWidget(self.must)
        nut_layout.addStretch(1)
        grid.addWidget(nut_card, 1, 1)

        notes_card, notes_layout = card("Notes")
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("assessmentNotes")
        self.notes.setAccessibleName("Assessment notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(60)
        notes_layout.addWidget(self.notes)
        grid.addWidget(notes_card, 2, 0, 1, 2)
        grid.setColumnStretch(1, 1)

        self.flags = FlagsPanel(self.forms.response)
        self.flags.setFixedWidth(300)
        side = QVBoxLayout()
        side.addWidget(self.flags)
        side.addStretch(1)
        body.addLayout(side)
        outer.addLayout(body, 1)

        # keyboard order: header, grid, VAS, papules, systemic, nutrition, notes, save
        order: list[QWidget] = [self.picker, self.date, self.examiner, self.grid]
        order += [v.spin for v in self.vas.values()]
        order += [self.papules, self.papule_site, self.dermatoneuro, self.hrqol]
        for involved, progressed in self.systemic.values():
            order += [involved, progressed]
        order += [
            self.systemic_other,
            self.weight,
            self.weight_before,
            self.acute,
            self.dysphagia,
            self.notes,
            self.save_button,
        ]
        for a, b in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(a, b)

        # wiring
        self.grid.changed.connect(self._on_changed)
        self.grid.current_changed.connect(self.body.set_current)
        self.grid.finished.connect(lambda: self.vas["itch_vas_mm"].spin.setFocus())
        self.body.area_clicked.connect(self._on_body_area_clicked)
        for widget in self.vas.values():
            widget.changed.connect(self._on_changed)
        self.papules.valueChanged.connect(self._on_changed)
        self.papule_site.currentTextChanged.connect(self._on_changed)
        for yes_no in (
            self.dermatoneuro,
            self.hrqol,
            self.acute,
            self.dysphagia,
            *(w for pair in self.systemic.values() for w in pair),
        ):
            yes_no.changed.connect(self._on_changed)
        for line in (self.examiner, self.systemic_other, self.weight, self.weight_before):
            line.textChanged.connect(self._on_changed)
        self.date.date_changed.connect(self._on_changed)
        self.notes.textChanged.connect(self._on_changed)
        self.save_button.clicked.connect(self.save)
        self.restore_button.clicked.connect(self.restore_draft)
        self.discard_button.clicked.connect(self.discard_draft)
        self.picker.activated.connect(self._on_picker_activated)
        self.sign_button.clicked.connect(self._on_sign_clicked)
        self.amend_button.clicked.connect(self._on_amend_clicked)
        QApplication.instance().focusChanged.connect(self._on_focus_changed)  # type: ignore

    def detach(self) -> None:
        """Stop following the application's focus (the window is closing)."""
        self.flush_draft()
        with contextlib.suppress(RuntimeError, TypeError):  # already disconnected
            QApplication.instance().focusChanged.disconnect(  # type: ignore[union-attr]
                self._on_focus_changed
            )

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        # keyboard users never type into a field they cannot see
        if new is not None and self.scroll.widget().isAncestorOf(new):
            self.scroll.ensureWidgetVisible(new, 20, 20)

    # ------------------------------------------------------------ loading

    def load(self, file: PatientFile, *, assessment_uid: str | None = None) -> None:
        """Show the latest assessment (or the one asked for); offer back any unsaved draft."""
        self.flush_draft()
        self.file = file
        self.picker.blockSignals(True)
        self.picker.clear()
        self.picker.addItem("New assessment", None)
        for saved in reversed(file.assessments):
            self.picker.addItem(
                f"{format_date(saved.value.date)} — {saved.value.examiner}", saved.uid
            )
        self.picker.blockSignals(False)
        examiners = sorted({s.value.examiner for s in file.assessments})
        self.examiner.setCompleter(QCompleter(examiners, self.examiner))
        sites = sorted({s.value.papules.site for s in file.assessments if s.value.papules})
        self.papule_site.blockSignals(True)
        self.papule_site.clear()
        self.papule_site.addItems(sites)
        self.papule_site.blockSignals(False)
        # a new assessment is what a meeting usually needs; the picker shows the earlier ones
        target = (
            next((s for s in file.assessments if s.uid == assessment_uid), None)
            if (assessment_uid)
            else None
        )
        self._show(target)
        self._offer_draft()

    def new_assessment(self) -> None:
        self.flush_draft()
        self._show(None)
        self._offer_draft()

    def _on_picker_activated(self, index: int) -> None:
        uid = self.picker.itemData(index)
        self.flush_draft()
        saved = (
            next((s for s in self.file.assessments if s.uid == uid), None)
            if (self.file and uid)
            else None
        )
        self._show(saved)
        self._offer_draft()

    def _show(self, saved: Saved[Assessment] | None) -> None:
        self._loading = True
        self.error_banner.hide()
        self.record_uid = saved.uid if saved else None
        self.base_version = saved.version if saved else None
        if saved is None:
            self._fill_new()
            self.status.setText("New assessment — not saved yet")
            self.picker.setCurrentIndex(0)
        else:
            self._fill(saved.value)
            self.status.setText(
                f"Version {saved.version}, saved "
                f"{format_timestamp(saved.saved_at)} by {saved.saved_by}"
            )
            self.picker.setCurrentIndex(max(0, self.picker.findData(saved.uid)))
        self._loading = False
        self._dirty = False
        self.amend_reason = ""
        self.apply_roles()
        self._refresh()

    # ------------------------------------------------------------ signing and permissions

    def _signatures(self) -> list[Any]:
        if self.file is None or self.record_uid is None or self.base_version is None:
            return []
        return self.session.store.signatures(KIND, self.record_uid, self.base_version)

    def apply_roles(self) -> None:
        """Editable only for an account that may save assessments, and only while the shown
        version is unsigned or being amended with a reason."""
        store = self.session.store
        may_write = store.can_write(KIND)
        signed = self._signatures()
        editable = may_write and (not signed or bool(self.amend_reason))
        self._set_editable(editable)
        if not may_write:
            why = (
                f"Signed in as {store.principal.roles_text}: saving assessments needs the "
                "clinician role"
            )
        elif signed and not self.amend_reason:
            why = "Signed: press Amend… and give a reason to change it"
        else:
            why = "Save (Ctrl+S)"
        self.save_button.setToolTip(why)
        if signed:
            who = "; ".join(f"{x.name} ({x.role}) on {x.signed_at_text}" for x in signed)
            state = f"✔ Version {self.base_version} signed by {who}." + (
                f" Amending — reason: {self.amend_reason}" if self.amend_reason else " Read-only."
            )
        elif self.record_uid is not None:
            earlier = [
                x
                for x in self.session.store.signatures(KIND, self.record_uid)
                if self.base_version is None or x.version < self.base_version
            ]
            state = f"Version {self.base_version}: not signed."
            if earlier:
                saved = self.session.store.get(KIND, self.record_uid)
                state += (
                    f" It amends version {earlier[-1].version}, signed by "
                    f"{earlier[-1].name} on {earlier[-1].signed_at_text}"
                    + (f" (reason: {saved.change_reason})" if saved.change_reason else "")
                    + "."
                )
        else:
            state = ""
        self.signature.setText(state)
        self.sign_button.setVisible(
            store.can("clinician")
            and self.record_uid is not None
            and not any(x.username == store.user for x in signed)
        )
        self.amend_button.setVisible(may_write and bool(signed) and not self.amend_reason)

    def _set_editable(self, editable: bool) -> None:
        self.grid.set_read_only(not editable)
        for widget in self.vas.values():
            widget.set_read_only(not editable)
        for yes_no in (
            self.dermatoneuro,
            self.hrqol,
            self.acute,
            self.dysphagia,
            *(w for pair in self.systemic.values() for w in pair),
        ):
            yes_no.set_read_only(not editable)
        for line in (
            self.examiner,
            self.systemic_other,
            self.weight,
            self.weight_before,
            self.date,
        ):
            line.setReadOnly(not editable)
        self.papules.setReadOnly(not editable)
        self.papule_site.setEnabled(editable)
        self.notes.setReadOnly(not editable)
        self.save_button.setEnabled(editable)

    def sign(self, password: str) -> bool:
        if self.file is None or self.record_uid is None or self.base_version is None:
            return False
        if self._dirty:
            self._show_error("Save the changes before signing: a signature covers a saved version")
            return False
        try:
            self.session.store.sign(KIND, self.record_uid, self.base_version, password)
        except StoreError as e:
            self._show_error(f"Not signed: {e}")
            return False
        self.error_banner.hide()
        self.session.notify_saved(self.file.uid)
        self.apply_roles()
        return True

    def amend(self, reason: str) -> None:
        self.amend_reason = reason.strip()
        self.apply_roles()

    def _on_sign_clicked(self) -> None:
        password, ok = QInputDialog.getText(
            self,
            "Sign the assessment",
            "Your password, to sign this version:",
            QLineEdit.EchoMode.Password,
        )
        if ok:
            self.sign(password)

    def _on_amend_clicked(self) -> None:
        reason, ok = QInputDialog.getText(
            self, "Amend a signed assessment", "Why does it need changing? (kept with the record)"
        )
        if ok and reason.strip():
            self.amend(reason)

    def _fill_new(self) -> None:
        self.date.set_value(self.session.today())
        self.examiner.clear()
        self.grid.set_values({})
        for widget in self.vas.values():
            widget.set_value(None)
        self.papules.setValue(NOT_COUNTED)
        previous = self._previous_of(self.session.today())
        # the site defaults to the previous one: counts are only compared over the same square
        site = previous.papules.site if previous and previous.papules else ""
        self.papule_site.setCurrentText(site)
        for yes_no in (self.dermatoneuro, self.hrqol, self.acute, self.dysphagia):
            yes_no.set_value(None)
        for involved, progressed in self.systemic.values():
            involved.set_value(None)
            progressed.set_value(None)
        self.systemic_other.clear()
        self.weight.clear()
        self.weight_before.clear()
        self.notes.clear()
        self.photos = ()
        self.grid.set_current(self.grid.order[0])

    def _fill(self, a: Assessment) -> None:
        self.date.set_value(a.date)
        self.examiner.setText(a.examiner)
        any_scored = any(v is not None for v in a.mrss.values())
        self.grid.set_values(
            {
                k: (v if v is not None else (NOT_ASSESSED if any_scored else None))
                for k, v in a.mrss.items()
            }
        )
        for key, widget in self.vas.items():
            widget.set_value(getattr(a, key))
        self.papules.setValue(a.papules.count if a.papules else NOT_COUNTED)
        self.papule_site.setCurrentText(a.papules.site if a.papules else "")
        self.dermatoneuro.set_value(a.dermatoneuro_syndrome)
        self.hrqol.set_value(a.hrqol_worse)
        for key, (involved, progressed) in self.systemic.items():
            status = a.systemic.get(key, OrganStatus())
            involved.set_value(status.involved)
            progressed.set_value(status.progressed)
        self.systemic_other.setText(a.systemic_other)
        self.weight.setText("" if a.nutrition.weight_kg is None else f"{a.nutrition.weight_kg:g}")
        self.weight_before.setText(
            ""
            if a.nutrition.weight_3_6_months_ago_kg is None
            else f"{a.nutrition.weight_3_6_months_ago_kg:g}"
        )
        self.acute.set_value(a.nutrition.acutely_ill_no_intake_5_days)
        self.dysphagia.set_value(a.nutrition.dysphagia)
        self.notes.setPlainText(a.notes)
        self.photos = a.photos

    # ------------------------------------------------------------ reading the form

    def _history(self) -> list[Assessment]:
        """Every saved assessment but the one being edited."""
        if self.file is None:
            return []
        return [s.value for s in self.file.assessments if s.uid != self.record_uid]

    def _previous_of(self, on: date) -> Assessment | None:
        earlier = [a for a in self._history() if a.date < on]
        return earlier[-1] if earlier else None

    def candidate(self) -> tuple[Assessment, list[FieldError]]:
        """The assessment as typed, and what is wrong with it."""
        errors: list[FieldError] = []
        problem = self.date.problem(required=True, label="Date")
        if problem:
            errors.append(FieldError("date", problem))
        on = self.date.value() or self.session.today()
        blanks = self.grid.blanks()
        if blanks and len(blanks) < len(self.grid.order):
            names = ", ".join(self.forms.mrss.area(k).label for k in blanks[:4])
            more = f" and {len(blanks) - 4} more" if len(blanks) > 4 else ""
            errors.append(
                FieldError(
                    "mrss",
                    f"{len(blanks)} area{'s have' if len(blanks) > 1 else ' has'} no score "
                    f"({names}{more}): type 0-3, or N for not assessed",
                )
            )
        weights: dict[str, float | None] = {}
        for name, field in (
            ("nutrition.weight_kg", self.weight),
            ("nutrition.weight_3_6_months_ago_kg", self.weight_before),
        ):
            try:
                weights[name] = _parse_kg(field.text())
            except ValueError:
                weights[name] = None
                errors.append(FieldError(name, f"must be a number in kg; got {field.text()!r}"))
        count = self.papules.value()
        site = self.papule_site.currentText().strip()
        if count != NOT_COUNTED and not site:
            errors.append(FieldError("papules.site", "is required: name the 2 × 2 cm area"))
        assessment = Assessment(
            date=on,
            examiner=self.examiner.text().strip(),
            mrss=self.grid.domain_scores(),
            itch_vas_mm=self.vas["itch_vas_mm"].value(),
            patient_global_vas_mm=self.vas["patient_global_vas_mm"].value(),
            physician_global_vas_mm=self.vas["physician_global_vas_mm"].value(),
            papules=None if count == NOT_COUNTED else Papules(count, site),
            systemic={
                key: OrganStatus(i.value(), p.value()) for key, (i, p) in self.systemic.items()
            },
            systemic_other=self.systemic_other.text().strip(),
            dermatoneuro_syndrome=self.dermatoneuro.value(),
            hrqol_worse=self.hrqol.value(),
            nutrition=Nutrition(
                weights["nutrition.weight_kg"],
                weights["nutrition.weight_3_6_months_ago_kg"],
                self.acute.value(),
                self.dysphagia.value(),
            ),
            notes=self.notes.toPlainText().strip(),
            photos=self.photos,
        )
        seen = {e.field.split(".")[0] for e in errors}
        errors += [
            e
            for e in validate_assessment(assessment, self.forms, self.session.today())
            if e.field.split(".")[0] not in seen
            and not (e.field == "papules.site" and "papules.site" in seen)
        ]
        return assessment, errors

    # ------------------------------------------------------------ live feedback

    def _on_changed(self, *_: Any) -> None:
        if self._loading:
            return
        self._dirty = True
        self._refresh()
        self._draft_timer.start()

    def _on_body_area_clicked(self, key: str) -> None:
        self.grid.set_current(key)
        self.grid.setFocus()

    def evaluation(self) -> Evaluation | None:
        if self.file is None:
            return None
        candidate, _ = self.candidate()
        history = [a for a in self._history() if a.date != candidate.date] + [candidate]
        return evaluate(
            history,
            first_infusion=self.file.record.first_infusion,
            forms=self.forms,
            at=candidate.date,
        )

    def _refresh(self) -> None:
        if self.file is None:
            return
        values = self.grid.values()
        self.body.set_values(values)
        self.body.set_current(self.grid.current)
        candidate, _ = self.candidate()
        scored = {k: v for k, v in candidate.mrss.items()}
        total = mrss_total(scored, self.forms.mrss)
        blanks = self.grid.blanks()
        if blanks and len(blanks) < len(self.grid.order):
            self.mrss_total.setText(
                f"mRSS {total.total} so far — {len(blanks)} of "
                f"{len(self.grid.order)} areas still to score"
            )
        elif not blanks:
            self.mrss_total.setText(f"mRSS {total.text}")
        else:
            self.mrss_total.setText("mRSS not scored")
        previous = self._previous_of(candidate.date)
        baseline = None
        first = self.file.record.first_infusion
        if first is not None:
            before = [a for a in self._history() + [candidate] if a.date <= first]
            baseline = max(before, key=lambda a: a.date) if before else None
        self.grid.set_previous(
            {k: (v if v is not None else NOT_ASSESSED) for k, v in previous.mrss.items()}
            if previous
            else None
        )
        for key, widget in self.vas.items():
            widget.set_previous(getattr(previous, key) if previous else None)
        vs_prev = (
            {c.measure: c for c in compare(previous, candidate, self.forms)} if (previous) else {}
        )
        vs_base = (
            {c.measure: c for c in compare(baseline, candidate, self.forms)}
            if (baseline and baseline is not candidate)
            else {}
        )
        self.mrss_history.setText(self._history_text("mrss", vs_prev, vs_base, previous, baseline))
        for key, widget in self.vas.items():
            widget.history.setText(self._history_text(key, vs_prev, vs_base, previous, baseline))
        self.papule_history.setText(
            self._history_text("papules", vs_prev, vs_base, previous, baseline)
        )
        site = self.papule_site.currentText().strip()
        if previous and previous.papules and site and not same_site(site, previous.papules.site):
            self.papule_warning.setText(
                f"⚠ Site differs from last time ({previous.papules.site}): the counts will not "
                "be compared"
            )
            self.papule_warning.show()
        else:
            self.papule_warning.hide()
        height = self.file.patient.value.height_cm
        must = must_score(
            height_cm=height,
            weight_kg=candidate.nutrition.weight_kg,
            weight_3_6_months_ago_kg=candidate.nutrition.weight_3_6_months_ago_kg,
            acutely_ill_no_intake_5_days=candidate.nutrition.acutely_ill_no_intake_5_days,
            rules=self.forms.must,
        )
        self.must.setText(
            f"<b>{escape(must.text)}</b><br>" + "<br>".join(escape(s) for s in must.steps)
        )
        self.flags.show_evaluation(self.evaluation())

    def _history_text(
        self,
        measure: str,
        vs_prev: dict[str, Comparison],
        vs_base: dict[str, Comparison],
        previous: Assessment | None,
        baseline: Assessment | None,
    ) -> str:
        parts = []
        for label, comparison, other in (
            ("Last", vs_prev.get(measure), previous),
            ("Baseline", vs_base.get(measure), baseline),
        ):
            if other is None or comparison is None:
                continue
            when = format_date(other.date)
            before = comparison.before
            if before is None:
                parts.append(f"{label} ({when}): not recorded")
                continue
            shown = vas_cm(before) if measure.endswith("_vas_mm") else str(before)
            if measure == "mrss":
                shown = mrss_total(other.mrss, self.forms.mrss).text
            if comparison.comparable and comparison.delta is not None:
                change = signed(comparison.delta, comparison.unit)
                parts.append(f"{label} {shown} ({when}), change {change}")
            elif comparison.after is None:
                parts.append(f"{label} {shown} ({when})")
            else:
                parts.append(f"{label} {shown} ({when}): not compared")
        return " · ".join(parts) if parts else "No earlier assessment"

    # ------------------------------------------------------------ drafts

    def _draft_data(self) -> dict[str, Any]:
        return {
            "date": self.date.text(),
            "examiner": self.examiner.text(),
            "mrss": self.grid.values(),
            "vas": {key: widget.value() for key, widget in self.vas.items()},
            "papules": self.papules.value(),
            "papule_site": self.papule_site.currentText(),
            "systemic": {key: [i.value(), p.value()] for key, (i, p) in self.systemic.items()},
            "systemic_other": self.systemic_other.text(),
            "dermatoneuro": self.dermatoneuro.value(),
            "hrqol": self.hrqol.value(),
            "weight": self.weight.text(),
            "weight_before": self.weight_before.text(),
            "acute": self.acute.value(),
            "dysphagia": self.dysphagia.value(),
            "notes": self.notes.toPlainText(),
            "photos": [[p.view, p.sha256, p.media_type] for p in self.photos],
        }

    def _apply_draft(self, data: dict[str, Any]) -> None:
        self._loading = True
        self.date.setText(data.get("date", ""))
        self.examiner.setText(data.get("examiner", ""))
        self.grid.set_values(data.get("mrss", {}))
        for key, value in data.get("vas", {}).items():
            if key in self.vas:
                self.vas[key].set_value(value)
        self.papules.setValue(data.get("papules", NOT_COUNTED))
        self.papule_site.setCurrentText(data.get("papule_site", ""))
        for key, (involved, progressed) in data.get("systemic", {}).items():
            if key in self.systemic:
                self.systemic[key][0].set_value(involved)
                self.systemic[key][1].set_value(progressed)
        self.systemic_other.setText(data.get("systemic_other", ""))
        self.dermatoneuro.set_value(data.get("dermatoneuro"))
        self.hrqol.set_value(data.get("hrqol"))
        self.weight.setText(data.get("weight", ""))
        self.weight_before.setText(data.get("weight_before", ""))
        self.acute.set_value(data.get("acute"))
        self.dysphagia.set_value(data.get("dysphagia"))
        self.notes.setPlainText(data.get("notes", ""))
        self.photos = tuple(PhotoRef(*p) for p in data.get("photos", []))
        self._loading = False
        self._dirty = True
        self._refresh()

    def flush_draft(self) -> None:
        """Keep what is typed now (called on a timer, on leaving, and on close)."""
        self._draft_timer.stop()
        if self.file is None or not self._dirty or not self.session.store.can_write(KIND):
            return
        try:
            self.session.store.save_draft(
                self.file.uid,
                KIND,
                self._draft_data(),
                record_uid=self.record_uid,
                base_version=self.base_version,
            )
        except StoreError as e:
            self._show_error(f"The draft could not be kept: {e}")
            return
        self._dirty = False

    def _offer_draft(self) -> None:
        self.draft_banner.hide()
        if self.file is None:
            return
        drafts = [
            d
            for d in self.session.store.drafts(self.file.uid, KIND)
            if d.record_uid == self.record_uid
        ]
        if not drafts:
            return
        draft = drafts[0]
        when = format_timestamp(draft.updated_at)
        dated = escape(str(draft.data.get("date", "?")))
        if draft.record_uid is None:
            text = (
                f"⚠ An unsaved new assessment (dated {dated}) was kept at {when}. "
                "Restore it to carry on?"
            )
        else:
            text = (
                f"⚠ Unsaved changes to this assessment (dated {dated}) were kept at {when}. "
                "Restore them to carry on?"
            )
        self.draft_text.setText(text)
        self._pending_draft = draft
        self.draft_banner.show()

    def restore_draft(self) -> None:
        draft = getattr(self, "_pending_draft", None)
        if draft is None:
            return
        self.base_version = draft.base_version if draft.record_uid else None
        self._apply_draft(draft.data)
        self.draft_banner.hide()
        self.status.setText("Draft restored — not saved yet")

    def discard_draft(self) -> None:
        if self.file is not None:
            self.session.store.discard_draft(self.file.uid, KIND, self.record_uid)
        self.draft_banner.hide()

    def saved_date(self) -> date | None:
        """The date of the assessment on screen, if it is saved (for letters and forms)."""
        if self.file is None or self.record_uid is None:
            return None
        saved = next((a for a in self.file.assessments if a.uid == self.record_uid), None)
        return saved.value.date if saved else None

    # ------------------------------------------------------------ saving

    def _show_error(self, text: str) -> None:
        self.save_error.setText(text)
        self.error_banner.show()

    def _mark_errors(self, errors: list[FieldError]) -> None:
        fields = {
            "date": self.date,
            "examiner": self.examiner,
            "mrss": self.grid,
            "itch_vas_mm": self.vas["itch_vas_mm"],
            "patient_global_vas_mm": self.vas["patient_global_vas_mm"],
            "physician_global_vas_mm": self.vas["physician_global_vas_mm"],
            "papules": self.papules,
            "papules.site": self.papule_site,
            "nutrition.weight_kg": self.weight,
            "nutrition.weight_3_6_months_ago_kg": self.weight_before,
        }
        mark_errors(fields, errors)

    def save(self) -> bool:
        if self.file is None:
            return False
        if not self.session.store.can_write(KIND):
            self._show_error(f"Not saved: {self.save_button.toolTip()}")
            return False
        self.flush_draft()
        assessment, errors = self.candidate()
        self._mark_errors(errors)
        if errors:
            self._show_error(
                "Not saved: "
                + "; ".join(f"{e.field.replace('_', ' ')}: {e.message}" for e in errors)
            )
            return False
        store = self.session.store
        try:
            saved = store.save(
                KIND,
                self.file.uid,
                assessment,
                uid=self.record_uid,
                base_version=self.base_version,
                reason=self.amend_reason,
            )
        except ValidationError as e:
            self._mark_errors(list(e.errors))
            self._show_error("Not saved: " + str(e))
            return False
        except StoreError as e:
            # what was typed stays on screen and in the draft
            self._dirty = True
            self.flush_draft()
            self._show_error(f"Not saved: {e}")
            return False
        self.error_banner.hide()
        self.session.notify_saved(self.file.uid)
        self.file = store.load(self.file.uid)
        self.load(self.file, assessment_uid=saved.uid)
        self.status.setText(f"Saved {datetime.now().strftime('%H:%M')} — version {saved.version}")
        self.assessment_saved.emit(saved.uid)
        return True
