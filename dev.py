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
import venv
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


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"app", "test", "bench", "package", "lint"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "package":  # packaging/build.py makes its own build environment
        return subprocess.call([sys.executable, str(ROOT / "packaging" / "build.py"), *rest])
    if command == "app":
        python = ensure_environment("")
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
