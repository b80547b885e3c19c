"""A whole MDT meeting as the people in the room run it (issue 17, domain.md section 6a).

The nurse drives the laptop: opens the meeting (Ctrl+M), prepares it (the agenda comes from two
due patients and a new referral), adds the rheumatologist, the dermatologist and the pharmacist;
types the first decision (joint), which the dermatologist signs in place and the pharmacist's
dose verification follows, in place too; the dermatologist leaves and the next decision is "not
joint"; the outcomes summary and every letter are produced, their text read back with pypdf."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenuBar

from mdtapp.domain.model import Decision, Infusion, Regimen
from mdtapp.store.repository import Store
from mdtapp.ui.main_window import MainWindow
from mdtapp.ui.session import Session
from tests.factories import assessment
from tests.store.conftest import jane

PW = {
    "nina": "nurse-long-passphrase",
    "rhea": "rheumatologist-passphrase",
    "derek": "dermatologist-passphrase",
    "pat": "pharmacist-passphrase",
}


def _text(pdf: bytes) -> str:
    return " ".join(
        re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages
    )


def _treated(store: Store, nhs: str, family: str, start: date) -> str:
    uid = store.add_patient(jane(nhs_number=nhs, family_name=family)).uid
    store.save("regimens", uid, Regimen(start, 2.0, 5, 4, "iv", 70.0))
    store.save("assessments", uid, assessment(start, mrss=20, itch=40, ptga=40, phga=40))
    store.save("infusions", uid, Infusion(start, 25.0, "Privigen", "B1", "iv"))
    store.save("decisions", uid, Decision(start, "start", "Eligible, agreed by both"))
    return uid


@pytest.fixture
def room(store: Store):
    """Two patients due (3-month reviews), one new referral; four accounts; the nurse signed in."""
    for username, name, roles in (
        ("nina", "Nina Shaw", ["clinician"]),
        ("rhea", "Dr Rhea Ward", ["clinician"]),
        ("derek", "Dr Derek Moss", ["clinician"]),
        ("pat", "Pat Hale", ["pharmacist"]),
    ):
        store.add_account(username, name, roles, PW[username])
    a = _treated(store, "9434765919", "Adams", date(2026, 8, 3))
    b = _treated(store, "4010232137", "Brown", date(2026, 8, 10))
    c = store.add_patient(jane(nhs_number="9990000018", family_name="Clark")).uid
    store.principal = store.account("nina").principal
    return a, b, c


@pytest.fixture
def meeting_window(qtbot, store, room):
    w = MainWindow(Session(store))
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    qtbot.keyClick(w, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)  # View > MDT meeting
    qtbot.waitUntil(lambda: w.meeting_window is not None and w.meeting_window.isVisible())
    m = w.meeting_window
    qtbot.addWidget(m)
    m.activateWindow()
    qtbot.waitUntil(m.isActiveWindow)
    return m


def _type_in(qtbot, widget, text: str) -> None:
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClicks(widget, text)


def _choose(qtbot, combo, label: str) -> None:
    """Pick a combo's item by typing its first letters, as a keyboard user does."""
    combo.setFocus()
    index = combo.findText(label)
    assert index >= 0, label
    while combo.currentIndex() != index:
        qtbot.keyClick(combo, Qt.Key.Key_Down if combo.currentIndex() < index else Qt.Key.Key_Up)


def _prepare(qtbot, m) -> None:
    _type_in(qtbot, m.place, "Seminar room 2")
    _type_in(qtbot, m.chair, "Dr Rhea Ward")
    qtbot.mouseClick(m.save_details, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: m.saved is not None)
    for name, role in (
        ("Dr Rhea Ward", "Consultant rheumatologist"),
        ("Dr Derek Moss", "Consultant dermatologist"),
        ("Pat Hale", "Ig pharmacist"),
    ):
        m.attendee_name.setFocus()
        m.attendee_name.lineEdit().clear()
        qtbot.keyClicks(m.attendee_name.lineEdit(), name)
        _choose(qtbot, m.attendee_role, role)
        qtbot.mouseClick(m.findChild(object, "addAttendee"), Qt.MouseButton.LeftButton)


def _sign_in_place(monkeypatch, qtbot, username: str, password: str):
    from mdtapp.ui.widgets import sign_dialog

    seen = {}

    def typed(dialog):
        seen["title"] = dialog.windowTitle()
        qtbot.keyClicks(dialog.username, username)
        qtbot.keyClicks(dialog.password, password)
        return True

    monkeypatch.setattr(sign_dialog.SignInPlaceDialog, "exec", typed)
    return seen


def _decide(qtbot, m, kind: str, reason: str) -> None:
    qtbot.keyClick(m, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)  # the Decision tab
    qtbot.waitUntil(lambda: m.tabs.currentIndex() == 1)
    view = m.decisions
    _choose(qtbot, view.kind, kind)
    view.reason.setFocus()
    qtbot.keyClicks(view.reason, reason)
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)


def test_a_whole_meeting(qtbot, store, room, meeting_window, monkeypatch, tmp_path):
    a, b, c = room
    m = meeting_window
    _prepare(qtbot, m)
    # the agenda: the two due patients (overdue first, as the dashboard), then the referral
    agenda = m.saved.value.agenda
    assert [i.patient_uid for i in agenda] == [a, b, c]
    assert [i.source for i in agenda] == ["due", "due", "referral"]
    assert "overdue since" in agenda[0].reason
    assert "eligibility not yet decided" in agenda[2].reason
    assert m.quorum.text().startswith("<b") and "Quorate" in m.quorum.text()
    assert m.banner.name.text() == "ADAMS, Jane"

    # Patient A: the nurse types the decision; both consultants are present: joint
    _decide(qtbot, m, "Continue current regimen", "Responding; continue 2 g/kg 4-weekly")
    (saved,) = [d for d in store.meeting_decisions(m.saved.uid)]
    assert saved.value.joint is True and saved.saved_by == "nina"
    assert {p.name for p in saved.value.present} == {"Dr Rhea Ward", "Dr Derek Moss", "Pat Hale"}
    # ... the dermatologist signs it in place; the nurse stays signed in
    seen = _sign_in_place(monkeypatch, qtbot, "derek", PW["derek"])
    m.decisions.table.selectRow(0)
    qtbot.mouseClick(m.decisions.sign_in_place_button, Qt.MouseButton.LeftButton)
    assert seen["title"] == "Sign the MDT decision in place"
    assert [s.username for s in store.signatures("decisions", saved.uid, saved.version)] == [
        "derek"
    ]
    assert store.user == "nina" and "Signed by Dr Derek Moss" in m.decisions.sign_message.text()

    # ... a clinician cannot verify the dose; the pharmacist verifies it in place
    qtbot.keyClick(m, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)  # the Dose plan tab
    assert "Awaiting pharmacist verification" in m.verification.text()
    _sign_in_place(monkeypatch, qtbot, "rhea", PW["rhea"])
    qtbot.mouseClick(m.verify_button, Qt.MouseButton.LeftButton)
    assert "needs the pharmacist role" in m.verify_message.text()
    regimen = m.current_regimen()
    assert store.verification(regimen.uid, regimen.version) is None
    _sign_in_place(monkeypatch, qtbot, "pat", PW["pat"])
    qtbot.mouseClick(m.verify_button, Qt.MouseButton.LeftButton)
    assert store.verification(regimen.uid, regimen.version).username == "pat"
    assert "Verified by Pat Hale" in m.verification.text()
    qtbot.mouseClick(m.status_buttons["discussed"], Qt.MouseButton.LeftButton)

    # Patient B: the dermatologist leaves (Space on their row); the next decision is not joint
    qtbot.keyClick(m, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert m.banner.name.text() == "BROWN, Jane"
    m.attendees.setFocus()
    m.attendees.selectRow(1)
    qtbot.keyClick(m.attendees, Qt.Key.Key_Space)
    assert "NOT quorate" in m.quorum.text() and "Consultant dermatologist: 0 present" in (
        m.quorum.text()
    )
    assert "NOT joint" in m.decisions.present.text()
    _decide(qtbot, m, "Other (see reason)", "Await the dermatologist's view")
    b_decision = next(d for d in store.meeting_decisions(m.saved.uid) if d.patient_uid == b)
    assert b_decision.value.joint is False
    assert {p.name for p in b_decision.value.present} == {"Dr Rhea Ward", "Pat Hale"}
    qtbot.mouseClick(m.status_buttons["discussed"], Qt.MouseButton.LeftButton)

    # Patient C, the new referral: deferred
    qtbot.keyClick(m, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert m.banner.name.text() == "CLARK, Jane"
    qtbot.mouseClick(m.status_buttons["deferred"], Qt.MouseButton.LeftButton)
    assert [i.status for i in store.meeting(m.saved.uid).value.agenda] == [
        "discussed",
        "discussed",
        "deferred",
    ]

    # what the papers lack (letterhead, author) is asked once for the meeting, never printed
    from mdtapp.ui.views import letter_details

    asked = []

    def answered(dialog) -> bool:
        asked.append(sorted(dialog.fields))
        for key, field in dialog.fields.items():
            qtbot.keyClicks(
                field,
                {
                    "letterhead.centre": "Test Hospital",
                    "author.name": "Nina Shaw",
                    "author.role": "Specialist nurse",
                }[key],
            )
        return True

    monkeypatch.setattr(letter_details.LetterDetailsDialog, "exec", answered)
    # After the meeting: the outcomes summary
    from PySide6.QtWidgets import QFileDialog

    outcomes = tmp_path / "outcomes.pdf"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(outcomes), ""))
    )
    qtbot.mouseClick(m.outcomes_button, Qt.MouseButton.LeftButton)
    assert asked == [["letterhead.centre"]]
    text = _text(outcomes.read_bytes())
    assert "Dr Derek Moss (Consultant dermatologist): left / absent" in text
    assert "ADAMS, Jane" in text and "Continue current regimen" in text
    assert "BROWN, Jane" in text and "NOT joint" in text
    assert "CLARK, Jane" in text and "Deferred" in text

    # ... and every letter in one go
    folder = tmp_path / "letters"
    monkeypatch.setattr(
        QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(folder))
    )
    progress = []
    m.letters_progressed.connect(lambda done, total: progress.append((done, total)))
    qtbot.mouseClick(m.letters_button, Qt.MouseButton.LeftButton)
    assert asked == [["letterhead.centre"]]  # the centre typed for the outcomes serves them
    assert progress[0] == (0, 2) and progress[-1] == (2, 2)
    letters = sorted(folder.glob("letter-*.pdf"))
    assert len(letters) == 2 and len(list(folder.glob("letters-*-all.pdf"))) == 1
    first, second = (_text(p.read_bytes()) for p in letters)
    assert "Discussed at the MDT meeting on 21-Nov-2026 at 14:00, Seminar room 2" in first
    assert "Present: Dr Rhea Ward (Consultant rheumatologist); Dr Derek Moss" in first
    assert (
        "Joint decision: the quorum was present (at least 1 consultant rheumatologist, "
        "at least 1 consultant dermatologist)" in first
    )
    assert "Verified by Pat Hale (Ig pharmacist)" in first
    assert "NOT a joint decision (no consultant dermatologist present" in second
    assert "DRAFT" in second  # not signed
    assert "2 letters written" in m.message.text() and "DRAFT" in m.message.text()


def test_the_presenter_view_follows_the_agenda_in_large_type_without_menus(
    qtbot, store, room, meeting_window
):
    m = meeting_window
    _prepare(qtbot, m)
    qtbot.keyClick(m, Qt.Key.Key_F5)
    p = m.presenter
    qtbot.addWidget(p)
    qtbot.waitExposed(p)
    assert p.findChildren(QMenuBar) == []
    assert "ADAMS, Jane" in p.header.text()
    sizes = [int(x) for x in re.findall(r"font-size:(\d+)px", p.header.text() + p.body.text())]
    assert min(sizes) >= 19 and max(sizes) >= 30  # large type, for the back of the room
    assert "Quorate" in p.footer.text()
    assert "#000000" in p.styleSheet()
    m.activateWindow()
    qtbot.waitUntil(m.isActiveWindow)
    qtbot.keyClick(m, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert "BROWN, Jane" in p.header.text()
    p.activateWindow()
    qtbot.waitUntil(p.isActiveWindow)
    qtbot.keyClick(p, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not p.isVisible())


@pytest.mark.parametrize("size", [(1366, 768), (1024, 768)])
def test_the_meeting_window_fits_the_small_screens(qtbot, store, room, meeting_window, size):
    m = meeting_window
    _prepare(qtbot, m)
    hint = m.minimumSizeHint()
    assert hint.width() <= size[0] and hint.height() <= size[1] - 40  # a title bar
    m.resize(*size)
    qtbot.waitUntil(lambda: m.width() <= size[0])
    assert m.agenda.isVisible() and m.quorum.isVisible() and m.tabs.isVisible()


def test_bad_input_names_the_field_and_writes_nothing(qtbot, store, room, meeting_window):
    from tests.store.conftest import table_counts

    m = meeting_window
    before = table_counts(store)
    _type_in(qtbot, m.time, "2pm")
    qtbot.mouseClick(m.save_details, Qt.MouseButton.LeftButton)
    assert "time: must be a time HH:MM" in m.message.text() and "place: is required" in (
        m.message.text()
    )
    assert table_counts(store) == before
    m.time.clear()
    qtbot.keyClicks(m.time, "14:00")
    _type_in(qtbot, m.place, "virtual")
    qtbot.mouseClick(m.save_details, Qt.MouseButton.LeftButton)
    version = m.saved.version
    # an attendee with no role
    qtbot.keyClicks(m.attendee_name.lineEdit(), "Dr Who")
    qtbot.mouseClick(m.findChild(object, "addAttendee"), Qt.MouseButton.LeftButton)
    assert "attendees[0].role: is required" in m.message.text()
    # a patient twice on the agenda
    m.search.setFocus()
    qtbot.keyClicks(m.search, "Adams")
    qtbot.keyClick(m.search, Qt.Key.Key_Return)
    assert "already on this meeting's agenda" in m.message.text()
    assert store.meeting(m.saved.uid).version == version


def test_a_wrong_password_in_place_signs_nothing(qtbot, store, room, meeting_window, monkeypatch):
    m = meeting_window
    _prepare(qtbot, m)
    _decide(qtbot, m, "Continue current regimen", "Stable")
    saved = store.meeting_decisions(m.saved.uid)[0]
    _sign_in_place(monkeypatch, qtbot, "derek", "not-his-password")
    m.decisions.table.selectRow(0)
    qtbot.mouseClick(m.decisions.sign_in_place_button, Qt.MouseButton.LeftButton)
    assert m.decisions.sign_message.text().startswith("Not signed:")
    assert store.signatures("decisions", saved.uid, saved.version) == []
    assert any(e.action == "password-refused" for e in store.audit_entries())
