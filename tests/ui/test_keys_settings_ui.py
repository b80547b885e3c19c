"""The centre's settings and the keys in the app (issue 14 items 4, 6, 7): an administrator
edits the settings (kept in the database, audited, a bad value refused by name); disabling an
account shows the new recovery key first (Cancel changes nothing); unlocking shares sign-in's
count of attempts."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from mdtapp.settings import centre_settings
from mdtapp.store import access
from mdtapp.store.keyring import key_from_recovery_code
from mdtapp.ui.login import RecoveryKeyDialog
from mdtapp.ui.views.accounts import AccountsDialog
from mdtapp.ui.views.settings_dialog import SettingsDialog
from tests.ui.test_security_ui import PW, window_for


@pytest.fixture
def keys_db(tmp_path):
    created = access.create_database(
        tmp_path / "k.db", username="nina", display_name="Nina Nurse", password=PW
    )
    created.store.add_account("vera", "Vera View", ["viewer"], "vera-passphrase")
    created.store.close()
    return created.store.path, created.recovery_code


def test_an_administrator_edits_the_centres_settings(qtbot, keys_db):
    path, _ = keys_db
    w = window_for(qtbot, path, "nina", PW)
    dialog = SettingsDialog(w.session, w)
    qtbot.addWidget(dialog)
    dialog.centre.setFocus()
    qtbot.keyClicks(dialog.centre, "St Elsewhere")
    dialog.idle.setValue(25)
    qtbot.keyClicks(dialog.telephone, "0" * 41)  # one too many
    assert not dialog.save()
    assert "Telephone: must be text of at most 40 characters" in dialog.message.text()
    assert w.session.store.centre_values() == {}  # nothing written
    dialog.telephone.clear()
    qtbot.keyClicks(dialog.telephone, "0123 456")
    assert dialog.save()
    settings = centre_settings(w.session.store)
    assert (settings.letterhead.centre, settings.idle_lock_minutes) == ("St Elsewhere", 25)
    assert "settings" in [e.action for e in w.session.store.audit_entries(limit=3)]


def test_a_viewer_sees_the_settings_but_cannot_change_them(qtbot, keys_db):
    path, _ = keys_db
    w = window_for(qtbot, path, "vera", "vera-passphrase")
    assert not w.settings_action.isEnabled()
    dialog = SettingsDialog(w.session, w)
    qtbot.addWidget(dialog)
    assert not dialog.centre.isEnabled()
    assert "Only an administrator" in dialog.message.text()


def _answer_recovery_dialog(confirm: bool, shown: list[str]) -> None:
    """When the recovery key dialog comes up: note the key, then confirm it stored (or not)."""

    def act() -> None:
        dialog = next(
            (x for x in QApplication.topLevelWidgets() if isinstance(x, RecoveryKeyDialog)),
            None,
        )
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, act)
            return
        shown.append(dialog.code)
        if confirm:
            dialog.stored.setChecked(True)
            dialog.ok.click()
        else:
            dialog.reject()

    QTimer.singleShot(20, act)


@pytest.mark.parametrize("confirm", [True, False])
def test_disabling_an_account_shows_the_new_recovery_key_first(qtbot, keys_db, confirm):
    path, first_code = keys_db
    w = window_for(qtbot, path, "nina", PW)
    dialog = AccountsDialog(w.session, w)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.username, "vera")
    dialog.roles["viewer"].setChecked(True)
    dialog.active.setChecked(False)
    shown: list[str] = []
    _answer_recovery_dialog(confirm, shown)
    assert dialog.set_roles() is confirm
    assert len(shown) == 1
    key = w.session.store.key
    if confirm:
        assert key == key_from_recovery_code(shown[0])
        assert "the database key was replaced" in dialog.message.text()
    else:
        assert key == key_from_recovery_code(first_code)  # nothing changed
        assert "not confirmed" in dialog.message.text()
        assert w.session.store.account("vera").active


def test_unlocking_shares_the_count_of_attempts(qtbot, keys_db):
    path, _ = keys_db
    w = window_for(qtbot, path, "nina", PW)
    w.lock()
    for _ in range(3):
        assert not w.unlock("nina", "a-wrong-guess")
    assert not w.unlock("nina", PW)  # throttled: not even tried
    assert "Too many failed attempts: wait" in w.lock_screen.message.text()
    assert not w.lock_screen.button.isEnabled()
    with pytest.raises(access.LoginThrottled):  # a command line elsewhere waits too
        access.sign_in(path, "nina", PW)
