"""Storing the marks made on one photo of one assessment, and "Use this count".

Each is one store.save of the assessment: a new version, audited, from the version the counter
was opened on (another window's save since is refused, never overwritten). "Use this count"
also sets the assessment's papule count and site, in the same version, from the marks inside
the square and the photo's view (mdtapp.domain.papule_count.with_photo_count). A signed
version changes only by amendment: the reason is asked for first. Only a clinician may save.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from mdtapp.domain.errors import FieldError, ValidationError
from mdtapp.domain.model import Assessment
from mdtapp.domain.papule_count import PapuleCount, count_limit, with_photo_count
from mdtapp.store.errors import StoreError
from mdtapp.store.repository import Saved
from mdtapp.ui.session import Session
from mdtapp.ui.widgets.sign_dialog import ReasonDialog

if TYPE_CHECKING:
    from mdtapp.ui.views.papule_dialog import PapuleCountDialog

KIND = "assessments"


@dataclass
class Outcome:
    """What a save did: `version` when stored, else `problem` (what the counter shows)."""

    version: int | None = None
    problem: str = ""

    @property
    def saved(self) -> bool:
        return self.version is not None


class PhotoCountSaver:
    """Saves the marks on photo `index` of the assessment `assessment_uid`."""

    def __init__(
        self,
        session: Session,
        patient_uid: str,
        assessment_uid: str,
        index: int,
        *,
        base_version: int,
        reason: str = "",
        parent: QWidget | None = None,
    ):
        self.session = session
        self.patient_uid = patient_uid
        self.assessment_uid = assessment_uid
        self.index = index
        self.base_version = base_version
        self.reason = reason  # an amendment's reason already given (the editor's Amend…)
        self.parent = parent

    @property
    def may_save(self) -> bool:
        return self.session.store.can_write(KIND)

    @property
    def why_not(self) -> str:
        store = self.session.store
        return (
            f"Signed in as {store.principal.roles_text}: saving assessments needs the "
            "clinician role"
        )

    def signed(self) -> bool:
        return bool(self.session.store.signatures(KIND, self.assessment_uid, self.base_version))

    def ask_reason(self) -> str:
        """The amendment's reason, asked in a dialog ("" when cancelled). Tests replace this."""
        dialog = ReasonDialog(
            "Amend a signed assessment",
            "This assessment is signed: storing the marks makes an amended version. Why does it "
            "need changing? The reason is kept with the record and shown in its history.",
            self.parent,
        )
        return dialog.reason.text().strip() if dialog.exec() else ""

    def save(self, count: PapuleCount, *, use: bool) -> Outcome:
        """Store `count` with the photo; with `use`, also as the assessment's papule count."""
        verb = "used" if use else "saved"
        if not self.may_save:
            return Outcome(problem=f"Not {verb}: {self.why_not}.")
        store = self.session.store
        try:
            saved = store.get(KIND, self.assessment_uid)
            photo = saved.value.photos[self.index]
        except (StoreError, IndexError):
            return Outcome(problem=f"Not {verb}: the assessment or its photo is no longer there.")
        reason = self.reason
        if not reason:
            if self.signed():
                reason = self.ask_reason()
                if not reason:
                    return Outcome(
                        problem=f"Not {verb}: a signed assessment changes only by amendment, "
                        "with a reason."
                    )
            else:
                what = "papule count from" if use else "papule marks on"
                reason = f"{what} the {photo.view} photo"
        try:
            value = with_photo_count(saved.value, self.index, count, forms=store.forms, use=use)
            new = store.save(
                KIND,
                self.patient_uid,
                value,
                uid=self.assessment_uid,
                base_version=self.base_version,
                reason=reason,
            )
        except ValidationError as e:
            return Outcome(problem=f"Not {verb}: {self._named(list(e.errors))}")
        except StoreError as e:
            return Outcome(problem=f"Not {verb}: {e}")
        self.base_version = new.version
        if self.reason:
            self.reason = ""  # the amendment is made: the next change starts from it
        self.session.notify_saved(self.patient_uid)
        return Outcome(version=new.version)

    def _named(self, errors: list[FieldError]) -> str:
        """Each problem by the counter's own names ("marks", "square") where it is the
        count's, else by the assessment's field."""
        prefix = f"photos[{self.index}].count."
        return "; ".join(
            f"{e.field.removeprefix(prefix)}: {e.message}" if e.field.startswith(prefix) else str(e)
            for e in errors
        )


def count_dialog(
    session: Session,
    patient_uid: str,
    saved: Saved[Assessment],
    index: int,
    image: QImage,
    *,
    title: str,
    reason: str = "",
    parent: QWidget | None = None,
) -> PapuleCountDialog:
    """The counter over photo `index` of a saved assessment, saving to that assessment."""
    photo = saved.value.photos[index]
    saver = PhotoCountSaver(
        session,
        patient_uid,
        saved.uid,
        index,
        base_version=saved.version,
        reason=reason,
        parent=parent,
    )
    from mdtapp.ui.views.papule_dialog import PapuleCountDialog

    return PapuleCountDialog(
        session.forms.photos,
        image,
        view=photo.view,
        title=title,
        max_count=count_limit(session.forms),
        count=photo.count,
        saver=saver,
        parent=parent,
    )
