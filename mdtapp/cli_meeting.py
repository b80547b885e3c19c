"""`mdtapp meeting new|list|show|agenda|outcomes|letters` (issue 17): prepare a meeting and
produce its papers without the window. Errors name the option; exit codes as the other
commands (mdtapp/cli.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from mdtapp.cli import EXIT_BAD_INPUT, EXIT_OK, CommandError, _nhs_arg, _write_pdf, open_store

ACTIONS = ("new", "list", "show", "agenda", "outcomes", "letters")


def add_parser(command: Any) -> None:
    p = command(
        "meeting",
        cmd_meeting,
        "prepare an MDT meeting and produce its outcomes summary and letters",
        "An MDT meeting: 'new' prepares one (date, time, place or 'virtual', chair, attendees, "
        "an agenda built from the reviews dashboard and new referrals, patients added by NHS "
        "number); 'list' and 'show' print meetings; 'agenda' prints or adds to one's agenda; "
        "'outcomes' writes the outcomes summary (PDF); 'letters' writes a letter for every "
        "patient discussed into a folder, and one combined PDF. MEETING is a meeting's id (or "
        "its first 8 characters) or its date when only one is on that day.",
    )
    p.add_argument("action", choices=ACTIONS, help="what to do")
    p.add_argument("meeting", nargs="?", metavar="MEETING", help="the meeting (show, agenda, ...)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="new: the meeting's date (default: today)")
    p.add_argument("--time", metavar="HH:MM", help="new: the time it starts (default 14:00)")
    p.add_argument("--place", help="new: the room, or 'virtual'")
    p.add_argument("--chair", default="", help="new: who chairs it")
    p.add_argument(
        "--attendee",
        action="append",
        default=[],
        metavar="NAME:ROLE[:USERNAME]",
        help="new: someone attending (repeat); ROLE is a key of forms/meeting.toml, e.g. "
        "consultant_rheumatologist, consultant_dermatologist, specialist_nurse, ig_pharmacist, "
        "other",
    )
    p.add_argument(
        "--no-dashboard",
        action="store_true",
        help="new: do not fill the agenda from the reviews dashboard and new referrals",
    )
    p.add_argument(
        "--add",
        action="append",
        default=[],
        metavar="NHS_NUMBER",
        help="new, agenda: add a patient",
    )
    p.add_argument("--out", help="outcomes: the PDF file to write")
    p.add_argument("--folder", help="letters: the folder to write the letters into")
    p.add_argument("--author", help="letters: person completing the record, as printed")
    p.add_argument("--role", help="letters: their role, as printed")
    p.add_argument("--json", action="store_true", help="list, show, agenda: print JSON")


def _find(store: Any, text: str | None) -> Any:
    from mdtapp.domain.dates import format_date

    if not text:
        raise CommandError(
            "MEETING: give the meeting's id or date (mdtapp meeting list)", EXIT_BAD_INPUT
        )
    meetings = store.meetings()
    found = [m for m in meetings if m.uid == text or (len(text) >= 8 and m.uid.startswith(text))]
    if not found:
        found = [m for m in meetings if m.value.date.isoformat() == text]
    if len(found) != 1:
        which = ", ".join(
            f"{m.uid[:8]} ({format_date(m.value.date)} {m.value.time})" for m in found
        )
        raise CommandError(
            f"MEETING: {text!r} is "
            + (
                f"several meetings: {which}; give its id"
                if found
                else "no meeting (mdtapp meeting list)"
            )
        )
    return found[0]


def _attendees(specs: list[str], store: Any) -> tuple[Any, ...]:
    from mdtapp.domain.meeting import Attendee

    out = []
    for i, spec in enumerate(specs, start=1):
        parts = [p.strip() for p in spec.split(":")]
        if len(parts) not in (2, 3) or not parts[0]:
            raise CommandError(
                f"--attendee {i}: expected NAME:ROLE or NAME:ROLE:USERNAME; got {spec!r}",
                EXIT_BAD_INPUT,
            )
        username = parts[2] if len(parts) == 3 and parts[2] else None
        if username and store.account(username) is None:
            raise CommandError(f"--attendee {i}: no account {username!r}", EXIT_BAD_INPUT)
        role = store.forms.meeting.role(parts[1])
        out.append(Attendee(parts[0], parts[1], role.specialty if role else "", username))
    return tuple(out)


def _added(store: Any, numbers: list[str], already: set[str]) -> list[Any]:
    from mdtapp.domain.meeting import AgendaItem
    from mdtapp.store.errors import RecordNotFound

    items = []
    for text in numbers:
        nhs = _nhs_arg(text)
        uid = store.patient_uid_for(nhs)
        if uid is None:
            raise CommandError(f"--add: no patient with NHS number {text}", EXIT_BAD_INPUT)
        if uid in already:
            raise CommandError(
                f"--add: {text} is already on this meeting's agenda: a patient is on it once",
                EXIT_BAD_INPUT,
            )
        already.add(uid)
        try:
            store.patient(uid)
        except RecordNotFound as e:
            raise CommandError(f"--add: {e}", EXIT_BAD_INPUT) from None
        items.append(AgendaItem(uid, "added", "added by hand"))
    return items


def _agenda_json(store: Any, meeting: Any, decisions: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for n, item in enumerate(meeting.agenda, start=1):
        p = store.patient(item.patient_uid).value
        d = decisions.get(item.patient_uid)
        out.append(
            {
                "position": n,
                "nhs_number": p.nhs_number,
                "name": f"{p.given_names} {p.family_name}",
                "source": item.source,
                "reason": item.reason,
                "status": item.status,
                "decision": d.value.decision if d else None,
                "joint": d.value.joint if d else None,
            }
        )
    return out


def _meeting_json(store: Any, saved: Any) -> dict[str, Any]:
    from mdtapp.domain.meeting import quorum
    from mdtapp.store.meetings import encode_meeting

    m = saved.value
    q = quorum(m.attendees, store.forms.meeting)
    decisions = {d.patient_uid: d for d in store.meeting_decisions(saved.uid)}
    stored = encode_meeting(m)  # the details and attendees as the file holds them
    del stored["agenda"]  # shown below with each patient's name and decision
    return {
        "id": saved.uid,
        "version": saved.version,
        **stored,
        "quorate": q.quorate,
        "quorum": [str(line) for line in q.lines],
        "agenda": _agenda_json(store, m, decisions),
    }


def _print_meeting(store: Any, saved: Any) -> None:
    from mdtapp.domain.dates import format_date
    from mdtapp.domain.meeting import attendee_text, place_text, quorum

    m, rules = saved.value, store.forms.meeting
    print(f"Meeting {saved.uid[:8]}: {format_date(m.date)} at {m.time}, {place_text(m.place)}")
    print(f"Chair: {m.chair or 'not recorded'}")
    print("Attendees:")
    for a in m.attendees:
        print(f"  {attendee_text(a, rules)}" + ("" if a.present else " (left / absent)"))
    if not m.attendees:
        print("  none yet")
    q = quorum(m.attendees, rules)
    print(q.verdict)
    for line in q.lines:
        print(f"  {line}")
    _print_agenda(store, saved)


def _print_agenda(store: Any, saved: Any) -> None:
    from mdtapp.domain.nhs_number import format_nhs_number

    decisions = {d.patient_uid: d for d in store.meeting_decisions(saved.uid)}
    print("Agenda:")
    for row in _agenda_json(store, saved.value, decisions):
        outcome = ""
        if row["decision"]:
            outcome = f"  -> {store.forms.decision_label(row['decision'])}" + (
                " (joint)" if row["joint"] else " (NOT joint)"
            )
        print(
            f"  {row['position']:2}. {store.forms.meeting.status_label(row['status']):10}  "
            f"{format_nhs_number(row['nhs_number'])}  {row['name']:28}  {row['reason']}{outcome}"
        )
    if not saved.value.agenda:
        print("  empty")


def cmd_meeting(args: argparse.Namespace) -> int:
    handler = {
        "new": _new,
        "list": _list,
        "show": _show,
        "agenda": _agenda,
        "outcomes": _outcomes,
        "letters": _letters,
    }[args.action]
    return handler(args)


def _new(args: argparse.Namespace) -> int:
    from mdtapp.domain.dates import parse_iso_date
    from mdtapp.domain.meeting import Meeting

    if not args.place:
        raise CommandError("--place: is required (a room, or 'virtual')", EXIT_BAD_INPUT)
    with open_store(args, create=False) as store:
        try:
            on = parse_iso_date(args.date) if args.date else store.today()
        except ValueError as e:
            raise CommandError(f"--date: {e}", EXIT_BAD_INPUT) from None
        agenda = [] if args.no_dashboard else store.agenda_candidates(on)
        agenda += _added(store, args.add, {i.patient_uid for i in agenda})
        meeting = Meeting(
            date=on,
            time=args.time or "14:00",
            place=args.place,
            chair=args.chair,
            attendees=_attendees(args.attendee, store),
            agenda=tuple(agenda),
        )
        saved = store.add_meeting(meeting)
        print(f"Prepared meeting {saved.uid}")
        _print_meeting(store, saved)
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    from mdtapp.domain.dates import format_date
    from mdtapp.domain.meeting import place_text, quorum

    with open_store(args, create=False) as store:
        meetings = store.meetings()
        if args.json:
            print(
                json.dumps(
                    [_meeting_json(store, m) for m in meetings], indent=2, ensure_ascii=False
                )
            )
            return EXIT_OK
        if not meetings:
            print("No meetings")
        for s in meetings:
            m = s.value
            q = quorum(m.attendees, store.forms.meeting)
            print(
                f"{s.uid[:8]}  {format_date(m.date)} {m.time}  {place_text(m.place):24}  "
                f"{len(m.agenda):3} patients  {'quorate' if q.quorate else 'NOT quorate'}"
            )
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    with open_store(args, create=False) as store:
        saved = _find(store, args.meeting)
        if args.json:
            print(json.dumps(_meeting_json(store, saved), indent=2, ensure_ascii=False))
        else:
            _print_meeting(store, saved)
    return EXIT_OK


def _agenda(args: argparse.Namespace) -> int:
    from dataclasses import replace

    with open_store(args, create=False) as store:
        saved = _find(store, args.meeting)
        if args.add:
            items = _added(store, args.add, {i.patient_uid for i in saved.value.agenda})
            saved = store.save_meeting(
                saved.uid,
                replace(saved.value, agenda=saved.value.agenda + tuple(items)),
                base_version=saved.version,
            )
        if args.json:
            decisions = {d.patient_uid: d for d in store.meeting_decisions(saved.uid)}
            print(
                json.dumps(
                    _agenda_json(store, saved.value, decisions), indent=2, ensure_ascii=False
                )
            )
        else:
            _print_agenda(store, saved)
    return EXIT_OK


def _outcomes(args: argparse.Namespace) -> int:
    from mdtapp.reports.meeting_papers import produce_outcomes

    if not args.out:
        raise CommandError("--out: is required (the PDF file to write)", EXIT_BAD_INPUT)
    with open_store(args, create=False) as store:
        saved = _find(store, args.meeting)
        pdf = produce_outcomes(store, saved.uid)
    _write_pdf(args.out, pdf)
    print(f"Wrote the outcomes summary of meeting {saved.uid[:8]} to {args.out}")
    return EXIT_OK


def _letters(args: argparse.Namespace) -> int:
    from mdtapp.reports.meeting_papers import produce_meeting_letters
    from mdtapp.reports.service import LetterNotReady
    from mdtapp.settings import Author

    if not args.folder:
        raise CommandError(
            "--folder: is required (the folder to write the letters into)", EXIT_BAD_INPUT
        )
    with open_store(args, create=False) as store:
        saved = _find(store, args.meeting)
        try:
            result = produce_meeting_letters(
                store,
                saved.uid,
                Path(args.folder),
                author=Author(args.author or "", args.role or ""),
                progress=lambda n, total, who: (
                    print(f"  {n}/{total} {who}", file=sys.stderr) if n < total else None
                ),
            )
        except LetterNotReady as e:
            raise CommandError([f"letters not written: {m.how}" for m in e.missing]) from None
    for path in result.files:
        print(f"Wrote {path}")
    if result.combined:
        print(f"Wrote {result.combined} (all {len(result.files)} letters, for printing)")
    for name in result.drafts:
        print(f"DRAFT: {name}: something in the letter is not yet signed")
    for line in result.skipped:
        print(f"Not written: {line}", file=sys.stderr)
    if not result.files:
        print("No letters: no patient of this meeting was discussed")
    return EXIT_OK
