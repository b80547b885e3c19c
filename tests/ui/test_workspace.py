"""The MDT workspace driven as a user would: keys and clicks, then what was stored."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from mdtapp.store.repository import Store
from mdtapp.ui.main_window import MainWindow
from mdtapp.ui.session import Session
from mdtapp.ui.views.new_patient import PatientDialog
from tests.ui.conftest import ASK_UNSAVED, clock


def open_assessment(window, uid):
    window.open_patient(uid, "assessment")
    editor = window.workspace.assessment
    assert window.workspace.tabs.currentWidget() is editor
    return editor


def test_create_a_patient_by_typing(qtbot, store):
    dialog = PatientDialog(Session(store))
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.nhs, "943 476 5918")
    assert "fails the Modulus 11 check" in dialog.nhs_state.text()  # checked as typed
    dialog.nhs.clear()
    qtbot.keyClicks(dialog.nhs, "943 476 5919")
    assert dialog.nhs_state.text() == "✓ valid: 943 476 5919"
    qtbot.keyClicks(dialog.family, "Ng")
    qtbot.keyClicks(dialog.given, "Mei Ling")
    qtbot.keyClicks(dialog.born, "07/03/1971")
    dialog.sex.setCurrentIndex(dialog.sex.findData("female"))
    qtbot.keyClicks(dialog.height_cm, "158")
    qtbot.keyClicks(dialog.hospital, "RX12345")
    save = dialog.findChild(object, "savePatient")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.saved_uid is not None
    stored = store.patient(dialog.saved_uid).value
    assert (stored.nhs_number, stored.family_name, stored.given_names) == (
        "9434765919",
        "Ng",
        "Mei Ling",
    )
    assert (stored.date_of_birth, stored.sex, stored.height_cm) == (
        date(1971, 3, 7),
        "female",
        158.0,
    )


def test_bad_patient_input_marks_the_fields_and_saves_nothing(qtbot, store):
    dialog = PatientDialog(Session(store))
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.nhs, "1234567890")
    qtbot.keyClicks(dialog.born, "31/02/1971")
    qtbot.keyClicks(dialog.height_cm, "16.5")
    qtbot.mouseClick(dialog.findChild(object, "savePatient"), Qt.MouseButton.LeftButton)
    text = dialog.errors.text()
    # each problem names the field as the form labels it, once, never its internal key
    assert "Date of birth: “31/02/1971” is not a date" in text
    assert "Sex: choose one" in text
    assert "date_of_birth" not in text and "Date of birth: Date of birth" not in text
    assert "&#" not in text
    assert dialog.born.property("invalid") is True
    assert store.count_patients() == 0


def test_a_full_mrss_is_twenty_keystrokes(qtbot, window, treated, store):
    editor = open_assessment(window, treated)
    editor.grid.setFocus()
    qtbot.keyClicks(editor.grid, "01230123012301230123")
    # 5 x (0 + 1 + 2 + 3) = 30, all 20 areas scored
    assert editor.mrss_total.text() == "mRSS 30 / 60"
    assert editor.grid.values()["right_fingers"] == 0
    assert editor.grid.values()["neck"] == 3
    assert editor.vas["itch_vas_mm"].mm.hasFocus()  # typing flows on to the itch VAS


def test_not_assessed_and_backspace(qtbot, window, treated):
    editor = open_assessment(window, treated)
    editor.grid.setFocus()
    qtbot.keyClicks(editor.grid, "2" * 19)
    qtbot.keyClicks(editor.grid, "n")
    assert editor.mrss_total.text() == "mRSS 38 / 57 — 1 area not assessed"
    qtbot.keyClick(editor.grid, Qt.Key.Key_End)
    qtbot.keyClick(editor.grid, Qt.Key.Key_Delete)
    assert editor.mrss_total.text() == "mRSS 38 so far — 1 of 20 areas still to score"
    qtbot.keyClick(editor.grid, Qt.Key.Key_Backspace)  # neck blank: step back, clear ears
    assert editor.grid.current == "ears"
    assert editor.grid.values()["ears"] is None


def _type_vas(qtbot, editor, key, text):
    spin = editor.vas[key].mm
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin, text)


def test_each_vas_by_keyboard(qtbot, window, treated):
    editor = open_assessment(window, treated)
    _type_vas(qtbot, editor, "itch_vas_mm", "45")
    _type_vas(qtbot, editor, "patient_global_vas_mm", "7")
    _type_vas(qtbot, editor, "physician_global_vas_mm", "100")
    assert [editor.vas[k].value() for k in editor.vas] == [45, 7, 100]
    assert editor.vas["itch_vas_mm"].reading.text() == "<b>4.5 cm</b> · moderate"
    assert editor.vas["patient_global_vas_mm"].reading.text() == "<b>0.7 cm</b>"
    line = editor.vas["itch_vas_mm"].line
    line.setFocus()
    qtbot.keyClick(line, Qt.Key.Key_Right)
    qtbot.keyClick(line, Qt.Key.Key_PageUp)
    assert editor.vas["itch_vas_mm"].value() == 56


def test_fill_and_save_stores_exactly_what_was_entered(qtbot, window, treated, store):
    editor = open_assessment(window, treated)
    editor.date.clear()
    qtbot.keyClicks(editor.date, "20/11/2026")
    qtbot.keyClicks(editor.examiner, "Dr B Derm")
    editor.grid.setFocus()
    qtbot.keyClicks(editor.grid, "11111111111111111111")
    _type_vas(qtbot, editor, "itch_vas_mm", "30")
    _type_vas(qtbot, editor, "patient_global_vas_mm", "35")
    _type_vas(qtbot, editor, "physician_global_vas_mm", "25")
    papules = editor.inputs["papules"]
    papules.count.setFocus()
    qtbot.keyClick(papules.count, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(papules.count, "12")
    assert papules.site.currentText() == "left forearm"  # defaults to the previous site
    cardio_yes = editor.findChild(object, "cardiovascularInvolvedYes")
    qtbot.mouseClick(cardio_yes, Qt.MouseButton.LeftButton)
    for organ in ("neurological", "renal", "gastrointestinal"):
        qtbot.mouseClick(editor.findChild(object, f"{organ}InvolvedNo"), Qt.MouseButton.LeftButton)
    dermatoneuro = editor.inputs["dermatoneuro_syndrome"].answer
    dermatoneuro.setFocus()
    qtbot.keyClick(dermatoneuro, Qt.Key.Key_N)
    qtbot.keyClicks(editor.inputs["nutrition.weight_kg"].line, "68.5")
    with qtbot.waitSignal(editor.assessment_saved):
        qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    saved = store.load(treated).assessments[-1].value
    assert saved.date == date(2026, 11, 20)
    assert saved.examiner == "Dr B Derm"
    assert set(saved.mrss.values()) == {1}
    assert (saved.itch_vas_mm, saved.patient_global_vas_mm, saved.physician_global_vas_mm) == (
        30,
        35,
        25,
    )
    assert (saved.papules.count, saved.papules.site) == (12, "left forearm")
    assert saved.systemic["cardiovascular"].involved is True
    assert saved.systemic["cardiovascular"].progressed is None
    assert saved.systemic["renal"].involved is False
    assert saved.dermatoneuro_syndrome is False
    assert saved.nutrition.weight_kg == 68.5
    assert store.drafts(treated, "assessments") == []  # the save cleared the draft


def test_a_partly_scored_grid_is_refused_and_nothing_is_saved(qtbot, window, treated, store):
    editor = open_assessment(window, treated)
    qtbot.keyClicks(editor.examiner, "Dr B Derm")
    editor.grid.setFocus()
    qtbot.keyClicks(editor.grid, "222")
    assert not editor.save()
    assert "17 areas have no score" in editor.save_error.text()
    assert editor.grid.property("invalid") is True
    assert len(store.load(treated).assessments) == 1


def test_a_stop_flag_appears_as_the_worsening_scores_are_typed(qtbot, window, treated):
    editor = open_assessment(window, treated)
    raised = editor.flags.rows["worsening_disease_activity"]
    assert raised.property("raised") is False
    editor.grid.setFocus()
    qtbot.keyClicks(editor.grid, "1" * 20)  # mRSS 20 -> 20: no change
    assert raised.property("raised") is False
    _type_vas(qtbot, editor, "itch_vas_mm", "65")  # 40 -> 65 mm: +25, over the 20 mm MCID
    assert raised.property("raised") is True
    assert "Itch VAS 40 → 65 mm (+25 mm) vs previous 03-Aug-2026" in raised.text()
    assert "worsening_disease_activity" in editor.flags.raised()


def test_the_draft_is_offered_back_after_closing_mid_entry(qtbot, window, treated, store, db_path):
    editor = open_assessment(window, treated)
    qtbot.keyClicks(editor.examiner, "Dr B Derm")
    editor.grid.setFocus()
    qtbot.keyClicks(editor.grid, "3210")
    _type_vas(qtbot, editor, "itch_vas_mm", "55")
    window.close()  # closing keeps what was typed as a draft
    reopened_store = Store.open(db_path, user="nurse", clock=clock)
    again = MainWindow(Session(reopened_store))
    qtbot.addWidget(again)
    again.show()
    editor = open_assessment(again, treated)
    assert editor.draft_banner.isVisibleTo(again)
    assert editor.draft_text.text() == (
        "⚠ An unsaved new assessment (dated 21-Nov-2026) was "
        "kept at 21-Nov-2026 10:00. Restore it to carry on?"
    )
    assert editor.grid.values()["right_fingers"] is None  # not applied until asked
    qtbot.mouseClick(editor.restore_button, Qt.MouseButton.LeftButton)
    assert [editor.grid.values()[k] for k in editor.grid.order[:4]] == [3, 2, 1, 0]
    assert editor.vas["itch_vas_mm"].value() == 55
    assert editor.examiner.text() == "Dr B Derm"
    assert not editor.draft_banner.isVisibleTo(again)
    reopened_store.close()


def test_a_concurrent_edit_elsewhere_is_reported_not_overwritten(
    qtbot, window, treated, store, db_path
):
    window.open_patient(treated, "assessment")
    editor = window.workspace.assessment
    baseline = store.load(treated).assessments[0]
    editor.load(store.load(treated), assessment_uid=baseline.uid)
    _type_vas(qtbot, editor, "itch_vas_mm", "42")
    # meanwhile, a colleague's window saves a change to the same assessment
    other = Store.open(db_path, user="colleague", clock=clock)
    import dataclasses

    other.save(
        "assessments",
        treated,
        dataclasses.replace(baseline.value, itch_vas_mm=44),
        uid=baseline.uid,
        base_version=baseline.version,
    )
    other.close()
    assert not editor.save()
    assert editor.error_banner.isVisibleTo(window)
    assert "changed by colleague" in editor.save_error.text()
    assert store.get("assessments", baseline.uid).value.itch_vas_mm == 44  # theirs kept
    assert editor.vas["itch_vas_mm"].value() == 42  # ours still on screen
    # drafts are the codec's encoding (issue 16), under "assessment"
    assert store.drafts(treated, "assessments")[0].data["assessment"]["itch_vas_mm"] == 42


def test_search_as_you_type(qtbot, window, store, treated):
    from tests.store.conftest import jane

    store.add_patient(jane(nhs_number="4010232137", family_name="Jones", given_names="Bob"))
    window.patients.refresh()
    qtbot.keyClicks(window.patients.search, "jon")
    assert window.patients.model.rowCount() == 1
    assert window.patients.model.rows[0].family_name == "Jones"
    window.patients.search.clear()
    qtbot.keyClicks(window.patients.search, "943 476")
    assert [r.family_name for r in window.patients.model.rows] == ["Smith"]
    qtbot.keyClick(window.patients.search, Qt.Key.Key_Return)  # one match: open it
    assert window.stack.currentWidget() is window.workspace
    assert window.workspace.banner.name.text() == "SMITH, Jane"


def test_open_by_nhs_number_shows_the_banner(qtbot, window, treated):
    assert window.open_nhs("943 476 5919") is None
    assert "943 476 5919" in window.workspace.banner.details.text()
    assert "Born <b>02-Jan-1970</b>" in window.workspace.banner.details.text()
    assert window.open_nhs("943 476 5918").startswith("--open: NHS number")


def test_every_input_in_the_editor_has_an_accessible_name(window, treated):
    from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLineEdit, QWidget

    editor = open_assessment(window, treated)
    missing = []
    for widget in editor.findChildren(QWidget):
        if isinstance(widget, QLineEdit) and isinstance(
            widget.parent(), (QComboBox, QAbstractSpinBox)
        ):
            continue  # the combo's or spin box's own editor: named through its owner
        focusable = widget.focusPolicy() != Qt.FocusPolicy.NoFocus and widget.isVisibleTo(editor)
        # buttons are named by their text; scroll machinery is not an input
        exempt = type(widget).__name__ in (
            "QScrollArea",
            "QScrollBar",
            "QPushButton",
            "QToolButton",
            "QTabBar",
        )
        if focusable and not exempt and not widget.accessibleName():
            missing.append(f"{type(widget).__name__} {widget.objectName()}")
    assert missing == []


def _button(box, text):
    return next(b for b in box.buttons() if b.text() == text)


def test_closing_with_unsaved_changes_asks_and_says_the_draft_is_kept(
    qtbot, window, treated, store, monkeypatch
):
    from PySide6.QtWidgets import QMessageBox

    editor = open_assessment(window, treated)
    qtbot.keyClicks(editor.examiner, "Dr B Derm")
    asked = []

    def answer(box):
        asked.append((box.text(), box.informativeText()))
        _button(box, "Cancel").click()

    monkeypatch.setattr(MainWindow, "ask_unsaved", ASK_UNSAVED)
    monkeypatch.setattr(QMessageBox, "exec", answer)
    assert not window.close()  # cancelled: the window stays, with what was typed
    assert "has changes that are not saved" in asked[0][0]
    assert "keeps them as a draft" in asked[0][1]
    assert editor.examiner.text() == "Dr B Derm"

    def save_and_close(box):
        _button(box, "&Save and close").click()  # refused (150 mm), so it stays open

    monkeypatch.setattr(QMessageBox, "exec", save_and_close)
    editor.vas["itch_vas_mm"].mm.setText("150")
    assert not window.close()
    assert "Not saved" in editor.save_error.text()

    def keep(box):
        _button(box, "Close, &keep the draft").click()

    monkeypatch.setattr(QMessageBox, "exec", keep)
    assert window.close()
    assert store.drafts(treated, "assessments")


def test_closing_after_saving_asks_nothing(qtbot, window, treated, monkeypatch):
    editor = open_assessment(window, treated)
    monkeypatch.setattr(MainWindow, "ask_unsaved", lambda self: pytest.fail("asked"))
    assert not editor.unsaved_changes
    assert window.close()


def test_the_assessment_lays_its_columns_side_by_side_where_they_fit(qtbot, window, treated):
    from PySide6.QtWidgets import QBoxLayout

    editor = open_assessment(window, treated)
    qtbot.waitUntil(
        lambda: editor.columns.direction() == QBoxLayout.Direction.LeftToRight, timeout=2000
    )
    window.resize(1024, 768)
    qtbot.waitUntil(
        lambda: editor.columns.direction() == QBoxLayout.Direction.TopToBottom, timeout=2000
    )
    assert editor.save_button.isVisible()
    right = editor.save_button.mapTo(window, editor.save_button.rect().bottomRight())
    assert right.x() <= window.width()  # Save on screen at 1024 pixels
    window.resize(1366, 768)
    qtbot.waitUntil(
        lambda: editor.columns.direction() == QBoxLayout.Direction.LeftToRight, timeout=2000
    )
