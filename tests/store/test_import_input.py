"""What an import accepts (issue 14.11): no control or bidi-override characters in names and
identifiers, every photo decoded as an image and bounded in size before anything is written;
and what the commands around it do when they refuse."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
import os
import struct
import zlib
from datetime import date

import pytest
from PIL import Image

from mdtapp.cli import main
from mdtapp.domain.errors import ValidationError
from mdtapp.domain.model import PhotoRef
from mdtapp.store import access
from mdtapp.store.interchange import (
    ImportRejected,
    dumps,
    export_document,
    import_document,
)
from mdtapp.store.repository import Store
from tests.factories import assessment, image_bytes
from tests.store.conftest import fixed_clock, jane, table_counts

NHS = "943 476 5919"


@pytest.fixture
def source(tmp_path):
    store = Store.open(tmp_path / "source.db", user="tester", clock=fixed_clock)
    uid = store.add_patient(jane()).uid
    store.save("assessments", uid, assessment(date(2026, 8, 3)))
    yield store, uid
    store.close()


@pytest.fixture
def target(tmp_path):
    store = Store.open(tmp_path / "target.db", user="tester", clock=fixed_clock)
    yield store
    store.close()


def _doc(store):
    return json.loads(dumps(export_document(store)))


def _refused(target, document) -> list[str]:
    before = table_counts(target)
    with pytest.raises(ImportRejected) as refused:
        import_document(target, document)
    assert table_counts(target) == before
    return refused.value.problems


# ---------------------------------------------------------------- names and identifiers


def test_nul_and_right_to_left_override_in_names_are_refused_naming_the_field(source, target):
    document = _doc(source[0])
    patient = document["patients"][0]
    patient.pop("lineage", None)  # a file made by another program: no lineage to match
    patient["family_name"] = "Smith\x00"
    patient["given_names"] = "\u202eenaJ"  # shows as "Jane" reversed: another name on screen
    patient["hospital_number"] = "H1\u2066"
    patient["assessments"][0].pop("lineage", None)
    patient["assessments"][0]["examiner"] = "Dr\nB"
    problems = _refused(target, document)
    assert problems == [
        f"patients[0] (NHS {NHS}): family_name: must not contain the control character U+0000 "
        "(character 6); a name or identifier is one line of letters, digits, spaces and "
        "punctuation",
        f"patients[0] (NHS {NHS}): given_names: must not contain the bidirectional control "
        "U+202E (character 1): it makes text show in another order than it is stored; a name "
        "or identifier is one line of letters, digits, spaces and punctuation",
        f"patients[0] (NHS {NHS}): hospital_number: must not contain the bidirectional control "
        "U+2066 (character 3): it makes text show in another order than it is stored; a name "
        "or identifier is one line of letters, digits, spaces and punctuation",
        f"patients[0] (NHS {NHS}): assessments[0].examiner: must not contain the control "
        "character U+000A (character 3); a name or identifier is one line of letters, digits, "
        "spaces and punctuation",
    ]


def test_free_text_in_a_file_keeps_its_new_lines_but_not_other_controls(source, target):
    document = _doc(source[0])
    a = document["patients"][0]["assessments"][0]
    a.pop("lineage", None)
    a["notes"] = "first line\r\nsecond\tline"
    import_document(target, document)
    assert target.load(target.patient_uids()[0]).assessments[0].value.notes == (
        "first line\r\nsecond\tline"
    )
    a["notes"] = "bell\x07"
    other = Store.open(target.path.with_name("other.db"), user="tester", clock=fixed_clock)
    assert _refused(other, document) == [
        f"patients[0] (NHS {NHS}): assessments[0].notes: must not contain the control character "
        "U+0007 (character 5); free text may hold new lines and tabs, no other control character"
    ]


def test_every_save_refuses_them_too(target):
    before = table_counts(target)
    with pytest.raises(ValidationError) as refused:
        target.add_patient(jane(family_name="\u202eHTIMS"))
    assert [e.field for e in refused.value.errors] == ["family_name"]
    uid = target.add_patient(jane()).uid
    with pytest.raises(ValidationError) as refused:
        target.save("assessments", uid, assessment(date(2026, 8, 3), site="left\x00forearm"))
    assert [e.field for e in refused.value.errors] == ["papules.site"]
    assert table_counts(target)["assessments"] == before["assessments"]


def test_a_lineage_saved_by_with_a_bidi_control_is_refused(source, target):
    document = _doc(source[0])
    document["patients"][0]["lineage"]["saved_by"] = "dr.\u202eb"
    (problem,) = _refused(target, document)
    assert problem.startswith(
        f"patients[0] (NHS {NHS}): lineage.saved_by: must not contain the bidirectional control"
    )


# ---------------------------------------------------------------- photos


def _with_photo(store, uid, content: bytes, media_type: str) -> dict:
    """An export whose first assessment carries this photo (as a file could say)."""
    document = _doc(store)
    a = document["patients"][0]["assessments"][0]
    a.pop("lineage", None)
    digest = hashlib.sha256(content).hexdigest()
    a["photos"] = [
        {
            "view": "left forearm",
            "sha256": digest,
            "media_type": media_type,
            "data_base64": base64.b64encode(content).decode("ascii"),
        }
    ]
    return document


WHERE = f"patients[0] (NHS {NHS}): assessments[0].photos[0]"


def test_a_38_mb_photo_that_is_not_an_image_is_refused_before_it_is_decoded(source, target):
    junk = os.urandom(38 * 10**6)
    problems = _refused(target, _with_photo(*source, junk, "image/jpeg"))
    assert problems == [f"{WHERE}: is larger than a photo may be (32 MiB); nothing was decoded"]


@pytest.mark.parametrize(
    ("content", "media_type", "problem"),
    [
        (b"%PDF-1.4 not a photo", "image/jpeg", "is not a JPEG image mdtapp can read"),
        (image_bytes("PNG"), "image/jpeg", "is not a JPEG image mdtapp can read"),
        (image_bytes("JPEG"), "image/png", "is not a PNG image mdtapp can read"),
        (image_bytes("JPEG", (64, 64))[:200], "image/jpeg", "is not a JPEG image mdtapp can read"),
    ],
    ids=["not an image", "a PNG said to be a JPEG", "a JPEG said to be a PNG", "truncated"],
)
def test_a_photo_is_decoded_as_the_image_it_says_it_is(
    source, target, content, media_type, problem
):
    (line,) = _refused(target, _with_photo(*source, content, media_type))
    assert line.startswith(f"{WHERE}: {problem}")


def _png_declaring(width: int, height: int) -> bytes:
    """A few hundred bytes that declare a huge image (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1000, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_an_image_declaring_too_many_pixels_is_refused_without_decoding_it(source, target):
    (line,) = _refused(target, _with_photo(*source, _png_declaring(10000, 7000), "image/png"))
    assert line == (
        f"{WHERE}: declares 10,000 × 7,000 = 70,000,000 pixels; photos up to 60,000,000 pixels "
        "are accepted"
    )
    (line,) = _refused(target, _with_photo(*source, _png_declaring(40000, 40000), "image/png"))
    assert line == (
        f"{WHERE}: declares more pixels than can be decoded safely; photos up to 60,000,000 "
        "pixels are accepted"
    )


def test_real_photos_import_exactly(source, target):
    store, uid = source
    jpeg, png = image_bytes("JPEG", (40, 30)), image_bytes("PNG", (30, 40))
    refs = []
    for content, media_type in ((jpeg, "image/jpeg"), (png, "image/png")):
        refs.append(PhotoRef("left forearm", store.add_photo(uid, content, media_type), media_type))
    first = store.load(uid).assessments[0]
    store.save(
        "assessments",
        uid,
        dataclasses.replace(first.value, photos=tuple(refs)),
        uid=first.uid,
        base_version=first.version,
    )
    import_document(target, _doc(store))
    back = target.load(uid).assessments[0].value.photos
    assert [target.photo(uid, p.sha256) for p in back] == [(jpeg, "image/jpeg"), (png, "image/png")]
    assert Image.open(io.BytesIO(target.photo(uid, back[0].sha256)[0])).size == (40, 30)


# ---------------------------------------------------------------- the commands


def test_user_roles_for_an_unknown_user_fails_naming_it(tmp_path, capsys):
    path = tmp_path / "u.db"
    access.create_database(
        path, username="tester", display_name="Tester", password=os.environ["MDTAPP_PASSWORD"]
    ).store.close()
    capsys.readouterr()
    assert (
        main(["user", "roles", "--db", str(path), "--username", "nobody", "--role", "viewer"]) == 1
    )
    captured = capsys.readouterr()
    assert captured.err.strip() == "mdtapp: No user called nobody" and not captured.out


def _folder_files(folder):
    return sorted(p.relative_to(folder) for p in folder.rglob("*"))


def test_a_refused_import_to_a_new_path_leaves_no_database_behind(source, tmp_path, capsys):
    folder = tmp_path / "site"
    folder.mkdir()
    bad = tmp_path / "bad.json"
    document = _doc(source[0])
    document["patients"][0]["assessments"][0]["itch_vas_mm"] = 140
    bad.write_text(json.dumps(document), encoding="utf-8")
    assert main(["import", "--db", str(folder / "new.db"), str(bad)]) == 2
    assert "assessments[0].itch_vas_mm: must be 0-100; got 140" in capsys.readouterr().err
    assert _folder_files(folder) == []  # refused before a database was made
    # refused only once the database exists: the first administrator (admin, clinician) may not
    # bring in the infusions a pharmacist records
    source[0].save("infusions", source[1], _infusion())
    good = tmp_path / "good.json"
    good.write_bytes(dumps(export_document(source[0])))
    assert main(["import", "--db", str(folder / "new.db"), str(good)]) == 2
    err = capsys.readouterr().err
    assert "importing infusions (1 new) needs the pharmacist role" in err
    assert err.strip().endswith("new.db: the new database was removed")
    assert _folder_files(folder) == []


def test_a_refused_import_into_an_existing_database_removes_nothing(source, tmp_path, capsys):
    path = tmp_path / "site" / "old.db"
    path.parent.mkdir()
    access.create_database(
        path, username="tester", display_name="Tester", password=os.environ["MDTAPP_PASSWORD"]
    ).store.close()
    there = _folder_files(path.parent)
    source[0].save("infusions", source[1], _infusion())
    good = tmp_path / "good.json"
    good.write_bytes(dumps(export_document(source[0])))
    assert main(["import", "--db", str(path), str(good)]) == 2
    assert "removed" not in capsys.readouterr().err
    after = _folder_files(path.parent)
    assert set(there) <= set(after)  # nothing that was there is gone
    # what signing in leaves beside the file (its sign-in attempts, the keyring's lock) only
    assert {p.name for p in set(after) - set(there)} <= {"old.db.attempts", "old.db.keys.lock"}


def _infusion():
    from mdtapp.domain.model import Infusion

    return Infusion(date(2026, 8, 5), 25.0, "Privigen", "B1", "iv")


def test_the_command_says_when_a_merge_kept_the_newer_versions(tmp_path, capsys):
    path = tmp_path / "site.db"
    store = Store.open(path, user="site", clock=fixed_clock)
    uid = store.add_patient(jane()).uid
    first = store.save("assessments", uid, assessment(date(2026, 8, 3), itch=40))
    old = tmp_path / "old.json"
    old.write_bytes(dumps(export_document(store)))
    changed = dataclasses.replace(first.value, itch_vas_mm=10)
    store.save("assessments", uid, changed, uid=first.uid, base_version=1, reason="re-measured")
    store.close()
    assert main(["import", "--merge", "--db", str(path), str(old)]) == 0
    assert capsys.readouterr().out.strip() == (
        f"Imported {old}: 0 patient(s) added, 1 merged, 0 record(s) added, 0 updated, "
        "1 older in the file (the newer version here kept)"
    )


def test_a_new_database_is_removed_when_its_import_meets_a_known_fault(
    source, tmp_path, capsys, monkeypatch
):
    from mdtapp.store import interchange
    from mdtapp.store.errors import StoreError

    def full(*args, **kwargs):
        raise StoreError("The disk is full: nothing was saved.")

    monkeypatch.setattr(interchange, "import_document", full)
    good = tmp_path / "good.json"
    good.write_bytes(dumps(export_document(source[0])))
    folder = tmp_path / "site"
    folder.mkdir()
    assert main(["import", "--db", str(folder / "new.db"), str(good)]) == 1
    err = capsys.readouterr().err
    assert "The disk is full" in err and "new.db: the new database was removed" in err
    assert _folder_files(folder) == []
