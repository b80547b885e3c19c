"""Where each version of a record comes from, so that files exchanged between sites merge only
what descends from what is held (issue 14.2; docs/format.md, "Lineage").

A version's *revision* is the SHA-256 of its content: the record as it is stored and exported,
in a canonical form. The same content has the same revision at every site, however each site
numbers its versions. A version's *ancestors* are the revisions it was made from, oldest first;
the last is the version it was based on. A version saved here descends from the version before
it. A version written by an import keeps the lineage the file gave it (a row of `lineage`,
never changed), so the next export states it again, byte for byte, and a site that sent a
record recognises its own version among the ancestors of the copy that comes back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mdtapp.store.context import Context


def _plain(value: Any) -> Any:
    """A whole-number float as an integer: 70.0 and 70 are the same weight, whichever program
    last wrote the file."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def canonical(data: Mapping[str, Any]) -> bytes:
    """The content a revision is the digest of: keys sorted, no spaces, UTF-8."""
    return json.dumps(
        _plain(dict(data)), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8", "surrogatepass")


def revision(data: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(data)).hexdigest()


@dataclass(frozen=True)
class Lineage:
    """One version's place in its record's history, as files carry it."""

    revision: str
    ancestors: tuple[str, ...]  # oldest first; the last is the version this one was based on
    saved_at: str  # when and by whom this content was saved, at the site that saved it
    saved_by: str

    @property
    def version(self) -> int:
        """Its number along its lineage: 1 for a record's first version."""
        return len(self.ancestors) + 1

    def descends_from(self, other: str) -> bool:
        return other in self.ancestors

    def then(self, later: str, saved_at: str, saved_by: str) -> Lineage:
        """The lineage of the next version, with content `later`."""
        if later == self.revision:  # unchanged content (a delete marker, an undelete)
            return self
        return Lineage(later, (*self.ancestors, self.revision), saved_at, saved_by)

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "revision": self.revision,
            "ancestors": list(self.ancestors),
            "saved_at": self.saved_at,
            "saved_by": self.saved_by,
        }


@dataclass(frozen=True)
class Held:
    """A record's latest version as this database holds it (perhaps deleted), with its
    lineage."""

    uid: str
    version: int
    deleted: bool
    data: dict[str, Any]
    saved_at: str
    saved_by: str
    change_reason: str
    lineage: Lineage


class Lineages:
    def __init__(self, ctx: Context):
        self.ctx = ctx

    def held(self, kind: str, patient_uid: str) -> dict[str, Held]:
        """Every record of a kind the patient has (deleted ones too), by uid: one read of the
        history and one of the kept lineages, however many records."""
        kept = {
            (r["uid"], r["version"]): r
            for r in self.ctx.db.query(
                "SELECT uid, version, ancestors, saved_at, saved_by FROM lineage "
                "WHERE patient_uid = ? AND kind = ?",
                [patient_uid, kind],
            )
        }
        out: dict[str, Held] = {}
        for row in self.ctx.db.query(
            f"SELECT uid, version, deleted, data, saved_at, saved_by, change_reason FROM {kind} "
            "WHERE patient_uid = ? ORDER BY uid, version",
            [patient_uid],
        ):
            uid = row["uid"]
            data = json.loads(row["data"])
            content = revision(data)
            given = kept.get((uid, row["version"]))
            before = out.get(uid)
            if given is not None:
                lineage = Lineage(
                    content,
                    tuple(json.loads(given["ancestors"])),
                    given["saved_at"],
                    given["saved_by"],
                )
            elif before is None:
                lineage = Lineage(content, (), row["saved_at"], row["saved_by"])
            else:
                lineage = before.lineage.then(content, row["saved_at"], row["saved_by"])
            out[uid] = Held(
                uid,
                row["version"],
                bool(row["deleted"]),
                data,
                row["saved_at"],
                row["saved_by"],
                row["change_reason"],
                lineage,
            )
        return out

    def keep(self, kind: str, uid: str, version: int, patient_uid: str, lineage: Lineage) -> None:
        """The lineage a file gave a version this import wrote (inside its transaction)."""
        self.ctx.writing()
        self.ctx.db.execute(
            "INSERT INTO lineage (kind, uid, version, patient_uid, ancestors, saved_at, "
            "saved_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                kind,
                uid,
                version,
                patient_uid,
                json.dumps(list(lineage.ancestors)),
                lineage.saved_at,
                lineage.saved_by,
            ],
        )
