"""Photos on import: decoded, bounded, upright, EXIF stripped; crafted files refused by name."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from mdtapp.domain.photo_rules import photo_rules
from mdtapp.store.images import PhotoRefused, clean_photo, photo_problem, read_photo, stored_size

RULES = photo_rules()
GPS_IFD = 0x8825
MAKE, MODEL, SERIAL = 0x010F, 0x0110, 0xA431  # EXIF: camera make, model, body serial number
ORIENTATION = 0x0112


def jpeg(image: Image.Image, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, **options)
    return out.getvalue()


def exif_with_location_and_device() -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[MODEL] = "Model X-Secret"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"  # GPSLatitudeRef
    gps[2] = (51.0, 30.0, 26.0)  # GPSLatitude: 51° 30' 26"
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 39.0)
    exif.get_ifd(0x8769)[SERIAL] = "SN-0042-XYZ"  # in the Exif sub-IFD
    return exif


def test_a_text_file_named_jpg_is_refused_by_name(tmp_path):
    path = tmp_path / "clinic photo.jpg"
    path.write_text("Dear Dr B, please find attached ...")
    with pytest.raises(PhotoRefused) as refused:
        read_photo(path, RULES)
    assert str(refused.value) == (
        "clinic photo.jpg is not an image mdtapp can read (a JPEG or PNG photo)"
    )


def test_a_truncated_jpeg_is_refused_as_damaged(tmp_path):
    whole = jpeg(Image.effect_noise((400, 300), 60).convert("RGB"))
    path = tmp_path / "cut.jpg"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(PhotoRefused) as refused:
        read_photo(path, RULES)
    assert str(refused.value) == (
        "cut.jpg is damaged or incomplete: its picture could not be decoded"
    )


def test_a_38_mb_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "video.jpg"
    with path.open("wb") as f:
        f.truncate(38 * 1024 * 1024)  # 38 MB of zeros, not an image
    read = []
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self) or b"")
    with pytest.raises(PhotoRefused) as refused:
        read_photo(path, RULES)
    assert str(refused.value) == "video.jpg is 38.0 MB; photos up to 32.0 MB are accepted"
    assert read == []


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width × height pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    # a few rows of zeros: inflating all the declared rows would need width × height bytes
    rows = zlib.compress(b"\x00" * (width + 1) * 4, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused_from_its_header(tmp_path):
    bomb = png_declaring(30_000, 30_000)  # 900 megapixels in a file of a few kilobytes
    assert len(bomb) < 10_000
    with pytest.raises(PhotoRefused) as refused:
        clean_photo(bomb, "bomb.png", RULES)
    assert "bomb.png declares" in str(refused.value)
    assert "photos up to 60,000,000 pixels are accepted" in str(refused.value)
    # one just over our bound (but under Pillow's own) is refused with its size
    with pytest.raises(PhotoRefused) as refused:
        clean_photo(png_declaring(10_000, 6_001), "big.png", RULES)
    assert str(refused.value) == (
        "big.png declares 10,000 × 6,001 = 60,010,000 pixels; photos up to 60,000,000 pixels "
        "are accepted"
    )


def test_location_and_device_data_are_not_stored():
    image = Image.new("RGB", (320, 240), (200, 120, 110))
    original = jpeg(image, exif=exif_with_location_and_device(), comment=b"taken at home")
    # the crafted file does carry them
    assert b"PhoneMaker" in original and b"SN-0042-XYZ" in original and b"taken at home" in original
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)
    stored = clean_photo(original, "site.jpg", RULES)
    for secret in (b"Exif", b"PhoneMaker", b"Model X-Secret", b"SN-0042-XYZ", b"taken at home"):
        assert secret not in stored.content
    reopened = Image.open(io.BytesIO(stored.content))
    assert dict(reopened.getexif()) == {}
    assert "exif" not in reopened.info and "comment" not in reopened.info
    assert stored.media_type == "image/jpeg"
    assert (stored.width, stored.height) == (320, 240)


def test_text_chunks_in_a_png_are_not_stored():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "51.507 N, 0.127 W")
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(out, "PNG", pnginfo=info)
    assert b"51.507" in out.getvalue()
    stored = clean_photo(out.getvalue(), "scan.png", RULES)
    assert b"51.507" not in stored.content


def test_an_exif_rotated_photo_is_stored_upright():
    # what the camera's sensor saw: 300 wide, 200 high, a red block at its top-left corner
    sensor = Image.new("RGB", (300, 200), (255, 255, 255))
    sensor.paste((255, 0, 0), (0, 0, 60, 40))
    exif = exif_with_location_and_device()
    exif[ORIENTATION] = 6  # "rotate 90° clockwise to view"
    stored = clean_photo(jpeg(sensor, exif=exif), "turned.jpg", RULES)
    upright = Image.open(io.BytesIO(stored.content)).convert("RGB")
    # turned 90° clockwise: 200 wide, 300 high, the red block now at the top-right corner
    assert upright.size == (200, 300) == (stored.width, stored.height)
    red, white = upright.getpixel((190, 10)), upright.getpixel((10, 10))
    assert red[0] > 200 and red[1] < 60 and red[2] < 60
    assert min(white) > 200
    assert dict(upright.getexif()) == {}  # and no orientation left to apply twice


def test_a_large_photo_is_stored_at_the_bounded_size_and_transparency_on_white():
    big = Image.new("RGBA", (4800, 1200), (0, 0, 0, 0))
    out = io.BytesIO()
    big.save(out, "PNG")
    stored = clean_photo(out.getvalue(), "wide.png", RULES)
    assert (stored.width, stored.height) == (2400, 600)
    pixel = Image.open(io.BytesIO(stored.content)).getpixel((5, 5))
    assert min(pixel) > 245  # transparent became white, not black


def test_other_image_formats_are_refused():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    with pytest.raises(PhotoRefused, match="anim.gif is not an image mdtapp can read"):
        clean_photo(out.getvalue(), "anim.gif", RULES)


def test_an_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(PhotoRefused, match="empty.jpg is empty"):
        read_photo(path, RULES)


# ---------------------------------------------------------------- photos kept as they are (import)


def test_a_photo_kept_as_it_is_is_refused_for_what_it_carries_or_is():
    image = Image.new("RGB", (320, 240), (200, 120, 110))
    clean = clean_photo(jpeg(image), "site.jpg", RULES).content
    assert photo_problem(clean, "image/jpeg", RULES) is None
    # a camera's comment is not EXIF: photos stored before import cleaning may carry one
    assert photo_problem(jpeg(image, comment=b"IMG_0042"), "image/jpeg", RULES) is None
    located = jpeg(image, exif=exif_with_location_and_device())
    assert photo_problem(located, "image/jpeg", RULES) == (
        "carries EXIF location data (GPS) and EXIF device data (Make, Model, BodySerialNumber): "
        "mdtapp keeps photos without it (add the photo in the app, which removes it, or remove "
        "it before importing)"
    )
    only_device = Image.Exif()
    only_device[MAKE] = "PhoneMaker"
    assert photo_problem(jpeg(image, exif=only_device), "image/jpeg", RULES) == (
        "carries EXIF device data (Make): mdtapp keeps photos without it (add the photo in the "
        "app, which removes it, or remove it before importing)"
    )
    assert photo_problem(b"Dear Dr B", "image/jpeg", RULES) == (
        "is not a JPEG image mdtapp can read (media_type image/jpeg)"
    )
    assert photo_problem(clean, "image/png", RULES) == (
        "is not a PNG image mdtapp can read (media_type image/png)"
    )
    assert photo_problem(clean, "image/gif", RULES) == (
        "media_type must be one of image/jpeg, image/png; got 'image/gif'"
    )
    assert photo_problem(png_declaring(10_000, 6_001), "image/png", RULES) == (
        "declares 10,000 × 6,001 = 60,010,000 pixels; photos up to 60,000,000 pixels are accepted"
    )
    assert photo_problem(clean[: len(clean) // 2], "image/jpeg", RULES) == (
        "is damaged or incomplete: its picture could not be decoded"
    )
    assert photo_problem(b"", "image/jpeg", RULES) == "is empty"


def test_the_size_a_photo_is_counted_at_is_its_upright_size():
    sensor = Image.new("RGB", (300, 200), (255, 255, 255))
    assert stored_size(jpeg(sensor)) == (300, 200)
    turned = Image.Exif()
    turned[ORIENTATION] = 6  # shown turned a quarter: 200 wide, 300 high
    assert stored_size(jpeg(sensor, exif=turned)) == (200, 300)
