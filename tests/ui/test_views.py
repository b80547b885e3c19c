"""Eligibility, treatment, decisions and photos, driven through their widgets."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from mdtapp.store.repository import Store


def test_eligibility_checklist_turns_green_on_three_of_four(qtbot, window, store, treated):
    window.open_patient(treated, "eligibility")
    view = window.workspace.eligibility
    for key in ("papular_sclerodermoid_eruption", "monoclonal_gammopathy", "no_thyroid_disease"):
        combo = view.criteria[key]
        combo.setCurrentIndex(combo.findData("yes"))
    assert "Not yet decided" in view.checklist.label.text()  # specialties not recorded yet
    for key, name in (("rheumatology_agreed", "Dr R"), ("dermatology_agreed", "Dr D")):
        who, when = view.agreements[key]
        qtbot.keyClicks(who, name)
        qtbot.keyClicks(when, "01/11/2026")
    view.reviewed.setChecked(True)
    text = view.checklist.label.text()
    assert "Eligible under policy 2271" in text
    assert "No biopsy recorded: preferable, not mandatory" in text
    assert view.save()
    stored = store.load(treated).eligibility.value
    assert stored.criteria["histological_triad"] == "unknown"
    assert stored.rheumatology_agreed.clinician == "Dr R"
    assert stored.rheumatology_agreed.date == date(2026, 11, 1)


def test_eligibility_with_a_half_filled_agreement_is_refused(qtbot, window, store, treated):
    window.open_patient(treated, "eligibility")
    view = window.workspace.eligibility
    qtbot.keyClicks(view.agreements["dermatology_agreed"][0], "Dr D")
    assert not view.save()
    assert "needs both the clinician and a valid date" in view.errors.text()
    assert store.load(treated).eligibility is None


def test_dose_calculator_shows_the_worked_example_and_saves_a_regimen(
    qtbot, window, store, treated
):
    window.open_patient(treated, "treatment")
    view = window.workspace.treatment
    view.weight.clear()
    qtbot.keyClicks(view.weight, "70")  # Jane: 165 cm, female
    text = view.plan.text()
    assert "56.9 kg" in text and "62.1 kg" in text and "<b>120 g</b>" in text
    assert "25 + 25 + 25 + 25 + 20 = 120 g" in text
    assert "124.3 g → rounded down to whole 10 g: 120 g" in view.steps.text()
    view.interval.setValue(6)
    view.from_date.clear()
    qtbot.keyClicks(view.from_date, "20/11/2026")
    qtbot.mouseClick(view.save_regimen_button, Qt.MouseButton.LeftButton)
    regimen = store.load(treated).regimens[-1].value
    assert (regimen.from_date, regimen.weight_kg, regimen.interval_weeks) == (
        date(2026, 11, 20),
        70.0,
        6,
    )


def test_an_override_without_a_reason_is_refused(qtbot, window, store, treated):
    window.open_patient(treated, "treatment")
    view = window.workspace.treatment
    qtbot.keyClicks(view.override, "65")
    assert "Override reason: is required" in view.plan.text()  # named as the form names it
    assert not view.save_regimen()
    assert view.override_reason.property("invalid") is True
    assert len(store.load(treated).regimens) == 1


def test_the_calculator_names_each_field_as_its_form_does_and_saves_nothing_bad(
    qtbot, window, store, treated
):
    window.open_patient(treated, "treatment")
    view = window.workspace.treatment
    view.g_per_kg.clear()
    qtbot.keyClicks(view.g_per_kg, "3")
    assert "g/kg: must be 0.1-2 g/kg; got 3" in view.plan.text()
    view.weight.clear()
    assert "Enter the weight and dose" in view.plan.text()
    assert "Actual weight (kg): is required (25-350 kg)" in view.steps.text()
    qtbot.keyClicks(view.weight, "70")
    assert not view.save_regimen()
    assert view.regimen_errors.text() == "Not saved: g/kg: must be 0.1-2 g/kg; got 3"
    assert view.g_per_kg.property("invalid") is True
    view.g_per_kg.clear()
    qtbot.keyClicks(view.g_per_kg, "2")
    view.from_date.clear()
    assert not view.save_regimen()
    assert view.regimen_errors.text() == (
        "Not saved: Starts is required (e.g. 07/03/1971, 07031971 or 7 Mar 1971)"
    )
    assert len(store.load(treated).regimens) == 1


def test_an_infusion_needs_its_batch_number(qtbot, window, store, treated):
    window.open_patient(treated, "treatment")
    view = window.workspace.treatment
    qtbot.keyClicks(view.inf_grams, "25")
    assert not view.save_infusion()
    assert "batch: is required" in view.infusion_errors.text()
    qtbot.keyClicks(view.inf_batch, "PRV-778812")
    assert view.save_infusion()
    assert store.load(treated).infusions[-1].value.batch == "PRV-778812"
    assert view.infusions.rows[0].value.batch == "PRV-778812"  # the log shows it at once


def test_a_decision_saves_the_flags_shown_at_the_time(qtbot, window, store, treated):
    from tests.factories import assessment

    # only the mRSS changes against the baseline (20 -> 27, +7)
    store.save(
        "assessments",
        treated,
        assessment(date(2026, 11, 5), mrss=27, itch=40, ptga=40, phga=40, papules=20),
    )
    window.open_patient(treated, "decisions")
    view = window.workspace.decisions
    assert "Worsening disease activity" in view.flags_now.text()
    view.kind.setCurrentIndex(view.kind.findData("stop"))
    qtbot.keyClicks(view.reason, "mRSS worse by 7 points; patient agrees to stop.")
    qtbot.keyClicks(view.clinicians, "Dr D Derm; Dr R Rheum")
    qtbot.mouseClick(view.findChild(object, "review_plus_3"), Qt.MouseButton.LeftButton)
    assert view.next_review.value() == date(2027, 2, 21)
    assert view.save()
    saved = store.load(treated).decisions[-1].value
    assert saved.decision == "stop"
    assert saved.flags_at_decision == ("worsening_disease_activity",)
    assert saved.clinicians == ("Dr D Derm", "Dr R Rheum")


def test_a_decision_needs_a_reason(qtbot, window, store, treated):
    window.open_patient(treated, "decisions")
    view = window.workspace.decisions
    view.kind.setCurrentIndex(view.kind.findData("continue"))
    assert not view.save()
    assert "Reason for the decision: is required" in view.errors.text()  # as labelled
    assert store.load(treated).decisions == ()


def test_photos_are_attached_and_compared_side_by_side(qtbot, window, store, treated, tmp_path):
    from tests.factories import assessment

    store.save("assessments", treated, assessment(date(2026, 11, 5)))
    paths = []
    for i, colour in enumerate(("#aa3333", "#33aa33")):
        image = QImage(80, 60, QImage.Format.Format_RGB32)
        image.fill(QColor(colour))
        path = tmp_path / f"p{i}.png"
        image.save(str(path))
        paths.append(path)
    window.open_patient(treated, "photos")
    view = window.workspace.photos
    for index, path in zip((1, 0), paths, strict=True):  # oldest assessment first
        view.assessment.setCurrentIndex(index)
        assert view.add_photo(path, "left forearm")
    file = store.load(treated)
    assert [len(s.value.photos) for s in file.assessments] == [1, 1]
    assert file.assessments[0].value.photos[0].view == "left forearm"
    assert store.get("assessments", file.assessments[0].uid).change_reason == (
        "photo added: left forearm"
    )
    assert view.compare_view.currentText() == "left forearm"
    # earliest on the left, latest on the right, without having to choose
    assert (view.left.currentText(), view.right.currentText()) == ("03-Aug-2026", "05-Nov-2026")
    left, right = view.side_by_side.canvases
    assert left.image_size == (80, 60) and right.image_size == (80, 60)


def test_a_file_that_is_not_an_image_is_refused(qtbot, window, store, treated, tmp_path):
    window.open_patient(treated, "photos")
    junk = tmp_path / "notes.png"
    junk.write_text("not a picture")
    assert not window.workspace.photos.add_photo(junk, "face")
    assert "not an image" in window.workspace.photos.message.text()


def test_the_history_tab_shows_every_change(qtbot, window, store, treated):
    window.open_patient(treated, "history")
    rows = window.workspace.history.model.rows
    assert {r.entity for r in rows} >= {"patients", "assessments", "infusions", "regimens"}
    assert all(r.user == "nurse" for r in rows)


def test_keyboard_shortcuts_reach_every_screen(qtbot, window, treated):
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.reviews
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.patients
    window.open_patient(treated)
    qtbot.keyClick(window.workspace, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert window.workspace.tabs.currentWidget() is window.workspace.assessment


def test_a_second_store_sees_nothing_half_written(qtbot, window, store, treated, db_path):
    other = Store.open(db_path, user="viewer")
    assert len(other.load(treated).assessments) == 1
    other.close()


def test_help_about_shows_the_version_build_and_rules(qtbot, window, monkeypatch):
    import mdtapp
    from mdtapp.buildinfo import build_id
    from mdtapp.ui import main_window

    shown = []
    monkeypatch.setattr(
        main_window.QMessageBox, "about", lambda parent, title, text: shown.append(text)
    )
    [help_menu] = [m for m in window.menuBar().findChildren(object, "helpMenu")]
    about = next(a for a in help_menu.actions() if a.objectName() == "about")
    about.trigger()
    assert shown and f"mdtapp {mdtapp.__version__} ({build_id()})" in shown[0]
    assert f"forms {window.session.forms.version}" in shown[0]
    assert not window.windowIcon().isNull()  # the app's icon, not Qt's default
