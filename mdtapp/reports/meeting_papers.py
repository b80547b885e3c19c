"""A meeting's papers (issue 17): the outcomes summary and the letters for every patient
discussed in one go (one PDF each into a folder, and one combined PDF for printing)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mdtapp.domain.dates import format_date
from mdtapp.domain.errors import FieldError, ValidationError
from mdtapp.domain.meeting import Meeting, attendee_text, place_text, quorum
from mdtapp.domain.nhs_number import format_nhs_number
from mdtapp.reports.meeting_pdf import OutcomeLine, OutcomesSummary, build_outcomes
from mdtapp.reports.service import MISSING, LetterNotReady, letter_settings, produce_letter
from mdtapp.settings import Author, Letterhead
from mdtapp.store.errors import RecordNotFound
from mdtapp.store.repository import Saved, Store


def meeting_title(meeting: Meeting) -> str:
    return (
        f"Rheumatology-dermatology MDT, {format_date(meeting.date)} at {meeting.time}, "
        f"{place_text(meeting.place)}"
    )


def _not_in_future(store: Store, meeting: Meeting, what: str) -> None:
    if meeting.date > store.today():
        raise ValidationError(
            [
                FieldError(
                    "date",
                    f"the meeting is on {format_date(meeting.date)}, in the future: its {what} "
                    "are produced once it has taken place",
                )
            ]
        )


def discussed(store: Store, uid: str) -> list[tuple[str, Saved[Any] | None]]:
    """(patient uid, the decision taken in the meeting or None) for each patient discussed or
    decided on, in agenda order."""
    meeting = store.meeting(uid).value
    decisions = {d.patient_uid: d for d in store.meeting_decisions(uid)}
    return [
        (item.patient_uid, decisions.get(item.patient_uid))
        for item in meeting.agenda
        if item.status == "discussed" or item.patient_uid in decisions
    ]


def outcomes_summary(store: Store, uid: str, *, centre: str | None = None) -> OutcomesSummary:
    from mdtapp.settings import centre_settings

    meeting = store.meeting(uid).value
    rules = store.forms.meeting
    lines = []
    for item in meeting.agenda:
        decision = next((d for p, d in discussed(store, uid) if p == item.patient_uid), None)
        if item.status == "to_discuss" and decision is None:
            continue
        patient = store.patient(item.patient_uid).value
        actions: tuple[str, ...] = ()
        if decision is None:
            outcome, review, joint, signed = "No decision recorded", "not set", "", ""
        else:
            d = decision.value
            outcome = f"{store.forms.decision_label(d.decision)}: {d.reason}"
            actions = tuple(
                f"{who}: {what}"
                for who, what in (
                    ("GP", d.actions_gp),
                    ("Local centre", d.actions_local_centre),
                    ("Patient", d.actions_patient),
                )
                if what.strip()
            )
            review = f"by {format_date(d.next_review)}" if d.next_review else "not set"
            joint = "Joint" if d.joint else "NOT joint"
            sigs = store.signatures("decisions", decision.uid, decision.version)
            signed = (
                f"Signed by {sigs[0].name} {sigs[0].signed_at_text}"
                if sigs
                else "NOT signed: letter is a DRAFT"
            )
        lines.append(
            OutcomeLine(
                patient=f"{patient.display_name} (NHS No. {format_nhs_number(patient.nhs_number)})",
                reason=item.reason,
                status=rules.status_label(item.status),
                outcome=outcome,
                actions=actions,
                next_review=review,
                joint=joint,
                signed=signed,
            )
        )
    attendance = tuple(
        f"{attendee_text(a, rules)}: {'present' if a.present else 'left / absent'}"
        for a in meeting.attendees
    )
    head = centre_settings(store).letterhead
    given = (centre or "").strip()
    if not head.configured and not given:  # never a placeholder where the letterhead belongs
        raise LetterNotReady([MISSING["letterhead.centre"]])
    return OutcomesSummary(
        centre=head.centre if head.configured else given,
        title=meeting_title(meeting),
        chair=meeting.chair,
        attendance=attendance,
        quorum="At the end of the meeting: "
        + quorum(meeting.attendees, rules).text()
        + f" (rule: {rules.quorum_text()}). Each decision below is joint or not as the quorum "
        "stood when it was taken.",
        lines=tuple(lines),
        forms_version=store.forms.version,
        produced_at=store.clock().astimezone(),
    )


def produce_outcomes(store: Store, uid: str, *, centre: str | None = None) -> bytes:
    """The outcomes summary; refused for a meeting in the future (nothing has happened), and
    (LetterNotReady) when the centre's letterhead is not set and no `centre` is given."""
    meeting = store.meeting(uid).value
    _not_in_future(store, meeting, "outcomes")
    pdf = build_outcomes(outcomes_summary(store, uid, centre=centre))
    store.record_event(
        "meeting-outcomes", entity="meetings", entity_uid=uid, detail=meeting_title(meeting)
    )
    return pdf


@dataclass(frozen=True)
class LettersResult:
    files: tuple[Path, ...]  # one per patient, in agenda order
    combined: Path | None  # all of them, for printing
    drafts: tuple[str, ...]  # patients whose letter is a DRAFT (something unsigned)
    skipped: tuple[str, ...]  # "SMITH, Jane: no assessment yet: a letter needs one"


def produce_meeting_letters(
    store: Store,
    uid: str,
    folder: Path,
    *,
    author: Author | None = None,
    letterhead: Letterhead | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> LettersResult:
    """A letter for every patient discussed, one PDF each in `folder` and one combined PDF.
    A missing letterhead or author is asked once for the batch (LetterNotReady before any is
    written); unsigned ones are DRAFT on every page (domain.md section 7)."""
    from pypdf import PdfReader, PdfWriter

    from mdtapp.store.interchange import write_atomically

    meeting = store.meeting(uid).value
    _not_in_future(store, meeting, "letters")
    ready = letter_settings(store, author=author, letterhead=letterhead)
    if ready.missing:
        raise LetterNotReady(ready.missing)
    todo = discussed(store, uid)
    folder = Path(folder)
    files, drafts, skipped = [], [], []
    combined = PdfWriter()
    stamp = meeting.date.strftime("%Y%m%d")
    for n, (patient_uid, _) in enumerate(todo, start=1):
        patient = store.patient(patient_uid).value
        if progress is not None:
            progress(n - 1, len(todo), patient.display_name)
        try:
            produced = produce_letter(
                store,
                patient_uid,
                author=ready.author,
                letterhead=ready.letterhead,
                destination=f"the letters of the meeting {meeting_title(meeting)}",
            )
        except RecordNotFound as e:
            skipped.append(f"{patient.display_name}: {e}")
            continue
        path = folder / f"letter-{stamp}-{n:02d}-{patient.nhs_number}.pdf"
        write_atomically(path, produced.pdf)
        files.append(path)
        reader = PdfReader(io.BytesIO(produced.pdf))
        title = (reader.metadata.title if reader.metadata else None) or ""
        if title.startswith("DRAFT"):
            drafts.append(patient.display_name)
        combined.append(reader)
    combined_path = None
    if files:
        out = io.BytesIO()
        combined.write(out)
        combined_path = folder / f"letters-{stamp}-all.pdf"
        write_atomically(combined_path, out.getvalue())
    if progress is not None:
        progress(len(todo), len(todo), "done")
    return LettersResult(tuple(files), combined_path, tuple(drafts), tuple(skipped))


__all__ = [
    "LettersResult",
    "discussed",
    "meeting_title",
    "outcomes_summary",
    "produce_meeting_letters",
    "produce_outcomes",
]
