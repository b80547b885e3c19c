"""The editors refuse what a record may not hold (issue 14.11), naming the field as the form
labels it, and save nothing: the rule is the domain's, so the screen and an import agree.

Such characters arrive by pasting (a name copied from another system), so the tests paste."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from mdtapp.ui.session import Session
from mdtapp.ui.views.new_patient import PatientDialog


def _dialog(qtbot, store) -> PatientDialog:
    dialog = PatientDialog(Session(store))
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.nhs, "943 476 5919")
    qtbot.keyClicks(dialog.given, "Jane")
    qtbot.keyClicks(dialog.born, "07/03/1971")
    dialog.sex.setCurrentIndex(dialog.sex.findData("female"))
    return dialog


def _paste(qtbot, widget, text: str) -> None:
    QGuiApplication.clipboard().setText(text)
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def _save(qtbot, dialog: PatientDialog) -> None:
    qtbot.mouseClick(dialog.findChild(object, "savePatient"), Qt.MouseButton.LeftButton)


def test_a_right_to_left_override_in_a_name_is_refused_naming_the_field(qtbot, store):
    dialog = _dialog(qtbot, store)
    _paste(qtbot, dialog.family, "\u202eHTIMS")  # shows as "SMITH": another name on screen
    assert dialog.family.text() == "\u202eHTIMS"  # what was pasted is kept, to be corrected
    _save(qtbot, dialog)
    assert "Family name: must not contain the bidirectional control U+202E (character 1)" in (
        dialog.errors.text()
    )
    assert dialog.family.property("invalid") is True
    assert store.count_patients() == 0
    dialog.family.clear()
    qtbot.keyClicks(dialog.family, "Smith")
    _save(qtbot, dialog)
    assert store.patient(dialog.saved_uid).value.family_name == "Smith"


def test_an_isolate_in_a_hospital_number_is_refused(qtbot, store):
    dialog = _dialog(qtbot, store)
    qtbot.keyClicks(dialog.family, "Smith")
    _paste(qtbot, dialog.hospital, "RX123\u2066")
    _save(qtbot, dialog)
    assert "Hospital number: must not contain the bidirectional control U+2066" in (
        dialog.errors.text()
    )
    assert store.count_patients() == 0
