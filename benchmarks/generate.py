"""Benchmark databases: N synthetic patients, each with 40 assessments (every 6 weeks) and 5
years of 4-weekly 5-day IV courses, written in bulk (benchmarks only: the app saves one record at
a time through the store). Records are built through the codec, so their shape is the real one.
The patient summaries are then built by the store's own code."""

from __future__ import annotations

import json
import random
import time
from datetime import date, timedelta
from pathlib import Path

from mdtapp.domain.forms import forms
from mdtapp.domain.model import (
    GP,
    Admission,
    Decision,
    Eligibility,
    Infusion,
    LocalCentre,
    Nutrition,
    OrganStatus,
    Papules,
    Patient,
    Regimen,
    SpecialtyAgreement,
)
from mdtapp.domain.nhs_number import check_digit
from mdtapp.store import access, codec
from mdtapp.store.repository import CHILD_KINDS, Store, new_uid

USER, PASSWORD = "bench", "bench-passphrase"
START = date(2021, 1, 4)
TABLES = ("patients", *CHILD_KINDS)


def nhs_numbers(rng: random.Random):  # type: ignore[no-untyped-def]
    seen: set[str] = set()
    while True:
        first = f"{rng.randrange(400000000, 799999999):09d}"
        check = check_digit(first)
        if check is not None and first not in seen:
            seen.add(first)
            yield first + str(check)


def patient_records(rng: random.Random, nhs: str, i: int) -> dict[str, list[object]]:
    f = forms()
    sex = rng.choice(["female", "male"])
    patient = Patient(
        nhs,
        rng.choice(["Smith", "Jones", "Patel", "Khan", "Brown", "Wilson"]) + f"-{i}",
        rng.choice(["Ann", "Raj", "Mei", "Tom", "Ola", "Eve"]),
        date(1950 + i % 40, 1 + i % 12, 1 + i % 28),
        sex,
        f"H{i:07d}",
        float(rng.randrange(150, 190)),
        "1 Example Street",
        GP("Dr GP", "Practice", "Road"),
        LocalCentre("Unit", "Road"),
    )
    first = START + timedelta(days=i % 60)
    eligibility = Eligibility(
        {c: "yes" for c in f.eligibility.criterion_keys},
        SpecialtyAgreement("Dr R", first - timedelta(days=14)),
        SpecialtyAgreement("Dr D", first - timedelta(days=14)),
        first - timedelta(days=40),
        True,
        (),
        True,
        f"REF{i}",
        "approved",
    )
    weight = float(rng.randrange(55, 110))
    regimen = Regimen(first, 2.0, 5, 4, "iv", weight)
    infusions = []
    start = first
    while start < START + timedelta(days=5 * 365):
        for day, grams in enumerate((30.0, 30.0, 30.0, 25.0, 25.0)):
            infusions.append(
                Infusion(
                    start + timedelta(days=day), grams, "Privigen", f"PRV{i:05d}{start:%y%m}", "iv"
                )
            )
        start += timedelta(weeks=4)
    assessments = []
    level = rng.randrange(15, 45)
    for k in range(40):
        on = first - timedelta(days=7) + timedelta(weeks=6 * k)
        level = max(0, min(60, level + rng.randrange(-4, 4)))
        scores = {
            key: min(3, max(0, level // 20 + rng.randrange(-1, 2))) for key in f.mrss.area_keys
        }
        assessments.append(
            codec.encode(
                "assessments",
                __import__("mdtapp.domain.model", fromlist=["Assessment"]).Assessment(
                    on,
                    "Dr D",
                    scores,
                    rng.randrange(0, 100),
                    rng.randrange(0, 100),
                    rng.randrange(0, 100),
                    Papules(rng.randrange(0, 80), "left forearm"),
                    {o: OrganStatus(False, False) for o in f.systemic.organ_keys},
                    "",
                    False,
                    False,
                    Nutrition(weight, weight, False, False),
                ),
                f,
            )
        )
    decisions = [
        Decision(
            first - timedelta(days=7) + timedelta(days=182 * k),
            "continue",
            "Responding",
            ("Dr D", "Dr R"),
            first + timedelta(days=182 * (k + 1)),
        )
        for k in range(10)
    ]
    admissions = [Admission(first + timedelta(days=300), first + timedelta(days=303), i % 3 == 0)]
    return {
        "patients": [patient],
        "eligibility": [eligibility],
        "regimens": [regimen],
        "infusions": infusions,
        "assessments": assessments,
        "decisions": decisions,
        "admissions": admissions,
    }


def generate(path: Path, patients: int, *, seed: int = 2271) -> Path:
    """Create (or reuse) a benchmark database of `patients` patients."""
    if path.exists():
        return path
    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    building = path.with_name(path.name + ".building")
    for leftover in building.parent.glob(building.name + "*"):
        leftover.unlink()
    created = access.create_database(
        building, username=USER, display_name="Benchmark", password=PASSWORD
    )
    store = created.store
    store.daily_backups_kept = 0
    conn = store.db.conn
    rng = random.Random(seed)
    numbers = nhs_numbers(rng)
    now = store.now_text()
    f = forms()
    for batch in range(0, patients, 500):
        rows: dict[str, list[tuple[object, ...]]] = {t: [] for t in TABLES}
        keys = []
        for i in range(batch, min(batch + 500, patients)):
            uid = new_uid()
            records = patient_records(rng, next(numbers), i)
            keys.append((uid, records["patients"][0].nhs_number))  # type: ignore[attr-defined]
            for kind, values in records.items():
                for value in values:
                    data = value if isinstance(value, dict) else codec.encode(kind, value, f)
                    on = data.get("date") or data.get("from") or data.get("admitted")
                    rows[kind].append(
                        (
                            uid if kind == "patients" else new_uid(),
                            1,
                            uid,
                            on,
                            json.dumps(data, separators=(",", ":")),
                            now,
                            USER,
                        )
                    )
        with store.transaction():
            conn.executemany(
                "INSERT INTO patient_keys (patient_uid, nhs_number) VALUES (?, ?)", keys
            )
            for kind, values in rows.items():
                conn.executemany(
                    f"INSERT INTO {kind} (uid, version, patient_uid, on_date, data, saved_at, "
                    "saved_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    values,
                )
            conn.executemany(
                "INSERT INTO audit (at, user, action, entity, entity_uid, patient_uid, detail) "
                "VALUES (?, ?, 'import', 'patients', ?, ?, 'benchmark data')",
                [(now, USER, uid, uid) for uid, _ in keys],
            )
    store.rebuild_summaries()
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    for suffix in ("", ".keys"):
        Path(str(building) + suffix).rename(Path(str(path) + suffix))
    print(
        f"  generated {patients} patients in {time.perf_counter() - started:.0f} s "
        f"({path.stat().st_size / 2**20:.0f} MiB)",
        flush=True,
    )
    return path


def open_bench(path: Path) -> Store:
    store = access.sign_in(path, USER, PASSWORD)
    store.daily_backups_kept = 0  # measure the operation, not the first-of-the-day backup
    return store
