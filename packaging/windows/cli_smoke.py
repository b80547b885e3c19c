"""The mdtapp commands on Windows with their output redirected to files, as a pharmacist's script
or a scheduled job runs them (run by the Windows Python: `wine.py smoke`). Each command's stdout
and stderr are Windows files, so Python gives them the ANSI code page unless mdtapp says UTF-8.

Checks: the dose plan whole and in UTF-8; a new encrypted database opened in a window and closed
when painted (--quit-when-ready); the demonstration patients; a summary; a letter and a form that
are real PDFs; this year's audit return as CSV.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO_PATIENT = "9990001030"


def main() -> int:
    # Under Wine on a busy machine a command's redirected output file was once still held open
    # after the command had ended (a sharing violation at clean-up, with every check passed):
    # what cannot be removed stays in %TEMP%, as a failed clean-up does on Windows
    with tempfile.TemporaryDirectory(prefix="mdtapp-cli-smoke-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "MDTAPP_HOME": str(work / "home"),
            "MDTAPP_USER": "smoke",
            "MDTAPP_PASSWORD": "smoke-test-passphrase",
        }
        for name in ("MDTAPP_DB", "PYTHONIOENCODING", "PYTHONUTF8", "PYTHONPATH"):
            env.pop(name, None)

        def mdtapp(name: str, *args: str) -> str:
            out, err = work / f"{name}.out.txt", work / f"{name}.err.txt"
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
            text, problems = out.read_bytes(), err.read_bytes()
            if code != 0:
                raise SystemExit(
                    f"FAILED: mdtapp {' '.join(args)} exited {code}\n"
                    f"{text.decode('utf-8', 'replace')}{problems.decode('utf-8', 'replace')}"
                )
            print(f"ok: mdtapp {' '.join(args)} > {out.name}", flush=True)
            return text.decode("utf-8")  # a failure here: output not in UTF-8

        dose = mdtapp(
            "dose",
            *("dose", "--sex", "female", "--height-cm", "165", "--weight-kg", "70"),
            *("--g-per-kg", "2", "--days", "5"),
        )
        for expected in (
            "Course total        120 g",
            "45.5 + 2.3 × (64.96 − 60) = 56.9 kg",
            "124.3 g → rounded down to whole 10 g: 120 g",
            "7. Interval not given",
        ):
            if expected not in dose:
                raise SystemExit(f"FAILED: the dose plan lacks {expected!r}:\n{dose}")
        db = str(work / "clinic.db")
        mdtapp("window", "--db", db, "--quit-when-ready")
        mdtapp("demo", "--db", db, "demo")
        summary = mdtapp("summary", "--db", db, "summary", "--nhs-number", DEMO_PATIENT)
        if "→" not in summary or "Dose plan:" not in summary:
            raise SystemExit(f"FAILED: the summary is not whole:\n{summary}")
        # a letter is never printed with a placeholder letterhead or author (domain.md 7)
        mdtapp("settings", "--db", db, "settings", "--centre", "Smoke Test Hospital")
        mdtapp(
            "letter",
            "--db",
            db,
            "letter",
            "--nhs-number",
            DEMO_PATIENT,
            "--out",
            str(work / "letter.pdf"),
            *("--author", "Dr Smoke Test", "--role", "Consultant dermatologist"),
        )
        mdtapp("form", "form", "--out", str(work / "form.pdf"))
        year = str(date.today().year)
        mdtapp("audit", "--db", db, "audit", "--year", year, "--out", str(work / "audit.csv"))
        for pdf in ("letter.pdf", "form.pdf"):
            data = (work / pdf).read_bytes()
            if not data.startswith(b"%PDF-") or len(data) < 10_000:
                raise SystemExit(f"FAILED: {pdf} is not a rendered PDF ({len(data)} bytes)")
        for name in ("audit.csv", "dose.out.txt"):  # Windows line ends, never doubled
            if b"\r\r\n" in (work / name).read_bytes():
                raise SystemExit(f"FAILED: {name} has doubled line ends (\\r\\r\\n)")
        with (work / "audit.csv").open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        if not rows or "nhs_number" not in ",".join(rows[0]).lower():
            raise SystemExit(f"FAILED: the audit return for {year} has no header: {rows[:1]}")
        print(
            f"ok: letter.pdf {(work / 'letter.pdf').stat().st_size // 1024} KiB, form.pdf "
            f"{(work / 'form.pdf').stat().st_size // 1024} KiB, audit.csv {len(rows) - 1} rows"
        )
    if work.exists():
        print(f"note: {work} could not all be removed (a file still held open)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
