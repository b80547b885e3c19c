"""Faults met in the app: a full disk while saving, a damaged file at sign-in. The app keeps
running, says what happened, and nothing typed or stored is lost."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt

from mdtapp.store import access
from mdtapp.ui.login import LoginDialog
from tests.store.conftest import table_counts
from tests.store.test_faults import _two_days
from tests.ui.test_workspace import open_assessment

PW = "ann-long-passphrase"


def _type_assessment(qtbot, editor) -> None:
    editor.date.clear()
    qtbot.keyClicks(editor.date, "20/11/2026")
    qtbot.keyClicks(editor.examiner, "Dr B Derm")
    editor.grid.setFocus()
    qtbot.keyClicks(editor.grid, "11111111111111111111")


def test_a_full_disk_at_save_keeps_what_was_typed_and_the_app_running(
    qtbot, window, treated, store
):
    editor = open_assessment(window, treated)
    _type_assessment(qtbot, editor)
    notes = editor.inputs["notes"].box
    notes.setPlainText("Seen with her daughter. " * 150)  # a long note, pasted in
    editor.flush_draft()
    before = table_counts(store)
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")  # the disk fills
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "The disk is full: nothing was saved" in editor.save_error.text()
    assert editor.error_banner.isVisible()
    assert table_counts(store) == before  # not half-saved
    assert set(editor.grid.values().values()) == {1}  # still on screen
    assert window.isVisible()
    store.db.execute(f"PRAGMA max_page_count = {pages * 100}")  # space freed: save again
    with qtbot.waitSignal(editor.assessment_saved):
        qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    saved = store.load(treated).assessments[-1].value
    assert saved.examiner == "Dr B Derm" and set(saved.mrss.values()) == {1}
    assert saved.notes.startswith("Seen with her daughter.")


def test_a_damaged_file_at_sign_in_offers_the_newest_backup(qtbot, tmp_path):
    path = tmp_path / "clinic.db"
    day0 = datetime(2026, 11, 19, 9, 0, tzinfo=UTC)
    created = access.create_database(
        path, username="ann", display_name="Ann Admin", password=PW, clock=lambda: day0
    )
    store = created.store
    key, keyring = store.key, store.keyring
    store.close()
    uid = _two_days(path, key=key, keyring=keyring)
    damaged = path.read_bytes()[: path.stat().st_size // 2 + 100]
    path.write_bytes(damaged)  # a failing disk cuts the file

    dialog = LoginDialog(path, username="ann")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.password, PW)
    qtbot.mouseClick(dialog.button, Qt.MouseButton.LeftButton)
    assert "is damaged" in dialog.message.text()
    assert "clinic-daily-2026-11-21.db" in dialog.message.text()
    assert dialog.restore_button.isVisible()
    qtbot.keyClicks(dialog.password, PW)
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    restored = dialog.store
    assert restored.load(uid).patient.value.family_name == "Smith"
    # the damaged file is kept for investigation, never deleted
    [kept] = (tmp_path / "mdtapp-backups").glob("clinic-*-before-restore.db")
    assert kept.read_bytes() == damaged
    restored.close()
