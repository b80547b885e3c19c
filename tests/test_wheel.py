"""The wheel built from pyproject carries forms/, resources/ and the build stamp: installed into
a fresh venv, it prints a form and renders a letter from the installed copy, not this tree."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("venv") is None,
    reason="this Python has no venv module (python.org's embeddable Windows build, which the "
    "Windows job runs under Wine); the wheel is one pure-Python file for every platform, tested "
    "wherever venv exists, and the Windows bundle's smoke test checks what it ships",
)


def _run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ if env is None else env)
    env.pop("PYTHONPATH", None)  # nothing may lead back to the source tree
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(the fresh venv's python, a working folder outside the source tree)."""
    work = tmp_path_factory.mktemp("wheel")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(work / "dist"),
            str(ROOT),
        ],
        cwd=work,
    )
    [wheel] = (work / "dist").glob("mdtapp-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in (
        "mdtapp/forms/mrss.toml",
        "mdtapp/resources/fonts/DejaVuSans.ttf",
        "mdtapp/resources/bodymap.toml",
        "mdtapp/resources/icons/mdtapp-256.png",
        "mdtapp/docs/user-guide.md",  # Help -> User guide, offline
        "mdtapp/docs/screenshots/list.png",
        "mdtapp/store/mdtapp-1.schema.json",
        "mdtapp/BUILD",
    ):
        assert shipped in names, shipped
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/"))]
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=work)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=work
        ).stdout.strip()
    )
    # the wheel itself unpacked into the fresh venv (a wheel is a zip laid out for site-packages)
    zipfile.ZipFile(wheel).extractall(site)
    # its dependencies (Qt, reportlab...) from this environment, added as a plain path: .pth
    # files there (such as an editable install of this tree) are not processed
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return python, work


def test_the_installed_copy_is_the_one_that_runs(installed):
    python, work = installed
    out = _run(
        [
            str(python),
            "-c",
            "import mdtapp, mdtapp.paths as p; print(mdtapp.__file__); "
            "print(p.forms_dir()); print(p.resources_dir())",
        ],
        cwd=work,
    ).stdout.split()
    for path in out:
        assert Path(path).is_relative_to(work / "venv"), path
        assert not Path(path).is_relative_to(ROOT), path


def test_the_installed_copy_prints_a_form_and_renders_a_letter(installed):
    python, work = installed
    env = {**os.environ, "MDTAPP_HOME": str(work / "home"), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("MDTAPP_DB", None)
    mdtapp = [str(python), "-m", "mdtapp"]
    _run([*mdtapp, "form", "--out", "form.pdf"], cwd=work, env=env)
    form = PdfReader(work / "form.pdf")
    assert "Modified Rodnan skin score (20 areas)" in form.pages[0].extract_text()
    _run([*mdtapp, "--db", "clinic.db", "demo"], cwd=work, env=env)
    # a letter is never printed with a placeholder letterhead or author (domain.md section 7)
    _run(
        [*mdtapp, "--db", "clinic.db", "settings", "--centre", "Wheel Test Hospital"],
        cwd=work,
        env=env,
    )
    _run(
        [
            *mdtapp,
            "--db",
            "clinic.db",
            "letter",
            "--nhs-number",
            "9990001030",
            "--out",
            "letter.pdf",
            *("--author", "Dr Wheel Test", "--role", "Consultant dermatologist"),
        ],
        cwd=work,
        env=env,
    )
    letter = PdfReader(work / "letter.pdf")
    text = "".join(page.extract_text() for page in letter.pages)
    assert "DEMO-HAZEL, David" in text and "999 000 1030" in text
    [wheel] = (work / "dist").glob("*.whl")
    build = zipfile.ZipFile(wheel).read("mdtapp/BUILD").decode().strip()
    assert f"({build})" in text  # the build the wheel was made from, on every page's footer
    version = _run([*mdtapp, "--version"], cwd=work, env=env).stdout
    assert build in version
