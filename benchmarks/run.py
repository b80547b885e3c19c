"""mdtapp benchmarks, each against a baseline measured in the same run on the same machine.

    python3 dev.py bench                  # 1,000 and 10,000 patients (first run builds them)
    python3 dev.py bench --quick          # 100 and 1,000 patients, to try it out
    python3 dev.py bench --update-readme  # write the table into README.md

Medians of repeated runs; ratios, not absolute times, are what compare across machines.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / "results"

BARE_WINDOW = r"""
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView
app = QApplication(sys.argv[:1])
window, table = QMainWindow(), QTableView()
window.setCentralWidget(table)
window.resize(1366, 768)
class QuitWhenPainted(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, app.quit)
        return False
watcher = QuitWhenPainted()
table.viewport().installEventFilter(watcher)
window.show()
sys.exit(app.exec())
"""

# Peak RSS of this process: VmHWM from /proc (getrusage's ru_maxrss survives exec on Linux, so
# it would report the benchmark runner's own peak for a small child).
PEAK_RSS = r"""
import atexit, resource, runpy, sys

def peak_kib():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

atexit.register(lambda: print("PEAK_RSS_KIB", peak_kib(), file=sys.stderr))
sys.argv = sys.argv[1:]
if sys.argv[0] == "-c":
    exec(sys.argv[1])
else:
    runpy.run_module("mdtapp", run_name="__main__")
"""


def median(fn: Callable[[], object], repeat: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def env() -> dict[str, str]:
    from benchmarks.generate import PASSWORD, USER

    return {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "MDTAPP_USER": USER,
        "MDTAPP_PASSWORD": PASSWORD,
        "MDTAPP_HOME": tempfile.mkdtemp(),
    }


def run_process(args: list[str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, *args], env=env(), cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    if result.returncode:
        raise RuntimeError(f"{args[:3]} failed: {result.stderr[-400:]}")
    return result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


Row = tuple[str, str, str, str, str]  # scenario, mdtapp, baseline, ratio, note


def compile_bytecode() -> None:
    """mdtapp's modules compiled to bytecode first, as an installed app has them (pip compiles
    on install; the packaged app ships .pyc): with PYTHONDONTWRITEBYTECODE set, every start-up
    would otherwise compile mdtapp from source, which the bare window (PySide6, installed
    compiled) never does."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "mdtapp")],
        check=True,
        capture_output=True,
    )


def startup(db: Path, patients: int) -> list[Row]:
    from benchmarks.generate import PASSWORD
    from mdtapp.store import passwords

    compile_bytecode()
    app = median(lambda: run_process(["-m", "mdtapp", "--db", str(db), "--quit-when-ready"]), 7)
    bare = median(lambda: run_process(["-c", BARE_WINDOW]), 7)
    # the sign-in's one argon2id computation (a database generated before key pairs gets
    # its pair at its first sign-in, so every later one costs exactly this)
    kdf = median(lambda: passwords.derive(PASSWORD), 5)
    return [
        (
            f"Start-up to a painted patient list, {patients:,} patients (incl. sign-in)",
            ms(app),
            ms(bare),
            f"{app / bare:.2f}×",
            "bare QMainWindow shown and quit the same way; target: within 1.8×",
        ),
        (
            "… of which the sign-in's one argon2id computation (by design)",
            ms(kdf),
            "",
            "",
            "opens the key and proves the password (m=64 MiB, t=3, p=4)",
        ),
        (
            "Start-up without that computation",
            ms(app - kdf),
            ms(bare),
            f"{(app - kdf) / bare:.2f}×",
            "target: within 1.3×",
        ),
    ]


def save(db: Path) -> list[Row]:
    import json

    # on a copy: the cached database stays as generated, and a second run saves the same way
    import shutil
    import sqlite3

    from benchmarks.generate import open_bench
    from mdtapp.store import codec
    from mdtapp.store.keyring import copy_keyring
    from tests.factories import assessment

    copy = Path(tempfile.mkdtemp()) / db.name
    shutil.copy(db, copy)
    copy_keyring(db, copy)
    store = open_bench(copy)
    uids = [s.patient_uid for s in store.summaries()[:20]]
    days = iter(range(1, 200))

    def one() -> None:
        on = date(2020, 6, 1) + timedelta(days=next(days))  # before any generated record
        store.save("assessments", uids[on.day % len(uids)], assessment(on))

    ours = median(one, 11)

    # as in the app: the patient is open (their record read) before the assessment is saved
    opened_times = []
    for _ in range(11):
        on = date(2020, 6, 1) + timedelta(days=next(days))
        uid = uids[on.day % len(uids)]
        store.load(uid)  # not timed: opening the patient
        started = time.perf_counter()
        store.save("assessments", uid, assessment(on))
        opened_times.append(time.perf_counter() - started)
    opened = statistics.median(opened_times)
    payload = json.dumps(codec.encode("assessments", assessment(date(2026, 1, 1)), store.forms))
    store.close()
    shutil.rmtree(copy.parent)
    folder = Path(tempfile.mkdtemp())
    bare = sqlite3.connect(folder / "bare.db")
    bare.execute("PRAGMA journal_mode = WAL")
    bare.execute("PRAGMA synchronous = FULL")  # the same durability as mdtapp's saves
    bare.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, data TEXT)")

    def insert() -> None:
        bare.execute("INSERT INTO t (data) VALUES (?)", [payload])
        bare.commit()

    baseline = median(insert, 11)
    return [
        (
            "Save one full assessment (validated, versioned, audited, summary refreshed)",
            ms(ours),
            ms(baseline),
            f"{ours / baseline:.1f}×",
            f"bare sqlite3 insert of one {len(payload)}-byte row, committed; target: within 15×",
        ),
        (
            "… the same save with the patient open, as in the app (their record already read)",
            ms(opened),
            ms(baseline),
            f"{opened / baseline:.1f}×",
            "the same bare insert",
        ),
    ]


def letter() -> list[Row]:
    import io
    import random

    from benchmarks.generate import patient_records
    from mdtapp.domain.forms import forms
    from mdtapp.domain.record import PatientRecord
    from mdtapp.reports.letter import LetterRequest, build_letter
    from mdtapp.settings import Author, Letterhead
    from mdtapp.store import codec

    records = patient_records(random.Random(5), "9434765919", 0)
    assessments = tuple(codec.decode("assessments", a) for a in records["assessments"][:43])
    record = PatientRecord(
        patient=records["patients"][0],  # type: ignore[arg-type]
        eligibility=records["eligibility"][0],  # type: ignore[arg-type]
        decisions=tuple(records["decisions"]),  # type: ignore[arg-type]
        regimens=tuple(records["regimens"]),  # type: ignore[arg-type]
        infusions=tuple(records["infusions"]),  # type: ignore[arg-type]
        assessments=assessments,
    )
    request = LetterRequest(
        record,
        assessments[-1].date,
        forms(),
        date(2026, 11, 21),
        datetime(2026, 11, 21, 10, 0),
        Letterhead("Centre"),
        Author("Dr A", "Consultant"),
    )
    pages = [0]

    def ours() -> None:
        from pypdf import PdfReader

        pdf = build_letter(request)
        pages[0] = len(PdfReader(io.BytesIO(pdf)).pages)

    ours()
    ours_t = median(lambda: build_letter(request), 5)

    def bare() -> None:
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.styles import getSampleStyleSheet
        from reportlab.platypus import Paragraph, SimpleDocTemplate

        out = io.BytesIO()
        SimpleDocTemplate(out, pagesize=A4).build(
            [Paragraph("A one-page letter.", getSampleStyleSheet()["Normal"])]
        )

    bare_t = median(bare, 5)
    return [
        (
            f"Clinic letter, 5 years of 6-weekly assessments ({len(assessments)}), "
            f"{pages[0]} pages",
            ms(ours_t),
            ms(bare_t),
            f"{ours_t / bare_t:.1f}×",
            "bare reportlab one-page document; target: within 40×",
        )
    ]


def _scale_once(db: Path) -> dict[str, float]:
    from benchmarks.generate import open_bench
    from mdtapp.domain.record import patient_state
    from mdtapp.store.audit_return import audit_rows, csv_bytes

    store = open_bench(db)
    uids = [s.patient_uid for s in store.summaries()]
    pick = iter(uids[:: max(1, len(uids) // 50)] * 10)

    def open_patient() -> None:
        file = store.load(next(pick))
        patient_state(file.record, today=date(2026, 11, 21), forms=store.forms)

    def bare_aggregate() -> None:
        # the year's infusions read as the audit return reads them (from the m006 index, no
        # record page decrypted), each patient's grams summed in SQL alone
        list(
            store.db.conn.execute(
                "WITH year AS MATERIALIZED (SELECT patient_uid, "
                "json_extract(data, '$.grams') AS grams FROM current_infusions "
                "WHERE on_date BETWEEN '2024-01-01' AND '2024-12-31') "
                "SELECT patient_uid, sum(grams), count(*) FROM year GROUP BY patient_uid"
            )
        )

    try:
        return {
            name: median(fn, repeat)
            for name, fn, repeat in (
                ('Patient search as you type ("smith")', lambda: store.summaries("smith"), 9),
                ("Open a patient (record, flags, review, dose plan)", open_patient, 9),
                ("Reviews list, every patient, overdue first", store.reviews, 7),
                ("Audit return for a year, CSV", lambda: csv_bytes(audit_rows(store, 2024)), 3),
                (BARE_AGGREGATE, bare_aggregate, 3),
            )
        }
    finally:
        store.close()


BARE_AGGREGATE = "bare SQL aggregate of the year's infusions"


def scale(small: Path, large: Path, n_small: int, n_large: int) -> list[Row]:
    before, after = _scale_once(small), _scale_once(large)
    results = {name: (before[name], after[name]) for name in before if name != BARE_AGGREGATE}
    rows = []
    for name, (a, b) in results.items():
        growth = b / a
        kind = (
            "flat"
            if growth < 2
            else "linear"
            if growth < n_large / n_small * 1.5
            else "WORSE than linear"
        )
        rows.append(
            (
                f"{name}: {n_small:,} → {n_large:,} patients",
                f"{ms(a)} → {ms(b)}",
                f"{ms(a)} ({n_small:,})",
                f"{growth:.1f}×",
                kind,
            )
        )
    audit, bare = after["Audit return for a year, CSV"], after[BARE_AGGREGATE]
    rows.append(
        (
            f"Audit return for a year, {n_large:,} patients",
            ms(audit),
            ms(bare),
            f"{audit / bare:.1f}×",
            f"{BARE_AGGREGATE} (same file, same run); targets: ≤ 1.5 s, within 5×",
        )
    )
    return rows


def memory(db: Path, patients: int) -> list[Row]:
    def peak(args: list[str]) -> int:
        result = run_process(["-c", PEAK_RSS, *args])
        return int(re.search(r"PEAK_RSS_KIB (\d+)", result.stderr).group(1))  # type: ignore

    ours = peak(["mdtapp", "--db", str(db), "--quit-when-ready"])
    bare = peak(["-c", BARE_WINDOW])
    return [
        (
            f"Peak memory, app open on {patients:,} patients",
            f"{ours / 1024:.0f} MiB",
            f"{bare / 1024:.0f} MiB",
            f"{ours / bare:.1f}×",
            "bare QMainWindow; target: within 1.6×",
        )
    ]


def table(rows: list[Row], command: str) -> str:
    head = "| Scenario | mdtapp | Baseline (same run) | Ratio | Note |\n|---|---|---|---|---|\n"
    body = "".join(f"| {' | '.join(r)} |\n" for r in rows)
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {datetime.now():%d-%b-%Y}"
    )
    return f"`{command}` on {machine}:\n\n{head}{body}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 patients")
    parser.add_argument(
        "--update-readme", action="store_true", help="write the table into README.md"
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from benchmarks.generate import generate

    n_small, n_large = (100, 1000) if args.quick else (1000, 10000)
    print(f"Databases ({CACHE}, built once):", flush=True)
    small = generate(CACHE / f"bench-{n_small}.db", n_small)
    large = generate(CACHE / f"bench-{n_large}.db", n_large)
    rows: list[Row] = []
    for name, produce in (
        (
            "start-up",
            lambda: startup(
                small if not args.quick else large, n_small if not args.quick else n_large
            ),
        ),
        ("save", lambda: save(small)),
        ("letter", letter),
        ("scale", lambda: scale(small, large, n_small, n_large)),
        ("memory", lambda: memory(large, n_large)),
    ):
        print(f"{name} …", flush=True)
        rows += produce()
    command = "python3 dev.py bench" + (" --quick" if args.quick else "")
    text = table(rows, command)
    print("\n" + text)
    (CACHE / "latest.md").write_text(text)
    if args.update_readme:
        readme = ROOT / "README.md"
        content = readme.read_text()
        start, end = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"
        if start not in content:
            raise SystemExit("README.md has no benchmarks markers")
        before, rest = content.split(start, 1)
        _, after = rest.split(end, 1)
        readme.write_text(f"{before}{start}\n{text}{end}{after}")
        print("README.md updated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
