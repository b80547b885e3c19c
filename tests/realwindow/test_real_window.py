"""The app in a real X window (Xvfb, the xcb platform, a window manager), driven by keys typed
through the X server. Each scenario runs the real app in its own process; its screenshots are
kept in the test's folder for a person to look at."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mdtapp.store import access
from mdtapp.store.demo import add_demo_patients

ROOT = Path(__file__).resolve().parents[2]


def run_scenario(name: str, display: str, tmp_path: Path, db: Path) -> dict:
    out = tmp_path / "screens"
    env = {k: v for k, v in os.environ.items() if k not in ("MDTAPP_USER", "MDTAPP_PASSWORD")}
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", MDTAPP_HOME=str(tmp_path / "home"))
    proc = subprocess.run(
        [sys.executable, "-m", "tests.realwindow.harness", name, str(out), "--db", str(db)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    result_file = out / "result.json"
    result = json.loads(result_file.read_text()) if result_file.exists() else {}
    assert proc.returncode == 0 and result.get("ok"), (
        f"scenario {name} failed (exit {proc.returncode}); screenshots in {out}\n"
        f"{result.get('error', '')}\n--- stdout\n{proc.stdout[-4000:]}\n"
        f"--- stderr\n{proc.stderr[-4000:]}"
    )
    return result


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    db = tmp_path / "real.db"
    created = access.create_database(
        db, username="nina", display_name="Nina Nurse", password="nina-passphrase"
    )
    add_demo_patients(created.store)
    created.store.close()
    return db


def test_sign_in_find_guide_and_zoom_in_a_real_window(x_display, tmp_path, demo_db):
    result = run_scenario("smoke", x_display, tmp_path, demo_db)
    assert result["found"] == 1
    assert result["guide_fits"] is True
    assert result["zoomed"] == pytest.approx(1.25)
    assert result["reset"] is True
    assert result["cut_columns"] == []  # at 125 % every column still shows its whole text
    assert len(result["screenshots"]) == 3
