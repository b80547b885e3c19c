"""Numbers typed into the assessment: what is typed is what is kept, never silently another
number; what is not a value is said in red, naming the field and the range, and saves nothing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.test_workspace import open_assessment


def _type_into_focus(qtbot, text):
    # as a keyboard does: into whatever has the focus, without selecting first
    for ch in text:
        qtbot.keyClick(QApplication.focusWidget(), ch)


def test_after_the_twentieth_score_the_digits_typed_go_into_the_itch_vas(qtbot, window, treated):
    editor = open_assessment(window, treated)
    editor.vas["itch_vas_mm"].set_value(30)  # something there already: typing replaces it
    editor.grid.setFocus()
    qtbot.keyClicks(editor.grid, "01230123012301230123")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is editor.vas["itch_vas_mm"].mm)
    QApplication.processEvents()
    _type_into_focus(qtbot, "45")
    assert editor.vas["itch_vas_mm"].value() == 45


def test_a_vas_of_150_is_refused_in_red_never_cut_to_15(qtbot, window, treated, store):
    editor = open_assessment(window, treated)
    itch = editor.vas["itch_vas_mm"]
    itch.mm.setFocus()
    QApplication.processEvents()
    _type_into_focus(qtbot, "150")
    assert itch.mm.text() == "150"  # kept exactly as typed
    assert itch.value() is None
    assert "must be a whole number 0–100 mm; got “150”" in itch.reading.text()
    assert itch.mm.property("invalid") is True
    before = len(store.load(treated).assessments)
    qtbot.keyClicks(editor.examiner, "Dr B Derm")
    assert not editor.save()
    assert "Itch VAS" in editor.save_error.text() and "0–100 mm" in editor.save_error.text()
    assert "itch_vas_mm" not in editor.save_error.text()
    assert len(store.load(treated).assessments) == before  # nothing written


def test_letters_in_the_papule_count_are_said_not_ignored(qtbot, window, treated, store):
    editor = open_assessment(window, treated)
    papules = editor.inputs["papules"]
    papules.count.setFocus()
    QApplication.processEvents()
    _type_into_focus(qtbot, "1a")
    assert papules.count.text() == "1a"
    assert papules.count.property("invalid") is True
    assert "got “1a”" in papules.count.toolTip()
    before = len(store.load(treated).assessments)
    qtbot.keyClicks(editor.examiner, "Dr B Derm")
    assert not editor.save()
    assert "got “1a”" in editor.save_error.text()
    assert len(store.load(treated).assessments) == before


def test_arrow_keys_step_the_millimetres_within_the_scale(qtbot, window, treated):
    editor = open_assessment(window, treated)
    mm = editor.vas["itch_vas_mm"].mm
    mm.setFocus()
    qtbot.keyClick(mm, Qt.Key.Key_Up)  # from not recorded: the bottom of the scale
    assert mm.value() == 0
    qtbot.keyClick(mm, Qt.Key.Key_PageUp)
    assert mm.value() == 10
    mm.set_value(98)
    qtbot.keyClick(mm, Qt.Key.Key_PageUp)
    assert mm.value() == 100  # never past the end


def test_what_was_typed_wrongly_is_kept_in_the_draft(qtbot, window, treated, store):
    editor = open_assessment(window, treated)
    itch = editor.vas["itch_vas_mm"]
    itch.mm.setText("150")
    editor.flush_draft()
    editor.load(store.load(treated))
    editor.restore_draft()
    assert editor.vas["itch_vas_mm"].mm.text() == "150"
