"""No file in the repository carries a merge's conflict markers (a hazard log once did)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^(<<<<<<< |>>>>>>> |=======$)", re.M)


def test_no_conflict_markers_in_tracked_text_files():
    try:
        listed = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    found = []
    for name in filter(None, listed):
        path = ROOT / name
        if path.suffix in {".db", ".png", ".ttf", ".pdf", ".jpg", ".ico"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        found += [f"{name}:{text[: m.start()].count(chr(10)) + 1}" for m in MARKER.finditer(text)]
    assert not found, found
