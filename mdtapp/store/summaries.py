"""The patient summary cache: one row per patient for the list, search and the reviews list
(name, next review, flags), derived from the records and rebuilt whenever they change.

The cache follows the forms in use: a row computed under other forms (a new threshold, say) or
missing is stale. Opening never writes, so until the first write stale rows are computed in
memory and read in place of the stored ones; the first write transaction stores them.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from mdtapp.domain.model import Patient
from mdtapp.store.context import Context
from mdtapp.store.models import PatientSummary
from mdtapp.store.records import Records

Row = dict[str, Any]
COLUMNS = (
    "patient_uid",
    "nhs_number",
    "hospital_number",
    "family_name",
    "given_names",
    "date_of_birth",
    "sex",
    "deleted",
    "first_infusion",
    "latest_assessment",
    "next_review",
    "review_reason",
    "unscheduled",
    "response",
    "flags",
    "search_text",
    "forms_version",
    "stopped_on",
)
UPSERT = (
    f"INSERT INTO patient_summary ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in COLUMNS)}) ON CONFLICT (patient_uid) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
)


class SummaryCache:
    def __init__(self, ctx: Context, records: Records):
        self.ctx = ctx
        self.records = records
        self._settled = False  # stale rows stored, or none were found
        self._fresh: list[Row] = []  # stale patients' rows, computed, not yet stored
        self._fresh_as_of: int | None = None  # PRAGMA data_version they were computed at

    # ------------------------------------------------------------ computing

    def row(self, patient_uid: str) -> Row:
        """The summary of one patient, from their records under the forms in use."""
        patient = self.records.get("patients", patient_uid)
        p: Patient = patient.value
        evaluation = review = None
        first_infusion = latest_assessment = None
        if not patient.deleted:
            from mdtapp.domain.record import flags_and_review  # the rules: only when needed

            # what the list shows needs the assessments and decisions, and only the dates of
            # the infusions (stored beside each record: no infusion is decoded)
            infusion_dates = [
                date.fromisoformat(on)
                for (on,) in self.ctx.db.conn.execute(
                    "SELECT on_date FROM current_infusions WHERE patient_uid = ?", [patient_uid]
                )
            ]
            assessments = sorted(
                (s.value for s in self.records.current("assessments", patient_uid)),
                key=lambda a: a.date,
            )
            decisions = sorted(
                (s.value for s in self.records.current("decisions", patient_uid)),
                key=lambda d: d.date,
            )
            evaluation, review = flags_and_review(
                assessments=assessments,
                infusion_dates=infusion_dates,
                decisions=decisions,
                today=self.ctx.today(),
                forms=self.ctx.forms,
            )
            first_infusion = min(infusion_dates) if infusion_dates else None
            latest_assessment = assessments[-1].date if assessments else None
        flags = [f.key for f in evaluation.raised] if evaluation else []
        response = evaluation.response if evaluation else None
        return {
            "patient_uid": patient_uid,
            "nhs_number": p.nhs_number,
            "hospital_number": p.hospital_number,
            "family_name": p.family_name,
            "given_names": p.given_names,
            "date_of_birth": p.date_of_birth.isoformat(),
            "sex": p.sex,
            "deleted": int(patient.deleted),
            "first_infusion": first_infusion.isoformat() if first_infusion else None,
            "latest_assessment": latest_assessment.isoformat() if latest_assessment else None,
            "next_review": review.next_due.isoformat() if review and review.next_due else None,
            "review_reason": review.reason if review else "deleted",
            "unscheduled": int(bool(review and review.unscheduled)),
            "response": None if response is None else int(response),
            "flags": json.dumps(flags),
            "search_text": " ".join(
                [p.family_name, p.given_names, p.nhs_number, p.hospital_number]
            ).casefold(),
            "forms_version": self.ctx.forms.version,
            "stopped_on": review.stopped_on.isoformat() if review and review.stopped_on else None,
        }

    def _stale(self) -> list[str]:
        return [
            r["patient_uid"]
            for r in self.ctx.db.query(
                "SELECT k.patient_uid FROM patient_keys k LEFT JOIN patient_summary s "
                "ON s.patient_uid = k.patient_uid WHERE s.patient_uid IS NULL "
                "OR s.forms_version != ?",
                [self.ctx.forms.version],
            )
        ]

    # ------------------------------------------------------------ writing

    def refresh(self, patient_uid: str) -> None:
        """Store the patient's summary again (in the transaction that changed their records)."""
        self.ctx.writing()
        row = self.row(patient_uid)
        self.ctx.db.execute(UPSERT, [row[c] for c in COLUMNS])

    def store_stale(self) -> bool:
        """In the first write transaction: store every stale row. Returns whether that is
        still to be done (then call `stored` once the transaction has committed)."""
        if self._settled:
            return False
        for uid in self._stale():
            self.refresh(uid)
        return True

    def stored(self) -> None:
        self._settled = True
        self._fresh = []

    def rebuild(self) -> None:
        for uid in [
            r["patient_uid"] for r in self.ctx.db.query("SELECT patient_uid FROM patient_keys")
        ]:
            self.refresh(uid)

    # ------------------------------------------------------------ reading

    def _fresh_rows(self) -> list[Row]:
        """Before the first write: stale patients' rows, recomputed whenever another
        connection has committed since (PRAGMA data_version tells)."""
        if self._settled:
            return []
        as_of = int(self.ctx.db.execute("PRAGMA data_version").fetchone()[0])
        if as_of != self._fresh_as_of:
            stale = self._stale()
            if not stale:  # nothing to store: as if the first write had happened
                self.stored()
                return []
            self._fresh = [self.row(uid) for uid in stale]
            self._fresh_as_of = as_of
        return self._fresh

    def _select(self, what: str, where: str, params: dict[str, Any]) -> list[Row]:
        """SELECT from the cache, with the fresh rows in place of the stale ones."""
        fresh = self._fresh_rows()
        if not fresh:
            return list(self.ctx.db.query(f"SELECT {what} FROM patient_summary {where}", params))
        values = ", ".join(f"json_extract(value, '$.{c}')" for c in COLUMNS)
        source = (
            f"SELECT {', '.join(COLUMNS)} FROM patient_summary WHERE patient_uid NOT IN "
            "(SELECT json_extract(value, '$.patient_uid') FROM json_each(:fresh)) "
            f"UNION ALL SELECT {values} FROM json_each(:fresh)"
        )
        return list(
            self.ctx.db.query(
                f"SELECT {what} FROM ({source}) {where}", {**params, "fresh": json.dumps(fresh)}
            )
        )

    @staticmethod
    def _summary(row: Row) -> PatientSummary:
        def day(text: str | None) -> date | None:
            return date.fromisoformat(text) if text else None

        return PatientSummary(
            patient_uid=row["patient_uid"],
            nhs_number=row["nhs_number"],
            hospital_number=row["hospital_number"],
            family_name=row["family_name"],
            given_names=row["given_names"],
            date_of_birth=date.fromisoformat(row["date_of_birth"]),
            sex=row["sex"],
            first_infusion=day(row["first_infusion"]),
            latest_assessment=day(row["latest_assessment"]),
            next_review=day(row["next_review"]),
            review_reason=row["review_reason"],
            unscheduled=bool(row["unscheduled"]),
            response=None if row["response"] is None else bool(row["response"]),
            flags=tuple(json.loads(row["flags"])),
            stopped_on=day(row["stopped_on"]),
        )

    def search(self, search: str = "", *, limit: int | None = None) -> list[PatientSummary]:
        """Patients matching a name, NHS number or hospital number, by family name."""
        where = "WHERE deleted = 0"
        params: dict[str, Any] = {}
        # every typed word must appear; an NHS number typed 3 3 4 matches as three words
        for i, word in enumerate(search.casefold().split()):
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where += f" AND search_text LIKE :word{i} ESCAPE '\\'"
            params[f"word{i}"] = f"%{escaped}%"
        where += " ORDER BY family_name COLLATE NOCASE, given_names COLLATE NOCASE, nhs_number"
        if limit:
            where += f" LIMIT {int(limit)}"
        return [self._summary(r) for r in self._select("*", where, params)]

    def reviews(self) -> list[PatientSummary]:
        """Every patient's next review: overdue and soonest first, unscheduled next, then none."""
        rows = self._select(
            "*",
            "WHERE deleted = 0 ORDER BY next_review IS NULL, next_review, unscheduled DESC, "
            "family_name COLLATE NOCASE",
            {},
        )
        summaries = [self._summary(r) for r in rows]
        dated = [s for s in summaries if s.next_review is not None]
        unscheduled = [s for s in summaries if s.next_review is None and s.unscheduled]
        rest = [s for s in summaries if s.next_review is None and not s.unscheduled]
        return dated + unscheduled + rest

    def count(self) -> int:
        return int(self._select("count(*) AS n", "WHERE deleted = 0", {})[0]["n"])
