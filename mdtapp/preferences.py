"""This computer's preferences (the zoom of the screen, for one): kept per machine and per OS
user in the user's data folder, as TOML written by a TOML library. Nothing clinical, nothing
centre-wide, no patient data: those live in the database."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

# the zoom steps offered by View -> Zoom in / out (per cent of the normal size)
ZOOM_STEPS = (80, 90, 100, 110, 125, 150, 175, 200, 250, 300)
ZOOM_DEFAULT = 100


@dataclass(frozen=True)
class Preferences:
    zoom_percent: int = ZOOM_DEFAULT
    # letters and filled forms with the papule site's photos: the person printing knows where
    # this copy goes (off by default: letters go by post); ticked in the letter's preview
    letter_photos: bool = False


def preferences_path() -> Path:
    from mdtapp.paths import user_data_dir

    return user_data_dir() / "preferences.toml"


def load_preferences(path: Path | None = None) -> Preferences:
    """The preferences in use. A missing, damaged or out-of-range file gives the defaults:
    a preference never stops the app from opening."""
    path = path or preferences_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return Preferences()
    zoom = data.get("zoom_percent", ZOOM_DEFAULT)
    if isinstance(zoom, bool) or not isinstance(zoom, int) or zoom not in ZOOM_STEPS:
        zoom = ZOOM_DEFAULT
    photos = data.get("letter_photos", False)
    return Preferences(zoom_percent=zoom, letter_photos=photos is True)


def save_preferences(prefs: Preferences, path: Path | None = None) -> None:
    """Written whole under a temporary name, then renamed: a crash leaves the old file."""
    import tomli_w

    path = path or preferences_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    values = {"zoom_percent": prefs.zoom_percent, "letter_photos": prefs.letter_photos}
    partial.write_text(tomli_w.dumps(values), encoding="utf-8")
    os.replace(partial, path)


def next_zoom(current: int, step: int) -> int:
    """One step larger (+1) or smaller (-1) than `current`, within the offered steps."""
    steps = ZOOM_STEPS
    if current not in steps:
        return ZOOM_DEFAULT
    i = min(max(steps.index(current) + step, 0), len(steps) - 1)
    return steps[i]


def with_zoom(prefs: Preferences, zoom_percent: int) -> Preferences:
    return replace(prefs, zoom_percent=zoom_percent)
