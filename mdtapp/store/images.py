"""Photos as they are stored: decoded, bounded, upright, and stripped of EXIF before storing.

A photo from a phone carries EXIF: often the place it was taken (GPS), the device and its serial
number, the time. For a disease this rare a location can identify the patient, and exports leave
the laptop, so nothing of it is kept: the pixels are decoded, turned upright as EXIF says, and
re-encoded from the bare pixels (only the colour profile is carried over). Whatever is not a JPEG
or PNG image, is too large, or declares too many pixels (a decompression bomb) is refused with a
message naming the file, before anything is written.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from mdtapp.domain.photo_rules import PhotoRules

FORMATS = ("JPEG", "PNG")
MEDIA_TYPE = "image/jpeg"
MEDIA_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG"}

# EXIF tags that say where a photo was taken, or with what and by whom (EXIF 2.32, TIFF 6)
ORIENTATION = 0x0112
GPS_IFD, EXIF_IFD = 0x8825, 0x8769
DEVICE_TAGS = {
    0x010F: "Make",
    0x0110: "Model",
    0x013B: "Artist",
    0x013C: "HostComputer",
    0xA430: "CameraOwnerName",
    0xA431: "BodySerialNumber",
    0xA433: "LensMake",
    0xA434: "LensModel",
    0xA435: "LensSerialNumber",
    0x927C: "MakerNote",
}


class PhotoRefused(ValueError):
    """The file cannot be stored as a photo; the message names it and says why."""


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes  # JPEG, upright, no EXIF
    media_type: str
    width: int
    height: int


def read_photo(path: Path, rules: PhotoRules) -> CleanPhoto:
    """The photo file at `path`, checked and cleaned (the size is checked before reading)."""
    try:
        size = path.stat().st_size
    except OSError as e:
        raise PhotoRefused(f"{path.name} cannot be read: {e.strerror or e}") from None
    _check_bytes(path.name, size, rules)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise PhotoRefused(f"{path.name} cannot be read: {e.strerror or e}") from None
    return clean_photo(data, path.name, rules)


def clean_photo(data: bytes, name: str, rules: PhotoRules) -> CleanPhoto:
    """Decode `data`, bound it, turn it upright, and re-encode it without EXIF."""
    _check_bytes(name, len(data), rules)
    not_an_image = f"{name} is not an image mdtapp can read (a JPEG or PNG photo)"
    try:
        with warnings.catch_warnings():
            # Pillow warns, then refuses, far above our own bound; we check the size ourselves
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError:
        raise PhotoRefused(f"{name} {_too_many_pixels(None, rules)}") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise PhotoRefused(not_an_image) from None
    longest = rules.stored_max_side_px
    with image:
        width, height = image.size
        if width * height > rules.max_pixels:
            raise PhotoRefused(f"{name} {_too_many_pixels((width, height), rules)}")
        icc = image.info.get("icc_profile")
        try:
            # a JPEG decodes at 1/2, 1/4 or 1/8 when that still covers the stored size:
            # a 24-megapixel photo never sits in memory at full size
            shrink = max(width, height) / longest
            if shrink > 1:
                image.draft("RGB", (int(width / shrink), int(height / shrink)))
            image.load()
            ImageOps.exif_transpose(image, in_place=True)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            raise PhotoRefused(
                f"{name} is damaged or incomplete: its picture could not be decoded"
            ) from None
        if max(image.size) > longest:
            image.thumbnail((longest, longest), Image.Resampling.LANCZOS)
        pixels = _bare_rgb(image)
    out = io.BytesIO()
    options: dict[str, object] = {"quality": rules.jpeg_quality}
    if isinstance(icc, bytes) and icc:
        options["icc_profile"] = icc  # colour, not identity: keeps skin tones as photographed
    pixels.save(out, "JPEG", **options)
    return CleanPhoto(out.getvalue(), MEDIA_TYPE, pixels.width, pixels.height)


def _bare_rgb(image: Image.Image) -> Image.Image:
    """The pixels alone, as RGB, in a new image: no EXIF, XMP, comments or text chunks."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    rgb = image.convert("RGB")
    return Image.frombytes("RGB", rgb.size, rgb.tobytes())


def photo_problem(content: bytes, media_type: str, rules: PhotoRules) -> str | None:
    """Why these bytes cannot be kept as a photo just as they are, or None.

    For photos that arrive in an mdtapp/1 file: their bytes are kept (the SHA-256 is the
    photo's identity, named by the assessments that show it), so nothing is cleaned away;
    instead what clean_photo would refuse is refused here too (too large, not the JPEG or PNG
    image it says it is, declaring too many pixels, damaged), and so is EXIF location or
    device data, which clean_photo strips and a file must not bring in. The whole picture is
    decoded (a JPEG at an eighth of its size). The message names no file: the caller says
    where the photo is."""
    problem = _size_problem(len(content), rules)
    if problem:
        return problem
    kind = MEDIA_TYPES.get(media_type)
    if kind is None:
        return f"media_type must be one of {', '.join(MEDIA_TYPES)}; got {media_type!r}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=[kind])
    except Image.DecompressionBombError:
        return _too_many_pixels(None, rules)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return f"is not a {kind} image mdtapp can read (media_type {media_type})"
    with image:
        width, height = image.size
        if width * height > rules.max_pixels:
            return _too_many_pixels((width, height), rules)
        found = identifying_metadata(image)
        if found:
            return (
                f"carries {found}: mdtapp keeps photos without it (add the photo in the app, "
                "which removes it, or remove it before importing)"
            )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                if kind == "JPEG":
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                image.load()
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
            return "is damaged or incomplete: its picture could not be decoded"
    return None


def identifying_metadata(image: Image.Image) -> str:
    """What in an opened image says where it was taken, or with what: "" when nothing."""
    found = []
    exif = image.getexif()
    if exif.get_ifd(GPS_IFD) or GPS_IFD in exif:
        found.append("EXIF location data (GPS)")
    tags = {**dict(exif), **dict(exif.get_ifd(EXIF_IFD))}
    device = [name for tag, name in DEVICE_TAGS.items() if tag in tags]
    if device:
        found.append(f"EXIF device data ({', '.join(device)})")
    if image.info.get("xmp") or "XML:com.adobe.xmp" in image.info:
        found.append("XMP metadata (it may hold the place and the device)")
    return " and ".join(found)


def stored_size(content: bytes) -> tuple[int, int]:
    """The size a stored photo is shown, and counted, at: width and height upright, as an EXIF
    orientation (if it has one) turns it. Reads the header only."""
    with Image.open(io.BytesIO(content), formats=FORMATS) as image:
        width, height = image.size
        turned = image.getexif().get(ORIENTATION, 1) in (5, 6, 7, 8)
    return (height, width) if turned else (width, height)


def _check_bytes(name: str, size: int, rules: PhotoRules) -> None:
    problem = _size_problem(size, rules)
    if problem:
        raise PhotoRefused(f"{name} {problem}")


def _size_problem(size: int, rules: PhotoRules) -> str | None:
    if size > rules.max_bytes:
        shown, limit = _megabytes(size), _megabytes(rules.max_bytes)
        if shown == limit:  # never "32.0 MB; up to 32.0 MB": say it in bytes
            shown, limit = f"{size:,} bytes", f"{rules.max_bytes:,} bytes ({limit})"
        return f"is {shown}; photos up to {limit} are accepted"
    if size == 0:
        return "is empty"
    return None


def _too_many_pixels(size: tuple[int, int] | None, rules: PhotoRules) -> str:
    declared = (
        f"{size[0]:,} × {size[1]:,} = {size[0] * size[1]:,} pixels"
        if size
        else "more pixels than can be decoded safely"
    )
    return f"declares {declared}; photos up to {rules.max_pixels:,} pixels are accepted"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
