"""Shared test set-up. Qt must be told to run offscreen before anything imports it."""

from __future__ import annotations

import os
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# times are shown in local time: pin it, so tests read the same anywhere
os.environ["TZ"] = "UTC"
time.tzset()
# tests never touch the real user's data folder, database or settings
os.environ.pop("MDTAPP_DB", None)
os.environ.pop("MDTAPP_FORMS_DIR", None)
os.environ["MDTAPP_HOME"] = tempfile.mkdtemp(prefix="mdtapp-test-home-")
# commands and the app sign in non-interactively in tests (as automation would)
os.environ["MDTAPP_USER"] = "tester"
os.environ["MDTAPP_PASSWORD"] = "test-passphrase-1"
os.environ.pop("MDTAPP_NEW_PASSWORD", None)
