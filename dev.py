#!/usr/bin/env python3
"""Set up a local .venv and run mdtapp or its tests. Standard library only.

    python3 dev.py app  [mdtapp arguments]   set up, then open the app (default database)
    python3 dev.py test [pytest arguments]   set up with test extras, then run every test
    python3 dev.py bench [--quick]           set up, then run the benchmarks (benchmarks/)
    python3 dev.py package [--smoke-only]    build the offline app folder and smoke-test it
    python3 dev.py lint                      ruff (lint and format) and mypy, as CI runs them

Both are idempotent: the environment is reinstalled only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".mdtapp-installed"


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def wanted_stamp(extras: str) -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    return f"{digest} {extras}"


def ensure_environment(extras: str) -> Path:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by an older python3
        sys.exit(f"mdtapp needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    python = venv_python()
    if not python.exists():
        print(f"Creating {VENV} ...", flush=True)
        import venv  # here: an embedded Python (the Windows job's) has no venv, nor needs it

        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    installed = STAMP.read_text().splitlines() if STAMP.exists() else []
    stamp = wanted_stamp(extras)
    # an environment with the test extras also serves the app
    if stamp in installed or (extras == "" and wanted_stamp("test") in installed):
        return python
    target = f".[{extras}]" if extras else "."
    print(f"Installing mdtapp{f'[{extras}]' if extras else ''} into {VENV} ...", flush=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "-e", target], cwd=ROOT, check=True
    )
    STAMP.write_text("\n".join([*installed, stamp]) + "\n")
    return python


# The X11 libraries Qt's xcb platform plugin needs that a fresh desktop may lack, by the
# shared-library name `ldd` reports and the Debian/Ubuntu package that provides it.
QT_XCB_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}


def missing_libraries(ldd_output: str) -> list[str]:
    """The shared libraries `ldd` could not find, in order, each once."""
    found = []
    for line in ldd_output.splitlines():
        name, _, where = line.strip().partition(" => ")
        if where.strip() == "not found" and name not in found:
            found.append(name)
    return found


def install_hint(missing: list[str]) -> str:
    packages = [QT_XCB_PACKAGES[m] for m in missing if m in QT_XCB_PACKAGES]
    unknown = [m for m in missing if m not in QT_XCB_PACKAGES]
    lines = [f"Qt cannot open a window: this computer lacks {', '.join(missing)}."]
    if packages:
        lines.append("On Debian or Ubuntu, install them with:")
        lines.append(f"    sudo apt-get install {' '.join(packages)}")
    if unknown:
        lines.append(f"Install the packages that provide: {', '.join(unknown)}")
    return "\n".join(lines)


def qt_platform_problem() -> str | None:
    """Why the app could not open a window here, with the command that fixes it; else None.
    (Without this, Qt aborts with a message about xcb-cursor that names no package.)"""
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None  # offscreen, wayland...: Qt's own message is clear enough
    if not os.environ.get("DISPLAY"):
        if os.environ.get("WAYLAND_DISPLAY") and not platform:
            return None
        return (
            "No display: mdtapp is a desktop app and needs one (DISPLAY is not set). "
            "Run it from a desktop session, or set QT_QPA_PLATFORM=offscreen for a "
            "headless check."
        )
    plugins = sorted(VENV.glob("lib/python3*/site-packages/PySide6/Qt/plugins/platforms"))
    if not plugins:
        return None
    try:
        out = subprocess.run(
            ["ldd", str(plugins[0] / "libqxcb.so")], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None  # no ldd: let Qt speak for itself
    missing = missing_libraries(out)
    return install_hint(missing) if missing else None


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"app", "test", "bench", "package", "lint"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "package":  # packaging/build.py makes its own build environment
        return subprocess.call([sys.executable, str(ROOT / "packaging" / "build.py"), *rest])
    if command == "app":
        python = ensure_environment("")
        opens_window = (
            not rest or rest[0].startswith("-") and not {"--help", "-h", "--version"} & set(rest)
        )
        problem = qt_platform_problem() if opens_window else None
        if problem:
            print(problem, file=sys.stderr)
            return 1
        return subprocess.call([str(python), "-m", "mdtapp", *rest], cwd=ROOT)
    python = ensure_environment("test")
    if command == "lint":
        checks = [["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy", "mdtapp"]]
        failed = [c for c in checks if subprocess.call([str(python), "-m", *c], cwd=ROOT) != 0]
        for c in failed:
            print(f"failed: {' '.join(c)}", file=sys.stderr)
        return 1 if failed else 0
    if command == "bench":
        return subprocess.call([str(python), "-m", "benchmarks.run", *rest], cwd=ROOT)
    return subprocess.call([str(python), "-m", "pytest", *rest], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
