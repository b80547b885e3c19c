"""Where mdtapp finds its shipped data (forms/, resources/) and the user's data folder.

Shipped data sits in one of three places: inside the package (installed wheel), beside the
package (source checkout or editable install), or in a PyInstaller bundle.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
APP_NAME = "mdtapp"
APP_AUTHOR = "mdtapp"


def _shipped(name: str) -> Path:
    candidates = [_PACKAGE / name, _PACKAGE.parent / name]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.insert(0, Path(bundle) / name)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"mdtapp's {name}/ folder is missing (looked in: {', '.join(map(str, candidates))}); "
        "the installation is incomplete"
    )


def forms_dir() -> Path:
    """The instrument definitions. MDTAPP_FORMS_DIR points at a reviewed local copy."""
    override = os.environ.get("MDTAPP_FORMS_DIR")
    return Path(override) if override else _shipped("forms")


def resources_dir() -> Path:
    return _shipped("resources")


def docs_dir() -> Path:
    """The user guide and the documents it links to (hazard log, security, formats)."""
    return _shipped("docs")


def user_data_dir() -> Path:
    """The user's data folder: database, settings, backups. Never the install folder."""
    override = os.environ.get("MDTAPP_HOME")
    if override:
        return Path(override)
    import platformdirs  # imported here: only needed once a default path is asked for

    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def qt_font_dir() -> Path | None:
    """The folder of fonts to give Qt when it cannot ask the system itself. On Windows, Qt's
    offscreen platform (screenshots, tests) reads fonts from one folder, by default an empty one
    inside Qt's own: without this it draws no text and warns. Elsewhere fontconfig finds them."""
    if os.name != "nt":
        return None
    return Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
