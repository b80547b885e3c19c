"""The marks made on a photo, stored with it: one versioned, audited save; checked against the
stored photo; only by amendment once signed; carried by mdtapp/1 files byte for byte, and
photos in a file checked as they are."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from PIL import Image

from mdtapp.domain.errors import ValidationError
from mdtapp.domain.forms import forms
from mdtapp.domain.model import Papules, PhotoRef
from mdtapp.domain.papule_count import (
    PapuleCount,
    Point,
    Scale,
    Square,
    count_limit,
    validate_count,
    with_photo_count,
)
from mdtapp.store.errors import PermissionDenied, SignedRecordError
from mdtapp.store.images import clean_photo
from mdtapp.store.interchange import (
    ImportRejected,
    dumps,
    export_document,
    export_file,
    import_document,
    import_file,
)
from mdtapp.store.repository import Store
from mdtapp.store.security import Principal
from tests.factories import assessment
from tests.store.conftest import fixed_clock, jane, table_counts
from tests.store.test_images import exif_with_location_and_device

VIEW = "left forearm"
# the ruler's 20 mm over 200 px: 0.1 mm per pixel; the 20 mm square is 200 px, x 320-520,
# y 100-300; three marks inside (one on the edge), one outside
SCALE = Scale(Point(60, 440), Point(260, 440), Decimal(20), "ruler")
SQUARE = Square(Point(420, 200), Point(-100, -100), Decimal(20))
MARKS = (Point(335, 115), Point(420, 200), Point(320, 300), Point(560, 120))


def marks(width: int = 640, height: int = 480, view: str = VIEW) -> PapuleCount:
    return PapuleCount(view, width, height, SCALE, SQUARE, MARKS)


def photo_bytes(size: tuple[int, int] = (640, 480)) -> bytes:
    """A photo as the app stores it (cleaned: no EXIF), of a known size."""
    out = io.BytesIO()
    Image.new("RGB", size, (227, 184, 165)).save(out, "PNG")
    return clean_photo(out.getvalue(), "forearm.png", forms().photos).content


@pytest.fixture
def photographed(store: Store) -> tuple[str, str]:
    """Jane, one assessment (papules 12 over 'forearm', typed) with a left forearm photo."""
    uid = store.add_patient(jane()).uid
    digest = store.add_photo(uid, photo_bytes(), "image/jpeg")
    a = assessment(date(2026, 11, 1), papules=12, site="forearm")
    saved = store.save("assessments", uid, dataclasses.replace(a, photos=(PhotoRef(VIEW, digest),)))
    return uid, saved.uid


def test_use_this_count_is_one_versioned_audited_save_with_the_marks(store, photographed):
    uid, a_uid = photographed
    before = store.get("assessments", a_uid)
    audited = len(store.audit_entries(patient_uid=uid))
    used = with_photo_count(before.value, 0, marks(), forms=store.forms, use=True)
    saved = store.save(
        "assessments",
        uid,
        used,
        uid=a_uid,
        base_version=before.version,
        reason="papules counted on the left forearm photo",
    )
    assert saved.version == before.version + 1
    back = store.get("assessments", a_uid).value  # read back from the store
    assert back.photos[0].count == marks()
    assert back.papules == Papules(3, VIEW)  # 3 marks inside; the site is the photo's view
    history = store.history("assessments", a_uid)
    assert [h.value.papules.count for h in history] == [12, 3]
    assert history[0].value.photos[0].count is None  # the earlier version is kept as it was
    assert history[1].change_reason == "papules counted on the left forearm photo"
    assert len(store.audit_entries(patient_uid=uid)) == audited + 1
    # the stored JSON holds the marks as whole pixels and the millimetres as exact text
    stored = store.get("assessments", a_uid).data["photos"][0]["count"]
    assert stored["marks"] == [[335, 115], [420, 200], [320, 300], [560, 120]]
    assert stored["scale"]["distance_mm"] == "20"


def test_marks_made_on_an_image_of_another_size_are_refused_and_nothing_is_written(
    store, photographed
):
    uid, a_uid = photographed
    before = store.get("assessments", a_uid)
    counts = table_counts(store)
    wrong = with_photo_count(before.value, 0, marks(width=800, height=600), forms=store.forms)
    with pytest.raises(ValidationError) as refused:
        store.save("assessments", uid, wrong, uid=a_uid, base_version=before.version)
    assert [str(e) for e in refused.value.errors] == [
        "photos[0].count.image: must be the photo's size, 640 × 480 pixels; got 800 × 600: the "
        "marks were made on another image"
    ]
    assert table_counts(store) == counts


def test_marks_on_a_photo_not_stored_for_the_patient_are_refused(store, photographed):
    uid, a_uid = photographed
    before = store.get("assessments", a_uid)
    elsewhere = PhotoRef(VIEW, "b" * 64, "image/jpeg", marks())
    changed = dataclasses.replace(before.value, photos=(elsewhere,))
    with pytest.raises(ValidationError, match=r"photos\[0\]\.sha256: is not a photo stored"):
        store.save("assessments", uid, changed, uid=a_uid, base_version=before.version)


def test_a_signed_assessment_takes_marks_only_as_an_amendment_with_a_reason(store, photographed):
    uid, a_uid = photographed
    before = store.get("assessments", a_uid)
    with store.transaction():  # signed (signing itself is tested with passwords elsewhere)
        store._signatures.add("assessments", a_uid, before.version, uid, "reviewed and approved")
    used = with_photo_count(before.value, 0, marks(), forms=store.forms, use=True)
    with pytest.raises(SignedRecordError):
        store.save("assessments", uid, used, uid=a_uid, base_version=before.version)
    assert store.get("assessments", a_uid).version == before.version
    saved = store.save(
        "assessments",
        uid,
        used,
        uid=a_uid,
        base_version=before.version,
        reason="papules counted on the photo after signing",
    )
    assert saved.change_reason == "papules counted on the photo after signing"
    assert store.signatures("assessments", a_uid, before.version)  # the signed one is kept


def test_only_a_clinician_may_store_marks(store, photographed):
    uid, a_uid = photographed
    before = store.get("assessments", a_uid)
    store.principal = Principal("paul", "Paul Pharm", frozenset({"pharmacist"}))
    used = with_photo_count(before.value, 0, marks(), forms=store.forms, use=True)
    with pytest.raises(PermissionDenied, match="saving assessment needs the clinician role"):
        store.save("assessments", uid, used, uid=a_uid, base_version=before.version)
    assert store.get("assessments", a_uid).version == before.version


# ---------------------------------------------------------------- mdtapp/1


def counted(store: Store, photographed: tuple[str, str]) -> None:
    uid, a_uid = photographed
    before = store.get("assessments", a_uid)
    used = with_photo_count(before.value, 0, marks(), forms=store.forms, use=True)
    store.save("assessments", uid, used, uid=a_uid, base_version=before.version)


def test_export_import_export_keeps_the_marks_byte_identically(store, photographed, tmp_path):
    counted(store, photographed)
    export_file(store, tmp_path / "one.json")
    item = json.loads((tmp_path / "one.json").read_text("utf-8"))["patients"][0]
    photo = item["assessments"][0]["photos"][0]
    assert list(photo) == ["view", "sha256", "media_type", "count", "data_base64"]
    assert photo["count"]["marks"] == [[335, 115], [420, 200], [320, 300], [560, 120]]
    other = Store.open(tmp_path / "other.db", user="tester", clock=fixed_clock)
    import_file(other, tmp_path / "one.json")
    back = other.load(other.patient_uids()[0]).assessments[0].value
    assert back.photos[0].count == marks() and back.papules == Papules(3, VIEW)
    export_file(other, tmp_path / "two.json")
    assert (tmp_path / "one.json").read_bytes() == (tmp_path / "two.json").read_bytes()
    other.close()


def refused(tmp_path, document) -> list[str]:
    other = Store.open(tmp_path / "refusing.db", user="tester", clock=fixed_clock)
    counts = table_counts(other)
    with pytest.raises(ImportRejected) as e:
        import_document(other, document)
    assert table_counts(other) == counts  # nothing written
    other.close()
    return [p.split(": ", 1)[1] for p in e.value.problems]


def with_photo_content(photo: dict, content: bytes) -> None:
    photo["sha256"] = hashlib.sha256(content).hexdigest()
    photo["data_base64"] = base64.b64encode(content).decode("ascii")


def by_hand(document: dict) -> dict:
    """A file edited by hand carries no lineage (with it, the edit alone is refused)."""
    for patient in document["patients"]:
        for record in patient.get("assessments", []):
            record.pop("lineage", None)
    return document


def test_a_photo_in_a_file_is_checked_as_it_is_and_refused_by_its_json_path(
    store, photographed, tmp_path
):
    counted(store, photographed)
    document = json.loads(dumps(export_document(store)))
    photo = document["patients"][0]["assessments"][0]["photos"][0]
    # a phone's photo with location and device data, put in the file by hand
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (227, 184, 165)).save(
        out, "JPEG", exif=exif_with_location_and_device()
    )
    with_photo_content(photo, out.getvalue())
    assert refused(tmp_path, by_hand(document)) == [
        "assessments[0].photos[0]: carries EXIF location data (GPS) and EXIF device data "
        "(Make, Model, BodySerialNumber): mdtapp keeps photos without it (add the photo in the "
        "app, which removes it, or remove it before importing)"
    ]
    with_photo_content(photo, b"%PDF-1.7 not a photo")
    assert refused(tmp_path, by_hand(document)) == [
        "assessments[0].photos[0]: is not a JPEG image mdtapp can read (media_type image/jpeg)"
    ]


def test_marks_in_a_file_must_fit_their_photo_and_its_view(store, photographed, tmp_path):
    counted(store, photographed)
    document = json.loads(dumps(export_document(store)))
    photo = document["patients"][0]["assessments"][0]["photos"][0]
    with_photo_content(photo, photo_bytes((480, 640)))  # the same marks on another image
    assert refused(tmp_path, by_hand(document)) == [
        "assessments[0].photos[0].count.image: must be the photo's size, 480 × 640 pixels; "
        "got 640 × 480"
    ]
    document = json.loads(dumps(export_document(store)))
    count = document["patients"][0]["assessments"][0]["photos"][0]["count"]
    count["view"] = "right forearm"
    count["scale"]["distance_mm"] = "twenty"
    assert refused(tmp_path, by_hand(document)) == [
        "assessments[0].photos[0].count.scale.distance_mm: must be a decimal written as text, "
        'like "10" or "2.5"; got \'twenty\''
    ]
    count["scale"]["distance_mm"] = "20"
    assert refused(tmp_path, by_hand(document)) == [
        "assessments[0].photos[0].count.view: must be the photo's view (left forearm); got "
        "'right forearm'"
    ]


def test_a_photo_without_marks_has_no_count_in_the_file_and_null_reads_the_same(
    store, photographed, tmp_path
):
    document = json.loads(dumps(export_document(store)))
    photo = document["patients"][0]["assessments"][0]["photos"][0]
    assert "count" not in photo  # as in files written before counting was possible
    photo["count"] = None
    other = Store.open(tmp_path / "other.db", user="tester", clock=fixed_clock)
    import_document(other, by_hand(document))
    assert other.load(other.patient_uids()[0]).assessments[0].value.photos[0].count is None
    other.close()


def test_the_demo_photos_are_counted_as_their_assessments_say(store):
    from mdtapp.store.demo import add_demo_patients

    add_demo_patients(store)
    brian = store.load(store.patient_uid_for("9990001014"))
    counted = [a.value for a in brian.assessments if a.value.photos]
    assert len(counted) == 2  # baseline and 12 months
    for a in counted:
        count = a.photos[0].count
        assert count is not None and a.papules is not None
        assert count.count == a.papules.count and count.view == a.papules.site
        assert validate_count(count, store.forms.photos, count_limit(store.forms)) == []
        assert store._photos.count_problems(brian.uid, a) == []  # the stored photo's size
