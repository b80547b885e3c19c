"""Hatch build hook: every wheel carries the commit it was built from (mdtapp/BUILD), shown in
Help > About and on every letter. Editable installs ask git each time instead."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def git_build_id(root: Path) -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=10", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown build"
    return commit.stdout.strip() + ("+changes" if dirty.strip() else "")


class BuildStamp(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        self._folder = Path(tempfile.mkdtemp(prefix="mdtapp-build-"))
        stamp = self._folder / "BUILD"
        stamp.write_text(git_build_id(Path(self.root)) + "\n", encoding="utf-8")
        build_data["force_include"][str(stamp)] = "mdtapp/BUILD"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        folder = getattr(self, "_folder", None)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
