"""Real processes: killed mid-save, and two writers racing on one record."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from mdtapp.store.codec import decode
from mdtapp.store.repository import Store
from tests.factories import assessment
from tests.store.conftest import fixed_clock, jane

# The child saves a new version of one assessment again and again. Every version it writes is
# internally consistent: itch, patient and physician global VAS all equal the same number n, and
# the notes say "version n". A torn write would break that.
SAVER = r"""
import sys, dataclasses
from datetime import date
from mdtapp.store.repository import Store
from tests.factories import assessment
store = Store.open(sys.argv[1], user="saver")
uid, patient = sys.argv[2], sys.argv[3]
while True:
    current = store.get("assessments", uid)
    n = (current.version % 100) + 1
    value = dataclasses.replace(assessment(date(2026, 11, 1)), itch_vas_mm=n,
                                patient_global_vas_mm=n, physician_global_vas_mm=n,
                                notes=f"version {n}")
    store.save("assessments", patient, value, uid=uid, base_version=current.version)
    print(current.version + 1, flush=True)
"""

COUNTER = r"""
import sys, dataclasses
from mdtapp.store.errors import ConcurrentEditError
from mdtapp.store.repository import Store
store = Store.open(sys.argv[1], user=sys.argv[4])
uid, patient, times = sys.argv[2], sys.argv[3], int(sys.argv[5])
done = 0
while done < times:
    current = store.get("assessments", uid)
    count = int(current.value.notes or "0")
    try:
        store.save("assessments", patient, dataclasses.replace(current.value, notes=str(count + 1)),
                   uid=uid, base_version=current.version)
        done += 1
    except ConcurrentEditError:
        pass  # the other writer got in first: read again, never overwrite
print("done", flush=True)
"""


def _setup(path: Path) -> tuple[str, str]:
    store = Store.open(path, user="tester", clock=fixed_clock)
    p = store.add_patient(jane())
    a = store.save("assessments", p.uid, assessment(date(2026, 11, 1), itch=0, ptga=0, phga=0))
    store.close()
    return a.uid, p.uid


@pytest.mark.slow
def test_a_process_killed_while_saving_leaves_old_or_new_never_a_mix(tmp_path):
    path = tmp_path / "kill.db"
    uid, patient = _setup(path)
    rng = random.Random(2271)
    root = Path(__file__).resolve().parents[2]
    for _ in range(15):
        child = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(path), uid, patient],
            stdout=subprocess.PIPE,
            text=True,
            cwd=root,
        )
        assert child.stdout is not None
        for _ in range(rng.randint(1, 40)):  # let it commit a few saves, then kill mid-loop
            child.stdout.readline()
        child.kill()  # SIGKILL; on Windows TerminateProcess
        child.wait()
        child.stdout.close()
        store = Store.open(path, user="checker")
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        versions = store.db.query(
            "SELECT version, data FROM assessments WHERE uid = ? ORDER BY version", [uid]
        )
        numbers = [v["version"] for v in versions]
        assert numbers == list(range(1, len(numbers) + 1))
        for row in store.db.query("SELECT data FROM assessments WHERE uid = ?", [uid]):
            value = decode("assessments", json.loads(row["data"]))
            n = value.itch_vas_mm
            assert value.patient_global_vas_mm == value.physician_global_vas_mm == n
            assert value.notes in ("", f"version {n}")
        latest = store.get("assessments", uid)
        audit_versions = [
            e.version for e in store.audit_entries(patient_uid=patient) if e.entity_uid == uid
        ]
        assert max(audit_versions) == latest.version  # the audit entry committed with it
        store.close()


@pytest.mark.slow
def test_two_processes_writing_the_same_record_lose_no_update(tmp_path):
    path = tmp_path / "race.db"
    uid, patient = _setup(path)
    root = Path(__file__).resolve().parents[2]
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", COUNTER, str(path), uid, patient, name, "40"],
            stdout=subprocess.PIPE,
            text=True,
            cwd=root,
        )
        for name in ("window-a", "window-b")
    ]
    for w in writers:
        out, _ = w.communicate(timeout=120)
        assert w.returncode == 0 and out.strip() == "done"
    store = Store.open(path, user="checker")
    final = store.get("assessments", uid)
    assert final.value.notes == "80"  # 40 + 40 increments: not one lost
    assert final.version == 81
    assert {h.saved_by for h in store.history("assessments", uid)[1:]} == {"window-a", "window-b"}
    store.close()
