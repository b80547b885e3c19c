"""Shared test set-up. Qt must be told to run offscreen before anything imports it."""

from __future__ import annotations

import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# times are shown in local time: pin it, so tests read the same anywhere
os.environ["TZ"] = "UTC"
time.tzset()
# tests never touch the real user's data folder
os.environ.pop("MDTAPP_DB", None)
os.environ.pop("MDTAPP_FORMS_DIR", None)
