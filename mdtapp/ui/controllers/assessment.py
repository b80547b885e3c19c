"""The assessment editor's behaviour: loading, reading what was typed, the live comparison,
drafts, signing and saving. The layout is mdtapp.ui.views.assessment; every measure is handled
through its input (one per type), so nothing here names a measure.

Beside each value: the last recording of that measure and the baseline's, and the change.
Response and the stopping criteria update as values are typed. Every change is kept as a draft
(in the codec's own encoding), so a crash or a closed window loses at most the field being
typed; reopening offers the draft back. Ctrl+S saves a new version.
"""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QCompleter, QLineEdit, QWidget

from mdtapp.domain.dates import format_date, format_timestamp
from mdtapp.domain.errors import FieldError, ValidationError
from mdtapp.domain.instruments import mrss_total, must_for, vas_cm
from mdtapp.domain.measures import CountAtSiteMeasure, Measure, MrssGridMeasure, VasMeasure
from mdtapp.domain.model import Assessment, PhotoRef, validate_assessment
from mdtapp.domain.nhs_number import format_nhs_number
from mdtapp.domain.response import (
    Comparison,
    Evaluation,
    baseline_for,
    compare,
    compare_with_previous,
    evaluate,
    same_site,
)
from mdtapp.store import codec
from mdtapp.store.errors import StoreError
from mdtapp.store.repository import PatientFile, Saved
from mdtapp.ui.session import Session
from mdtapp.ui.views.assessment import AssessmentView
from mdtapp.ui.widgets.fields import error_text, mark_errors
from mdtapp.ui.widgets.measure_inputs import CountInput, GridInput, ScaleInput
from mdtapp.ui.widgets.mrss_grid import NOT_ASSESSED
from mdtapp.ui.widgets.sign_dialog import ReasonDialog, SignDialog

if TYPE_CHECKING:
    from mdtapp.ui.views.papule_dialog import PapuleCountDialog

KIND = "assessments"
DRAFT_DELAY_MS = 300


class AssessmentEditor(AssessmentView):
    assessment_saved = Signal(str)  # the assessment's uid

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(session.forms, parent)
        self.session = session
        self.file: PatientFile | None = None
        self.record_uid: str | None = None
        self.base_version: int | None = None
        self.amend_reason = ""
        self._shown: Assessment | None = None  # as saved: what the inputs started from
        self._pending_draft: Any = None
        self._loading = False
        self._dirty = False  # typed since the draft was last kept
        self._unsaved = False  # typed since the record was last loaded or saved
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.flush_draft)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        self._wire()

    def _wire(self) -> None:
        for measure_input in self.inputs.values():
            measure_input.changed.connect(self._on_changed)
        # a full grid moves the typing on to the next field
        after = self.input_after(self.forms.assessment.mrss.key)
        if after is not None:
            self.grid.finished.connect(after.setFocus)
        self.save_button.clicked.connect(self.save)
        self.restore_button.clicked.connect(self.restore_draft)
        self.discard_button.clicked.connect(self.discard_draft)
        self.picker.activated.connect(self._on_picker_activated)
        self.sign_button.clicked.connect(self._on_sign_clicked)
        self.amend_button.clicked.connect(self._on_amend_clicked)
        for count in self.counts:
            count.photo_button.clicked.connect(lambda _=False, c=count: self.count_on_photo(c))
        QApplication.instance().focusChanged.connect(self._on_focus_changed)  # type: ignore[union-attr]

    def detach(self) -> None:
        """Stop following the application's focus (the window is closing)."""
        self.flush_draft()
        with contextlib.suppress(RuntimeError, TypeError):  # already disconnected
            QApplication.instance().focusChanged.disconnect(  # type: ignore[union-attr]
                self._on_focus_changed
            )

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        # keyboard users never type into a field they cannot see
        content = self.scroll_area.widget()
        if new is not None and content is not None and content.isAncestorOf(new):
            self.scroll_area.ensureWidgetVisible(new, 20, 20)

    # ------------------------------------------------------------ loading

    def load(self, file: PatientFile, *, assessment_uid: str | None = None) -> None:
        """Show the latest assessment (or the one asked for); offer back any unsaved draft."""
        self.flush_draft()
        self.file = file
        self.picker.blockSignals(True)
        self.picker.clear()
        self.picker.addItem("New assessment", None)
        for saved in reversed(file.assessments):
            self.picker.addItem(
                f"{format_date(saved.value.date)} — {saved.value.examiner}", saved.uid
            )
        self.picker.blockSignals(False)
        examiners = sorted({s.value.examiner for s in file.assessments})
        if isinstance(self.examiner, QLineEdit):
            self.examiner.setCompleter(QCompleter(examiners, self.examiner))
        # a new assessment is what a meeting usually needs; the picker shows the earlier ones
        target = (
            next((s for s in file.assessments if s.uid == assessment_uid), None)
            if assessment_uid
            else None
        )
        self._show(target)
        self._offer_draft()

    def new_assessment(self) -> None:
        self.flush_draft()
        self._show(None)
        self._offer_draft()

    def _on_picker_activated(self, index: int) -> None:
        uid = self.picker.itemData(index)
        self.flush_draft()
        saved = (
            next((s for s in self.file.assessments if s.uid == uid), None)
            if self.file and uid
            else None
        )
        self._show(saved)
        self._offer_draft()

    def _show(self, saved: Saved[Assessment] | None) -> None:
        self._loading = True
        self.error_banner.hide()
        self.record_uid = saved.uid if saved else None
        self.base_version = saved.version if saved else None
        if saved is None:
            self._fill_new()
            self.status.setText("New assessment — not saved yet")
            self.picker.setCurrentIndex(0)
        else:
            self._fill(saved.value)
            self.status.setText(
                f"Version {saved.version}, saved "
                f"{format_timestamp(saved.saved_at)} by {saved.saved_by}"
            )
            self.picker.setCurrentIndex(max(0, self.picker.findData(saved.uid)))
        self._loading = False
        self._dirty = False
        self._unsaved = False
        self.amend_reason = ""
        self.apply_roles()
        self._refresh()

    def _sites(self, measure: Measure) -> list[str]:
        if self.file is None or not isinstance(measure, CountAtSiteMeasure):
            return []
        return sorted({c.site for s in self.file.assessments if (c := measure.count(s.value))})

    def _fill_new(self) -> None:
        self._shown = None
        today = self.session.today()
        for key, measure_input in self.inputs.items():
            measure_input.set_value(today if key == self.forms.assessment.date.key else None)
        for count in self.counts:
            # the site defaults to the last one: counts are only compared over the same square
            measure = count.measure
            last = next(
                (
                    c
                    for a in reversed(self._history())
                    if (c := measure.count(a)) and a.date < today
                ),
                None,
            )
            count.set_sites(self._sites(measure), last.site if last else "")
        self.grid.set_current(self.grid.order[0])

    def _fill(self, a: Assessment) -> None:
        self._shown = a
        for count in self.counts:
            count.set_sites(self._sites(count.measure), "")
        for key, measure_input in self.inputs.items():
            measure_input.set_value(a.value(key))

    # ------------------------------------------------------------ signing and permissions

    def _signatures(self) -> list[Any]:
        if self.file is None or self.record_uid is None or self.base_version is None:
            return []
        return self.session.store.signatures(KIND, self.record_uid, self.base_version)

    def apply_roles(self) -> None:
        """Editable only for an account that may save assessments, and only while the shown
        version is unsigned or being amended with a reason."""
        store = self.session.store
        may_write = store.can_write(KIND)
        signed = self._signatures()
        editable = may_write and (not signed or bool(self.amend_reason))
        for measure_input in self.inputs.values():
            measure_input.set_read_only(not editable)
        self.save_button.setEnabled(editable)
        if not may_write:
            why = (
                f"Signed in as {store.principal.roles_text}: saving assessments needs the "
                "clinician role"
            )
        elif signed and not self.amend_reason:
            why = "Signed: press Amend… and give a reason to change it"
        else:
            why = "Save (Ctrl+S)"
        self.save_button.setToolTip(why)
        if signed:
            who = "; ".join(f"{x.name} ({x.role}) on {x.signed_at_text}" for x in signed)
            state = f"✔ Version {self.base_version} signed by {who}." + (
                f" Amending — reason: {self.amend_reason}" if self.amend_reason else " Read-only."
            )
        elif self.record_uid is not None:
            earlier = [
                x
                for x in store.signatures(KIND, self.record_uid)
                if self.base_version is None or x.version < self.base_version
            ]
            state = f"Version {self.base_version}: not signed."
            if earlier:
                saved = store.get(KIND, self.record_uid)
                state += (
                    f" It amends version {earlier[-1].version}, signed by "
                    f"{earlier[-1].name} on {earlier[-1].signed_at_text}"
                    + (f" (reason: {saved.change_reason})" if saved.change_reason else "")
                    + "."
                )
        else:
            state = ""
        self.signature.setText(state)
        self.sign_button.setVisible(
            store.can("clinician")
            and self.record_uid is not None
            and not any(x.username == store.user for x in signed)
        )
        self.amend_button.setVisible(may_write and bool(signed) and not self.amend_reason)

    def sign(self, password: str) -> bool:
        if self.file is None or self.record_uid is None or self.base_version is None:
            return False
        if self._dirty:
            self._show_error("Save the changes before signing: a signature covers a saved version")
            return False
        try:
            self.session.store.sign(KIND, self.record_uid, self.base_version, password)
        except StoreError as e:
            self._show_error(f"Not signed: {e}")
            return False
        self.error_banner.hide()
        self.session.notify_saved(self.file.uid)
        self.apply_roles()
        return True

    def amend(self, reason: str) -> None:
        self.amend_reason = reason.strip()
        self.apply_roles()

    def _on_sign_clicked(self) -> None:
        if self.file is None or self._shown is None:
            return
        patient = self.file.patient.value
        dialog = SignDialog(
            "Sign the assessment",
            f"Assessment of {format_date(self._shown.date)} by {self._shown.examiner} for "
            f"{patient.display_name}, NHS No. {format_nhs_number(patient.nhs_number)} "
            f"(version {self.base_version}).",
            "Signing confirms these scores as recorded. Once signed they change only by "
            "amendment, with a reason.",
            self.session.store.principal.display_name,
            self,
        )
        if dialog.exec():
            self.sign(dialog.take_password())

    def _on_amend_clicked(self) -> None:
        dialog = ReasonDialog(
            "Amend a signed assessment",
            "Why does it need changing? The reason is kept with the record and shown in its "
            "history.",
            self,
        )
        if dialog.exec() and dialog.reason.text().strip():
            self.amend(dialog.reason.text().strip())

    # ------------------------------------------------------------ reading the form

    def _history(self) -> list[Assessment]:
        """Every saved assessment but the one being edited."""
        if self.file is None:
            return []
        return [s.value for s in self.file.assessments if s.uid != self.record_uid]

    def candidate(self) -> tuple[Assessment, list[FieldError]]:
        """The assessment as typed, and what is wrong with it."""
        errors: list[FieldError] = []
        for measure_input in self.inputs.values():
            errors += measure_input.problems()
        date_key = self.forms.assessment.date.key
        values = {key: i.value() for key, i in self.inputs.items()}
        values[date_key] = values[date_key] or self.session.today()
        # measures not on screen keep what was saved
        assessment = (
            self._shown.with_values(values) if self._shown else Assessment.from_values(values)
        )
        seen = {e.field.split(".")[0] for e in errors}
        typed = {e.field for e in errors}
        errors += [
            e
            for e in validate_assessment(assessment, self.forms, self.session.today())
            if e.field.split(".")[0] not in seen and e.field not in typed
        ]
        return assessment, errors

    # ------------------------------------------------------------ live feedback

    def _on_changed(self, *_: Any) -> None:
        if self._loading:
            return
        self._dirty = True
        self._unsaved = True
        self._refresh()
        self._draft_timer.start()

    @property
    def unsaved_changes(self) -> bool:
        """Something typed (or a draft restored) that is not saved as a version yet."""
        return self._unsaved and self.session.store.can_write(KIND)

    def evaluation(self) -> Evaluation | None:
        if self.file is None:
            return None
        candidate, _ = self.candidate()
        history = [a for a in self._history() if a.date != candidate.date] + [candidate]
        return evaluate(
            history,
            first_infusion=self.file.record.first_infusion,
            forms=self.forms,
            at=candidate.date,
        )

    def _refresh(self) -> None:
        if self.file is None:
            return
        self.grid_input.body.set_values(self.grid.values())
        self.grid_input.body.set_current(self.grid.current)
        candidate, _ = self.candidate()
        mrss = self.forms.mrss
        total = mrss_total(self.grid.domain_scores(), mrss)
        blanks = self.grid.blanks()
        if blanks and len(blanks) < len(self.grid.order):
            self.mrss_total.setText(
                f"{mrss.short_title} {total.total} so far — {len(blanks)} of "
                f"{len(self.grid.order)} areas still to score"
            )
        elif not blanks:
            self.mrss_total.setText(f"{mrss.short_title} {total.text}")
        else:
            self.mrss_total.setText(f"{mrss.short_title} not scored")
        history = [a for a in self._history() if a.date != candidate.date]
        # "last time" is read per measure: the most recent earlier assessment that recorded it
        vs_prev = {c.measure: c for c in compare_with_previous(history, candidate, self.forms)}
        baseline = baseline_for(
            [*history, candidate], self.file.record.first_infusion, candidate.date
        )
        vs_base = (
            {c.measure: c for c in compare(baseline, candidate, self.forms)} if baseline else {}
        )
        by_date = {a.date: a for a in history}
        for key, measure_input in self.inputs.items():
            measure = measure_input.measure
            last = vs_prev.get(key)
            before = by_date.get(last.before_date) if last and last.before_date else None
            text = self._history_text(measure, last, vs_base.get(key), baseline, by_date)
            if isinstance(measure_input, GridInput) and isinstance(measure, MrssGridMeasure):
                scores = measure.scores(before) if before else None
                self.grid.set_previous(
                    {k: (v if v is not None else NOT_ASSESSED) for k, v in scores.items()}
                    if scores
                    else None
                )
                measure_input.history.setText(text)
            elif isinstance(measure_input, ScaleInput):
                measure_input.vas.set_previous(last.before if last else None)
                measure_input.vas.history.setText(text)
            elif isinstance(measure_input, CountInput):
                measure_input.history.setText(text)
                self._warn_site(measure_input, history, candidate, last)
                self._show_photo_count(measure_input, candidate)
        self.must.setText(self._must_text(candidate))
        self.flags.show_evaluation(self.evaluation())

    def _warn_site(
        self,
        count: CountInput,
        history: list[Assessment],
        now: Assessment,
        compared: Comparison | None,
    ) -> None:
        """Counts are compared only over the same site: say so as soon as the site differs."""
        measure = count.measure
        earlier = [a for a in history if a.date < now.date and measure.count(a)]
        latest = measure.count(earlier[-1]) if earlier else None
        site = count.site_text()
        if latest is None or not site or same_site(site, latest.site):
            count.warning.hide()
            return
        if compared is not None and compared.comparable and compared.before_date:
            then = f"compared with the count over this site on {format_date(compared.before_date)}"
        else:
            then = "the counts will not be compared"
        count.warning.setText(f"⚠ Site differs from last time ({latest.site}): {then}")
        count.warning.show()

    def _show_photo_count(self, count: CountInput, now: Assessment) -> None:
        """The count stays linked to the photo it was made on: said beside the field, and
        said when the number typed here is not the photo's."""
        site = count.site_text()
        made = [
            p.count
            for p in now.photos
            if p.count is not None and p.count.count is not None and same_site(p.view, site)
        ]
        typed = count.value()
        if not made:
            count.photo_note.hide()
            return
        marks = made[-1]
        size = marks.real_side_mm()
        on = f"{marks.count} marks inside the square" + (
            f" ({size} mm across)" if size is not None else ""
        )
        if typed is not None and typed.count == marks.count:
            count.photo_note.setText(f"✔ Counted on the {marks.view} photo: {on}.")
        else:
            count.photo_note.setText(
                f"⚠ The {marks.view} photo holds {on}; the count here is not that count."
            )
        count.photo_note.show()

    def _must_text(self, a: Assessment) -> str:
        if self.file is None:
            return ""
        must = must_for(a, self.file.patient.value.height_cm, self.forms.must)
        return f"<b>{escape(must.text)}</b><br>" + "<br>".join(escape(s) for s in must.steps)

    def _history_text(
        self,
        measure: Measure,
        last: Comparison | None,
        base: Comparison | None,
        baseline: Assessment | None,
        by_date: dict[date, Assessment],
    ) -> str:
        parts = []
        for label, comparison in (("Last", last), ("Baseline", base)):
            if comparison is None:
                continue
            when = comparison.before_date
            if when is None:
                dated = (
                    f" ({format_date(baseline.date)})" if label == "Baseline" and baseline else ""
                )
                parts.append(f"{label}{dated}: not recorded")
                continue
            other = by_date.get(when)
            before = comparison.before
            if isinstance(measure, MrssGridMeasure) and other is not None:
                shown = mrss_total(measure.scores(other), self.forms.mrss).text
            elif isinstance(measure, VasMeasure):
                shown = vas_cm(before)
            else:
                shown = str(before)
            stamp = f"{label} {shown} ({format_date(when)})"
            if comparison.comparable:
                note = f"; {comparison.note}" if comparison.note else ""
                parts.append(f"{stamp}, change {comparison.change_text}{note}")
            elif comparison.after is None:
                parts.append(stamp)
            else:
                parts.append(f"{stamp}: not compared")
        return " · ".join(parts) if parts else "No earlier assessment"

    # ------------------------------------------------------------ drafts

    def _draft_data(self) -> dict[str, Any]:
        candidate, _ = self.candidate()
        typed: dict[str, str] = {}
        for measure_input in self.inputs.values():
            typed.update(measure_input.as_typed())
        return codec.encode_draft(
            candidate, self.forms, not_scored=self.grid_input.not_scored(), as_typed=typed
        )

    def _apply_draft(self, data: dict[str, Any]) -> None:
        draft = codec.decode_draft(data, self.forms)
        self._loading = True
        if draft.assessment is not None:
            shown = self._shown
            self._fill(draft.assessment)
            self._shown = shown  # still the saved version it was typed over
        self.grid_input.leave_unscored(draft.not_scored)
        for measure_input in self.inputs.values():
            measure_input.restore_typed(draft.as_typed)
        self._loading = False
        self._dirty = True
        self._refresh()

    def flush_draft(self) -> None:
        """Keep what is typed now (called on a timer, on leaving, and on close)."""
        self._draft_timer.stop()
        if self.file is None or not self._dirty or not self.session.store.can_write(KIND):
            return
        try:
            self.session.store.save_draft(
                self.file.uid,
                KIND,
                self._draft_data(),
                record_uid=self.record_uid,
                base_version=self.base_version,
            )
        except StoreError as e:
            self._show_error(f"The draft could not be kept: {e}")
            return
        self._dirty = False

    def _offer_draft(self) -> None:
        self.draft_banner.hide()
        if self.file is None:
            return
        drafts = [
            d
            for d in self.session.store.drafts(self.file.uid, KIND)
            if d.record_uid == self.record_uid
        ]
        if not drafts:
            return
        draft = drafts[0]
        when = format_timestamp(draft.updated_at)
        kept = codec.decode_draft(draft.data, self.forms)
        date_key = self.forms.assessment.date.key
        typed_date = kept.as_typed.get(date_key)
        dated = escape(
            typed_date
            if typed_date
            else format_date(kept.assessment.date)
            if kept.assessment
            else "?"
        )
        if draft.record_uid is None:
            text = (
                f"⚠ An unsaved new assessment (dated {dated}) was kept at {when}. "
                "Restore it to carry on?"
            )
        else:
            text = (
                f"⚠ Unsaved changes to this assessment (dated {dated}) were kept at {when}. "
                "Restore them to carry on?"
            )
        self.draft_text.setText(text)
        self._pending_draft = draft
        self.draft_banner.show()

    def restore_draft(self) -> None:
        draft = self._pending_draft
        if draft is None:
            return
        self.base_version = draft.base_version if draft.record_uid else None
        self._apply_draft(draft.data)
        self._unsaved = True
        self.draft_banner.hide()
        self.status.setText("Draft restored — not saved yet")

    def discard_draft(self) -> None:
        if self.file is not None:
            self.session.store.discard_draft(self.file.uid, KIND, self.record_uid)
        self.draft_banner.hide()

    # ------------------------------------------------------------ counting on the photo

    def count_on_photo(self, count: CountInput) -> PapuleCountDialog | None:
        """Open the counter on this assessment's photo of the site (offering to add one when
        there is none); "Use this count" there saves the count, its site and the marks as a
        new version of this assessment, which is then shown. Returns the open counter."""
        dialog = self.photo_counter(count)
        if dialog is not None:
            dialog.finished.connect(lambda _result: self._after_counting(dialog))
            dialog.resize(self.window().size() * 0.95)
            dialog.open()  # modal, without blocking: the editor shows the result when it closes
        return dialog

    def photo_counter(self, count: CountInput) -> PapuleCountDialog | None:
        from mdtapp.ui.controllers.photo_count import count_dialog
        from mdtapp.ui.widgets.photo_canvas import upright_image

        if self.file is None:
            return None
        if self.record_uid is None or self.base_version is None:
            self._show_error(
                "Save the assessment first (Ctrl+S): photos belong to a saved assessment"
            )
            return None
        if self._unsaved:
            self._show_error(
                "Save the changes first (Ctrl+S): the count on the photo is saved as a new "
                "version of the saved assessment"
            )
            return None
        saved = next((s for s in self.file.assessments if s.uid == self.record_uid), None)
        if saved is None:
            return None
        site = count.site_text()
        found = [i for i, p in enumerate(saved.value.photos) if not site or same_site(p.view, site)]
        if not found:
            if not self.session.store.can_write(KIND):
                self._show_error(
                    f"No photo of the {site or 'site'} in this assessment: adding one needs the "
                    "clinician role"
                )
                return None
            if not site:
                self._show_error(
                    f"Name the {count.measure.site_hint} first: the photo is added under it"
                )
                return None
            saved = self._add_site_photo(saved, site)
            if saved is None:
                return None
            found = [len(saved.value.photos) - 1]
        index = found[0] if len(found) == 1 else self.choose_photo(saved, found)
        if index is None:
            return None
        photo = saved.value.photos[index]
        content, _ = self.session.store.photo(self.file.uid, photo.sha256)
        self.error_banner.hide()
        return count_dialog(
            self.session,
            self.file.uid,
            saved,
            index,
            upright_image(content),
            title=f"{photo.view}, {format_date(saved.value.date)}",
            reason=self.amend_reason,
            parent=self,
        )

    def ask_photo_file(self, site: str) -> Path | None:
        """The photo to add for `site` (None: not now). A question, then a file dialog; tests
        replace this."""
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        answer = QMessageBox.question(
            self,
            "No photo of the site",
            f"This assessment has no photo of the {site}. Add one now?",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return None
        name, _ = QFileDialog.getOpenFileName(
            self, f"Photo of the {site}", "", "Images (*.jpg *.jpeg *.png)"
        )
        return Path(name) if name else None

    def choose_photo(self, saved: Saved[Assessment], found: list[int]) -> int | None:
        """Which of several photos of the site to count on (tests replace this)."""
        from PySide6.QtWidgets import QInputDialog

        names = [f"{i + 1}. {saved.value.photos[i].view}" for i in found]
        name, ok = QInputDialog.getItem(self, "Count papules", "Photo", names, 0, False)
        return found[names.index(name)] if ok and name in names else None

    def _add_site_photo(self, saved: Saved[Assessment], site: str) -> Saved[Assessment] | None:
        """The photo chosen, cleaned and stored, and added to this assessment (one version)."""
        from mdtapp.store.images import read_photo

        assert self.file is not None
        path = self.ask_photo_file(site)
        if path is None:
            return None
        store = self.session.store
        try:
            photo = read_photo(path, self.forms.photos)
            digest = store.add_photo(self.file.uid, photo.content, photo.media_type)
            added = dataclasses.replace(
                saved.value,
                photos=(*saved.value.photos, PhotoRef(site, digest, photo.media_type)),
            )
            new = store.save(
                KIND,
                self.file.uid,
                added,
                uid=saved.uid,
                base_version=saved.version,
                reason=self.amend_reason or f"photo added: {site}",
            )
        except (ValueError, StoreError) as e:
            self._show_error(f"Photo not added: {e}")
            return None
        self.session.notify_saved(self.file.uid)
        self._reload(new.uid)
        return new

    def follow(self, file: PatientFile) -> None:
        """Another tab saved this patient. What is being typed is kept; a saved assessment on
        screen with nothing typed shows its newest version (a photo, or its count, saved from
        the Photos tab), so that a save from here does not start from an old one."""
        self.file = file
        if self.record_uid is None or self._unsaved:
            return
        current = next((s for s in file.assessments if s.uid == self.record_uid), None)
        if current is not None and current.version != self.base_version:
            self.load(file, assessment_uid=current.uid)

    def _after_counting(self, dialog: PapuleCountDialog) -> None:
        dialog.deleteLater()
        if self.file is not None and self.record_uid is not None:
            self._reload(self.record_uid)

    def _reload(self, uid: str) -> None:
        """Show the assessment as now stored (after the counter or a photo saved it)."""
        assert self.file is not None
        current = self.session.store.get(KIND, uid)
        if current.version != self.base_version:
            self.file = self.session.store.load(self.file.uid)
            self.load(self.file, assessment_uid=uid)

    def saved_date(self) -> date | None:
        """The date of the assessment on screen, if it is saved (for letters and forms)."""
        if self.file is None or self.record_uid is None:
            return None
        saved = next((a for a in self.file.assessments if a.uid == self.record_uid), None)
        return saved.value.date if saved else None

    # ------------------------------------------------------------ saving

    def _show_error(self, text: str) -> None:
        self.save_error.setText(text)
        self.error_banner.show()

    def _targets(self) -> dict[str, QWidget]:
        targets: dict[str, QWidget] = {}
        for measure_input in self.inputs.values():
            targets.update(measure_input.targets())
        return targets

    def _mark_errors(self, errors: list[FieldError]) -> None:
        mark_errors(self._targets(), errors)

    def _errors_text(self, errors: list[FieldError]) -> str:
        """Each problem named as the form labels the field, never by its internal key."""
        return "Not saved: " + error_text(self._targets(), errors).replace("\n", "; ")

    def save(self) -> bool:
        if self.file is None:
            return False
        if not self.session.store.can_write(KIND):
            self._show_error(f"Not saved: {self.save_button.toolTip()}")
            return False
        self.flush_draft()
        assessment, errors = self.candidate()
        self._mark_errors(errors)
        if errors:
            self._show_error(self._errors_text(errors))
            return False
        store = self.session.store
        try:
            saved = store.save(
                KIND,
                self.file.uid,
                assessment,
                uid=self.record_uid,
                base_version=self.base_version,
                reason=self.amend_reason,
            )
        except ValidationError as e:
            self._mark_errors(list(e.errors))
            self._show_error(self._errors_text(list(e.errors)))
            return False
        except StoreError as e:
            # what was typed stays on screen and in the draft
            self._dirty = True
            self.flush_draft()
            self._show_error(f"Not saved: {e}")
            return False
        self.error_banner.hide()
        self.session.notify_saved(self.file.uid)
        self.file = store.load(self.file.uid)
        self.load(self.file, assessment_uid=saved.uid)
        self.status.setText(f"Saved {datetime.now().strftime('%H:%M')} — version {saved.version}")
        self.assessment_saved.emit(saved.uid)
        return True
