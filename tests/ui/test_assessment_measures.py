"""The editor follows the clinical rules of issue 15 as values are typed, and keeps drafts in the
codec's encoding (issue 16)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from mdtapp.domain.model import Infusion, Regimen
from mdtapp.store.repository import Store
from mdtapp.ui.main_window import MainWindow
from mdtapp.ui.session import Session
from tests.factories import assessment
from tests.store.conftest import jane
from tests.ui.conftest import clock
from tests.ui.test_workspace import _type_vas, open_assessment


def test_a_new_blank_form_at_six_months_is_not_yet_assessable(qtbot, window, store):
    # issue 15.3: first infusion 01-May-2026; 21-Nov-2026 is past 6 months; nothing typed yet
    p = store.add_patient(jane())
    store.save("regimens", p.uid, Regimen(date(2026, 5, 1), 2.0, 5, 4, "iv", 70.0))
    store.save("assessments", p.uid, assessment(date(2026, 4, 30)))
    store.save("infusions", p.uid, Infusion(date(2026, 5, 1), 25.0, "Privigen", "B1", "iv"))
    editor = open_assessment(window, p.uid)
    row = editor.flags.rows["no_response_after_6_months"]
    assert row.property("raised") is False
    assert "Not yet assessable: No response after at least 6 months" in row.text()
    assert "MET" not in row.text()
    assert "Not yet assessable" in editor.flags.response.text()
    # one response measure typed: now it is judged (itch 60 -> 58 is no response)
    _type_vas(qtbot, editor, "itch_vas_mm", "58")
    assert row.property("raised") is True
    assert "MET: No response after at least 6 months" in row.text()


def test_the_live_panel_compares_with_the_last_recording_of_each_measure(
    qtbot, window, store, treated
):
    # issue 15.1: itch 40 on 03-Aug-2026, not recorded on 01-Oct-2026; 65 typed now: +25 mm
    # against 03-Aug (the 20 mm threshold), named in the flag and beside the field
    store.save("assessments", treated, assessment(date(2026, 10, 1), mrss=20, itch=None))
    editor = open_assessment(window, treated)
    _type_vas(qtbot, editor, "itch_vas_mm", "65")
    raised = editor.flags.rows["worsening_disease_activity"]
    assert raised.property("raised") is True
    assert "Itch VAS 40 → 65 mm (+25 mm) vs previous 03-Aug-2026" in raised.text()
    history = editor.vas["itch_vas_mm"].history.text()
    assert history.startswith("Last 4.0 cm (03-Aug-2026), change +25 mm")


def test_an_mrss_by_another_examiner_says_so_as_it_is_typed(qtbot, window, treated):
    # issue 15.6: 20 by Dr B Derm at baseline; 40 typed by Dr A Rheum: +20, and the note
    editor = open_assessment(window, treated)
    qtbot.keyClicks(editor.examiner, "Dr A Rheum")
    editor.grid.setFocus()
    qtbot.keyClicks(editor.grid, "2" * 20)
    note = "examiners differ: Dr B Derm on 03-Aug-2026, Dr A Rheum on 21-Nov-2026"
    assert note in editor.grid_input.history.text()
    assert note in editor.flags.rows["worsening_disease_activity"].text()


def test_text_that_is_not_yet_a_value_comes_back_with_the_draft(
    qtbot, window, treated, store, db_path
):
    editor = open_assessment(window, treated)
    weight = editor.inputs["nutrition.weight_kg"].line
    qtbot.keyClicks(weight, "68,5 kg")  # not a number yet
    editor.grid.setFocus()
    qtbot.keyClicks(editor.grid, "21")
    window.close()
    [draft] = store.drafts(treated, "assessments")
    assert draft.data["format"] == "mdtapp-draft/1"
    assert draft.data["as_typed"] == {
        "nutrition.weight_kg": "68,5 kg",
        "papules.site": "left forearm",  # the site offered from last time, before a count
    }
    assert draft.data["assessment"]["mrss"]["right_fingers"] == 2
    reopened = Store.open(db_path, user="nurse", clock=clock)
    again = MainWindow(Session(reopened))
    qtbot.addWidget(again)
    again.show()
    editor = open_assessment(again, treated)
    qtbot.mouseClick(editor.restore_button, Qt.MouseButton.LeftButton)
    assert editor.inputs["nutrition.weight_kg"].line.text() == "68,5 kg"
    assert editor.grid.values()["right_fingers"] == 2 and editor.grid.values()["left_fingers"] == 1
    assert editor.grid.values()["right_hands"] is None  # not scored yet, not "not assessed"
    reopened.close()


def test_a_draft_kept_by_an_earlier_version_is_offered_back(qtbot, window, treated, store):
    store.save_draft(
        treated,
        "assessments",
        {
            "date": "21-Nov-2026",
            "examiner": "Dr B Derm",
            "mrss": {"right_fingers": 3},
            "vas": {"itch_vas_mm": 55},
            "papules": -1,
            "papule_site": "left forearm",
        },
    )
    editor = open_assessment(window, treated)
    assert "(dated 21-Nov-2026)" in editor.draft_text.text()
    qtbot.mouseClick(editor.restore_button, Qt.MouseButton.LeftButton)
    assert editor.vas["itch_vas_mm"].value() == 55 and editor.examiner.text() == "Dr B Derm"
    assert editor.grid.values()["right_fingers"] == 3
