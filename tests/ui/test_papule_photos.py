"""The Photos tab: photos cleaned on the way in, the counter opened on a photo (by keyboard too),
and the two dates side by side with their squares, counts and warnings."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from mdtapp.domain.model import Papules
from mdtapp.domain.papule_count import PapuleCount, Point, Scale, Square
from mdtapp.ui.views.papule_dialog import PapuleCountDialog
from mdtapp.ui.widgets.papule_side_by_side import PapuleSideBySide, Side
from tests.factories import assessment
from tests.ui.test_papule_counter import (
    INSIDE,
    OUTSIDE,
    RULES,
    click,
    key,
    papule_photo,
    place_square_by_two_ruler_clicks,
)


def two_dated_photos(qtbot, window, store, treated, tmp_path):
    store.save("assessments", treated, assessment(date(2026, 11, 5)))
    window.open_patient(treated, "photos")
    view = window.workspace.photos
    photo = papule_photo(tmp_path)
    for index in (1, 0):  # oldest assessment first
        view.assessment.setCurrentIndex(index)
        assert view.add_photo(photo, "left forearm")
    assert (view.left.currentText(), view.right.currentText()) == ("03-Aug-2026", "05-Nov-2026")
    return view


def open_counter(qtbot, view, which: int) -> PapuleCountDialog:
    dialog = view.counter_dialog(which)
    assert isinstance(dialog, PapuleCountDialog)
    qtbot.addWidget(dialog)
    dialog.resize(1200, 760)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.counter.canvas.setFocus()
    key(qtbot, dialog.counter, Qt.Key.Key_1)
    return dialog


def count_17(qtbot, dialog: PapuleCountDialog) -> None:
    counter = dialog.counter
    place_square_by_two_ruler_clicks(qtbot, counter)
    key(qtbot, counter, Qt.Key.Key_M)
    for dot in INSIDE + OUTSIDE:
        click(qtbot, counter, dot)
    assert counter.total.text() == "17"


def test_count_on_the_later_photo_save_the_marks_and_see_them_beside_the_earlier(
    qtbot, window, store, treated, tmp_path
):
    view = two_dated_photos(qtbot, window, store, treated, tmp_path)
    assert view.count_right.isEnabled()
    dialog = open_counter(qtbot, view, 1)
    counter = dialog.counter
    assert counter.count.view == "left forearm"
    assert (counter.count.width, counter.count.height) == (640, 480)  # the stored photo
    assert not dialog.save_button.isEnabled()  # nothing to save yet
    count_17(qtbot, dialog)
    later = store.load(treated).assessments[1]
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text() == f"Marks saved with the photo (version {later.version + 1})."
    stored = store.load(treated).assessments[1]  # read back from the store
    assert stored.version == later.version + 1
    assert stored.value.photos[0].count == counter.count
    assert len(stored.value.photos[0].count.marks) == 20
    assert stored.value.papules == later.value.papules  # marks only: the typed count stays
    assert stored.change_reason == "papule marks on the left forearm photo"
    with qtbot.waitSignal(dialog.finished):
        dialog.reject()  # saved: closes without a question
    later_caption = view.side_by_side.captions[1].text()
    assert later_caption == "05-Nov-2026, left forearm: 17 papules (square 20.00 mm across)"
    assert view.side_by_side.captions[0].text() == (
        "03-Aug-2026, left forearm: not counted on the photo"
    )
    # the later side shows the square and the marks, zoomed to the square
    right = view.side_by_side.canvases[1]
    assert right.count is not None and right.count.count == 17
    assert right.zoom > 1.0
    # opening the counter again starts from the stored marks
    again = view.counter_dialog(1)
    qtbot.addWidget(again)
    assert again.counter.count.count == 17 and len(again.counter.count.marks) == 20
    assert not again.unsaved


def test_use_this_count_from_the_photos_tab_fills_the_assessment(
    qtbot, window, store, treated, tmp_path
):
    view = two_dated_photos(qtbot, window, store, treated, tmp_path)
    editor = window.workspace.assessment  # showing the earlier assessment, nothing typed
    editor.load(store.load(treated), assessment_uid=store.load(treated).assessments[0].uid)
    assert editor.counts[0].count.text() == "20"
    view.right.setCurrentIndex(0)  # both sides the earlier date: what is compared stays so
    dialog = open_counter(qtbot, view, 0)  # the earlier photo: 03-Aug-2026, papules typed 20
    count_17(qtbot, dialog)
    assert dialog.use_button.text() == "&Use this count (17)"
    with qtbot.waitSignal(dialog.finished):
        qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    first = store.load(treated).assessments[0]
    assert first.value.date == date(2026, 8, 3)
    assert first.value.papules == Papules(17, "left forearm")
    assert first.value.photos[0].count.count == 17
    assert first.change_reason == "papule count from the left forearm photo"
    assert view.side_by_side.captions[0].text().startswith("03-Aug-2026, left forearm: 17")
    assert (view.left.currentIndex(), view.right.currentIndex()) == (0, 0)  # as they were
    # the editor follows: it shows the version just saved, so its next save starts from it
    assert editor.base_version == first.version and editor.counts[0].count.text() == "17"


def test_closing_with_marks_not_saved_asks_and_can_keep_them(
    qtbot, window, store, treated, tmp_path, monkeypatch
):
    view = two_dated_photos(qtbot, window, store, treated, tmp_path)
    dialog = open_counter(qtbot, view, 1)
    count_17(qtbot, dialog)
    version = store.load(treated).assessments[1].version
    answers = ["cancel", "discard"]
    monkeypatch.setattr(PapuleCountDialog, "ask_unsaved", lambda self: answers.pop(0))
    dialog.reject()
    assert dialog.isVisible() and dialog.unsaved  # cancelled: still counting
    with qtbot.waitSignal(dialog.finished):
        dialog.reject()
    assert store.load(treated).assessments[1].version == version  # discarded: nothing written


def test_the_counter_is_reachable_by_keyboard(qtbot, window, store, treated, tmp_path, monkeypatch):
    view = two_dated_photos(qtbot, window, store, treated, tmp_path)
    opened = []

    def exec_(self):
        opened.append(self.windowTitle())
        return 0

    monkeypatch.setattr(PapuleCountDialog, "exec", exec_)
    window.activateWindow()  # mnemonics act in the active window
    qtbot.keyClick(window, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: len(opened) == 1)  # a mnemonic "animates" the click first
    assert opened == ["Count papules — left forearm, 05-Nov-2026"]
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: len(opened) == 2)
    assert opened[-1] == "Count papules — left forearm, 03-Aug-2026"
    view.count_right.setFocus()
    qtbot.keyClick(view.count_right, Qt.Key.Key_Space)
    assert len(opened) == 3
    assert view.count_right.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert view.count_left.text().replace("&", "") == "Count papules on the earlier photo…"


def test_squares_of_different_real_size_are_warned_side_by_side(qtbot):
    from mdtapp.ui.app import application

    application()
    widget = PapuleSideBySide(RULES)
    qtbot.addWidget(widget)
    image = QImage(640, 480, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    ruler = Scale(Point(60, 440), Point(260, 440), Decimal(20))
    square = Square(Point(420, 200), Point(-100, -100), Decimal(20))
    earlier = PapuleCount("left forearm", 640, 480, ruler, square, (Point(420, 200),))
    # the later ruler's 20 mm spans 180 px: the same 200 px square is 22.22 mm across
    later = replace(earlier, scale=Scale(Point(60, 440), Point(240, 440), Decimal(20)))
    widget.show_sides(
        Side("05-Aug-2026", image, "left forearm", earlier),
        Side("21-Nov-2026", image, "left forearm", later),
    )
    assert widget.warning.isVisibleTo(widget)
    assert widget.warning.text() == (
        "⚠ The squares differ in real size: 20.00 mm (05-Aug-2026) and 22.22 mm (21-Nov-2026), "
        "2.22 mm apart, more than the 1 mm allowed: the counts are over different areas."
    )
    widget.show_sides(
        Side("05-Aug-2026", image, "left forearm", earlier),
        Side("21-Nov-2026", image, "right forearm", replace(earlier, view="right forearm")),
    )
    assert widget.warning.text().startswith("⚠ Different views: left forearm (05-Aug-2026)")
    widget.show_sides(
        Side("05-Aug-2026", image, "left forearm", earlier),
        Side("21-Nov-2026", image, "left forearm", earlier),
    )
    assert not widget.warning.isVisibleTo(widget)


def test_a_photo_with_location_data_is_stored_upright_without_it(
    qtbot, window, store, treated, tmp_path
):
    from tests.store.test_images import exif_with_location_and_device

    path = tmp_path / "phone.jpg"
    exif = exif_with_location_and_device()
    exif[0x0112] = 6  # Orientation: turn 90° clockwise to view
    Image.new("RGB", (300, 200), (200, 120, 110)).save(
        path, "JPEG", exif=exif, comment=b"taken at home"
    )
    assert b"PhoneMaker" in path.read_bytes() and b"taken at home" in path.read_bytes()
    window.open_patient(treated, "photos")
    view = window.workspace.photos
    assert view.add_photo(path, "left forearm")
    ref = store.load(treated).assessments[0].value.photos[0]
    content, media_type = store.photo(treated, ref.sha256)
    assert media_type == "image/jpeg"
    for secret in (b"Exif", b"PhoneMaker", b"SN-0042-XYZ", b"taken at home"):
        assert secret not in content
    stored = Image.open(io.BytesIO(content))
    assert dict(stored.getexif()) == {}
    assert stored.size == (200, 300)  # upright


def test_a_file_too_large_is_refused_with_its_name_and_nothing_is_stored(
    qtbot, window, store, treated, tmp_path
):
    path = tmp_path / "scan.png"
    with path.open("wb") as f:
        f.truncate(RULES.max_bytes + 1)
    window.open_patient(treated, "photos")
    view = window.workspace.photos
    before = store.load(treated).assessments[0].version
    assert not view.add_photo(path, "face")
    assert view.message.text() == (
        "Not added: scan.png is 33,554,433 bytes; photos up to 33,554,432 bytes (32.0 MB) are "
        "accepted"
    )
    assert store.load(treated).assessments[0].version == before
