"""Unexpected errors: a report a developer can use, with no patient data in it.

An exception's message or local values may hold names, NHS numbers or scores, so the report keeps
only the exception's type and where it happened (file, line, function). The user is told what
was kept and where the report is.
"""

from __future__ import annotations

import sys
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
