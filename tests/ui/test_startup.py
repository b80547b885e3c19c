"""The app as a command: start-up on a database, --open, --quit-when-ready, screenshots."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mdtapp.store.demo import add_demo_patients
from mdtapp.store.repository import Store

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "mdtapp", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = Store.open(path, user="tester")
    add_demo_patients(store)
    nhs = store.summaries("Hazel")[0].nhs_number
    store.close()
    return path, nhs


def test_quit_when_ready_opens_paints_and_exits_0(demo):
    path, nhs = demo
    assert run("--db", str(path), "--quit-when-ready").returncode == 0
    assert run("--db", str(path), "--open", nhs, "--quit-when-ready").returncode == 0


def test_open_an_unknown_patient_says_so(demo):
    path, _ = demo
    result = run("--db", str(path), "--open", "9434765919", "--quit-when-ready")
    assert result.returncode == 1
    assert "No patient with NHS number 943 476 5919" in result.stderr


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    notes = tmp_path / "notes.db"
    notes.write_text("not a database")
    result = run("--db", str(notes), "--quit-when-ready")
    assert result.returncode == 1 and "not an mdtapp database" in result.stderr
    assert notes.read_text() == "not a database"


@pytest.mark.parametrize(
    "view", ["list", "reviews", "overview", "assessment", "treatment", "photos"]
)
def test_screenshot_renders_each_view_at_laptop_size(demo, tmp_path, view):
    from PySide6.QtGui import QImage

    path, nhs = demo
    out = tmp_path / f"{view}.png"
    args = ["screenshot", "--db", str(path), "--view", view, "--out", str(out)]
    if view not in ("list", "reviews"):
        args += ["--open", nhs]
    result = run(*args)
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1366, 768)  # fits a typical NHS laptop


def test_a_screenshot_finds_the_fonts_without_being_told(demo, tmp_path):
    # as on a user's machine, where nobody points Qt at a font folder: on Windows the offscreen
    # platform reads fonts from one folder, by default an empty one inside Qt's own, and then
    # draws every letter as a box and lays the patient views out too wide for the window
    from PySide6.QtGui import QImage

    path, nhs = demo
    out = tmp_path / "overview.png"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_FONTDIR"}
    result = subprocess.run(
        [sys.executable, "-m", "mdtapp", "screenshot", "--db", str(path), "--view", "overview"]
        + ["--open", nhs, "--out", str(out)],
        capture_output=True,
        text=True,
        env={**env, "QT_QPA_PLATFORM": "offscreen"},
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1366, 768)


def test_patient_views_need_a_patient(demo, tmp_path):
    path, _ = demo
    result = run(
        "screenshot", "--db", str(path), "--view", "overview", "--out", str(tmp_path / "x.png")
    )
    assert result.returncode == 2 and "needs --open" in result.stderr


def test_nothing_heavy_is_imported_before_the_first_paint(demo):
    path, _ = demo
    probe = f"""
import sys, argparse
from mdtapp.ui.app import open_window
app, window, problem = open_window(argparse.Namespace(db={str(path)!r}, open=None))
window.show()
app.processEvents()
heavy = sorted(m for m in sys.modules if m.split('.')[0] == 'reportlab'
               or m in ('PySide6.QtCharts', 'PySide6.QtPdf', 'PySide6.QtPdfWidgets', 'jsonschema'))
print(','.join(heavy))
"""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == ""


def test_screenshots_of_the_meeting_and_its_presenter_view(tmp_path):
    """The README's meeting images: refused, saying how, until a meeting is prepared; then
    the meeting window at 1366 x 768 and 1024 x 768, and the presenter view."""
    from PySide6.QtGui import QImage

    from mdtapp.domain.meeting import Attendee, Meeting

    path = tmp_path / "demo.db"
    store = Store.open(path, user="tester")
    add_demo_patients(store)
    store.close()
    args = ["screenshot", "--db", str(path), "--view", "meeting"]
    result = run(*args, "--out", str(tmp_path / "m.png"))
    assert result.returncode == 1 and "needs a meeting: prepare one first" in result.stderr
    store = Store.open(path, user="tester")
    store.add_meeting(
        Meeting(
            store.today(),
            "14:00",
            "Seminar room 2",
            "Dr R Ward",
            (
                Attendee("Dr R Ward", "consultant_rheumatologist"),
                Attendee("Dr D Moss", "consultant_dermatologist"),
            ),
            tuple(store.agenda_candidates(store.today())),
        )
    )
    store.close()
    for view, size in (("meeting", "1366x768"), ("meeting", "1024x768"), ("presenter", "1366x768")):
        out = tmp_path / f"{view}-{size}.png"
        result = run(
            "screenshot", "--db", str(path), "--view", view, "--size", size, "--out", str(out)
        )
        assert result.returncode == 0, result.stderr
        image = QImage(str(out))
        assert f"{image.width()}x{image.height()}" == size  # fits: nothing wider than asked
