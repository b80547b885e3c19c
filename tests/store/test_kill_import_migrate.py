"""A process killed (SIGKILL; TerminateProcess on Windows) while importing or migrating, many
times: every file it leaves is intact and holds either the old state or the new, never a part."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mdtapp.store.demo import add_demo_patients
from mdtapp.store.interchange import dumps, export_document
from mdtapp.store.repository import Store

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "schema-m001_initial.db"

IMPORTER = r"""
import sys, json
from pathlib import Path
from mdtapp.store.repository import Store
from mdtapp.store.interchange import import_document
folder, document = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text())
for i in range(1000):
    print("begin", i, flush=True)
    store = Store.open(folder / f"{i}.db", user="importer")
    import_document(store, document)
    store.close()
    print("end", i, flush=True)
"""

MIGRATOR = r"""
import os, sys, shutil
from pathlib import Path
from mdtapp.store.repository import Store
folder, fixture = Path(sys.argv[1]), Path(sys.argv[2])
for i in range(1000):
    path = folder / f"{i}.db"
    # the old file put in place whole (a kill mid-copy is the harness's, not a migration's)
    shutil.copy(fixture, folder / "copying")
    os.replace(folder / "copying", path)
    print("begin", i, flush=True)
    Store.open(path, user="migrator").close()
    print("end", i, flush=True)
"""


def _kill_after(script: str, args: list[str], lines: int) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", script, *args], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert child.stdout is not None
    for _ in range(lines):
        if not child.stdout.readline():
            break
    child.kill()  # SIGKILL; on Windows TerminateProcess
    child.wait()
    child.stdout.close()


@pytest.mark.slow
def test_a_killed_import_leaves_nothing_or_everything(tmp_path):
    source = Store.open(tmp_path / "source.db", user="tester")
    add_demo_patients(source)
    document = tmp_path / "all.json"
    document.write_bytes(dumps(export_document(source)))
    expected = source.count_patients()
    source.close()
    rng = random.Random(2271)
    for round_ in range(10):
        folder = tmp_path / f"round{round_}"
        folder.mkdir()
        _kill_after(IMPORTER, [str(folder), str(document)], rng.randint(1, 12))
        for path in folder.glob("*.db"):
            store = Store.open(path, user="checker")
            assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert store.count_patients() in (0, expected)  # all or nothing
            store.close()
        # a creation killed part-way leaves only its ".creating" file, never a half-made
        # database at the real name (every *.db above opened and checked)


@pytest.mark.slow
def test_a_killed_migration_leaves_the_old_schema_or_the_new(tmp_path):
    reference = tmp_path / "reference.db"
    shutil.copy(FIXTURE, reference)
    ref = Store.open(reference, user="checker")
    expected = {
        t: ref.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("patients", "assessments", "infusions", "audit")
    }
    ref.close()
    rng = random.Random(1)
    for round_ in range(10):
        folder = tmp_path / f"m{round_}"
        folder.mkdir()
        _kill_after(MIGRATOR, [str(folder), str(FIXTURE)], rng.randint(1, 8))
        for path in folder.glob("*.db"):
            store = Store.open(path, user="checker")  # migrates now if the kill came first
            assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            counts = {
                t: store.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in expected
            }
            assert counts["patients"] == expected["patients"]
            assert counts["assessments"] == expected["assessments"]
            assert counts["infusions"] == expected["infusions"]
            store.close()
