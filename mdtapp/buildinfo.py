"""The version and build (git commit) shown in Help > About and on every letter."""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path

import mdtapp

_ROOT = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def build_id() -> str:
    """The commit this copy was built from: a file written at packaging time, else git."""
    stamped = _ROOT / "BUILD"
    if stamped.exists():
        return stamped.read_text(encoding="utf-8").strip()
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short=10", "HEAD"],
            cwd=_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout
        return out.stdout.strip() + ("+changes" if dirty.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown build"


def version_text() -> str:
    return f"mdtapp {mdtapp.__version__} ({build_id()})"


def build_text(forms_version: str) -> str:
    return (
        f"{version_text()}\nRules: forms {forms_version}\n\nScleromyxedema immunoglobulin "
        "MDT assessments under NHS England policy 2271.\nDecision support: the MDT decides."
    )
