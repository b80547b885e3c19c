"""The papule counter in a real X window (Xvfb), clicked and typed at by xdotool through the X
server: the ruler, the square dragged into place, 17 papules inside and 3 outside, undo, redo,
select and Delete, Escape. Skipped where Xvfb or xdotool is not installed."""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture
def display():
    if not (shutil.which("Xvfb") and shutil.which("xdotool")):
        pytest.skip("needs Xvfb and xdotool (Debian: xvfb, xdotool)")
    # -displayfd: the server picks a free display and writes its number when it is ready
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        ready, _, _ = select.select([server.stdout], [], [], 20)
        assert ready, "Xvfb did not start"
        assert server.stdout is not None
        yield f":{server.stdout.readline().decode().strip()}"
    finally:
        server.kill()
        server.wait()
        if server.stdout is not None:
            server.stdout.close()


def test_counting_in_a_real_x_window_driven_by_xdotool(display, tmp_path):
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    run = subprocess.run(
        [sys.executable, "-m", "tests.ui.xdotool_counter", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found == {"count": 17, "shown": "17", "marks_in_place": True, "after_delete": 16}
