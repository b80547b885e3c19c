"""Drive the real app in a real X window, as a person would: keys typed through the X server
(xdotool), screenshots of the whole screen, and the app started the way `mdtapp` starts it.

The app runs its own event loop on the main thread (modal dialogs included); the scenario runs
on a second thread. It types with xdotool (an outside process: the keys reach the app through
the X server, the window manager and Qt's xcb platform, as a keyboard's would) and reads the
app's state by asking the GUI thread (`gui`), which answers even inside a modal dialog's loop.

    python -m tests.realwindow.harness SCENARIO OUT_DIR [mdtapp arguments...]

runs `tests/realwindow/SCENARIO.py`'s `scenario(driver)` and writes OUT_DIR/result.json.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QWidget


class _Invoker(QObject):
    """Runs a function on the GUI thread (queued: delivered by whichever event loop runs)."""

    submitted = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.submitted.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def _run(self, job: Callable[[], None]) -> None:
        job()


class ScenarioFailed(AssertionError):
    pass


class Driver:
    def __init__(self, out: Path, invoker: _Invoker):
        self.out = out
        self.invoker = invoker
        self.result: dict[str, Any] = {"steps": [], "screenshots": []}
        self.shots = 0

    # ------------------------------------------------------------ the GUI thread

    def gui(self, fn: Callable[[], Any], timeout: float = 30.0) -> Any:
        """fn() evaluated on the GUI thread; its exception re-raised here."""
        done = threading.Event()
        box: dict[str, Any] = {}

        def job() -> None:
            try:
                box["value"] = fn()
            except BaseException as e:  # noqa: BLE001 - handed back to the scenario
                box["error"] = e
            finally:
                done.set()

        self.invoker.submitted.emit(job)
        if not done.wait(timeout):
            raise ScenarioFailed(f"the app did not answer within {timeout:g} s (hung?)")
        if "error" in box:
            raise box["error"]
        return box.get("value")

    def wait_until(self, predicate: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
        """Until predicate() (run on the GUI thread) is true; fails naming what was awaited."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            last = self.gui(predicate)
            if last:
                return last
            time.sleep(0.05)  # the app's state is polled, bounded by the deadline
        self.shot(f"timeout-{what}")
        raise ScenarioFailed(f"waited {timeout:g} s for: {what} (last: {last!r})")

    def focused(self) -> QWidget | None:
        return QApplication.focusWidget()

    def focused_name(self) -> str:
        return str(self.gui(lambda: (w := QApplication.focusWidget()) and w.objectName() or ""))

    def active_window_name(self) -> str:
        return str(self.gui(lambda: (w := QApplication.activeWindow()) and w.objectName() or ""))

    def top_level(self, name: str) -> QWidget | None:
        """The visible top-level window with this objectName (a dialog, the main window)."""
        for w in QApplication.topLevelWidgets():
            if w.objectName() == name and w.isVisible():
                return w
        return None

    def wait_window(self, name: str, timeout: float = 20.0) -> QWidget:
        window = self.wait_until(lambda: self.top_level(name), f"window {name}", timeout)
        # keys go to the active window: wait until the window manager has given it focus
        self.wait_until(
            lambda: QApplication.activeWindow() is window, f"{name} to be active", timeout
        )
        return window

    # ------------------------------------------------------------ the keyboard

    def _xdotool(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], check=True, timeout=60)

    def type(self, text: str) -> None:
        """Text typed on the keyboard, a character at a time, into whatever has focus."""
        self._xdotool("type", "--delay", "15", "--", text)
        self.settle()

    def key(self, *keys: str) -> None:
        """Keys pressed in turn: "Tab", "Return", "ctrl+s", "alt+a"... (xdotool names)."""
        self._xdotool("key", "--delay", "15", *keys)
        self.settle()

    def settle(self) -> None:
        """Until the app has handled every event the X server has sent it so far."""
        self.gui(lambda: QApplication.processEvents())
        self.gui(lambda: None)

    # ------------------------------------------------------------ evidence

    def shot(self, name: str) -> Path:
        self.shots += 1
        path = self.out / f"{self.shots:02d}-{name}.png"
        subprocess.run(["import", "-window", "root", str(path)], check=False, timeout=60)
        self.result["screenshots"].append(path.name)
        return path

    def step(self, text: str) -> None:
        self.result["steps"].append(text)
        print(f"step: {text}", flush=True)

    def record(self, key: str, value: Any) -> None:
        self.result[key] = value


def main(argv: list[str]) -> int:
    scenario_name, out = argv[0], Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    module = importlib.import_module(f"tests.realwindow.{scenario_name}")
    from mdtapp.cli import build_parser
    from mdtapp.ui.app import application, run

    app = application()
    invoker = _Invoker()
    driver = Driver(out, invoker)
    outcome: dict[str, Any] = {}

    def drive() -> None:
        try:
            module.scenario(driver)
            outcome["ok"] = True
        except BaseException as e:  # noqa: BLE001 - reported in result.json
            outcome["ok"] = False
            outcome["error"] = "".join(traceback.format_exception(e))
            driver.shot("failure")
        finally:
            # closing the last window ends the app's loop: ask, don't wait for an answer
            invoker.submitted.emit(lambda: [w.close() for w in QApplication.topLevelWidgets()])
            invoker.submitted.emit(app.quit)

    thread = threading.Thread(target=drive, name="scenario", daemon=True)
    thread.start()
    args = build_parser().parse_args(argv[2:])
    args.quit_when_ready = False
    code = run(args)
    thread.join(timeout=60)
    driver.result.update(outcome, exit_code=code)
    (out / "result.json").write_text(json.dumps(driver.result, indent=2), encoding="utf-8")
    return 0 if outcome.get("ok") else 1


if __name__ == "__main__":
    import faulthandler

    faulthandler.enable()  # a native crash prints where each thread was
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    sys.exit(main(sys.argv[1:]))
