"""The main window: patient list, reviews dashboard, and the open patient."""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from mdtapp.domain.nhs_number import format_nhs_number, nhs_number_problem, normalise_nhs_number
from mdtapp.store.errors import StoreError
from mdtapp.ui.idle_lock import IdleWatcher, LockScreen
from mdtapp.ui.session import Session
from mdtapp.ui.views.patient_list import PatientListView, ReviewsView

if TYPE_CHECKING:  # loaded when first used: the first paint needs only the patient list
    from collections.abc import Callable

    from mdtapp.reports.service import Produced
    from mdtapp.settings import Author, Letterhead
    from mdtapp.ui.views.meeting import MeetingWindow
    from mdtapp.ui.views.pdf_preview import PdfPreview
    from mdtapp.ui.views.workspace import PatientWorkspace


class MainWindow(QMainWindow):
    def __init__(self, session: Session, *, fill_list: bool = True):
        super().__init__()
        self.session = session
        self.setObjectName("mainWindow")
        path = session.store.path
        title = f"mdtapp — {path.name if path else 'database'}"
        if session.plaintext:
            title += "  —  PLAINTEXT database (not encrypted)"
        self.setWindowTitle(title)
        self.stack = QStackedWidget()
        self.patients = PatientListView(session, fill=fill_list)
        self.reviews = ReviewsView(session)
        self._workspace: PatientWorkspace | None = None  # built when a patient is first opened
        # what a letter lacked (letterhead, author), as each signed-in person typed it
        self._letter_answers: dict[str, dict[str, str]] = {}
        self.meeting_window: MeetingWindow | None = None  # built when first opened (Ctrl+M)
        for page in (self.patients, self.reviews):
            self.stack.addWidget(page)
        self.setCentralWidget(self.stack)
        self._actions()
        self.status_text = QLabel()
        self.status_text.setObjectName("statusText")
        self.statusBar().addWidget(self.status_text)
        self.patients.patient_opened.connect(self.open_patient)
        self.reviews.patient_opened.connect(self.open_patient)
        self.patients.new_patient_requested.connect(self.new_patient)
        self.stack.setCurrentWidget(self.patients)
        self.lock_screen = LockScreen()
        self.stack.addWidget(self.lock_screen)
        self.lock_screen.unlock_requested.connect(self.unlock)
        self._before_lock: QWidget | None = None
        self.idle = IdleWatcher(QApplication.instance(), self._idle_minutes())  # type: ignore
        self.idle.idle.connect(self.lock)
        self._apply_roles()

    @property
    def workspace(self) -> PatientWorkspace:
        if self._workspace is None:
            from mdtapp.ui.views.workspace import PatientWorkspace

            self._workspace = PatientWorkspace(self.session)
            self.stack.addWidget(self._workspace)
            self._workspace.assessment.letter_button.clicked.connect(self.letter)
            self._workspace.assessment.form_button.clicked.connect(self.print_form)
        return self._workspace

    def workspace_flush(self) -> None:
        """Keep what is typed (an unexpected error is being reported)."""
        # reporting the first problem matters more than a second one here
        with contextlib.suppress(Exception):
            self._flush_draft()

    def _flush_draft(self) -> None:
        if self._workspace is not None:
            self._workspace.assessment.flush_draft()

    def _actions(self) -> None:
        bar = self.toolbar = QToolBar("Main")
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(bar)

        def action(
            text: str,
            shortcut: str | QKeySequence.StandardKey,
            slot: object,
            name: str,
            place: QWidget | None = None,
        ) -> QAction:
            a = QAction(text, self)
            a.setObjectName(name)
            a.setShortcut(QKeySequence(shortcut))
            a.triggered.connect(slot)
            (place or bar).addAction(a)
            return a

        self.show_patients_action = action("Patients", "Ctrl+1", self.show_patients, "showPatients")
        self.show_reviews_action = action("Reviews due", "Ctrl+2", self.show_reviews, "showReviews")
        self.new_patient_action = action(
            "New patient…", "Ctrl+N", self.new_patient, "newPatientAction"
        )
        self.find_action = action("Find", "Ctrl+F", self.focus_search, "findPatient")
        self.meeting_action = action("MDT meeting…", "Ctrl+M", self.open_meeting, "meetingAction")
        bar.addSeparator()
        self.edit_patient_action = action(
            "Patient details…", "Ctrl+E", self.edit_patient, "editPatient"
        )
        self.new_assessment_action = action(
            "New assessment", "Ctrl+Shift+A", self.new_assessment, "newAssessment"
        )
        self.letter_action = action("Letter…", "Ctrl+L", self.letter, "letterAction")
        self.form_action = action("Print form…", "Ctrl+P", self.print_form, "formAction")
        bar.addSeparator()
        self.audit_action = action(
            "Audit return…", "Ctrl+Shift+R", self.audit_return, "auditAction"
        )
        self.fhir_action = action(
            "Export FHIR…", "", self.export_fhir, "fhirAction", self.menuBar()
        )
        self.settings_action = action("Settings…", "Ctrl+,", self.open_settings, "settingsAction")
        self.users_action = action("Users…", "Ctrl+Shift+U", self.manage_users, "usersAction")
        self.password_action = action(
            "My password…", "Ctrl+Shift+P", self.change_password, "passwordAction"
        )
        self.lock_action = action("Lock", "Ctrl+Shift+L", self.lock, "lockAction")
        self.quit_action = action(
            "&Quit", QKeySequence.StandardKey.Quit, self.close, "quit", self.menuBar()
        )
        self.guide_action = action(
            "&User guide",
            QKeySequence.StandardKey.HelpContents,
            self.user_guide,
            "userGuide",
            self.menuBar(),
        )
        self.about_action = action("&About mdtapp", "", self.about, "about", self.menuBar())
        # View -> Zoom: every view larger or smaller (a projector, a small or sharp screen)
        self.zoom_in_action = action(
            "Zoom &in",
            QKeySequence.StandardKey.ZoomIn,
            self.zoom_in,
            "zoomIn",
            self.menuBar(),
        )
        self.zoom_in_action.setShortcuts([QKeySequence("Ctrl+="), QKeySequence("Ctrl++")])
        self.zoom_out_action = action(
            "Zoom &out",
            QKeySequence.StandardKey.ZoomOut,
            self.zoom_out,
            "zoomOut",
            self.menuBar(),
        )
        self.zoom_out_action.setShortcuts([QKeySequence("Ctrl+-")])
        self.zoom_reset_action = action(
            "&Actual size", "Ctrl+0", self.zoom_reset, "zoomReset", self.menuBar()
        )
        self._menus()
        self._patient_actions = [
            self.edit_patient_action,
            self.new_assessment_action,
            self.letter_action,
            self.form_action,
        ]
        self._set_patient_actions(False)

    def _menus(self) -> None:
        """The same actions as the toolbar, in the menus a desktop user looks for first."""
        bar = self.menuBar()
        bar.clear()
        for title, name, actions in (
            (
                "&File",
                "fileMenu",
                [
                    self.new_patient_action,
                    self.edit_patient_action,
                    self.new_assessment_action,
                    None,
                    self.letter_action,
                    self.form_action,
                    self.audit_action,
                    self.fhir_action,
                    None,
                    self.lock_action,
                    self.quit_action,
                ],
            ),
            (
                "&View",
                "viewMenu",
                [
                    self.show_patients_action,
                    self.show_reviews_action,
                    self.find_action,
                    self.meeting_action,
                    None,
                    self.zoom_in_action,
                    self.zoom_out_action,
                    self.zoom_reset_action,
                ],
            ),
            (
                # not "&Tools": Alt+T is the patient's Treatment tab
                "Too&ls",
                "toolsMenu",
                [self.settings_action, self.users_action, self.password_action],
            ),
            ("&Help", "helpMenu", [self.guide_action, None, self.about_action]),
        ):
            menu = bar.addMenu(title)
            menu.setObjectName(name)
            for a in actions:
                if a is None:
                    menu.addSeparator()
                else:
                    menu.addAction(a)

    def _set_patient_actions(self, enabled: bool) -> None:
        for a in self._patient_actions:
            a.setEnabled(enabled)
        # a FHIR export sends identifiable data out, as the mdtapp/1 export does: administrators
        self.fhir_action.setEnabled(enabled and self.session.store.can("admin"))

    # ------------------------------------------------------------ navigation

    def show_patients(self) -> None:
        self._flush_draft()
        self.stack.setCurrentWidget(self.patients)
        self._set_patient_actions(False)
        self.patients.search.setFocus()

    def show_reviews(self) -> None:
        self._flush_draft()
        self.reviews.refresh()
        self.stack.setCurrentWidget(self.reviews)
        self._set_patient_actions(False)
        self.reviews.table.setFocus()

    def open_meeting(self) -> None:
        """View > MDT meeting… (Ctrl+M): the meeting window, beside this one."""
        from mdtapp.ui.views.meeting import MeetingWindow

        if self.meeting_window is None:
            self.meeting_window = MeetingWindow(self.session)
        self.meeting_window.show()
        self.meeting_window.raise_()
        self.meeting_window.activateWindow()

    def focus_search(self) -> None:
        self.show_patients()
        self.patients.search.selectAll()

    def open_patient(self, patient_uid: str, tab: str = "overview") -> None:
        try:
            self.workspace.open(patient_uid)
        except StoreError as e:
            QMessageBox.warning(self, "mdtapp", str(e))
            return
        self.stack.setCurrentWidget(self.workspace)
        self.workspace.show_tab(tab)
        self._set_patient_actions(True)

    def open_nhs(self, nhs_number: str, tab: str = "overview") -> str | None:
        """Open a patient by NHS number; return a problem to tell the user, or None."""
        problem = nhs_number_problem(nhs_number)
        if problem:
            return f"--open: NHS number {problem}"
        uid = self.session.store.patient_uid_for(normalise_nhs_number(nhs_number))
        if uid is None:
            return f"No patient with NHS number {format_nhs_number(nhs_number)}"
        self.open_patient(uid, tab)
        return None

    def new_patient(self) -> None:
        from mdtapp.ui.views.new_patient import PatientDialog

        dialog = PatientDialog(self.session, self)
        if dialog.exec() and dialog.saved_uid:
            self.open_patient(dialog.saved_uid, "eligibility")

    def edit_patient(self) -> None:
        file = self._workspace.file if self._workspace else None
        if file is None:
            return
        from mdtapp.ui.views.new_patient import PatientDialog

        dialog = PatientDialog(
            self.session, self, existing=(file.uid, file.patient.version, file.patient.value)
        )
        dialog.exec()

    def new_assessment(self) -> None:
        if self._workspace is not None and self._workspace.file is not None:
            self.workspace.show_tab("assessment")
            self.workspace.assessment.new_assessment()
            self.workspace.assessment.date.setFocus()

    def _shown_assessment(self) -> tuple[str, date | None] | None:
        """The open patient, and the assessment on screen if it is a saved one."""
        if self._workspace is None or self._workspace.file is None:
            return None
        editor = self._workspace.assessment
        on_assessment_tab = self._workspace.tabs.currentWidget() is editor
        saved = editor.saved_date() if on_assessment_tab else None
        return self._workspace.file.uid, saved

    def preview(self, kind: str, *, filled: bool = True) -> PdfPreview | None:
        """Produce the letter or form for what is on screen and show it (tests drive this)."""
        from mdtapp.preferences import load_preferences
        from mdtapp.reports.service import produce_form, produce_letter

        shown = self._shown_assessment()
        if shown is None:
            return None
        uid, on = shown
        store = self.session.store
        photos = load_preferences().letter_photos  # this computer's choice; off by default
        details = None
        if kind == "letter":
            file = self._workspace.file if self._workspace else None
            if file is not None and not file.assessments:  # said before anything is asked
                QMessageBox.warning(
                    self, "mdtapp", "This patient has no assessment yet: a letter needs one."
                )
                return None
            details = self._letter_details()
            if details is None:
                return None  # the user chose not to give what the letter lacks

        def produce(with_photos: bool) -> Produced:
            if details is not None:
                author, letterhead = details
                return produce_letter(
                    store, uid, on=on, author=author, letterhead=letterhead, photos=with_photos
                )
            return produce_form(store, uid, filled=filled, on=on, photos=with_photos)

        try:
            produced = produce(photos)
        except (StoreError, ValueError) as e:
            QMessageBox.warning(self, "mdtapp", str(e))
            return None
        patient = (
            self._workspace.file.patient.value if self._workspace and self._workspace.file else None
        )
        stem = (
            f"{kind}-{patient.family_name if patient else 'patient'}-"
            f"{produced.assessment_date or 'blank'}"
        )

        def audited(action: str) -> object:
            return lambda where: store.record_event(
                action,
                patient_uid=uid,
                entity="assessments" if produced.assessment_uid else "",
                entity_uid=produced.assessment_uid or "",
                detail=f"{kind} {action}: {where}",
            )

        from mdtapp.ui.views.pdf_preview import PdfPreview

        return PdfPreview(
            produced.pdf,
            f"{kind.title()} — preview",
            f"{stem}.pdf",
            on_saved=audited("saved"),
            on_printed=audited("printed"),
            photos=photos,
            on_photos=(lambda ticked: self._with_photos(ticked, produce)) if filled else None,
            parent=self,
        )

    def _with_photos(self, photos: bool, produce: Callable[[bool], Produced]) -> bytes | None:
        """The letter or form again, with or without the site photos; the choice remembered."""
        import dataclasses

        from mdtapp.preferences import load_preferences, save_preferences

        try:
            produced = produce(photos)
        except (StoreError, ValueError) as e:
            QMessageBox.warning(self, "mdtapp", str(e))
            return None
        with contextlib.suppress(OSError):  # a read-only profile: chosen for this letter only
            save_preferences(dataclasses.replace(load_preferences(), letter_photos=photos))
        return bytes(produced.pdf)

    def _letter_details(self) -> tuple[Author, Letterhead] | None:
        """The author and letterhead for a letter, asking first for what is missing
        (domain.md section 7); None when the user cancels."""
        from dataclasses import replace

        from mdtapp.reports.service import letter_settings
        from mdtapp.settings import Author, centre_settings
        from mdtapp.ui.views.letter_details import LetterDetailsDialog

        for problem in centre_settings(self.session.store).problems:  # a damaged value, said
            self.statusBar().showMessage(problem, 10000)
        ready = letter_settings(self.session.store)
        # what this person typed for an earlier letter is used again: asked once, not per
        # patient, and the same on every letter of the meeting (kept for the signed-in user)
        given = self._letter_answers.get(self.session.user, {})
        missing = [m for m in ready.missing if not given.get(m.key)]
        if missing:
            dialog = LetterDetailsDialog(missing, self)
            if not dialog.exec():
                return None
            given = {**given, **dialog.answers()}
            self._letter_answers[self.session.user] = given
        # only what the settings still lack is taken from the answers
        asked = {m.key: given[m.key] for m in ready.missing}
        author = Author(
            asked.get("author.name", ready.author.name),
            asked.get("author.role", ready.author.role),
        )
        letterhead = ready.letterhead
        if "letterhead.centre" in asked:
            letterhead = replace(letterhead, centre=asked["letterhead.centre"])
        return author, letterhead

    def letter(self) -> None:
        self._show_preview(self.preview("letter"))

    def print_form(self) -> None:
        self._show_preview(self.preview("form"))

    @staticmethod
    def _show_preview(dialog: PdfPreview | None) -> None:
        if dialog is not None:
            dialog.exec()
            dialog.deleteLater()  # by the event loop, once nothing is pending for it

    def audit_return(self) -> None:
        from mdtapp.ui.views.audit_dialog import AuditDialog

        AuditDialog(self.session, self).exec()

    def export_fhir(self) -> None:
        """File > Export FHIR…: the open patient's signed records as a FHIR R4 bundle."""
        from PySide6.QtWidgets import QFileDialog

        if self._workspace is None or self._workspace.file is None:
            return
        file = self._workspace.file
        store = self.session.store
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Export FHIR (the patient's signed records)",
            f"fhir-{file.patient.value.family_name}-{store.today().isoformat()}.json",
            "FHIR JSON (*.json)",
        )
        if name:
            self.export_fhir_to(Path(name))

    def export_fhir_to(self, path: Path) -> None:
        from mdtapp.fhir.export import ExportRefused, export_fhir

        if self._workspace is None or self._workspace.file is None:
            return
        try:
            result = export_fhir(self.session.store, self._workspace.file.uid, path)
        except (ExportRefused, StoreError) as e:
            QMessageBox.warning(self, "mdtapp", f"Nothing was exported: {e}")
            return
        except OSError as e:
            QMessageBox.warning(self, "mdtapp", f"{path} cannot be written: {e.strerror or e}")
            return
        left = "".join(f"\n• {line}" for line in result.left_out)
        QMessageBox.information(
            self,
            "mdtapp",
            f"Exported {result.counts} to {path}." + (f"\n\nNot signed:{left}" if left else ""),
        )

    def open_settings(self) -> None:
        from mdtapp.ui.views.settings_dialog import SettingsDialog

        SettingsDialog(self.session, self).exec()
        self.idle.set_minutes(self._idle_minutes())  # a new idle time applies at once

    def user_guide(self) -> None:
        from mdtapp.ui.views.help import show_user_guide

        show_user_guide(self)

    # bound methods, not lambdas: a lambda holding self keeps a closed window alive
    def zoom_in(self) -> None:
        self.zoom(+1)

    def zoom_out(self) -> None:
        self.zoom(-1)

    def zoom_reset(self) -> None:
        self.zoom(0)

    def zoom(self, step: int) -> None:
        """One zoom step larger (+1), smaller (-1), or back to normal (0); remembered."""
        from mdtapp.preferences import (
            ZOOM_DEFAULT,
            load_preferences,
            next_zoom,
            save_preferences,
            with_zoom,
        )
        from mdtapp.ui.app import apply_zoom

        prefs = load_preferences()
        zoom = ZOOM_DEFAULT if step == 0 else next_zoom(prefs.zoom_percent, step)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        apply_zoom(app, zoom)
        try:
            save_preferences(with_zoom(prefs, zoom))
        except OSError as e:  # a read-only profile: the zoom still applies, for now
            self.statusBar().showMessage(f"Zoom {zoom} % (not remembered: {e.strerror})", 5000)
            return
        self.statusBar().showMessage(f"Zoom {zoom} %", 3000)

    def about(self) -> None:
        from mdtapp.buildinfo import build_text

        QMessageBox.about(self, "About mdtapp", build_text(self.session.forms.version))

    # ------------------------------------------------------------ idle lock and accounts

    def _idle_minutes(self) -> float:
        from mdtapp.settings import centre_settings

        return float(centre_settings(self.session.store).idle_lock_minutes)

    @property
    def locked(self) -> bool:
        return self.stack.currentWidget() is self.lock_screen

    def lock(self) -> None:
        """Hide every patient detail: the page, the banner, the toolbar, any open dialog."""
        if self.locked:
            return
        self._flush_draft()
        for widget in QApplication.topLevelWidgets():
            if widget is not self and widget.isVisible():
                widget.close()
        self._before_lock = self.stack.currentWidget()
        self.lock_screen.show_for(self.session.store.principal.display_name, self.session.user)
        self.stack.setCurrentWidget(self.lock_screen)
        self.toolbar.hide()
        self.menuBar().hide()  # its shortcuts too: nothing acts behind the lock
        self.status_text.setText("Locked")
        self.idle.timer.stop()

    def unlock(self, username: str, password: str) -> bool:
        from mdtapp.store.attempts import LoginThrottled

        store = self.session.store
        account = store.account(username)
        try:  # counted with signing in's attempts, across every window and command
            right = store.verify_password(username, password)
        except LoginThrottled as e:
            self.lock_screen.refused(wait=e.seconds)
            store.record_event("unlock-failed", detail=f"as {username}: {e}")
            return False
        if account is None or not account.active or not right:
            self.lock_screen.refused()
            store.record_event("unlock-failed", detail=f"as {username}")
            return False
        same = username == store.user
        if not same:
            # another person: their own view; the first user's draft stays kept in their name
            store.principal = account.principal
            self._before_lock = self.patients
            self._close_patient()
        store.record_event("unlock", detail="same user" if same else "another user")
        self.lock_screen.failures = 0
        self.stack.setCurrentWidget(self._before_lock or self.patients)
        self.toolbar.show()
        self.menuBar().show()
        self._apply_roles()
        self.idle.timer.start()
        return True

    def _close_patient(self) -> None:
        if self._workspace is not None:
            self.stack.removeWidget(self._workspace)
            self._workspace.deleteLater()
            self._workspace = None
        self._set_patient_actions(False)
        self.patients.search.clear()
        self.patients.refresh()
        self.reviews.refresh()

    def _apply_roles(self) -> None:
        """Offer only what the signed-in account may do (the store refuses the rest anyway)."""
        p = self.session.store.principal
        self.status_text.setText(
            f"Signed in as {p.display_name} ({p.roles_text})  ·  "
            f"{self.session.store.path}  ·  forms {self.session.forms.version}"
        )
        self.new_patient_action.setEnabled(self.session.store.can("clinician"))
        self.patients.new_button.setEnabled(self.session.store.can("clinician"))
        self.settings_action.setEnabled(self.session.store.can("admin"))
        self.users_action.setEnabled(self.session.store.can("admin"))
        if self._workspace is not None:
            self._workspace.apply_roles()

    def manage_users(self) -> None:
        from mdtapp.ui.views.accounts import AccountsDialog

        AccountsDialog(self.session, self).exec()

    def change_password(self) -> None:
        from mdtapp.ui.views.accounts import PasswordDialog

        PasswordDialog(self.session, self).exec()

    def ask_unsaved(self) -> str:
        """Unsaved changes on closing: "save", "keep" (as a draft) or "cancel"."""
        patient = (
            self._workspace.file.patient.value if self._workspace and self._workspace.file else None
        )
        box = QMessageBox(self)
        box.setObjectName("unsavedPrompt")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Unsaved changes")
        who = f" for {patient.display_name}" if patient else ""
        box.setText(f"The assessment{who} has changes that are not saved.")
        box.setInformativeText(
            "Closing keeps them as a draft, offered back when this assessment is next opened; "
            "a draft is not part of the record and is not in letters or the audit return."
        )
        save = box.addButton("&Save and close", QMessageBox.ButtonRole.AcceptRole)
        keep = box.addButton("Close, &keep the draft", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(save)
        box.exec()
        clicked = box.clickedButton()
        return "save" if clicked is save else "keep" if clicked is keep else "cancel"

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if (
            self._workspace is not None
            and not self.locked
            and self._workspace.assessment.unsaved_changes
        ):
            choice = self.ask_unsaved()
            if choice == "cancel" or (choice == "save" and not self._workspace.assessment.save()):
                self.workspace.show_tab("assessment")  # the errors are on screen there
                event.ignore()
                return
        # what is being typed is kept as a draft, so closing never loses it
        self._flush_draft()
        # a closed window must not go on watching the whole application
        self.idle.detach()
        if self.meeting_window is not None:
            self.meeting_window.close()
        if self._workspace is not None:
            self._workspace.assessment.detach()
        super().closeEvent(event)
