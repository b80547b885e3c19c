"""MDT meetings (m011): one versioned document each, like the patient records. Every change
adds a version with its audit entry; a save names the version it started from (a meeting edited
at the same time elsewhere is refused, nothing written). Callers authorise and hold the
transaction (the Store facade does both)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from mdtapp.domain.errors import FieldError, ValidationError
from mdtapp.domain.meeting import AgendaItem, Attendee, Meeting, validate_meeting
from mdtapp.store.audit import AuditTrail
from mdtapp.store.context import Context
from mdtapp.store.errors import ConcurrentEditError, RecordNotFound
from mdtapp.store.models import Saved, dump_json
from mdtapp.store.records import new_uid

Json = dict[str, Any]
KIND = "meetings"


def encode_meeting(m: Meeting) -> Json:
    return {
        "date": m.date.isoformat(),
        "time": m.time,
        "place": m.place,
        "chair": m.chair,
        "attendees": [
            {
                "name": a.name,
                "role": a.role,
                "specialty": a.specialty,
                "username": a.username,
                "present": a.present,
            }
            for a in m.attendees
        ],
        "agenda": [
            {
                "patient_uid": i.patient_uid,
                "source": i.source,
                "reason": i.reason,
                "status": i.status,
            }
            for i in m.agenda
        ],
    }


def decode_meeting(data: Any) -> Meeting:
    """The meeting, or ValidationError naming each field it cannot read."""
    errors: list[FieldError] = []
    if not isinstance(data, dict):
        raise ValidationError([FieldError("(meeting)", "must be an object")])

    def text(obj: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = obj.get(key, default)
        if not isinstance(value, str):
            errors.append(FieldError(f"{where}{key}", f"must be text; got {value!r}"))
            return ""
        return value

    try:
        on = date.fromisoformat(text(data, "date", ""))
    except ValueError:
        errors.append(FieldError("date", f"must be a date YYYY-MM-DD; got {data.get('date')!r}"))
        on = date.min
    attendees = []
    for i, a in enumerate(data.get("attendees") or []):
        where = f"attendees[{i}]."
        if not isinstance(a, dict):
            errors.append(FieldError(f"attendees[{i}]", "must be an object"))
            continue
        username = a.get("username")
        present = a.get("present", True)
        if not isinstance(present, bool):
            errors.append(FieldError(f"{where}present", f"must be true or false; got {present!r}"))
        attendees.append(
            Attendee(
                name=text(a, "name", where),
                role=text(a, "role", where, ""),
                specialty=text(a, "specialty", where, ""),
                username=username if isinstance(username, str) and username else None,
                present=present is not False,
            )
        )
    agenda = []
    for i, item in enumerate(data.get("agenda") or []):
        where = f"agenda[{i}]."
        if not isinstance(item, dict):
            errors.append(FieldError(f"agenda[{i}]", "must be an object"))
            continue
        agenda.append(
            AgendaItem(
                patient_uid=text(item, "patient_uid", where),
                source=text(item, "source", where),
                reason=text(item, "reason", where, ""),
                status=text(item, "status", where, "to_discuss"),
            )
        )
    meeting = Meeting(
        date=on,
        time=text(data, "time", ""),
        place=text(data, "place", ""),
        chair=text(data, "chair", "", ""),
        attendees=tuple(attendees),
        agenda=tuple(agenda),
    )
    if errors:
        raise ValidationError(errors)
    return meeting


class Meetings:
    def __init__(self, ctx: Context, audit: AuditTrail):
        self.ctx = ctx
        self.audit = audit

    def _saved(self, row: dict[str, Any]) -> Saved[Meeting]:
        data = json.loads(row["data"])
        return Saved(
            KIND,
            row["uid"],
            row["version"],
            "",
            decode_meeting(data),
            row["saved_at"],
            row["saved_by"],
            row["change_reason"],
            bool(row["deleted"]),
            data,
        )

    def _latest(self, uid: str) -> dict[str, Any] | None:
        rows = list(
            self.ctx.db.query(
                "SELECT * FROM meetings WHERE uid = ? ORDER BY version DESC LIMIT 1", [uid]
            )
        )
        return rows[0] if rows else None

    def get(self, uid: str) -> Saved[Meeting]:
        row = self._latest(uid)
        if row is None or row["deleted"]:
            raise RecordNotFound(f"No meeting {uid}")
        return self._saved(row)

    def history(self, uid: str) -> list[Saved[Meeting]]:
        rows = self.ctx.db.query("SELECT * FROM meetings WHERE uid = ? ORDER BY version", [uid])
        return [self._saved(r) for r in rows]

    def all(self) -> list[Saved[Meeting]]:
        """Every current meeting, latest first."""
        rows = self.ctx.db.query(
            "SELECT * FROM current_meetings ORDER BY on_date DESC, json_extract(data, '$.time') "
            "DESC, uid"
        )
        return [self._saved(r) for r in rows]

    def check(self, meeting: Meeting) -> None:
        errors = validate_meeting(meeting, self.ctx.forms.meeting)
        if errors:
            raise ValidationError(errors)

    def add(self, meeting: Meeting, *, uid: str | None = None) -> Saved[Meeting]:
        self.ctx.writing()
        self.check(meeting)
        uid = uid or new_uid()
        data = encode_meeting(meeting)
        self._insert(uid, 1, meeting, data, "")
        self.audit.add("add", entity=KIND, entity_uid=uid, version=1, after=data)
        return self.get(uid)

    def save(
        self, uid: str, meeting: Meeting, *, base_version: int, reason: str = ""
    ) -> Saved[Meeting]:
        self.ctx.writing()
        self.check(meeting)
        latest = self._latest(uid)
        if latest is None or latest["deleted"]:
            raise RecordNotFound(f"No meeting {uid}")
        if latest["version"] != base_version:
            raise ConcurrentEditError(
                f"This meeting was changed by {latest['saved_by']} at {latest['saved_at']} "
                "since it was shown: reopen it. Nothing was saved."
            )
        before = json.loads(latest["data"])
        data = encode_meeting(meeting)
        if data == before:
            return self._saved(latest)
        version = base_version + 1
        self._insert(uid, version, meeting, data, reason)
        self.audit.add(
            "update",
            entity=KIND,
            entity_uid=uid,
            version=version,
            before=before,
            after=data,
            detail=reason,
        )
        return self.get(uid)

    def _insert(self, uid: str, version: int, meeting: Meeting, data: Json, reason: str) -> None:
        self.ctx.db.execute(
            "INSERT INTO meetings (uid, version, on_date, data, deleted, saved_at, saved_by, "
            "change_reason) VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
            [
                uid,
                version,
                meeting.date.isoformat(),
                dump_json(data),
                self.ctx.now_text(),
                self.ctx.user,
                reason,
            ],
        )

    def decisions_of(self, uid: str) -> list[tuple[str, str, int]]:
        """(patient uid, decision uid, version) of each current decision taken in the meeting."""
        rows = self.ctx.db.query(
            "SELECT patient_uid, uid, version FROM current_decisions "
            "WHERE json_extract(data, '$.meeting.uid') = ? ORDER BY on_date, uid",
            [uid],
        )
        return [(r["patient_uid"], r["uid"], r["version"]) for r in rows]
