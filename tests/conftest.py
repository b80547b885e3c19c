"""Shared test set-up. Qt must be told to run offscreen before anything imports it."""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime

from mdtapp.paths import qt_font_dir

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if qt_font_dir() is not None:  # Windows: offscreen Qt reads fonts from a folder
    os.environ.setdefault("QT_QPA_FONTDIR", str(qt_font_dir()))
# times are shown in local time: pin it to UTC, so tests read the same anywhere. "UTC0" is the
# POSIX form, read by glibc and by Windows' C runtime alike. Windows has no time.tzset(): its C
# runtime reads TZ once, at the process's first local-time conversion, which is still to come.
os.environ["TZ"] = "UTC0"
if hasattr(time, "tzset"):
    time.tzset()
if datetime(2026, 7, 1, 12, tzinfo=UTC).astimezone().utcoffset():
    raise RuntimeError("tests/conftest.py could not pin local time to UTC")
# tests never touch the real user's data folder, database or settings
os.environ.pop("MDTAPP_DB", None)
os.environ.pop("MDTAPP_FORMS_DIR", None)
os.environ["MDTAPP_HOME"] = tempfile.mkdtemp(prefix="mdtapp-test-home-")
# commands and the app sign in non-interactively in tests (as automation would)
os.environ["MDTAPP_USER"] = "tester"
os.environ["MDTAPP_PASSWORD"] = "test-passphrase-1"
os.environ.pop("MDTAPP_NEW_PASSWORD", None)
