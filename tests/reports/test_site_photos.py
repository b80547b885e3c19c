"""Photos of the papule site in the letter and the filled form: only when asked for, drawn from
the stored marks, with the count, the square's real size and the warnings the app shows."""

from __future__ import annotations

import dataclasses
import io
from decimal import Decimal

from PIL import Image
from pypdf import PdfReader

from mdtapp.domain.model import PhotoRef
from mdtapp.domain.papule_count import PapuleCount, Point, Scale, Square, with_photo_count
from mdtapp.reports.service import produce_form, produce_letter
from mdtapp.store.images import clean_photo
from tests.reports.conftest import SETTINGS, pages_text

SQUARE = Square(Point(420, 200), Point(-100, -100), Decimal(20))  # 200 px: x 320-520, y 100-300


def photograph(store, uid: str, index: int, ruler_px: int, marks: list[Point]) -> None:
    """Add a 640 × 480 left forearm photo to assessment `index`, counted with these marks."""
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (227, 184, 165 - 20 * index)).save(out, "PNG")
    photo = clean_photo(out.getvalue(), "forearm.png", store.forms.photos)
    digest = store.add_photo(uid, photo.content, photo.media_type)
    saved = store.load(uid).assessments[index]
    value = dataclasses.replace(saved.value, photos=(PhotoRef("left forearm", digest),))
    scale = Scale(Point(60, 440), Point(60 + ruler_px, 440), Decimal(20))
    count = PapuleCount("left forearm", 640, 480, scale, SQUARE, tuple(marks))
    value = with_photo_count(value, 0, count, forms=store.forms)
    store.save("assessments", uid, value, uid=saved.uid, base_version=saved.version)


def counted_twice(store, uid: str) -> None:
    inside = [Point(335 + 30 * i, 150) for i in range(6)]  # x 335-485: all inside
    # baseline: the ruler's 20 mm over 206 px: the 200 px square is 200 × 20 / 206 = 19.42 mm
    photograph(store, uid, 0, 206, inside)  # 6 marks
    # now: 20 mm over 194 px: 200 × 20 / 194 = 20.62 mm (each within 20 ± 1 mm)
    photograph(store, uid, 1, 194, inside[:4] + [Point(560, 120)])  # 4 inside, 1 outside


def test_the_letter_shows_the_site_photos_only_when_asked(store, jane_treated):
    counted_twice(store, jane_treated)
    plain = pages_text(produce_letter(store, jane_treated, settings=SETTINGS).pdf)
    assert not any("Photographs of the papule site" in page for page in plain)
    produced = produce_letter(store, jane_treated, settings=SETTINGS, photos=True)
    text = " ".join(pages_text(produced.pdf))
    assert "Photographs of the papule site" in text
    assert (
        "03-Aug-2026 (baseline), left forearm: 6 papules inside the 20 mm square "
        "(19.42 mm across by its scale)"
    ) in text
    assert (
        "05-Nov-2026 (this assessment), left forearm: 4 papules inside the 20 mm square "
        "(20.62 mm across by its scale); 1 outside it, not counted"
    ) in text
    # the domain's own warning: 4000/194 − 4000/206 = 1.20 mm, more than photos.toml's 1 mm
    assert (
        "The squares differ in real size: 19.42 mm (03-Aug-2026 (baseline)) and 20.62 mm "
        "(05-Nov-2026 (this assessment)), 1.20 mm apart, more than the 1 mm allowed"
    ) in text
    images = [im for page in PdfReader(io.BytesIO(produced.pdf)).pages for im in page.images]
    plain_images = [
        im
        for page in PdfReader(
            io.BytesIO(produce_letter(store, jane_treated, settings=SETTINGS).pdf)
        ).pages
        for im in page.images
    ]
    assert len(images) == len(plain_images) + 2  # the two thumbnails


def test_a_thumbnail_is_the_photo_around_its_square_at_most_600_pixels():
    from mdtapp.reports.photos_pdf import _crop

    count = PapuleCount("face", 640, 480, None, SQUARE, ())
    # the square spans 201 px (320-520); 35 % more on each side: 341 px, about its centre
    assert _crop(count, 640, 480) == (250, 30, 591, 371)
    assert _crop(None, 640, 480) == (0, 0, 640, 480)  # not counted: the whole photo


def test_the_filled_form_ends_with_the_site_photos_when_asked(store, jane_treated):
    counted_twice(store, jane_treated)
    plain = pages_text(produce_form(store, jane_treated, filled=True).pdf)
    pages = pages_text(produce_form(store, jane_treated, filled=True, photos=True).pdf)
    assert len(pages) == len(plain) + 1
    assert "Photographs of the papule site" in pages[-1]
    assert "4 papules inside the 20 mm square" in pages[-1]
    # a blank form, or one with the patient's label only, has no photos to show
    labelled = pages_text(produce_form(store, jane_treated, photos=True).pdf)
    assert not any("Photographs" in page for page in labelled)
