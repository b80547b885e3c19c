"""Issue 18's "Done means": from the assessment's papule field, a generated photo with a drawn
2 cm scale and 17 drawn dots; the square placed by two ruler clicks; each dot marked by a click;
17 stored as the assessment's papule count, with the marks (read back from the store)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from mdtapp.domain.model import Papules
from mdtapp.ui.controllers.photo_count import PhotoCountSaver
from mdtapp.ui.views.papule_dialog import PapuleCountDialog
from tests.ui.test_papule_counter import (
    INSIDE,
    click,
    key,
    papule_photo,
    place_square_by_two_ruler_clicks,
)


def editor_on_the_baseline(qtbot, window, treated):
    """The assessment tab, the saved 03-Aug-2026 assessment chosen in the picker by keyboard."""
    window.open_patient(treated, "assessment")
    editor = window.workspace.assessment
    assert editor.picker.currentIndex() == 0  # a new assessment, as a meeting usually needs
    editor.picker.setFocus()
    qtbot.keyClick(editor.picker, Qt.Key.Key_Down)
    assert editor.picker.currentText().startswith("03-Aug-2026")
    assert editor.record_uid is not None
    return editor


def the_counter(qtbot, editor) -> PapuleCountDialog:
    qtbot.waitUntil(lambda: editor.findChild(PapuleCountDialog) is not None)
    dialog = editor.findChild(PapuleCountDialog)
    qtbot.waitExposed(dialog)
    dialog.counter.canvas.setFocus()
    key(qtbot, dialog.counter, Qt.Key.Key_1)  # 1:1: one screen pixel per photo pixel
    return dialog


def test_17_papules_marked_on_the_photo_are_stored_as_the_assessments_count_with_the_marks(
    qtbot, window, store, treated, tmp_path, monkeypatch
):
    editor = editor_on_the_baseline(qtbot, window, treated)
    papules = editor.counts[0]
    assert papules.count.text() == "20" and papules.site_text() == "left forearm"  # typed
    photo = papule_photo(tmp_path, dots=INSIDE)  # a 2 cm ruler and exactly 17 dots
    offered = []
    monkeypatch.setattr(
        type(editor), "ask_photo_file", lambda self, site: offered.append(site) or photo
    )
    # no photo of the site yet: the editor offers to add one, then opens the counter on it
    qtbot.mouseClick(papules.photo_button, Qt.MouseButton.LeftButton)
    assert offered == ["left forearm"]
    dialog = the_counter(qtbot, editor)
    counter = dialog.counter
    assert counter.count.view == "left forearm"
    place_square_by_two_ruler_clicks(qtbot, counter)
    key(qtbot, counter, Qt.Key.Key_M)
    for dot in INSIDE:
        click(qtbot, counter, dot)
    assert counter.total.text() == "17"
    with qtbot.waitSignal(dialog.finished):
        qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)

    # read back from the store: the count, its site, and the marks it rests on
    saved = store.load(treated).assessments[0]
    assert saved.value.papules == Papules(17, "left forearm")
    count = saved.value.photos[0].count
    assert saved.value.photos[0].view == "left forearm"
    assert count is not None and count.count == 17
    assert count.marks == tuple(INSIDE)
    assert count.scale is not None and count.scale.distance_mm == 20
    history = store.history("assessments", saved.uid)
    assert [h.change_reason for h in history] == [
        "",
        "photo added: left forearm",
        "papule count from the left forearm photo",
    ]
    # the editor shows the stored version
    qtbot.waitUntil(lambda: editor.base_version == saved.version)
    assert papules.count.text() == "17" and papules.site_text() == "left forearm"
    assert papules.photo_note.text() == (
        "✔ Counted on the left forearm photo: 17 marks inside the square (20.00 mm across)."
    )
    papules.count.setFocus()
    papules.count.selectAll()
    qtbot.keyClicks(papules.count, "18")  # typed over: no longer the photo's count
    assert papules.photo_note.text() == (
        "⚠ The left forearm photo holds 17 marks inside the square (20.00 mm across); the "
        "count here is not that count."
    )


def test_a_signed_assessment_is_counted_on_only_as_an_amendment(
    qtbot, window, store, treated, tmp_path, monkeypatch
):
    editor = editor_on_the_baseline(qtbot, window, treated)
    first = store.load(treated).assessments[0]
    monkeypatch.setattr(
        type(editor), "ask_photo_file", lambda self, site: papule_photo(tmp_path, dots=INSIDE)
    )
    qtbot.mouseClick(editor.counts[0].photo_button, Qt.MouseButton.LeftButton)
    dialog = the_counter(qtbot, editor)
    added = store.load(treated).assessments[0]
    with store.transaction():  # signed meanwhile (signing with a password is tested elsewhere)
        store._signatures.add("assessments", added.uid, added.version, treated, "approved")
    asked = ["", "marks added at the MDT"]  # cancelled first, then given
    monkeypatch.setattr(PhotoCountSaver, "ask_reason", lambda self: asked.pop(0))
    place_square_by_two_ruler_clicks(qtbot, dialog.counter)
    key(qtbot, dialog.counter, Qt.Key.Key_M)
    for dot in INSIDE[:5]:
        click(qtbot, dialog.counter, dot)
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text() == (
        "Not used: a signed assessment changes only by amendment, with a reason."
    )
    assert store.load(treated).assessments[0].version == added.version  # nothing written
    with qtbot.waitSignal(dialog.finished):
        qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    amended = store.load(treated).assessments[0]
    assert amended.version == added.version + 1
    assert amended.change_reason == "marks added at the MDT"
    assert amended.value.papules == Papules(5, "left forearm")
    assert store.signatures("assessments", first.uid, added.version)  # the signed one kept


def test_the_counter_needs_a_saved_assessment_without_unsaved_changes(qtbot, window, treated):
    window.open_patient(treated, "assessment")
    editor = window.workspace.assessment
    papules = editor.counts[0]
    qtbot.mouseClick(papules.photo_button, Qt.MouseButton.LeftButton)  # a new assessment
    assert editor.save_error.text() == (
        "Save the assessment first (Ctrl+S): photos belong to a saved assessment"
    )
    editor = editor_on_the_baseline(qtbot, window, treated)
    papules.count.setFocus()
    papules.count.selectAll()
    qtbot.keyClicks(papules.count, "21")
    qtbot.mouseClick(papules.photo_button, Qt.MouseButton.LeftButton)
    assert editor.save_error.text().startswith("Save the changes first (Ctrl+S)")
    assert editor.findChild(PapuleCountDialog) is None


def test_a_count_over_the_papule_fields_range_is_refused_naming_the_field(qtbot, tmp_path):
    """The papule field allowing at most 2 (a changed forms/assessment.toml): 3 marks inside
    the square are neither saved nor used, and the message names the field and the range."""
    import dataclasses
    from datetime import date
    from decimal import Decimal

    from mdtapp.domain.forms import forms
    from mdtapp.domain.model import PhotoRef
    from mdtapp.domain.papule_count import PapuleCount, Point, Scale, Square
    from mdtapp.store.repository import Store
    from mdtapp.store.security import Principal
    from mdtapp.ui.session import Session
    from tests.factories import assessment, image_bytes
    from tests.store.conftest import fixed_clock, jane

    f = forms()
    small = dataclasses.replace(
        f,
        assessment=dataclasses.replace(
            f.assessment,
            measures=tuple(
                dataclasses.replace(m, max_count=2) if m.key == "papules" else m
                for m in f.assessment.measures
            ),
        ),
    )
    store = Store.open(tmp_path / "small.db", user="nurse", clock=fixed_clock, forms=small)
    uid = store.add_patient(jane()).uid
    digest = store.add_photo(uid, image_bytes("JPEG", (640, 480)), "image/jpeg")
    a = dataclasses.replace(
        assessment(date(2026, 11, 1), papules=1), photos=(PhotoRef("left forearm", digest),)
    )
    saved = store.save("assessments", uid, a)
    saver = PhotoCountSaver(Session(store), uid, saved.uid, 0, base_version=saved.version)
    three = PapuleCount(
        "left forearm",
        640,
        480,
        Scale(Point(60, 440), Point(260, 440), Decimal(20)),
        Square(Point(420, 200), Point(-100, -100), Decimal(20)),
        (Point(400, 200), Point(420, 200), Point(440, 200)),
    )
    outcome = saver.save(three, use=True)
    assert not outcome.saved
    assert outcome.problem == (
        "Not used: marks: at most 2 marks; got 3; marks: 3 inside the square; a papule count "
        "must be 0-2"
    )
    assert store.get("assessments", saved.uid).version == saved.version  # nothing written
    # a viewer may look at the marks, not save them: said before anything is tried
    store.principal = Principal("vera", "Vera View", frozenset({"viewer"}))
    assert saver.save(three, use=False).problem == (
        "Not saved: Signed in as viewer: saving assessments needs the clinician role."
    )
    store.close()
