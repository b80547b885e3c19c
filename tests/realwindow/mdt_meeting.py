"""The MDT meeting of issue 17 in a real window, by keyboard through the X server: the nurse
opens the meeting window (Ctrl+M), prepares the meeting (the agenda from the reviews dashboard
and a new referral), adds the rheumatologist and the dermatologist, types the first decision
(joint), which the dermatologist signs in place; the dose plan is verified in place by the
pharmacist; the dermatologist leaves (Space) and the next decision is "not joint"; the presenter
view is opened (F5) and closed (Escape); the window is looked at in 1366 x 768 and 1024 x 768;
the outcomes summary and the letters are written. The test checks the store and the PDFs."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWidget

from tests.realwindow.harness import Driver

USER, PASSWORD = "nurse", "nurse-passphrase"
PEOPLE = {
    "rheum": ("Dr Rhea Ward", "rheum-passphrase"),
    "derm": ("Dr Derek Moss", "derm-passphrase"),
    "pharm": ("Pat Hale", "pharm-passphrase"),
}


def scenario(d: Driver) -> None:
    d.wait_window("loginDialog")
    d.step("sign in as the nurse; open the meeting window with Ctrl+M")
    d.type(USER)
    d.key("Tab")
    d.type(PASSWORD)
    d.key("Return")
    d.wait_window("mainWindow")
    d.key("ctrl+m")
    m = d.wait_window("meetingWindow")
    d.gui(lambda: (m.move(0, 0), m.resize(1366, 740)))

    d.step("prepare: place, chair, Prepare; the agenda comes from the dashboard")
    _focus(d, m.place)
    d.type("Seminar room 2")
    d.key("Tab")
    d.type("Dr Rhea Ward")
    _focus(d, m.save_details)
    d.key("space")
    d.wait_until(lambda: m.saved is not None, "the meeting prepared")
    d.record("agenda", d.gui(lambda: [(i.source, i.reason) for i in m.saved.value.agenda]))

    d.step("attendees: the rheumatologist and the dermatologist, typed, their roles by key")
    # the role by arrow keys from "— role —" (the order of forms/meeting.toml's roles); not by
    # first letters, whose search joins letters typed within the keyboard interval
    for name, downs in (("Dr Rhea Ward", 1), ("Dr Derek Moss", 2), ("Pat Hale", 4)):
        _focus(d, m.attendee_name)
        d.type(name)
        _focus(d, m.attendee_role)
        d.key(*["Down"] * downs)
        d.wait_until(lambda n=downs: m.attendee_role.currentIndex() == n, f"role {downs}")
        d.key("Tab", "space")  # Add
        d.wait_until(lambda n=name: any(a.name == n for a in m.saved.value.attendees), name)
    d.record("quorum_before", d.gui(lambda: m.quorum.text()))
    d.shot("meeting-1366")

    d.step("patient 1: the decision typed by the nurse (joint), signed in place by the derm")
    d.key("alt+d")
    decisions = m.decisions
    _focus(d, decisions.kind)
    d.key("c")  # Continue current regimen
    _focus(d, decisions.reason)
    d.type("Responding; continue 2 g/kg 4-weekly")
    _focus(d, decisions.save_button)
    d.key("space")
    d.wait_until(
        lambda: decisions.model.rows and decisions.model.rows[0].value.meeting_uid, "saved"
    )
    d.record("present_1", d.gui(lambda: decisions.present.text()))
    d.gui(lambda: decisions.table.selectRow(0))
    _focus(d, decisions.sign_in_place_button)
    d.key("space")
    d.wait_window("signInPlaceDialog")
    d.type("derm")
    d.key("Tab")
    d.type(PEOPLE["derm"][1])
    d.key("Return")
    d.wait_until(lambda: decisions.sign_message.text(), "the signature's message")
    d.record("signed_1", d.gui(lambda: decisions.sign_message.text()))

    d.step("the dose plan verified in place by the pharmacist")
    d.key("alt+p")
    _focus(d, m.verify_button)
    d.key("space")
    d.wait_window("signInPlaceDialog")
    d.type("pharm")
    d.key("Tab")
    d.type(PEOPLE["pharm"][1])
    d.key("Return")
    d.wait_until(lambda: m.verify_message.text(), "the verification's message")
    d.record("verified_1", d.gui(lambda: m.verification.text()))
    d.shot("dose-verified")
    _focus(d, m.status_buttons["discussed"])
    d.key("space")

    d.step("patient 2 (Alt+Right); the dermatologist leaves (Space); the decision is not joint")
    d.key("alt+Right")
    d.wait_until(lambda: m.index == 1, "the next patient")
    _focus(d, m.attendees)
    d.gui(lambda: m.attendees.selectRow(1))
    d.key("space")
    d.wait_until(lambda: "NOT quorate" in m.quorum.text(), "the quorum lost")
    d.key("alt+d")
    _focus(d, decisions.kind)
    d.key("o")  # Other (see reason)
    _focus(d, decisions.reason)
    d.type("Await the dermatologist's view")
    _focus(d, decisions.save_button)
    d.key("space")
    d.wait_until(
        lambda: decisions.model.rows and decisions.model.rows[0].value.meeting_uid, "saved"
    )
    d.record("present_2", d.gui(lambda: decisions.present.text()))
    _focus(d, m.status_buttons["discussed"])
    d.key("space")
    d.shot("not-joint")

    d.step("the presenter view (F5), then Escape")
    d.key("F5")
    presenter = d.wait_window("presenterWindow")
    d.record("presenter", d.gui(lambda: presenter.header.text() + presenter.footer.text()))
    d.shot("presenter")
    d.key("Escape")
    d.wait_until(lambda: not presenter.isVisible(), "the presenter view closed")

    d.step("the meeting window at 1024 x 768")
    d.wait_window("meetingWindow")
    d.gui(lambda: (m.move(0, 0), m.resize(1024, 740)))
    d.key("alt+Left")
    d.wait_until(lambda: m.index == 0, "back to the first patient")
    d.key("alt+s")
    d.record("size_1024", d.gui(lambda: [m.width(), m.minimumSizeHint().width()]))
    d.shot("meeting-1024")

    d.step("the outcomes summary and the letters")
    d.record("outcomes", d.gui(lambda: m.outcomes_to(d.out / "outcomes.pdf")))
    d.record("letters", d.gui(lambda: m.letters_to(d.out / "letters")))
    d.record("letters_message", d.gui(lambda: m.message.text()))


def _focus(d: Driver, widget: QWidget) -> None:
    """Give a field the focus, as a click into it would."""

    def there() -> bool:
        widget.setFocus()
        return QApplication.focusWidget() is widget or widget.isAncestorOf(
            QApplication.focusWidget()
        )

    d.wait_until(there, f"focus on {widget.objectName()}")
