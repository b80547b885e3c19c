"""The command's output is UTF-8 wherever it goes.

These run `mdtapp` as a real process with its output redirected to files, as a pharmacist's
script or a scheduled audit job would: the in-process CLI tests write into pytest's own UTF-8
streams and cannot see this. Windows gives a redirected stream its ANSI code page (cp1252), which
has no "−" or "→": before the fix the dose plan stopped half-way with a UnicodeEncodeError.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO_PATIENT = "9990001030"
DOSE = ("dose", "--sex", "female", "--weight-kg", "70", "--g-per-kg", "2", "--days", "5")

STREAMS = {
    # what the platform gives a redirected stream (on Windows: cp1252)
    "platform-default": {},
    # Windows' code page forced, so the same failure shows on every platform
    "cp1252": {"PYTHONIOENCODING": "cp1252"},
}


def _mdtapp(tmp_path: Path, stream_env: dict[str, str], *args: str) -> tuple[int, bytes, bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "PYTHONUTF8")}
    env.update(stream_env)
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        code = subprocess.run(
            [sys.executable, "-m", "mdtapp", *args],
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=ROOT,
            timeout=300,
        ).returncode
    return code, out.read_bytes(), err.read_bytes()


@pytest.mark.parametrize("stream_env", STREAMS.values(), ids=STREAMS.keys())
def test_the_dose_plan_redirected_to_a_file_is_whole_and_utf8(tmp_path, stream_env):
    code, out, err = _mdtapp(
        tmp_path,
        stream_env,
        *DOSE,
        "--height-cm",
        "165",
    )
    assert code == 0, err.decode("utf-8", "replace")
    text = out.decode("utf-8")  # raises if any of it is not UTF-8
    # the README's worked example: its minus sign and arrow, and the lines after them
    assert "45.5 + 2.3 × (64.96 − 60) = 56.9 kg" in text
    assert "124.3 g → rounded down to whole 10 g: 120 g" in text
    assert "Course total        120 g" in text
    assert "7. Interval not given" in text  # the last line: nothing cut off


@pytest.mark.parametrize("stream_env", STREAMS.values(), ids=STREAMS.keys())
def test_a_problem_on_stderr_is_utf8_too(tmp_path, stream_env):
    # a minus sign pasted from a document, echoed back in the message
    code, out, err = _mdtapp(
        tmp_path,
        stream_env,
        *DOSE,
        "--height-cm",
        "−165",
    )
    assert code == 2 and out == b""
    assert "mdtapp: --height-cm: must be a number; got '−165'" in err.decode("utf-8")


@pytest.mark.parametrize("stream_env", STREAMS.values(), ids=STREAMS.keys())
def test_a_summary_redirected_to_a_file_is_whole_and_utf8(tmp_path, stream_env):
    db = str(tmp_path / "demo.db")
    code, _, err = _mdtapp(tmp_path, stream_env, "--db", db, "--plaintext", "demo")
    assert code == 0, err.decode("utf-8", "replace")
    code, out, err = _mdtapp(
        tmp_path, stream_env, "--db", db, "summary", "--nhs-number", DEMO_PATIENT
    )
    assert code == 0, err.decode("utf-8", "replace")
    text = out.decode("utf-8")
    assert "mRSS 25 → 32" in text  # a change since the previous assessment
    assert text.rstrip().splitlines()[-1].startswith("Dose plan: ")  # the last line: all there
