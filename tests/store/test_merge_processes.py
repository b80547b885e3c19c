"""Merges in real processes (issue 14.2): killed at random points, and two at once. A merge is
one transaction judged under the write lock: every file it leaves holds the old state or the
new, and two merges at once never both apply changes to one record."""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from mdtapp.store.demo import add_demo_patients
from mdtapp.store.interchange import dumps, export_document, import_document
from mdtapp.store.repository import Store
from tests.factories import assessment
from tests.store.conftest import fixed_clock

ROOT = Path(__file__).resolve().parents[2]

MERGER_LOOP = r"""
import os, shutil, sys, json
from pathlib import Path
from mdtapp.store.repository import Store
from mdtapp.store.interchange import import_document
folder, base = Path(sys.argv[1]), Path(sys.argv[2])
document = json.loads(Path(sys.argv[3]).read_text())
for i in range(1000):
    shutil.copy(base, folder / "copying")  # put in place whole: a kill mid-copy is not a merge's
    os.replace(folder / "copying", folder / f"{i}.db")
    print("begin", i, flush=True)
    store = Store.open(folder / f"{i}.db", user="merger")
    import_document(store, document, merge=True)
    store.close()
    print("end", i, flush=True)
"""

MERGER_ONCE = r"""
import sys, json
from pathlib import Path
from mdtapp.store.interchange import ImportRejected, import_document
from mdtapp.store.repository import Store
store = Store.open(Path(sys.argv[1]), user=sys.argv[3])
document = json.loads(Path(sys.argv[2]).read_text())
print("ready", flush=True)
sys.stdin.readline()  # both start together
try:
    r = import_document(store, document, merge=True)
    print(json.dumps({"added": r.records_added, "updated": r.records_updated}), flush=True)
except ImportRejected as e:
    print(json.dumps({"refused": e.problems}), flush=True)
"""


def _sites(tmp_path: Path) -> tuple[Path, Path, Store]:
    """Site A (the demo patients) as a closed file, and site B's file: 30 infusions corrected
    and one new assessment, all descending from A's versions. Returns A's path, B's file and
    B's store (for more files)."""
    a_path = tmp_path / "base.db"
    a = Store.open(a_path, user="site.a", clock=fixed_clock)
    add_demo_patients(a)
    document = json.loads(dumps(export_document(a)))
    a.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    a.close()
    b = Store.open(tmp_path / "b.db", user="site.b", clock=fixed_clock)
    import_document(b, document)
    treated = b.patient_uids()[1]
    for saved in b.load(treated).infusions[:30]:
        b.save(
            "infusions",
            treated,
            dataclasses.replace(saved.value, batch=f"{saved.value.batch}-checked"),
            uid=saved.uid,
            base_version=saved.version,
        )
    b.save("assessments", treated, assessment(date(2026, 11, 20)))
    from_b = tmp_path / "from-b.json"
    from_b.write_bytes(dumps(export_document(b)))
    return a_path, from_b, b


def _export(path: Path) -> bytes:
    store = Store.open(path, user="checker")
    try:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return dumps(export_document(store))
    finally:
        store.close()


@pytest.mark.slow
def test_a_merge_killed_at_any_point_leaves_the_old_state_or_the_new(tmp_path):
    base, from_b, b = _sites(tmp_path)
    b.close()
    old = _export(base)
    reference = tmp_path / "reference.db"
    shutil.copy(base, reference)
    merged = Store.open(reference, user="merger")
    assert import_document(merged, json.loads(from_b.read_text()), merge=True).records_updated
    merged.close()
    new = _export(reference)
    assert new != old
    rng = random.Random(142)
    checked = 0
    for round_ in range(8):
        folder = tmp_path / f"round{round_}"
        folder.mkdir()
        child = subprocess.Popen(
            [sys.executable, "-c", MERGER_LOOP, str(folder), str(base), str(from_b)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert child.stdout is not None
        for _ in range(rng.randint(1, 9)):
            if not child.stdout.readline():
                break
        child.kill()  # SIGKILL; on Windows TerminateProcess
        child.wait()
        child.stdout.close()
        for path in sorted(folder.glob("*.db")):
            state = _export(path)
            assert state in (old, new), path  # all of the merge or none of it
            checked += 1
    assert checked >= 8


def _race(tmp_path: Path, db: Path, files: list[Path]) -> list[dict]:
    children = [
        subprocess.Popen(
            [sys.executable, "-c", MERGER_ONCE, str(db), str(f), f"window-{i}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for i, f in enumerate(files)
    ]
    for child in children:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    results = []
    for child in children:
        out, _ = child.communicate(timeout=300)
        assert child.returncode == 0, out
        results.append(json.loads(out))
    return results


@pytest.mark.slow
def test_the_same_file_merged_by_two_processes_at_once_is_applied_once(tmp_path):
    base, from_b, b = _sites(tmp_path)
    b.close()
    results = _race(tmp_path, base, [from_b, from_b])
    assert sorted(r["updated"] for r in results) == [0, 30]  # one applied it; the other: no-op
    assert sorted(r["added"] for r in results) == [0, 1]
    store = Store.open(base, user="checker")
    treated = store.patient_uids()[1]
    infusions = store.load(treated).infusions
    assert sum(s.value.batch.endswith("-checked") for s in infusions) == 30
    assert all(s.version <= 2 for s in infusions)  # not applied twice
    store.close()


@pytest.mark.slow
def test_two_files_changing_one_record_merged_at_once_one_applies_the_other_is_refused(tmp_path):
    base, from_b, b = _sites(tmp_path)
    b.close()
    c = Store.open(tmp_path / "c.db", user="site.c", clock=fixed_clock)
    a = Store.open(base, user="site.a")
    import_document(c, json.loads(dumps(export_document(a))))
    a.close()
    treated = c.patient_uids()[1]
    first = c.load(treated).infusions[0]
    c.save(
        "infusions",
        treated,
        dataclasses.replace(first.value, batch="C-batch"),
        uid=first.uid,
        base_version=first.version,
    )
    from_c = tmp_path / "from-c.json"
    from_c.write_bytes(dumps(export_document(c)))
    c.close()
    results = _race(tmp_path, base, [from_b, from_c])
    refused = [r for r in results if "refused" in r]
    assert len(refused) == 1, results  # whichever came second saw the other's version
    (problem,) = refused[0]["refused"]
    assert "infusions[0]: conflict: the infusion of" in problem
    store = Store.open(base, user="checker")
    batch = store.load(treated).infusions[0].value.batch
    assert batch in ("C-batch", f"{first.value.batch}-checked")
    store.close()
