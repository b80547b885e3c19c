"""Where each user's data lives (README, packaging/README.md): never the install folder."""

from __future__ import annotations

import os
from pathlib import Path

from mdtapp.paths import user_data_dir


def test_the_data_folder_is_the_users_own_local_one(monkeypatch):
    monkeypatch.delenv("MDTAPP_HOME")
    if os.name == "nt":  # per user and per machine: roaming profiles do not carry it
        expected = Path(os.environ["LOCALAPPDATA"]) / "mdtapp" / "mdtapp"
    else:
        expected = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local/share") / "mdtapp"
    assert user_data_dir() == expected
    assert not user_data_dir().is_relative_to(Path(__file__).resolve().parents[1])


def test_mdtapp_home_moves_it(monkeypatch, tmp_path):
    monkeypatch.setenv("MDTAPP_HOME", str(tmp_path / "team drive"))
    assert user_data_dir() == tmp_path / "team drive"
