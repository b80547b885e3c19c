"""Accounts in the app: sign-in, a viewer's read-only screens, signing and amending, the idle
lock that hides the patient and gives back what was typed."""

from __future__ import annotations

import re
from datetime import date

import pytest
from PySide6.QtCore import Qt

from mdtapp.domain.model import Infusion, Regimen
from mdtapp.store import access
from mdtapp.ui.app import application
from mdtapp.ui.login import FirstRunDialog, LoginDialog
from mdtapp.ui.main_window import MainWindow
from mdtapp.ui.session import Session
from tests.factories import assessment
from tests.store.conftest import jane

PW = "nurse-long-passphrase"


@pytest.fixture
def accounts(tmp_path):
    """An encrypted database: nina (clinician + admin), vera (viewer); Jane treated."""
    created = access.create_database(
        tmp_path / "sec.db", username="nina", display_name="Nina Nurse", password=PW
    )
    store = created.store
    store.add_account("vera", "Vera View", ["viewer"], "vera-passphrase")
    store.add_account("paul", "Paul Pharm", ["pharmacist"], "paul-passphrase")
    uid = store.add_patient(jane()).uid
    store.save(
        "assessments",
        uid,
        assessment(date(2026, 8, 3), mrss=20, itch=40, ptga=40, phga=40, papules=20),
    )
    pharmacist = access.sign_in(store.path, "paul", "paul-passphrase")
    pharmacist.save("regimens", uid, Regimen(date(2026, 8, 5), 2.0, 5, 4, "iv", 70.0))
    pharmacist.save("infusions", uid, Infusion(date(2026, 8, 5), 25.0, "Privigen", "B1", "iv"))
    pharmacist.close()
    path = store.path
    store.close()
    return path, uid


def window_for(qtbot, path, user, password):
    application()
    store = access.sign_in(path, user, password)
    w = MainWindow(Session(store, plaintext=False))
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()  # window shortcuts (Ctrl+S) act in the active window
    qtbot.waitUntil(w.isActiveWindow)
    return w


def test_the_title_says_plaintext_only_when_it_is(qtbot, accounts, window):
    path, _ = accounts
    w = window_for(qtbot, path, "nina", PW)
    assert "PLAINTEXT" not in w.windowTitle()
    assert "PLAINTEXT database (not encrypted)" in window.windowTitle()  # the plaintext fixture
    assert w.status_text.text().startswith("Signed in as Nina Nurse (clinician, admin)")


def test_a_viewer_sees_but_cannot_save(qtbot, accounts, monkeypatch, tmp_path):
    from tests.reports.conftest import SETTINGS, store_settings

    path, uid = accounts
    w = window_for(qtbot, path, "vera", "vera-passphrase")
    store_settings(w.session.store, SETTINGS)  # the letter's author and letterhead: none asked
    assert not w.new_patient_action.isEnabled() and not w.users_action.isEnabled()
    w.open_patient(uid, "assessment")
    editor = w.workspace.assessment
    assert not editor.save_button.isEnabled()
    assert "needs the clinician role" in editor.save_button.toolTip()
    editor.grid.setFocus()
    qtbot.keyClicks(editor.grid, "1" * 20)
    assert editor.grid.values()["right_fingers"] is None  # read-only: digits do nothing
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "needs the clinician role" in editor.save_error.text()
    assert len(w.session.store.load(uid).assessments) == 1
    assert not w.workspace.treatment.save_infusion_button.isEnabled()
    assert w.preview("letter") is not None  # a viewer may still produce letters


def test_sign_then_amend_through_the_editor(qtbot, accounts):
    path, uid = accounts
    w = window_for(qtbot, path, "nina", PW)
    store = w.session.store
    w.open_patient(uid, "assessment")
    editor = w.workspace.assessment
    first = store.load(uid).assessments[0]
    editor.load(store.load(uid), assessment_uid=first.uid)
    assert editor.sign_button.isVisible() and not editor.amend_button.isVisible()
    assert not editor.sign("wrong password")
    assert "password is not right" in editor.save_error.text()
    assert editor.sign(PW)
    assert editor.signature.text().startswith("✔ Version 1 signed by Nina Nurse")
    assert "Read-only" in editor.signature.text()
    assert not editor.save_button.isEnabled() and editor.amend_button.isVisible()
    editor.amend("itch re-marked by the patient")
    assert editor.save_button.isEnabled()
    editor.vas["itch_vas_mm"].set_value(35)
    assert editor.save()
    history = store.history("assessments", first.uid)
    assert [h.value.itch_vas_mm for h in history] == [40, 35]
    assert history[1].change_reason == "itch re-marked by the patient"
    assert "It amends version 1, signed by Nina Nurse" in editor.signature.text()


def test_the_idle_lock_hides_the_patient_and_gives_back_what_was_typed(qtbot, accounts):
    path, uid = accounts
    w = window_for(qtbot, path, "nina", PW)
    w.open_patient(uid, "assessment")
    editor = w.workspace.assessment
    editor.grid.setFocus()
    qtbot.keyClicks(editor.grid, "3210")
    editor.vas["itch_vas_mm"].set_value(55)
    w.idle.set_minutes(0.001)  # 60 ms: the signal is waited for, not slept on
    w.idle.timer.start()
    with qtbot.waitSignal(w.idle.idle, timeout=5000):
        pass
    assert w.locked
    assert not w.workspace.banner.isVisible()  # nobody walking past sees who it is
    assert not w.toolbar.isVisible()
    assert not w.menuBar().isVisible()
    fired = []
    w.letter_action.triggered.connect(lambda: fired.append("letter"))
    qtbot.keyClick(w, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert fired == []  # no shortcut acts behind the lock
    assert "Nina Nurse was signed in" in w.lock_screen.who.text()
    assert not w.unlock("nina", "wrong")
    assert "not right" in w.lock_screen.message.text()
    assert w.unlock("nina", PW)
    assert w.workspace.banner.isVisible() and w.workspace.tabs.currentWidget() is editor
    assert [editor.grid.values()[k] for k in editor.grid.order[:4]] == [3, 2, 1, 0]
    assert editor.vas["itch_vas_mm"].value() == 55


def test_another_user_unlocking_starts_fresh_and_the_draft_waits(qtbot, accounts):
    path, uid = accounts
    w = window_for(qtbot, path, "nina", PW)
    w.open_patient(uid, "assessment")
    editor = w.workspace.assessment
    editor.grid.setFocus()
    qtbot.keyClicks(editor.grid, "2222")
    w.lock()
    assert w.unlock("vera", "vera-passphrase")
    assert w.stack.currentWidget() is w.patients and w._workspace is None
    assert w.session.store.user == "vera"
    assert w.status_text.text().startswith("Signed in as Vera View (viewer)")
    w.lock()
    assert w.unlock("nina", PW)  # nina comes back: her kept draft is offered
    w.open_patient(uid, "assessment")
    assert w.workspace.assessment.draft_banner.isVisibleTo(w)


def test_an_administrator_adds_a_user_in_the_app(qtbot, accounts):
    from mdtapp.ui.views.accounts import AccountsDialog

    path, _ = accounts
    w = window_for(qtbot, path, "nina", PW)
    dialog = AccountsDialog(w.session, w)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.username, "colin")
    qtbot.keyClicks(dialog.name, "Dr Colin Clin")
    dialog.roles["clinician"].setChecked(True)
    qtbot.keyClicks(dialog.password, "short")
    assert not dialog.add()
    assert "at least 10 characters" in dialog.message.text()
    assert dialog.password.text() == ""  # never left in the field
    qtbot.keyClicks(dialog.password, "colins-passphrase")
    assert dialog.add()
    store = access.sign_in(path, "colin", "colins-passphrase")
    assert store.principal.roles == frozenset({"clinician"})
    store.close()


def test_the_login_dialog_counts_down_after_failures(qtbot, accounts):
    path, _ = accounts
    dialog = LoginDialog(path, username="nina")
    qtbot.addWidget(dialog)
    for _ in range(3):
        qtbot.keyClicks(dialog.password, "wrong")
        assert not dialog.try_sign_in()
    qtbot.keyClicks(dialog.password, PW)
    assert not dialog.try_sign_in()
    assert not dialog.button.isEnabled()
    assert "Too many failed attempts: wait" in dialog.message.text()
    assert dialog.password.text() == ""


def test_first_run_creates_the_administrator_and_shows_the_recovery_key_once(
    qtbot, tmp_path, monkeypatch
):
    from mdtapp.ui import login

    shown = []
    monkeypatch.setattr(
        login.RecoveryKeyDialog,
        "exec",
        lambda self: shown.append(self.findChild(object, "recoveryCode").text()),
    )
    dialog = FirstRunDialog(tmp_path / "new.db")
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.username, "amy")
    qtbot.keyClicks(dialog.display, "Dr Amy Admin")
    qtbot.keyClicks(dialog.password, "amys-passphrase")
    qtbot.keyClicks(dialog.again, "amys-passphrase!")
    assert not dialog.create_administrator()
    assert dialog.message.text() == "Password: the two passwords differ"
    # what was typed is kept; the box to correct is selected, so typing replaces it
    assert dialog.password.text() == "amys-passphrase"
    assert dialog.again.selectedText() == "amys-passphrase!"
    qtbot.keyClicks(dialog.again, "amys-passphrase")
    assert dialog.create_administrator()
    assert dialog.password.text() == dialog.again.text() == ""  # once used, not kept
    assert dialog.store.principal.display_name == "Dr Amy Admin"
    assert access.is_encrypted(tmp_path / "new.db")
    assert len(shown) == 1
    assert re.search(r"(?:[0-9A-F]{8}-){7}[0-9A-F]{8}", shown[0])  # 64 hex digits, grouped
    dialog.store.close()


def test_first_run_shows_the_password_rules_before_anything_is_typed(qtbot, tmp_path):
    dialog = FirstRunDialog(tmp_path / "new.db")
    qtbot.addWidget(dialog)
    rules = dialog.rules.text()
    assert "○ at least 10 characters" in rules and "○ typed the same twice" in rules
    qtbot.keyClicks(dialog.username, "amy")
    qtbot.keyClicks(dialog.password, "short")
    assert "○ at least 10 characters" in dialog.rules.text()
    assert not dialog.create_administrator()
    assert dialog.password.selectedText() == "short"  # kept, selected to be retyped
    qtbot.keyClicks(dialog.password, "a long passphrase")
    qtbot.keyClicks(dialog.again, "a long passphrase")
    rules = dialog.rules.text()
    assert "✓ at least 10 characters" in rules and "✓ typed the same twice" in rules
    assert "✓ not the same as the user name" in rules


def test_the_recovery_key_can_be_copied(qtbot):
    from PySide6.QtGui import QGuiApplication

    from mdtapp.ui.login import RecoveryKeyDialog

    dialog = RecoveryKeyDialog("ABCD1234-" * 7 + "ABCD1234")
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.findChild(object, "copyRecoveryKey"), Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "ABCD1234-" * 7 + "ABCD1234"
    assert dialog.findChild(object, "printRecoveryKey") is not None


def _sign_through_the_dialog(qtbot, view, monkeypatch, password):
    from mdtapp.ui.widgets import sign_dialog

    seen = {}

    def typed(dialog):
        seen["title"] = dialog.windowTitle()
        seen["what"] = dialog.findChild(object, "signWhat").text()
        seen["fits"] = dialog.sizeHint().width() >= dialog.fontMetrics().horizontalAdvance(
            dialog.windowTitle()
        )
        qtbot.keyClicks(dialog.password, password)
        return True

    monkeypatch.setattr(sign_dialog.SignDialog, "exec", typed)
    view.table.selectRow(0)
    qtbot.mouseClick(view.sign_button, Qt.MouseButton.LeftButton)
    return seen


def test_a_decision_is_signed_through_a_dialog_that_says_what_is_signed(
    qtbot, accounts, monkeypatch
):
    from mdtapp.domain.model import Decision

    path, uid = accounts
    w = window_for(qtbot, path, "nina", PW)
    other = w.session.store.add_patient(jane(nhs_number="9990001006", family_name="Other")).uid
    w.session.store.save("decisions", uid, Decision(date(2026, 8, 4), "start", "Eligible"))
    w.open_patient(uid, "decisions")
    view = w.workspace.decisions
    seen = _sign_through_the_dialog(qtbot, view, monkeypatch, PW)
    assert seen["title"] == "Sign the MDT decision"
    assert "Start immunoglobulin — decision of 04-Aug-2026 for SMITH, Jane" in seen["what"]
    assert seen["fits"]
    assert view.sign_message.text() == "Signed the decision of 04-Aug-2026"
    assert w.session.store.signatures("decisions", view.model.rows[0].uid)
    w.open_patient(other, "decisions")  # another patient: nothing said about Jane's decision
    assert w.workspace.decisions.sign_message.text() == ""


def test_the_decisions_table_keeps_date_and_signed_in_view_at_1024(qtbot, accounts):
    from mdtapp.domain.model import Decision

    path, uid = accounts
    w = window_for(qtbot, path, "nina", PW)
    w.resize(1024, 768)
    long_reason = "The MDT discussed the response at length. " * 20
    w.session.store.save("decisions", uid, Decision(date(2026, 8, 4), "start", long_reason))
    w.open_patient(uid, "decisions")
    table = w.workspace.decisions.table
    qtbot.waitUntil(lambda: table.viewport().width() > 0)
    header = table.horizontalHeader()
    titles = [t for t, _ in w.workspace.decisions.model.columns]
    for title in ("Date", "Decision", "Signed"):
        i = titles.index(title)
        right = header.sectionViewportPosition(i) + header.sectionSize(i)
        assert header.sectionViewportPosition(i) >= 0 and right <= table.viewport().width(), title


@pytest.mark.parametrize("existing", [False, True], ids=["new file", "plaintext, no accounts"])
def test_first_run_names_the_administrator_in_the_audited_account_change(
    qtbot, tmp_path, monkeypatch, existing
):
    from PySide6.QtWidgets import QDialogButtonBox

    from mdtapp.store.repository import Store
    from mdtapp.ui import login

    monkeypatch.setattr(login.RecoveryKeyDialog, "exec", lambda self: None)
    path = tmp_path / "first.db"
    if existing:
        Store.open(path, user="installer").close()
    dialog = FirstRunDialog(path)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.username, "amy")
    qtbot.keyClicks(dialog.display, "Dr Amy Admin")
    qtbot.keyClicks(dialog.password, "amys-passphrase")
    qtbot.keyClicks(dialog.again, "amys-passphrase")
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    store = dialog.store
    assert store.account("amy").display_name == "Dr Amy Admin"
    # the one change to the account is in the audit trail, with the name it was given
    changes = [(e.action, e.entity_uid, e.detail) for e in store.audit_entries()]
    assert changes == [("user-add", "amy", "Dr Amy Admin as admin, clinician")]
    store.close()
