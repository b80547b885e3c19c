"""The app asks for what a letter lacks before printing it (domain.md section 7, issue 15.7):
the centre's letterhead and the author's name (here the account "nurse" has no name but its
login), never printing a placeholder or the login."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.reports.conftest import pages_text


def _answer(monkeypatch, qtbot, typed: dict[str, str] | None, seen: dict):
    from mdtapp.ui.views import letter_details

    def exec_(dialog) -> bool:
        seen["asked"] = sorted(dialog.fields)
        seen["ok_at_first"] = dialog.ok.isEnabled()
        if typed is None:
            qtbot.mouseClick(
                dialog.buttons.button(dialog.buttons.StandardButton.Cancel),
                Qt.MouseButton.LeftButton,
            )
            return False
        for key, text in typed.items():
            qtbot.keyClicks(dialog.fields[key], text)
        seen["ok_when_filled"] = dialog.ok.isEnabled()
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
        return dialog.result() == dialog.DialogCode.Accepted

    monkeypatch.setattr(letter_details.LetterDetailsDialog, "exec", exec_)


def test_the_letter_asks_for_the_letterhead_and_a_name_then_prints_them(
    qtbot, window, store, treated, tmp_path, monkeypatch
):
    monkeypatch.setenv("MDTAPP_HOME", str(tmp_path / "home"))  # no settings at all
    seen: dict = {}
    typed = {"letterhead.centre": "Royal Example Hospital", "author.name": "Sr N Nurse"}
    _answer(monkeypatch, qtbot, typed, seen)
    window.open_patient(treated, "overview")
    dialog = window.preview("letter")
    qtbot.addWidget(dialog)
    assert seen == {
        "asked": ["author.name", "letterhead.centre"],
        "ok_at_first": False,  # nothing is printed blank
        "ok_when_filled": True,
    }
    text = " ".join(pages_text(dialog.pdf))
    assert "Royal Example Hospital" in text
    # the account's roles say what the person does: maintenance accounts have every role
    assert "Person completing the record Sr N Nurse, clinician and pharmacist" in text
    assert "(set the centre" not in text and "nurse," not in text
    assert store.audit_entries(patient_uid=treated, limit=1)[0].action == "letter"


def test_cancelling_the_question_produces_no_letter(
    qtbot, window, store, treated, tmp_path, monkeypatch
):
    monkeypatch.setenv("MDTAPP_HOME", str(tmp_path / "home"))
    seen: dict = {}
    _answer(monkeypatch, qtbot, None, seen)
    window.open_patient(treated, "overview")
    before = len(store.audit_entries(patient_uid=treated))
    assert window.preview("letter") is None
    assert seen["asked"] == ["author.name", "letterhead.centre"]
    assert len(store.audit_entries(patient_uid=treated)) == before


def test_asked_once_for_the_meeting_and_never_before_a_letter_that_cannot_be_made(
    qtbot, window, store, treated, tmp_path, monkeypatch
):
    from datetime import date

    from mdtapp.domain.model import Patient

    monkeypatch.setenv("MDTAPP_HOME", str(tmp_path / "home"))
    asked: list[list[str]] = []

    def exec_(dialog) -> bool:
        asked.append(sorted(dialog.fields))
        for key, text in {
            "letterhead.centre": "Royal Example Hospital",
            "author.name": "Sr N Nurse",
        }.items():
            dialog.fields[key].setText(text)
        dialog.accept()
        return True

    from mdtapp.ui.views import letter_details

    monkeypatch.setattr(letter_details.LetterDetailsDialog, "exec", exec_)
    warnings: list[str] = []
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    window.open_patient(treated, "overview")
    for _ in range(3):  # three letters at one meeting: asked once
        dialog = window.preview("letter")
        qtbot.addWidget(dialog)
        assert "Royal Example Hospital" in " ".join(pages_text(dialog.pdf))
    assert asked == [["author.name", "letterhead.centre"]]
    # a patient with no assessment: said at once, nothing asked
    new = store.add_patient(Patient("9990001006", "Ng", "Mei Ling", date(1971, 3, 7), "female")).uid
    window.open_patient(new, "overview")
    assert window.preview("letter") is None
    assert warnings == ["This patient has no assessment yet: a letter needs one."]
    assert len(asked) == 1
