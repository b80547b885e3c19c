"""Unexpected errors: a report a developer can use, with no patient data in it.

An exception's message or local values may hold names, NHS numbers or scores, so the report keeps
only the exception's type and where it happened (file, line, function). The user is told what
was kept and where the report is.

A native crash (a segfault, a Qt abort) ends the process before any of that can run: the
standard library's faulthandler then writes the Python stack (file, line, function: no values)
into a file opened in advance in the same folder. The next start trims its paths to the last
three parts, as above, and keeps it as crash-native-*.txt; an empty one (no crash) is removed
at exit.
"""

from __future__ import annotations

import atexit
import faulthandler
import os
import re
import sys
import time
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType

import mdtapp


def report_text(exc_type: type[BaseException], tb: TracebackType | None) -> str:
    frames = traceback.extract_tb(tb)
    lines = [
        f"mdtapp {mdtapp.__version__}, Python {sys.version.split()[0]}",
        f"{exc_type.__module__}.{exc_type.__qualname__} (message withheld: it may hold "
        "patient data)",
    ]
    for frame in frames:
        path = Path(frame.filename)
        where = "/".join(path.parts[-3:])  # no home-folder or user names from full paths
        lines.append(f"  {where}:{frame.lineno} in {frame.name}")
    return "\n".join(lines) + "\n"


def write_report(
    exc_type: type[BaseException], tb: TracebackType | None, folder: Path | None = None
) -> Path:
    from mdtapp.paths import user_data_dir

    folder = folder or user_data_dir() / "crash-reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"crash-{datetime.now():%Y%m%d-%H%M%S-%f}.txt"
    path.write_text(report_text(exc_type, tb), encoding="utf-8")
    return path


def install(notify: Callable[[str], None]) -> None:
    """Route uncaught exceptions to a patient-data-free report and a message for the user."""

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        try:
            where = write_report(exc_type, tb)
            notify(
                f"mdtapp met an unexpected problem ({exc_type.__name__}). What you were "
                f"typing is kept as a draft. A report without patient data was written to "
                f"{where}."
            )
        except Exception:  # the hook itself must never fail
            sys.__excepthook__(exc_type, exc, tb)

    sys.excepthook = hook


def _folder() -> Path:
    from mdtapp.paths import user_data_dir

    return user_data_dir() / "crash-reports"


_FRAME = re.compile(r'File "([^"]+)"')


def _trimmed(text: str) -> str:
    """faulthandler's frames with their paths cut to the last three parts (no user names)."""
    return _FRAME.sub(lambda m: 'File "' + "/".join(Path(m.group(1)).parts[-3:]) + '"', text)


def _tidy(folder: Path) -> None:
    """Earlier native reports: a crash's kept with trimmed paths; an old empty one removed."""
    for raw in folder.glob("native-*.txt"):
        try:
            size = raw.stat().st_size
            if size:  # only a process that crashed wrote anything: it is gone
                text = raw.read_text(encoding="utf-8", errors="replace")
                kept = raw.with_name("crash-" + raw.name)
                kept.write_text(
                    f"mdtapp {mdtapp.__version__}: a native crash (faulthandler)\n"
                    + _trimmed(text),
                    encoding="utf-8",
                )
                raw.unlink()
            elif time.time() - raw.stat().st_mtime > 86400:
                raw.unlink()  # a process killed outright leaves its empty file
        except OSError:
            continue


def enable_native_reports(folder: Path | None = None) -> Path | None:
    """Send a native crash's Python stack to a file in the crash-report folder. Nothing if
    something (a test runner) already handles it, or the folder cannot be written."""
    if faulthandler.is_enabled():
        return None
    try:
        folder = folder or _folder()
        folder.mkdir(parents=True, exist_ok=True)
        _tidy(folder)
        path = folder / f"native-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.txt"
        handle = path.open("w", encoding="utf-8")
    except OSError:
        return None
    faulthandler.enable(file=handle, all_threads=True)

    def close() -> None:
        faulthandler.disable()
        handle.close()
        try:
            if path.stat().st_size == 0:
                path.unlink()
        except OSError:
            pass

    atexit.register(close)
    return path
