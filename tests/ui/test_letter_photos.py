"""The papule site's photos in a letter: off by default (letters go by post), ticked in the
preview by the person printing it, remembered on this computer."""

from __future__ import annotations

import dataclasses
import io
from decimal import Decimal

from PIL import Image
from PySide6.QtCore import Qt

from mdtapp.domain.model import PhotoRef
from mdtapp.domain.papule_count import PapuleCount, Point, Scale, Square, with_photo_count
from mdtapp.preferences import load_preferences
from mdtapp.settings import Author, Letterhead, Settings
from mdtapp.store.images import clean_photo
from tests.reports.conftest import pages_text, store_settings

HEADING = "Photographs of the papule site"


def counted_photo(store, uid: str) -> None:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (227, 184, 165)).save(out, "PNG")
    photo = clean_photo(out.getvalue(), "forearm.png", store.forms.photos)
    digest = store.add_photo(uid, photo.content, photo.media_type)
    saved = store.load(uid).assessments[0]
    value = dataclasses.replace(saved.value, photos=(PhotoRef("left forearm", digest),))
    count = PapuleCount(
        "left forearm",
        640,
        480,
        Scale(Point(60, 440), Point(260, 440), Decimal(20)),
        Square(Point(420, 200), Point(-100, -100), Decimal(20)),
        (Point(400, 200), Point(450, 150)),
    )
    value = with_photo_count(value, 0, count, forms=store.forms, use=True)
    store.save("assessments", uid, value, uid=saved.uid, base_version=saved.version)


def test_site_photos_are_ticked_into_a_letter_and_the_choice_is_remembered(
    qtbot, window, store, treated, tmp_path, monkeypatch
):
    monkeypatch.setenv("MDTAPP_HOME", str(tmp_path / "home"))
    ready = Settings(Letterhead(centre="St Elsewhere"), Author("Dr Q", "Consultant dermatologist"))
    store_settings(store, ready)
    counted_photo(store, treated)
    window.open_patient(treated, "overview")
    dialog = window.preview("letter")
    qtbot.addWidget(dialog)
    assert dialog.photos.isVisibleTo(dialog) and not dialog.photos.isChecked()  # off by default
    assert not any(HEADING in page for page in pages_text(dialog.pdf))
    pages = dialog.page_count()
    qtbot.mouseClick(dialog.photos, Qt.MouseButton.LeftButton)
    text = " ".join(pages_text(dialog.pdf))
    assert HEADING in text and "2 papules inside the 20 mm square" in text
    assert dialog.page_count() >= pages and dialog.status.text().endswith("page(s)")
    assert load_preferences().letter_photos
    again = window.preview("letter")  # the next letter on this computer starts ticked
    qtbot.addWidget(again)
    assert again.photos.isChecked() and HEADING in " ".join(pages_text(again.pdf))
    qtbot.mouseClick(again.photos, Qt.MouseButton.LeftButton)
    assert not any(HEADING in page for page in pages_text(again.pdf))
    assert not load_preferences().letter_photos


def test_the_preference_is_off_unless_plainly_on(tmp_path):
    path = tmp_path / "preferences.toml"
    path.write_text("zoom_percent = 110\n", encoding="utf-8")  # written before it existed
    assert load_preferences(path).letter_photos is False
    path.write_text('letter_photos = "yes"\n', encoding="utf-8")
    assert load_preferences(path).letter_photos is False
    path.write_text("letter_photos = true\n", encoding="utf-8")
    assert load_preferences(path).letter_photos is True
