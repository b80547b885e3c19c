"""Build the offline one-folder app with PyInstaller, zip it with a checksum, and smoke-test it.

    python3 packaging/build.py               # dist/mdtapp/, a zip and its .sha256, then smoke
    python3 packaging/build.py --smoke-only  # smoke-test an existing dist/mdtapp/
    python packaging/build.py --python-ready --dist DIR  # with this Python's packages as they
                                             # are (the Windows job under Wine: windows/wine.py)

Needs only Python 3.11+ and the package registry (first run): a build venv is made in
build/package-venv with mdtapp installed from this tree (as a wheel, so the bundle holds exactly
what the wheel holds, build stamp included) and PyInstaller.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
DIST = ROOT / "dist"
VENV = BUILD / "package-venv"
PYINSTALLER = "pyinstaller>=6.10,<7"
SMOKE_USER, SMOKE_PASSWORD = "smoke", "smoke-test-passphrase"
DEMO_PATIENT = "9990001030"


def project() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {"name": data["name"], "version": data["version"]}


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def run(args: list[str | Path], **kwargs: object) -> None:
    subprocess.run([str(a) for a in args], check=True, **kwargs)  # type: ignore[call-overload]


def prepare_venv(python_ready: bool = False) -> Path:
    python = Path(sys.executable) if python_ready else venv_python()
    if python_ready:
        step(f"build with {python} as it is (mdtapp's wheel and PyInstaller already there)")
    else:
        if not python.exists():
            import venv  # here: the embeddable Windows Python (--python-ready) has none

            step(f"build venv {VENV}")
            venv.create(VENV, with_pip=True)
            run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
        step("install mdtapp (as a wheel, stamped with its commit) and PyInstaller")
        run([python, "-m", "pip", "install", "--quiet", PYINSTALLER])
        # always reinstalled: the bundle must hold this tree's code and this commit's stamp
        run([python, "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps", ROOT])
        run([python, "-m", "pip", "install", "--quiet", ROOT])  # its dependencies, if new
    # the bundle carries this Python and this Qt binding: never the pair that aborts mid-meeting
    # (PySide6 6.12.0 on Python 3.11 drops references to None; pyproject.toml keeps it out)
    run(
        [
            python,
            "-c",
            "import sys, PySide6; v = PySide6.__version__; "
            "sys.exit(f'PySide6 {v} on Python {sys.version.split()[0]} drops references to None: "
            "refusing to bundle it') if v.startswith('6.12.0') and sys.version_info < (3, 12) "
            "else print(f'Qt binding: PySide6 {v} on Python {sys.version.split()[0]}')",
        ]
    )
    return python


def folder_size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())


def build(dist: Path = DIST, python_ready: bool = False) -> Path:
    info = project()
    python = prepare_venv(python_ready)
    step("PyInstaller (one folder)")
    # run outside the source tree, so the analysis imports the installed mdtapp
    run(
        [
            python,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            dist,
            "--workpath",
            BUILD / f"pyinstaller-{sys.platform}",
            ROOT / "packaging" / "mdtapp.spec",
        ],
        cwd=BUILD,
    )
    app = dist / info["name"]
    step("zip and checksum")
    system = {"darwin": "macos"}.get(sys.platform, sys.platform.rstrip("0123456789"))
    archive = dist / f"{info['name']}-{info['version']}-{system}-{platform.machine().lower()}.zip"
    archive.unlink(missing_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for path in sorted(app.rglob("*")):
            if path.is_symlink():  # macOS frameworks: keep the link, not a second copy
                info_ = zipfile.ZipInfo(str(path.relative_to(dist)))
                info_.external_attr = 0o120777 << 16
                z.writestr(info_, os.readlink(path))
            elif path.is_file():
                z.write(path, path.relative_to(dist))
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    checksum = archive.with_name(archive.name + ".sha256")
    checksum.write_text(f"{digest}  {archive.name}\n")
    print(f"{app}: {folder_size(app) / 2**20:.0f} MiB in {sum(1 for _ in app.rglob('*'))} files")
    print(f"{archive}: {archive.stat().st_size / 2**20:.0f} MiB, sha256 {digest}")
    return app


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def smoke(app: Path) -> None:
    """The frozen app opens a window on a new database and exits 0; it writes a letter and a
    form; it writes nothing inside its own folder."""
    exe = app / ("mdtapp-cli.exe" if os.name == "nt" else "mdtapp")
    if not exe.exists():
        raise SystemExit(f"{exe} not found: build first (python3 packaging/build.py)")
    before = snapshot(app)
    with tempfile.TemporaryDirectory(prefix="mdtapp-smoke-") as tmp:
        work = Path(tmp)
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "MDTAPP_HOME": str(work / "home"),
            "MDTAPP_USER": SMOKE_USER,
            "MDTAPP_PASSWORD": SMOKE_PASSWORD,
        }
        env.pop("MDTAPP_DB", None)
        env.pop("PYTHONPATH", None)

        def frozen(*args: str) -> str:
            result = subprocess.run(
                [str(exe), *args], env=env, cwd=work, capture_output=True, text=True, timeout=300
            )
            if result.returncode != 0:
                raise SystemExit(
                    f"FAILED: mdtapp {' '.join(args)} exited {result.returncode}\n"
                    f"{result.stdout}\n{result.stderr}"
                )
            print(f"ok: mdtapp {' '.join(args)}")
            return result.stdout

        version = frozen("--version")
        if "unknown build" in version:
            raise SystemExit(f"FAILED: the bundle carries no build stamp: {version}")
        db = work / "x.db"
        frozen("--db", str(db), "--quit-when-ready")
        frozen("--quit-when-ready")  # no --db: the user's data folder, never the install folder
        if not (work / "home" / "mdtapp.db").exists():
            raise SystemExit("FAILED: the default database is not in the user's data folder")
        frozen("--db", str(db), "demo")
        # a letter is never printed with a placeholder letterhead or author (domain.md 7)
        frozen("--db", str(db), "settings", "--centre", "Smoke Test Hospital")
        frozen(
            "--db",
            str(db),
            "letter",
            "--nhs-number",
            DEMO_PATIENT,
            "--out",
            str(work / "letter.pdf"),
            *("--author", "Dr Smoke Test", "--role", "Consultant dermatologist"),
        )
        frozen("form", "--out", str(work / "form.pdf"))
        # the overview draws the trend charts (QtCharts): the heaviest view, lazily imported
        frozen(
            "--db",
            str(db),
            "screenshot",
            "--view",
            "overview",
            "--open",
            DEMO_PATIENT,
            "--out",
            str(work / "overview.png"),
        )
        if not (work / "overview.png").read_bytes().startswith(b"\x89PNG"):
            raise SystemExit("FAILED: the overview was not rendered")
        frozen("--db", str(db), "check")
        for pdf in ("letter.pdf", "form.pdf"):
            data = (work / pdf).read_bytes()
            if not data.startswith(b"%PDF-") or len(data) < 10_000:
                raise SystemExit(f"FAILED: {pdf} is not a rendered PDF ({len(data)} bytes)")
        print(
            f"ok: letter.pdf {len((work / 'letter.pdf').read_bytes()) // 1024} KiB, "
            f"form.pdf {len((work / 'form.pdf').read_bytes()) // 1024} KiB; {version.strip()}"
        )
    after = snapshot(app)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    if changed:
        raise SystemExit(f"FAILED: the app wrote inside its install folder: {sorted(changed)[:5]}")
    print("ok: nothing written inside the install folder")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke-only", action="store_true", help="smoke-test dist/mdtapp/")
    parser.add_argument("--dist", type=Path, default=DIST, help="where the app goes (dist/)")
    parser.add_argument(
        "--python-ready",
        action="store_true",
        help="build with this Python and the packages it has (mdtapp's wheel, PyInstaller), "
        "without the build venv",
    )
    args = parser.parse_args(argv)
    app = (
        args.dist / project()["name"]
        if args.smoke_only
        else build(args.dist, python_ready=args.python_ready)
    )
    step(f"smoke test of {app}")
    smoke(app)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
