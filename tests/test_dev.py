"""dev.py, the quick start: on a fresh desktop it names the missing Qt libraries and the one
command that installs them, instead of Qt's abort about xcb-cursor."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
assert _spec is not None and _spec.loader is not None
dev = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(dev)

LDD_ON_A_FRESH_DESKTOP = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-cursor.so.0 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)
"""


def test_the_missing_libraries_are_read_from_ldd_once_each():
    assert dev.missing_libraries(LDD_ON_A_FRESH_DESKTOP) == [
        "libxcb-cursor.so.0",
        "libxcb-icccm.so.4",
        "libxcb-keysyms.so.1",
    ]
    assert dev.missing_libraries("\tlibc.so.6 => /lib/libc.so.6 (0x1)\n") == []


def test_the_hint_is_one_install_command():
    hint = dev.install_hint(dev.missing_libraries(LDD_ON_A_FRESH_DESKTOP))
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in hint
    assert "libxcb-cursor.so.0" in hint


def test_an_unknown_library_is_still_named():
    hint = dev.install_hint(["libfoo.so.9"])
    assert "libfoo.so.9" in hint and "apt-get" not in hint


def test_no_display_is_said_plainly(monkeypatch):
    monkeypatch.setattr(dev.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    assert "No display" in dev.qt_platform_problem()
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert dev.qt_platform_problem() is None


def test_every_package_in_the_hint_is_one_ci_installs_for_the_real_window():
    """The README's list and .ci/run's list are the same libraries dev.py knows."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for package in ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxkbcommon-x11-0"):
        assert package in ci, package
        assert package in readme, package
