"""The yearly audit return from the database, reading only what it needs, in a few queries
(not patient by patient), so it stays fast with thousands of patients and years of infusions.
A patient's rows are computed by mdtapp.domain.audit.patient_rows."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from mdtapp.domain.audit import (
    COLUMNS,
    LOOK_BACK_DAYS,
    AuditInputs,
    AuditRow,
    Seen,
    patient_rows,
    summarise,
)
from mdtapp.domain.schedule import START, STOP, ScheduleDecision, stops
from mdtapp.store import codec
from mdtapp.store.interchange import write_atomically
from mdtapp.store.repository import Store

Progress = Callable[[int, int, str], None]  # (step, steps, what)
STEPS = ("patients", "regimens", "infusions", "assessments", "admissions", "rows")

# The big reads are answered from indexes alone (m006, m007, m010), so no record page is
# decrypted. Each is materialised before anything else is done with it: grouping or json_each
# straight from the view would make SQLite read the record pages instead.
YEAR_DOSES = (  # one row per patient and dose size, with its dates: not a row per infusion
    "WITH year AS MATERIALIZED (SELECT patient_uid, on_date, "
    "json_extract(data, '$.grams') AS grams, json_extract(data, '$.route') AS route "
    "FROM current_infusions WHERE on_date BETWEEN ? AND ?) "
    "SELECT patient_uid, grams, route, group_concat(on_date) FROM year "
    "GROUP BY patient_uid, grams, route"
)
STOPS_AND_STARTS = (  # each audited patient's stop and start decisions up to the year's end
    "SELECT patient_uid, on_date, json_extract(data, '$.decision') FROM current_decisions "
    "WHERE patient_uid IN (SELECT uid FROM audit_patients) AND on_date <= ? "
    "AND json_extract(data, '$.decision') IN (?, ?)"
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
        uid: codec.decode("patients", json.loads(data), store.forms)
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
        regimens[uid].append(codec.decode("regimens", json.loads(data), store.forms))
    # a stop decision ends the regimen in force; a later start reopens it (domain.md section 3)
    decisions: dict[str, list[ScheduleDecision]] = defaultdict(list)
    for uid, on, kind in db.execute(STOPS_AND_STARTS, [last, STOP, START]):
        decisions[uid].append(ScheduleDecision(date.fromisoformat(on), kind))
    step(2)
    given: dict[str, dict[tuple[float, str], list[date]]] = defaultdict(dict)
    iv_before: dict[str, list[date]] = defaultdict(list)
    look_back = (date(year, 1, 1) - timedelta(days=LOOK_BACK_DAYS)).isoformat()
    for uid, grams, route, on_dates in db.execute(YEAR_DOSES, [look_back, last]):
        days = on_dates.split(",")
        before = [d for d in days if d < first]  # the look-back days (ISO dates sort as text)
        if before:
            if route == "iv":
                iv_before[uid].extend(map(date.fromisoformat, before))
            days = [d for d in days if d >= first]
        if days:
            given[uid][float(grams), route] = [date.fromisoformat(d) for d in days]
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
        rows += patient_rows(
            AuditInputs(
                patient=patient,
                regimens=tuple(regimens[uid]),
                stops=stops(decisions[uid]),
                given=given[uid],
                iv_dates_before=tuple(iv_before[uid]),
                assessments_in_year=tuple(seen[uid]),
                related_admissions_in_year=int(admissions.get(uid, 0)),
            ),
            year,
            store.forms,
        )
    db.execute("DELETE FROM audit_patients")
    db.commit()
    rows.sort(key=lambda r: r.nhs_number)  # stable: a patient's rows stay in date order
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
        detail=f"year {year}: {len(rows)} row(s) to {path}; {summarise(rows, year).text}",
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    """--write: bring docs/outputs.md's table of the CSV's columns up to date."""
    import sys

    from mdtapp.domain.audit import column_doc_table
    from mdtapp.store.json_schema import replace_between

    doc = Path(__file__).resolve().parents[2] / "docs" / "outputs.md"
    text = doc.read_text(encoding="utf-8")
    wanted = replace_between(text, "audit-columns", column_doc_table())
    if wanted == text:
        return 0
    if "--write" in (sys.argv[1:] if argv is None else argv):
        doc.write_text(wanted, encoding="utf-8")
        print(f"wrote {doc}")
        return 0
    print(f"{doc} is stale: python -m mdtapp.store.audit_return --write")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
