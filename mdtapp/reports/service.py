"""Producing a letter or a form from the store: which assessment, since when, who, audited."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from mdtapp.domain.dates import format_date
from mdtapp.settings import Author, Letterhead, Settings, centre_settings
from mdtapp.store.errors import RecordNotFound, StoreError
from mdtapp.store.repository import PatientFile, Saved, Store
from mdtapp.store.security import Principal

if TYPE_CHECKING:
    from mdtapp.domain.model import Assessment, Decision
    from mdtapp.reports.letter import MeetingNote
    from mdtapp.reports.photos_pdf import SitePhoto


@dataclass(frozen=True)
class Produced:
    pdf: bytes
    assessment_uid: str | None
    assessment_date: date | None


@dataclass(frozen=True)
class Missing:
    """Something a letter needs before it is printed (domain.md section 7)."""

    key: str  # "letterhead.centre", "author.name" or "author.role"
    label: str  # as the app asks for it
    how: str  # how the command line is given it


MISSING = {
    m.key: m
    for m in (
        Missing(
            "letterhead.centre",
            "The centre's name, for the letterhead",
            "the centre's letterhead is not set: mdtapp settings --centre NAME (an "
            "administrator; or Settings in the app)",
        ),
        Missing(
            "author.name",
            "Your name as printed on the letter",
            "the letter's author has no name: give --author NAME, or set the default author with "
            "mdtapp settings --author-name NAME",
        ),
        Missing(
            "author.role",
            "Your role as printed on the letter",
            "the letter's author has no role: give --role ROLE (e.g. 'Consultant dermatologist'), "
            "or set the default with mdtapp settings --author-role ROLE",
        ),
    )
}


class LetterNotReady(StoreError):
    """A letter is never printed with a placeholder: what is missing is asked for first."""

    def __init__(self, missing: list[Missing]):
        self.missing = missing
        super().__init__("; ".join(f"Not printed: {m.how}" for m in missing))


@dataclass(frozen=True)
class LetterSettings:
    letterhead: Letterhead
    author: Author
    missing: list[Missing]


# the account roles that say what a person does, as a letter prints them
ACCOUNT_ROLES = {"clinician": "clinician", "pharmacist": "pharmacist"}


def account_author(principal: Principal) -> Author:
    """The signed-in account as a letter's author: its name, unless that is only the login
    name, and its role in words (empty when the account's roles say nothing of the person)."""
    name = principal.display_name.strip()
    if name == principal.username:
        name = ""  # a login name is never printed where a person's name belongs
    roles = [ACCOUNT_ROLES[r] for r in ACCOUNT_ROLES if principal.has(r)]
    return Author(name, " and ".join(roles))


def letter_settings(
    store: Store,
    *,
    author: Author | None = None,
    letterhead: Letterhead | None = None,
    settings: Settings | None = None,
) -> LetterSettings:
    """The letterhead and author a letter is printed with, and what is missing.

    The one place letters read the centre's settings: the letterhead, and the default author,
    who comes before the signed-in account. An author or letterhead given (typed in the app,
    or on the command line) comes first."""
    settings = settings or centre_settings(store)
    head = letterhead or settings.letterhead
    given = author or Author()
    chosen = given
    if not given.name.strip():  # a role given alone goes with the default author's name
        default = settings.author
        base = default if default.name.strip() else account_author(store.principal)
        chosen = Author(base.name, given.role.strip() or base.role)
    missing = []
    if not head.configured or not head.centre.strip():
        missing.append(MISSING["letterhead.centre"])
    if not chosen.name.strip():
        missing.append(MISSING["author.name"])
    if not chosen.role.strip():
        missing.append(MISSING["author.role"])
    return LetterSettings(head, chosen, missing)


def pick_assessment(file: PatientFile, on: date | None) -> Saved:  # type: ignore[type-arg]
    if not file.assessments:
        raise RecordNotFound("This patient has no assessment yet: a letter needs one")
    if on is None:
        return file.assessments[-1]
    saved = file.saved_assessment(on)
    if saved is None:
        dates = ", ".join(s.value.date.isoformat() for s in file.assessments[-5:])
        raise RecordNotFound(f"No assessment dated {on.isoformat()} (latest: {dates})")
    return saved


def last_letter_date(store: Store, patient_uid: str, before: date) -> date | None:
    """The assessment date of the latest letter already produced for an earlier assessment."""
    dates = []
    for entry in store.audit_entries(patient_uid=patient_uid):
        if entry.action == "letter" and entry.entity == "assessments":
            try:
                saved = store.get("assessments", entry.entity_uid)
            except RecordNotFound:
                continue
            if saved.value.date < before:
                dates.append(saved.value.date)
    return max(dates) if dates else None


def produce_letter(
    store: Store,
    patient_uid: str,
    *,
    on: date | None = None,
    author: Author | None = None,
    settings: Settings | None = None,
    destination: str = "",
    letterhead: Letterhead | None = None,
    photos: bool = False,
) -> Produced:
    """The letter for an assessment (default: the latest). Refused (LetterNotReady, naming
    each) when the letterhead or the author's name or role is missing. `photos`: with the
    photos of the papule site, their squares, marks and counts (off by default: letters go
    by post)."""
    from mdtapp.reports.letter import LetterRequest, build_letter, decision_for

    ready = letter_settings(store, author=author, letterhead=letterhead, settings=settings)
    if ready.missing:
        raise LetterNotReady(ready.missing)
    file = store.load(patient_uid)
    saved = pick_assessment(file, on)
    when = saved.value.date
    decision = decision_for(file.record, when)
    saved_decision = next((s for s in file.decisions if s.value is decision), None)
    signatures = signatures_for(store, saved)
    decision_signatures = signatures_for(store, saved_decision) if saved_decision else ()
    unsigned = []
    if not signatures:
        unsigned.append(f"the assessment of {format_date(when)}")
    if decision is not None and not decision_signatures:
        unsigned.append(f"the MDT decision of {format_date(decision.date)}")
    saved_regimen = next(
        (s for s in file.regimens if s.value is file.record.regimen_on(when)), None
    ) or (file.regimens[-1] if file.regimens else None)
    request = LetterRequest(
        meeting=meeting_note(store, decision) if decision is not None else None,
        dose_verification=dose_verification_text(store, saved_regimen) if saved_regimen else "",
        record=file.record,
        assessment_date=when,
        forms=store.forms,
        letter_date=store.today(),
        produced_at=store.clock().astimezone(),
        letterhead=ready.letterhead,
        author=ready.author,
        infusions_since=last_letter_date(store, patient_uid, when),
        signatures=signatures,
        decision_signatures=decision_signatures,
        unsigned=tuple(unsigned),
    )
    if photos:
        request = replace(request, site_photos=site_photos_for(store, file, saved.value))
    pdf = build_letter(request)
    # a letter carries identifiable data: that it was produced, for what and by whom is kept
    store.record_event(
        "letter",
        patient_uid=patient_uid,
        entity="assessments",
        entity_uid=saved.uid,
        detail=f"letter for the assessment of {format_date(when)}"
        + (" (DRAFT: not signed)" if unsigned else "")
        + (f" to {destination}" if destination else ""),
    )
    return Produced(pdf, saved.uid, when)


def meeting_note(store: Store, decision: Decision) -> MeetingNote | None:
    """Where and when the decision's meeting was, who was present then, and whether it was
    joint, with the missing roles when not (forms/meeting.toml's quorum): None outside one."""
    from mdtapp.domain.meeting import attendee_text, place_text, quorum
    from mdtapp.reports.letter import MeetingNote

    if decision.meeting_uid is None:
        return None
    try:
        meeting = store.meeting(decision.meeting_uid).value
    except RecordNotFound:
        return None
    rules = store.forms.meeting
    q = quorum(decision.present, rules)
    if decision.joint:
        joint = f"Joint decision: the quorum was present ({rules.quorum_needs()})"
    else:
        missing = ", ".join(f"no {m.lower()}" for m in q.missing) or "not quorate"
        joint = f"NOT a joint decision ({missing} present when it was taken)"
    return MeetingNote(
        when=f"{format_date(meeting.date)} at {meeting.time}",
        place=place_text(meeting.place),
        present=tuple(attendee_text(a, rules) for a in decision.present),
        joint=joint,
    )


def dose_verification_text(store: Store, saved: Saved) -> str:  # type: ignore[type-arg]
    """Whether this version of the dose plan was verified, by whom and when (domain.md 6a)."""
    v = store.verification(saved.uid, saved.version)
    if v is None:
        return "Awaiting pharmacist verification"
    return f"Verified by {v.name} (Ig pharmacist) on {v.signed_at_text}"


def site_photos_for(store: Store, file: PatientFile, now: Assessment) -> tuple[SitePhoto, ...]:
    """The photos of the papule site at baseline, previous and now, with their stored bytes."""
    from mdtapp.domain.papule_count import site_photos
    from mdtapp.reports.photos_pdf import SitePhoto

    record = file.record
    chosen = site_photos(record.assessments, now, record.first_infusion)
    return tuple(SitePhoto(ref, store.photo(file.uid, ref.photo.sha256)[0]) for ref in chosen)


def signatures_for(store: Store, saved: Saved) -> tuple:  # type: ignore[type-arg]
    """Who signed this version of the record."""
    from mdtapp.reports.letter import Signature

    return tuple(
        Signature(
            s.name if s.name.strip() != s.username else "", s.username, s.role, s.signed_at_text
        )
        for s in store.signatures(saved.kind, saved.uid, saved.version)
    )


def produce_form(
    store: Store | None,
    patient_uid: str | None,
    *,
    filled: bool = False,
    on: date | None = None,
    destination: str = "",
    photos: bool = False,
) -> Produced:
    """Blank (no patient), labelled (a patient), or filled (filled=True: the assessment dated
    `on`, or the latest); a filled one with `photos` ends with the papule site's photos."""
    from mdtapp.reports.forms_pdf import build_form

    if store is None or patient_uid is None:
        return Produced(build_form(None, None, forms=None, produced_at=datetime.now()), None, None)
    file = store.load(patient_uid)
    saved = pick_assessment(file, on) if filled else None
    pdf = build_form(
        file.record,
        saved.value if saved else None,
        forms=store.forms,
        produced_at=store.clock().astimezone(),
        site_photos=site_photos_for(store, file, saved.value) if saved and photos else (),
    )
    store.record_event(
        "form",
        patient_uid=patient_uid,
        entity="assessments" if saved else "",
        entity_uid=saved.uid if saved else "",
        detail=(
            f"filled form for the assessment of {format_date(saved.value.date)}"
            if saved
            else "blank form with the patient's label"
        )
        + (f" to {destination}" if destination else ""),
    )
    return Produced(pdf, saved.uid if saved else None, saved.value.date if saved else None)
