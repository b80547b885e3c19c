"""The yearly audit return from the database, reading only what it needs, in a few queries
(not patient by patient), so it stays fast with thousands of patients and years of infusions.
The row itself is computed by mdtapp.domain.audit.audit_row."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path

from mdtapp.domain.audit import (
    COLUMNS,
    AuditInputs,
    AuditRow,
    Seen,
    audit_row,
    summarise,
)
from mdtapp.store import codec
from mdtapp.store.interchange import write_atomically
from mdtapp.store.repository import Store

Progress = Callable[[int, int, str], None]  # (step, steps, what)
STEPS = ("patients", "regimens", "infusions", "assessments", "admissions", "rows")

# The two big reads are answered from indexes alone (m006, m007), so no record page is
# decrypted. Each is materialised before anything else is done with it: grouping or json_each
# straight from the view would make SQLite read the record pages instead.
YEAR_DOSES = (  # one row per patient and dose size, with its dates: not a row per infusion
    "WITH year AS MATERIALIZED (SELECT patient_uid, on_date, "
    "json_extract(data, '$.grams') AS grams, json_extract(data, '$.route') AS route "
    "FROM current_infusions WHERE on_date BETWEEN ? AND ?) "
    "SELECT patient_uid, grams, route, group_concat(on_date) FROM year "
    "GROUP BY patient_uid, grams, route"
)
YEAR_OUTCOMES = (  # per assessment: organs involved, dermatoneuro syndrome
    "WITH year AS MATERIALIZED (SELECT patient_uid, on_date, "
    "json_extract(data, '$.systemic') AS systemic, "
    "json_extract(data, '$.dermatoneuro_syndrome') AS dermatoneuro "
    "FROM current_assessments WHERE on_date BETWEEN ? AND ?) "
    "SELECT patient_uid, on_date, (SELECT count(*) FROM json_each(systemic) "
    "WHERE json_extract(value, '$.involved') = 1), dermatoneuro FROM year"
)


def audit_rows(store: Store, year: int, progress: Progress | None = None) -> list[AuditRow]:
    first, last = date(year, 1, 1).isoformat(), date(year, 12, 31).isoformat()
    db = store.db.conn

    def step(i: int) -> None:
        if progress:
            progress(i, len(STEPS), STEPS[i])

    step(0)
    db.execute("CREATE TEMP TABLE IF NOT EXISTS audit_patients (uid TEXT PRIMARY KEY)")
    db.execute("DELETE FROM audit_patients")
    # one index probe per patient ("anything this year?"), not a pass over the year's rows
    db.execute(
        "INSERT INTO audit_patients SELECT k.patient_uid FROM patient_keys k "
        "WHERE EXISTS (SELECT 1 FROM current_infusions i WHERE i.patient_uid = k.patient_uid "
        "AND i.on_date BETWEEN ?1 AND ?2) OR EXISTS (SELECT 1 FROM current_assessments a "
        "WHERE a.patient_uid = k.patient_uid AND a.on_date BETWEEN ?1 AND ?2)",
        [first, last],
    )
    patients = {
        uid: codec.decode("patients", json.loads(data))
        for uid, data in db.execute(
            "SELECT uid, data FROM current_patients WHERE uid IN (SELECT uid FROM audit_patients)"
        )
    }
    step(1)
    regimens = defaultdict(list)
    for uid, data in db.execute(
        "SELECT patient_uid, data FROM current_regimens "
        "WHERE patient_uid IN (SELECT uid FROM audit_patients)"
    ):
        regimens[uid].append(codec.decode("regimens", json.loads(data)))
    step(2)
    dates: dict[str, list[date]] = defaultdict(list)
    doses: dict[str, Counter[tuple[float, str]]] = defaultdict(Counter)
    # the last infusion before the year, one index probe per patient (never the whole history)
    for uid, on in db.execute(
        "SELECT a.uid, (SELECT on_date FROM current_infusions i WHERE i.patient_uid = a.uid "
        "AND i.on_date < ? ORDER BY i.on_date DESC LIMIT 1) FROM audit_patients a",
        [first],
    ):
        if on is not None:
            dates[uid].append(date.fromisoformat(on))
    for uid, grams, route, given in db.execute(YEAR_DOSES, [first, last]):
        on_dates = given.split(",")
        dates[uid].extend(map(date.fromisoformat, on_dates))
        doses[uid][float(grams), route] += len(on_dates)
    step(3)
    seen: dict[str, list[Seen]] = defaultdict(list)
    for uid, on, involved, dermatoneuro in db.execute(YEAR_OUTCOMES, [first, last]):
        seen[uid].append(Seen(date.fromisoformat(on), bool(involved), dermatoneuro == 1))
    step(4)
    admissions = dict(
        db.execute(
            "SELECT patient_uid, count(*) FROM current_admissions WHERE on_date BETWEEN ? AND ? "
            "AND json_extract(data, '$.related') = 1 GROUP BY patient_uid",
            [first, last],
        )
    )
    step(5)
    rows = []
    for uid, patient in patients.items():
        row = audit_row(
            AuditInputs(
                patient=patient,
                regimens=tuple(regimens[uid]),
                infusion_dates=tuple(dates[uid]),
                doses_in_year=doses[uid],
                assessments_in_year=tuple(seen[uid]),
                related_admissions_in_year=int(admissions.get(uid, 0)),
            ),
            year,
            store.forms,
        )
        if row is not None:
            rows.append(row)
    db.execute("DELETE FROM audit_patients")
    db.commit()
    rows.sort(key=lambda r: r.nhs_number)
    return rows


def csv_bytes(rows: list[AuditRow]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(row.values())
    return out.getvalue().encode("utf-8")


def export_audit(
    store: Store, year: int, path: Path, progress: Progress | None = None
) -> list[AuditRow]:
    rows = audit_rows(store, year, progress)
    write_atomically(Path(path), csv_bytes(rows))
    # the return carries NHS numbers: who exported which year, and where, is kept
    store.record_event(
        "audit-return",
        detail=f"year {year}: {len(rows)} patient(s) to {path}; {summarise(rows, year).text}",
    )
    return rows
