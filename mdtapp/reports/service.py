"""Producing a letter or a form from the store: which assessment, since when, who, audited."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from mdtapp.domain.dates import format_date
from mdtapp.settings import Author, Settings, centre_settings
from mdtapp.store.errors import RecordNotFound
from mdtapp.store.repository import PatientFile, Saved, Store

if TYPE_CHECKING:
    from mdtapp.domain.model import Assessment
    from mdtapp.reports.photos_pdf import SitePhoto


@dataclass(frozen=True)
class Produced:
    pdf: bytes
    assessment_uid: str | None
    assessment_date: date | None


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
    photos: bool = False,
) -> Produced:
    """`photos`: with the photos of the papule site, their squares, marks and counts (off by
    default: letters go by post)."""
    from mdtapp.reports.letter import LetterRequest, build_letter

    settings = settings or centre_settings(store)
    file = store.load(patient_uid)
    saved = pick_assessment(file, on)
    when = saved.value.date
    request = LetterRequest(
        record=file.record,
        assessment_date=when,
        forms=store.forms,
        letter_date=store.today(),
        produced_at=store.clock().astimezone(),
        letterhead=settings.letterhead,
        author=author or settings.author,
        infusions_since=last_letter_date(store, patient_uid, when),
        signatures=signatures_for(store, saved),
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
        + (f" to {destination}" if destination else ""),
    )
    return Produced(pdf, saved.uid, when)


def site_photos_for(store: Store, file: PatientFile, now: Assessment) -> tuple[SitePhoto, ...]:
    """The photos of the papule site at baseline, previous and now, with their stored bytes."""
    from mdtapp.domain.papule_count import site_photos
    from mdtapp.reports.photos_pdf import SitePhoto

    record = file.record
    chosen = site_photos(record.assessments, now, record.first_infusion)
    return tuple(SitePhoto(ref, store.photo(file.uid, ref.photo.sha256)[0]) for ref in chosen)


def signatures_for(store: Store, saved: Saved) -> tuple:  # type: ignore[type-arg]
    """Who signed this version of the assessment (filled in once signing exists)."""
    finder = getattr(store, "signatures", None)
    if finder is None:
        return ()
    from mdtapp.reports.letter import Signature

    return tuple(
        Signature(s.name, s.role, s.signed_at_text)
        for s in finder("assessments", saved.uid, saved.version)
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
