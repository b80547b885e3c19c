"""A real X display for the real-window tests: Xvfb with the xcb platform (not offscreen), and
openbox, a window manager, so focus and activation work as on a desktop.

Where Xvfb, openbox or xdotool are missing the tests are skipped with the reason, unless
MDTAPP_REQUIRE_REAL_WINDOW is set (CI sets it: there they must run)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

TOOLS = ("Xvfb", "openbox", "xdotool", "xprop")


@pytest.fixture(scope="session")
def x_display() -> Iterator[str]:
    if not sys.platform.startswith("linux"):
        pytest.skip("the real-window tests run on Linux, in Xvfb (the Windows job is offscreen)")
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        reason = (
            f"a real window needs {', '.join(missing)} "
            "(apt-get install xvfb openbox xdotool x11-utils imagemagick)"
        )
        if os.environ.get("MDTAPP_REQUIRE_REAL_WINDOW"):
            pytest.fail(reason)
        pytest.skip(reason)
    # -displayfd: Xvfb picks a free display and writes its number once it accepts clients
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as f:
        number = f.readline().strip()
    if not number:
        xvfb.kill()
        pytest.fail("Xvfb did not start")
    display = f":{number}"
    env = {**os.environ, "DISPLAY": display}
    wm = subprocess.Popen(
        ["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_for_window_manager(env)
        yield display
    finally:
        for proc in (wm, xvfb):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_for_window_manager(env: dict[str, str], timeout: float = 20.0) -> None:
    """Until openbox has claimed the screen (it sets _NET_SUPPORTING_WM_CHECK on the root)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = subprocess.run(
            ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"],
            env=env,
            capture_output=True,
            text=True,
        ).stdout
        if "window id" in out:
            return
        time.sleep(0.05)  # polling an external process's state, bounded by the deadline
    pytest.fail("the window manager did not start")
