"""The MDT meeting (issue 17, domain.md section 6a): the meeting's details, who attends (and
arrives late, leaves early), whether it is quorate, live; the agenda walked by keyboard; each
patient's summary, the decision (joint or not from the quorum at that moment), signing and dose
verification in place by another person; the outcomes summary and every letter in one go.

Layout only and its wiring; the rules are the store's and domain/meeting.py's."""

from __future__ import annotations

from dataclasses import replace
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mdtapp.domain.dates import format_date
from mdtapp.domain.errors import FieldError, ValidationError
from mdtapp.domain.meeting import AgendaItem, Attendee, Meeting, attendee_text, quorum
from mdtapp.domain.nhs_number import format_nhs_number
from mdtapp.store.errors import StoreError
from mdtapp.store.models import Saved
from mdtapp.store.repository import PatientFile
from mdtapp.ui import theme
from mdtapp.ui.session import Session
from mdtapp.ui.views.assessment import card
from mdtapp.ui.views.decisions import DecisionsView
from mdtapp.ui.views.overview import OverviewView, dose_plan_html, verification_html
from mdtapp.ui.widgets.banner import PatientBanner
from mdtapp.ui.widgets.fields import DateField
from mdtapp.ui.widgets.sign_dialog import SignInPlaceDialog

NEXT_KEYS = ("Alt+Right", "Alt+Down")
PREVIOUS_KEYS = ("Alt+Left", "Alt+Up")
PRESENTER_KEY = "F5"


class MeetingWindow(QWidget):
    """A window of its own beside the main one (View > MDT meeting…, Ctrl+M)."""

    item_changed = Signal()  # the agenda item shown changed (the presenter view follows)
    letters_progressed = Signal(int, int)

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.session = session
        self.store = session.store
        self.rules = session.forms.meeting
        self.saved: Saved[Meeting] | None = None
        self._given_centre: str | None = None  # the centre's name typed for this meeting's papers
        self.index = -1  # the agenda item shown
        self.file: PatientFile | None = None
        self.presenter: PresenterWindow | None = None
        self.setObjectName("meetingWindow")
        self.setWindowTitle("MDT meeting — mdtapp")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        outer.setSpacing(6)
        outer.addLayout(self._details_row())
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("meetingSplit")
        split.setChildrenCollapsible(False)
        split.addWidget(self._left_column())
        split.addWidget(self._right_column())
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([330, 700])
        outer.addWidget(split, 1)
        bottom = QHBoxLayout()
        self.presenter_button = QPushButton(f"Presenter ({PRESENTER_KEY})")
        self.presenter_button.setObjectName("presenterButton")
        self.presenter_button.clicked.connect(self.toggle_presenter)
        self.outcomes_button = QPushButton("Outcomes…")
        self.outcomes_button.setObjectName("outcomesButton")
        self.outcomes_button.clicked.connect(self._on_outcomes_clicked)
        self.letters_button = QPushButton("All letters…")
        self.letters_button.setObjectName("lettersButton")
        self.letters_button.clicked.connect(self._on_letters_clicked)
        for b in (self.presenter_button, self.outcomes_button, self.letters_button):
            bottom.addWidget(b)
        self.message = QLabel()
        self.message.setObjectName("meetingMessage")
        self.message.setWordWrap(True)
        bottom.addWidget(self.message, 1)
        self.progress = QProgressBar()
        self.progress.setObjectName("lettersProgress")
        self.progress.setAccessibleName("Letters produced")
        self.progress.setVisible(False)
        self.progress.setMaximumWidth(260)
        bottom.addWidget(self.progress)
        outer.addLayout(bottom)
        for keys, slot in (
            (NEXT_KEYS, self.next_item),
            (PREVIOUS_KEYS, self.previous_item),
            ((PRESENTER_KEY,), self.toggle_presenter),
        ):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                shortcut.activated.connect(slot)
        session.patient_saved.connect(self._on_patient_saved)
        self.reload_meetings()
        self.resize(1280, 740)

    # ------------------------------------------------------------ layout

    def _details_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.choice = QComboBox()
        self.choice.setObjectName("meetingChoice")
        self.choice.setAccessibleName("Meeting")
        self.choice.setMinimumContentsLength(22)
        self.choice.currentIndexChanged.connect(self._on_choice_changed)
        label = QLabel("&Meeting")
        label.setBuddy(self.choice)
        row.addWidget(label)
        row.addWidget(self.choice)
        self.date = DateField("meetingDate", "Meeting date")
        self.time = QLineEdit("14:00")
        self.time.setObjectName("meetingTime")
        self.time.setAccessibleName("Meeting time")
        self.time.setFixedWidth(self.time.fontMetrics().horizontalAdvance("00:00") + 24)
        self.place = QLineEdit()
        self.place.setObjectName("meetingPlace")
        self.place.setAccessibleName("Place, or virtual")
        self.place.setPlaceholderText("room, or virtual")
        self.chair = QLineEdit()
        self.chair.setObjectName("meetingChair")
        self.chair.setAccessibleName("Chair")
        self.chair.setPlaceholderText("chair")
        for widget in (self.date, self.time, self.place, self.chair):
            row.addWidget(widget)
        self.save_details = QPushButton("Prepare")
        self.save_details.setObjectName("saveMeeting")
        self.save_details.setProperty("role", "primary")
        self.save_details.clicked.connect(self.save_meeting_details)
        row.addWidget(self.save_details)
        row.addStretch(1)
        return row

    def _left_column(self) -> QWidget:
        column = QWidget()
        column.setMinimumWidth(300)
        column.setMaximumWidth(420)
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        people, people_layout = card("Attendees", "attendeesCard")
        self.attendees = QTableWidget(0, 2)
        self.attendees.setObjectName("attendees")
        self.attendees.setAccessibleName("Attendees: Space marks present or left")
        self.attendees.setHorizontalHeaderLabels(["Attendee and role", "Present"])
        self.attendees.verticalHeader().setVisible(False)
        self.attendees.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.attendees.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.attendees.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.attendees.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.attendees.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.attendees.setWordWrap(True)
        self.attendees.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.attendees.setMaximumHeight(150)
        self.attendees.cellDoubleClicked.connect(lambda row, _c: self.toggle_present(row))
        space = QShortcut(QKeySequence(Qt.Key.Key_Space), self.attendees)
        space.setContext(Qt.ShortcutContext.WidgetShortcut)
        space.activated.connect(lambda: self.toggle_present(self.attendees.currentRow()))
        people_layout.addWidget(self.attendees)
        add_row = QHBoxLayout()
        self.attendee_name = QComboBox()
        self.attendee_name.setObjectName("attendeeName")
        self.attendee_name.setAccessibleName("Attendee: pick an account or type a name")
        self.attendee_name.setEditable(True)
        self.attendee_name.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.attendee_role = QComboBox()
        self.attendee_role.setObjectName("attendeeRole")
        self.attendee_role.setAccessibleName("Attendee's role")
        self.attendee_role.addItem("— role —", "")
        for role in self.rules.roles:
            self.attendee_role.addItem(role.label, role.key)
        add = QPushButton("Add")
        add.setObjectName("addAttendee")
        add.clicked.connect(self._on_add_attendee_clicked)
        self.attendee_name.lineEdit().returnPressed.connect(self._on_add_attendee_clicked)  # type: ignore[union-attr]
        for combo in (self.attendee_name, self.attendee_role):
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            combo.setMinimumContentsLength(8)
        add_row.addWidget(self.attendee_name, 1)
        add_row.addWidget(self.attendee_role, 1)
        add_row.addWidget(add)
        people_layout.addLayout(add_row)
        toggles = QHBoxLayout()
        self.present_button = QPushButton("Arrived / left")
        self.present_button.setObjectName("togglePresent")
        self.present_button.clicked.connect(
            lambda: self.toggle_present(self.attendees.currentRow())
        )
        remove = QPushButton("Remove")
        remove.setObjectName("removeAttendee")
        remove.clicked.connect(self._on_remove_attendee_clicked)
        toggles.addWidget(self.present_button)
        toggles.addWidget(remove)
        toggles.addStretch(1)
        people_layout.addLayout(toggles)
        self.quorum = QLabel()
        self.quorum.setObjectName("quorum")
        self.quorum.setWordWrap(True)
        self.quorum.setAccessibleName("Quorum")
        people_layout.addWidget(self.quorum)
        layout.addWidget(people)

        agenda_card, agenda = card("Agenda", "agendaCard")
        self.agenda = QListWidget()
        self.agenda.setObjectName("agenda")
        self.agenda.setAccessibleName(
            "Agenda: Alt+Right next, Alt+Left previous, Ctrl+Shift+Up or Down moves, "
            "drag to reorder"
        )
        self.agenda.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.agenda.setWordWrap(True)
        self.agenda.model().rowsMoved.connect(self._on_agenda_dragged)
        self.agenda.currentRowChanged.connect(self._on_agenda_row_changed)
        for key, by in (("Ctrl+Shift+Up", -1), ("Ctrl+Shift+Down", 1)):
            move = QShortcut(QKeySequence(key), self.agenda)
            move.setContext(Qt.ShortcutContext.WidgetShortcut)
            move.activated.connect(lambda by=by: self.move_item(by))
        agenda.addWidget(self.agenda, 1)
        status_row = QHBoxLayout()
        self.status_buttons: dict[str, QPushButton] = {}
        for status in self.rules.statuses:
            button = QPushButton(status.label)
            button.setObjectName(f"status_{status.key}")
            button.clicked.connect(lambda _=False, key=status.key: self.set_status(key))
            self.status_buttons[status.key] = button
            status_row.addWidget(button)
        agenda.addLayout(status_row)
        nav = QHBoxLayout()
        self.previous_button = QPushButton("◀ Previous")
        self.previous_button.setObjectName("previousItem")
        self.previous_button.setToolTip("Alt+Left")
        self.previous_button.clicked.connect(self.previous_item)
        self.next_button = QPushButton("Next ▶")
        self.next_button.setObjectName("nextItem")
        self.next_button.setToolTip("Alt+Right")
        self.next_button.clicked.connect(self.next_item)
        nav.addWidget(self.previous_button)
        nav.addWidget(self.next_button)
        agenda.addLayout(nav)
        self.search = QLineEdit()
        self.search.setObjectName("agendaSearch")
        self.search.setAccessibleName("Add a patient: name, NHS or hospital number, then Enter")
        self.search.setPlaceholderText("Add a patient: name or NHS No., Enter")
        self.search.returnPressed.connect(self._on_search_entered)
        self.search.textChanged.connect(self._on_search_changed)
        agenda.addWidget(self.search)
        self.results = QListWidget()
        self.results.setObjectName("agendaSearchResults")
        self.results.setAccessibleName("Patients found: Enter adds one")
        self.results.setMaximumHeight(90)
        self.results.setVisible(False)
        self.results.itemActivated.connect(
            lambda item: self.add_patient(item.data(Qt.ItemDataRole.UserRole))
        )
        agenda.addWidget(self.results)
        layout.addWidget(agenda_card, 1)
        return column

    def _right_column(self) -> QWidget:
        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        self.banner = PatientBanner()
        self.banner.details.setWordWrap(True)  # beside the agenda: fits 1024 wide
        layout.addWidget(self.banner)
        self.item_reason = QLabel()
        self.item_reason.setObjectName("agendaReason")
        self.item_reason.setWordWrap(True)
        layout.addWidget(self.item_reason)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("meetingTabs")
        self.overview = OverviewView(self.session)
        trends = QScrollArea()
        trends.setObjectName("meetingTrends")
        trends.setWidgetResizable(True)
        trends.setWidget(self.overview.two_columns())
        self.decisions = DecisionsView(self.session)
        self.decisions.meeting_now = self.meeting_now
        # the form above the decisions so far, scrolled: the window fits 1024 x 768
        box = self.decisions.layout()
        if isinstance(box, QBoxLayout):
            box.setDirection(QBoxLayout.Direction.TopToBottom)
        decisions_scroll = QScrollArea()
        decisions_scroll.setObjectName("meetingDecisionScroll")
        decisions_scroll.setWidgetResizable(True)
        decisions_scroll.setWidget(self.decisions)
        dose = QWidget()
        dose_layout = QVBoxLayout(dose)
        self.dose = QLabel()
        self.dose.setObjectName("meetingDosePlan")
        self.dose.setWordWrap(True)
        self.dose.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verification = QLabel()
        self.verification.setObjectName("meetingDoseVerification")
        self.verification.setWordWrap(True)
        self.verify_button = QPushButton("Verify in place (Ig pharmacist)…")
        self.verify_button.setObjectName("verifyDoseInPlace")
        self.verify_button.setToolTip(
            "The pharmacist enters their own user name and password; no one signs out"
        )
        self.verify_button.clicked.connect(self._on_verify_clicked)
        self.verify_message = QLabel()
        self.verify_message.setObjectName("verifyMessage")
        self.verify_message.setWordWrap(True)
        dose_layout.addWidget(self.dose)
        dose_layout.addWidget(self.verification)
        dose_layout.addWidget(self.verify_button, 0, Qt.AlignmentFlag.AlignLeft)
        dose_layout.addWidget(self.verify_message)
        dose_layout.addStretch(1)
        self.tabs.addTab(self.overview, "&Summary")
        self.tabs.addTab(decisions_scroll, "&Decision")
        self.tabs.addTab(dose, "Dose &plan")
        self.tabs.addTab(trends, "T&rends")
        layout.addWidget(self.tabs, 1)
        return column

    # ------------------------------------------------------------ meetings

    def reload_meetings(self, select: str | None = None) -> None:
        current = select or (self.saved.uid if self.saved else None)
        self.choice.blockSignals(True)
        self.choice.clear()
        self.choice.addItem("— new meeting —", None)
        chosen = 0
        for n, m in enumerate(self.store.meetings(), start=1):
            self.choice.addItem(
                f"{format_date(m.value.date)} {m.value.time} · {m.value.place}", m.uid
            )
            if m.uid == current:
                chosen = n
        self.choice.setCurrentIndex(chosen)
        self.choice.blockSignals(False)
        self._on_choice_changed(chosen)

    def _on_choice_changed(self, _index: int) -> None:
        uid = self.choice.currentData()
        self.saved = self.store.meeting(uid) if uid else None
        self.index = -1
        if self.saved is None:
            self.date.set_value(self.session.today())
            self.time.setText("14:00")
            self.place.clear()
            self.chair.clear()
            self.save_details.setText("Prepare")
            self.save_details.setToolTip("A new meeting, its agenda from the reviews dashboard")
        else:
            m = self.saved.value
            self.date.set_value(m.date)
            self.time.setText(m.time)
            self.place.setText(m.place)
            self.chair.setText(m.chair)
            self.save_details.setText("Save details")
            self.save_details.setToolTip("")
        self._refresh()
        if self.saved and self.saved.value.agenda:
            self.show_item(0)

    def save_meeting_details(self) -> bool:
        """Prepare a new meeting (agenda from the reviews dashboard and new referrals) or save
        the details of this one; refused, naming the field, with nothing written."""
        on = self.date.value()
        if on is None:
            self.message.setText("Not saved: " + self.date.problem(required=True, label="Date"))
            return False
        details = {
            "date": on,
            "time": self.time.text().strip(),
            "place": self.place.text().strip(),
            "chair": self.chair.text().strip(),
        }
        if self.saved is None:
            meeting = Meeting(**details, agenda=tuple(self.store.agenda_candidates(on)))  # type: ignore[arg-type]
            saved = self._write(lambda: self.store.add_meeting(meeting))
        else:
            meeting = replace(self.saved.value, **details)  # type: ignore[arg-type]
            saved = self._write(
                lambda: self.store.save_meeting(
                    self.saved.uid, meeting, base_version=self.saved.version
                )
            )
        if saved is None:
            return False
        self.message.setText(
            f"Meeting of {format_date(saved.value.date)} saved: "
            f"{len(saved.value.agenda)} patients on the agenda"
        )
        self.reload_meetings(select=saved.uid)
        return True

    def _write(self, action) -> Saved[Meeting] | None:  # type: ignore[no-untyped-def]
        try:
            return action()  # type: ignore[no-any-return]
        except ValidationError as e:
            self.message.setText("Not saved: " + "; ".join(self._field_text(x) for x in e.errors))
        except StoreError as e:
            self.message.setText(f"Not saved: {e}")
        return None

    def _field_text(self, error: FieldError) -> str:
        return f"{error.field.replace('_', ' ')}: {error.message}"

    def _change(self, meeting: Meeting, reason: str = "") -> bool:
        """Save the meeting changed (one version, audited), then show it."""
        if self.saved is None:
            self.message.setText("Prepare the meeting first (its date, time and place)")
            return False
        saved = self._write(
            lambda: self.store.save_meeting(
                self.saved.uid, meeting, base_version=self.saved.version, reason=reason
            )
        )
        if saved is None:
            return False
        self.saved = saved
        self._refresh()
        return True

    # ------------------------------------------------------------ attendees

    def _account_choices(self) -> None:
        typed = self.attendee_name.currentText()
        self.attendee_name.clear()
        for account in self.store.accounts():
            if account.active and account.display_name.strip():
                self.attendee_name.addItem(account.display_name, account.username)
        self.attendee_name.setCurrentIndex(-1)
        self.attendee_name.setEditText(typed)

    def add_attendee(self, name: str, role: str, username: str | None = None) -> bool:
        if self.saved is None:
            self.message.setText("Prepare the meeting first (its date, time and place)")
            return False
        spec = self.rules.role(role)
        person = Attendee(name.strip(), role, spec.specialty if spec else "", username)
        meeting = replace(self.saved.value, attendees=self.saved.value.attendees + (person,))
        if self._change(meeting):
            self.attendee_name.setEditText("")
            self.attendee_role.setCurrentIndex(0)
            return True
        return False

    def _on_add_attendee_clicked(self) -> None:
        name = self.attendee_name.currentText().strip()
        index = self.attendee_name.findText(name)
        username = self.attendee_name.itemData(index) if index >= 0 else None
        self.add_attendee(name, self.attendee_role.currentData() or "", username)

    def toggle_present(self, row: int) -> None:
        """Someone arrives late or leaves early: the quorum follows at once."""
        if self.saved is None or not 0 <= row < len(self.saved.value.attendees):
            return
        people = list(self.saved.value.attendees)
        people[row] = replace(people[row], present=not people[row].present)
        who = people[row]
        if self._change(replace(self.saved.value, attendees=tuple(people))):
            self.message.setText(f"{who.name} {'arrived' if who.present else 'left'}")
            self.attendees.selectRow(row)

    def _on_remove_attendee_clicked(self) -> None:
        row = self.attendees.currentRow()
        if self.saved is None or not 0 <= row < len(self.saved.value.attendees):
            return
        people = list(self.saved.value.attendees)
        del people[row]
        self._change(replace(self.saved.value, attendees=tuple(people)))

    def meeting_now(self) -> tuple[str, tuple[Attendee, ...]] | None:
        """For the decision: this meeting and who is present at this moment."""
        if self.saved is None or self.file is None or self.saved.value.item(self.file.uid) is None:
            return None
        return self.saved.uid, self.saved.value.present()

    # ------------------------------------------------------------ agenda

    def move_item(self, by: int) -> None:
        if self.saved is None or self.index < 0:
            return
        target = max(0, min(len(self.saved.value.agenda) - 1, self.index + by))
        if self._change(self.saved.value.moved(self.index, by)):
            self.show_item(target)

    def _on_agenda_dragged(self, *_args: object) -> None:
        if self.saved is None:
            return
        order = [
            self.agenda.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.agenda.count())
        ]
        items = {i.patient_uid: i for i in self.saved.value.agenda}
        if self._change(replace(self.saved.value, agenda=tuple(items[u] for u in order))):
            self.show_item(self.agenda.currentRow())

    def set_status(self, status: str) -> None:
        if self.saved is None or self.file is None:
            return
        if self._change(self.saved.value.with_status(self.file.uid, status)):
            self.show_item(self.index)

    def add_patient(self, patient_uid: str | None) -> bool:
        if self.saved is None or not patient_uid:
            self.message.setText("Prepare the meeting first (its date, time and place)")
            return False
        if self.saved.value.item(patient_uid) is not None:
            self.message.setText("Not added: that patient is already on this meeting's agenda")
            return False
        item = AgendaItem(patient_uid, "added", "added by hand")
        if self._change(replace(self.saved.value, agenda=self.saved.value.agenda + (item,))):
            self.search.clear()
            self.show_item(len(self.saved.value.agenda) - 1)
            return True
        return False

    def _on_search_changed(self, text: str) -> None:
        self.results.clear()
        found = self.store.summaries(text.strip(), limit=8) if len(text.strip()) >= 2 else []
        for s in found:
            item = QListWidgetItem(f"{s.display_name} · {format_nhs_number(s.nhs_number)}")
            item.setData(Qt.ItemDataRole.UserRole, s.patient_uid)
            self.results.addItem(item)
        self.results.setVisible(bool(found))
        if found:
            self.results.setCurrentRow(0)

    def _on_search_entered(self) -> None:
        if self.results.count() == 1 or (self.results.count() and self.results.currentItem()):
            self.add_patient(self.results.currentItem().data(Qt.ItemDataRole.UserRole))
        elif self.search.text().strip():
            self.message.setText(f"No patient matches {self.search.text().strip()!r}")

    def next_item(self) -> None:
        if self.saved and self.index + 1 < len(self.saved.value.agenda):
            self.show_item(self.index + 1)

    def previous_item(self) -> None:
        if self.saved and self.index > 0:
            self.show_item(self.index - 1)

    def _on_agenda_row_changed(self, row: int) -> None:
        if row != self.index and row >= 0:
            self.show_item(row)

    def show_item(self, index: int) -> None:
        """Show one agenda item: the patient's banner, summary, decision and dose plan."""
        if self.saved is None or not 0 <= index < len(self.saved.value.agenda):
            return
        self.index = index
        item = self.saved.value.agenda[index]
        self.agenda.blockSignals(True)
        self.agenda.setCurrentRow(index)
        self.agenda.blockSignals(False)
        try:
            self.file = self.store.load(item.patient_uid)
        except StoreError as e:
            self.message.setText(str(e))
            return
        self._show_file()
        self.item_changed.emit()

    def _show_file(self) -> None:
        if self.file is None or self.saved is None:
            return
        item = self.saved.value.item(self.file.uid)
        self.banner.show_patient(self.file.patient.value, self.session.today())
        status = self.rules.status_label(item.status) if item else ""
        self.item_reason.setText(
            f"<b>{self.index + 1} of {len(self.saved.value.agenda)}</b> · {escape(status)} · "
            f"{escape(item.reason if item else '')}"
        )
        self.overview.show_file(self.file)
        self.decisions.show_file(self.file)
        from mdtapp.domain.record import patient_state

        state = patient_state(
            self.file.record, today=self.session.today(), forms=self.session.forms
        )
        self.dose.setText(dose_plan_html(state.dose_plan, state.dose_problem))
        self.verification.setText(verification_html(self.session, self.file))
        self.verify_button.setEnabled(bool(self.file.regimens))

    def _on_patient_saved(self, patient_uid: str) -> None:
        if self.file is not None and self.file.uid == patient_uid and self.isVisible():
            self.file = self.store.load(patient_uid)
            self._show_file()
            self.item_changed.emit()

    # ------------------------------------------------------------ verify in place

    def current_regimen(self) -> Saved | None:  # type: ignore[type-arg]
        if self.file is None:
            return None
        regimen = self.file.record.regimen_on()
        return next((s for s in self.file.regimens if s.value is regimen), None)

    def verify_dose_in_place(self, username: str, password: str) -> bool:
        saved = self.current_regimen()
        if saved is None or self.file is None:
            self.verify_message.setText("No dose plan to verify")
            return False
        try:
            v = self.store.sign_in_place(
                "regimens", saved.uid, saved.version, username=username, password=password
            )
        except ValidationError as e:
            self.verify_message.setText("Not verified: " + "; ".join(str(x) for x in e.errors))
            return False
        except StoreError as e:
            self.verify_message.setText(f"Not verified: {e}")
            return False
        self.verify_message.setText(f"Verified by {v.name} in place")
        self.session.notify_saved(self.file.uid)
        return True

    def _on_verify_clicked(self) -> None:
        if self.file is None or self.current_regimen() is None:
            self.verify_message.setText("No dose plan to verify")
            return
        patient = self.file.patient.value
        dialog = SignInPlaceDialog(
            "Verify the dose plan in place",
            f"The Ig dose plan for {patient.display_name}, NHS No. "
            f"{format_nhs_number(patient.nhs_number)}, as shown.",
            "The Ig pharmacist confirms the plan with their own user name and password; "
            "whoever is signed in stays signed in. A changed plan needs verifying again.",
            self,
        )
        if dialog.exec():
            self.verify_dose_in_place(dialog.take_username(), dialog.take_password())

    # ------------------------------------------------------------ refresh

    def _refresh(self) -> None:
        m = self.saved.value if self.saved else None
        self._account_choices()
        self.attendees.setRowCount(0)
        for a in m.attendees if m else ():
            row = self.attendees.rowCount()
            self.attendees.insertRow(row)
            cells = (
                f"{a.name}\n{self.rules.role_label(a.role)}",
                "present" if a.present else "left",
            )
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if not a.present:
                    cell.setForeground(Qt.GlobalColor.gray)
                self.attendees.setItem(row, column, cell)
        q = quorum(m.attendees if m else (), self.rules)
        colour = theme.GREEN if q.quorate else theme.RED
        lines = "".join(f"<br>{'✓' if line.met else '✗'} {escape(str(line))}" for line in q.lines)
        self.quorum.setText(f"<b style='color:{colour}'>{escape(q.verdict)}</b>{lines}")
        self.agenda.blockSignals(True)
        self.agenda.clear()
        for n, item in enumerate(m.agenda if m else (), start=1):
            s = self.store.patient(item.patient_uid).value
            marker = {"discussed": "✓", "deferred": "⏸"}.get(item.status, "○")
            entry = QListWidgetItem(
                f"{marker} {n}. {s.display_name} · {format_nhs_number(s.nhs_number)}"
                f"\n   {item.reason}"
            )
            entry.setData(Qt.ItemDataRole.UserRole, item.patient_uid)
            entry.setToolTip(f"{self.rules.status_label(item.status)}: {item.reason}")
            self.agenda.addItem(entry)
        if self.index >= 0:
            self.agenda.setCurrentRow(self.index)
        self.agenda.blockSignals(False)
        enabled = m is not None
        for w in (
            self.attendees,
            self.agenda,
            self.search,
            self.outcomes_button,
            self.letters_button,
        ):
            w.setEnabled(enabled)
        if self.file is not None and m is not None and m.item(self.file.uid) is not None:
            self._show_file()
        else:
            self.decisions.refresh_meeting()
        self.item_changed.emit()

    # ------------------------------------------------------------ papers

    def outcomes_to(self, path: Path) -> bool:
        from mdtapp.reports.meeting_papers import produce_outcomes
        from mdtapp.reports.service import MISSING, letter_settings
        from mdtapp.store.interchange import write_atomically
        from mdtapp.ui.views.letter_details import LetterDetailsDialog

        if self.saved is None:
            return False
        centre = self._given_centre
        if not letter_settings(self.store).letterhead.configured and not centre:
            dialog = LetterDetailsDialog([MISSING["letterhead.centre"]], self)  # never a blank
            if not dialog.exec():
                self.message.setText("No outcomes summary produced")
                return False
            centre = self._given_centre = dialog.answers()["letterhead.centre"]
        try:
            pdf = produce_outcomes(self.store, self.saved.uid, centre=centre)
            write_atomically(path, pdf)
        except ValidationError as e:
            self.message.setText("Not produced: " + "; ".join(str(x) for x in e.errors))
            return False
        except (StoreError, OSError) as e:
            self.message.setText(f"Not produced: {e}")
            return False
        self.message.setText(f"Outcomes summary written to {path}")
        return True

    def _on_outcomes_clicked(self) -> None:
        if self.saved is None:
            return
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Save the outcomes summary",
            f"mdt-outcomes-{self.saved.value.date.isoformat()}.pdf",
            "PDF (*.pdf)",
        )
        if name:
            self.outcomes_to(Path(name))

    def letters_to(self, folder: Path) -> bool:
        """Every discussed patient's letter into `folder`, and one combined PDF; what a letter
        lacks (letterhead, author) is asked once for the whole batch."""
        from mdtapp.reports.meeting_papers import produce_meeting_letters
        from mdtapp.reports.service import LetterNotReady, letter_settings
        from mdtapp.settings import Author
        from mdtapp.ui.views.letter_details import LetterDetailsDialog

        if self.saved is None:
            return False
        ready = letter_settings(self.store)
        author, letterhead = ready.author, ready.letterhead
        given = {"letterhead.centre": self._given_centre} if self._given_centre else {}
        missing = [m for m in ready.missing if m.key not in given]
        if missing:
            dialog = LetterDetailsDialog(missing, self)
            if not dialog.exec():
                self.message.setText("No letters produced")
                return False
            given.update(dialog.answers())
            if given.get("letterhead.centre"):
                self._given_centre = given["letterhead.centre"]
        if ready.missing:
            author = Author(
                given.get("author.name", author.name), given.get("author.role", author.role)
            )
            if "letterhead.centre" in given:
                letterhead = replace(letterhead, centre=given["letterhead.centre"])
        self.progress.setVisible(True)
        self.progress.setValue(0)

        def progressed(done: int, total: int, _who: str) -> None:
            self.progress.setMaximum(max(total, 1))
            self.progress.setValue(done)
            self.letters_progressed.emit(done, total)

        try:
            result = produce_meeting_letters(
                self.store,
                self.saved.uid,
                folder,
                author=author,
                letterhead=letterhead,
                progress=progressed,
            )
        except LetterNotReady as e:
            self.message.setText("; ".join(m.how for m in e.missing))
            return False
        except ValidationError as e:
            self.message.setText("Not produced: " + "; ".join(str(x) for x in e.errors))
            return False
        except (StoreError, OSError) as e:
            self.message.setText(f"Not produced: {e}")
            return False
        finally:
            self.progress.setVisible(False)
        parts = [f"{len(result.files)} letters written to {folder}"]
        if result.combined:
            parts.append(f"all in one: {result.combined.name}")
        if result.drafts:
            parts.append("DRAFT (not yet signed): " + ", ".join(result.drafts))
        if result.skipped:
            parts.append("not written: " + "; ".join(result.skipped))
        self.message.setText("; ".join(parts))
        return True

    def _on_letters_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the meeting's letters")
        if folder:
            self.letters_to(Path(folder))

    # ------------------------------------------------------------ presenter

    def toggle_presenter(self) -> None:
        if self.presenter is not None and self.presenter.isVisible():
            self.presenter.close()
            return
        self.presenter = PresenterWindow(self)
        self.presenter.present()

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802 - Qt API
        if self.presenter is not None:
            self.presenter.close()
        super().closeEvent(event)


class PresenterWindow(QWidget):
    """For the projector: the patient under discussion in large type, high contrast, no menus;
    on the second screen, full screen, when one is attached. Escape or F5 closes it."""

    def __init__(self, meeting: MeetingWindow):
        super().__init__(None, Qt.WindowType.Window)
        self.meeting = meeting
        self.setObjectName("presenterWindow")
        self.setWindowTitle("MDT meeting — presenter")
        self.setStyleSheet(
            "#presenterWindow { background: #000000; }"
            "#presenterWindow QLabel { color: #ffffff; background: #000000; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 30, 40, 30)
        self.header = QLabel()
        self.header.setObjectName("presenterHeader")
        self.header.setWordWrap(True)
        self.body = QLabel()
        self.body.setObjectName("presenterBody")
        self.body.setWordWrap(True)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.footer = QLabel()
        self.footer.setObjectName("presenterFooter")
        self.footer.setWordWrap(True)
        layout.addWidget(self.header)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.footer)
        for key in ("Escape", PRESENTER_KEY):
            QShortcut(QKeySequence(key), self).activated.connect(self.close)
        for keys, slot in ((NEXT_KEYS, meeting.next_item), (PREVIOUS_KEYS, meeting.previous_item)):
            for key in keys:
                QShortcut(QKeySequence(key), self).activated.connect(slot)
        meeting.item_changed.connect(self.refresh)
        self.refresh()

    def present(self) -> None:
        """Full screen on the second screen when there is one; else a window beside."""
        from PySide6.QtGui import QGuiApplication

        screens = QGuiApplication.screens()
        if len(screens) > 1:
            self.setGeometry(screens[1].geometry())
            self.showFullScreen()
        else:
            self.resize(1024, 700)
            self.show()

    def _size(self, base: int) -> int:
        # large type that scales with the window: a projector far from the back row
        return max(base, int(base * self.height() / 600))

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self.refresh()

    def refresh(self) -> None:
        from mdtapp.cli import format_summary
        from mdtapp.domain.record import patient_state

        m = self.meeting
        big, mid = self._size(30), self._size(19)
        if m.saved is None or m.file is None:
            self.header.setText(f"<span style='font-size:{big}px'><b>MDT meeting</b></span>")
            self.body.setText("")
            self.footer.setText("")
            return
        file, rules = m.file, m.rules
        p = file.patient.value
        item = m.saved.value.item(file.uid)
        self.header.setText(
            f"<div style='font-size:{big}px'><b>{escape(p.display_name)}</b></div>"
            f"<div style='font-size:{mid}px'>NHS No. {format_nhs_number(p.nhs_number)} · Born "
            f"{format_date(p.date_of_birth)} · {m.index + 1} of {len(m.saved.value.agenda)} · "
            f"{escape(item.reason if item else '')}</div>"
        )
        state = patient_state(file.record, today=m.session.today(), forms=m.session.forms)
        lines = format_summary(file.record, state, m.session.forms).splitlines()[1:]
        body = "".join(f"<p style='margin:4px 0'>{escape(line)}</p>" for line in lines)
        regimen = m.current_regimen()
        if regimen is not None:  # high contrast on black: yellow, never dark red
            v = m.store.verification(regimen.uid, regimen.version)
            text = (
                f"Dose plan verified by {v.name} (Ig pharmacist) on {v.signed_at_text}"
                if v
                else "Dose plan AWAITING PHARMACIST VERIFICATION"
            )
            colour = "#ffffff" if v else "#ffd700"
            body += f"<p style='margin:4px 0;color:{colour}'><b>{escape(text)}</b></p>"
        self.body.setText(f"<div style='font-size:{mid}px'>{body}</div>")
        q = quorum(m.saved.value.attendees, rules)
        colour = "#7CFC7C" if q.quorate else "#FF8080"
        present = "; ".join(attendee_text(a, rules) for a in m.saved.value.present())
        self.footer.setText(
            f"<div style='font-size:{self._size(16)}px'><b style='color:{colour}'>"
            f"{escape(q.verdict)}</b><br>Present: "
            f"{escape(present or 'nobody marked present')}</div>"
        )
